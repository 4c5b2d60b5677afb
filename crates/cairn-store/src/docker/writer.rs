//! Applying a plan to a Docker Engine. The daemon has no lock cairn could take: the state is
//! read again and planned again right before, and nothing is done unless that gives the
//! steps shown. Each step is one API call that does exactly one thing (untag one name,
//! delete one image without pruning), and its answer must be the records the plan
//! expected; at the first answer that differs, cairn stops and says what was done.

use super::DockerStore;
use super::client::Client;
use crate::error::{Result, StoreError};
use cairn_core::Catalog;
use cairn_core::reference::split_tag;
use cairn_core::removal::Step;

/// Re-plans on the daemon's state now and, if the steps are still `preview`, applies them.
pub fn apply<F>(store: &DockerStore, preview: &[Step], replan: F) -> Result<()>
where
    F: FnOnce(&Catalog) -> Vec<Step>,
{
    let client = Client::connect(&store.host)?;
    let catalog = Catalog::new(super::read(&client)?);
    if replan(&catalog) != preview {
        return Err(StoreError::Changed);
    }
    for (done, step) in preview.iter().enumerate() {
        let stopped = |what: String| StoreError::stopped(&store.host, done, preview.len(), &what);
        let (answer, expected) = match step {
            Step::DockerUntag {
                name,
                force,
                records,
                ..
            } => (client.remove(name, *force), records),
            Step::DockerDelete {
                image,
                force,
                records,
            } => (client.remove(&format!("sha256:{image}"), *force), records),
            Step::DockerTag { image, name } => {
                let (repository, tag) = split_tag(name);
                let tag = tag.unwrap_or("latest");
                client
                    .tag(&format!("sha256:{image}"), repository, tag)
                    .map_err(|e| stopped(format!("tagging {name}: {e}")))?;
                continue;
            }
            Step::SetNames { .. }
            | Step::DeleteContainer { .. }
            | Step::DeleteImage { .. }
            | Step::Registry(_)
            | Step::DeleteLayer { .. } => {
                return Err(StoreError::Unsupported(
                    "a containers-storage step cannot change a Docker Engine".into(),
                ));
            }
        };
        let answer = answer.map_err(|e| stopped(format!("Docker refused: {e}")))?;
        if &answer != expected {
            return Err(stopped(format!(
                "Docker answered {answer:?} where the preview said {expected:?}"
            )));
        }
    }
    Ok(())
}
