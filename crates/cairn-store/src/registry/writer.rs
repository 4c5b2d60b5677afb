//! Applying a registry plan: each step is one request (after the checks it needs), and
//! right before each the tags it touches are asked again: at the first that no longer
//! points where the preview said, cairn stops and says which steps were done.

use super::client::Client;
use crate::digest::Digest;
use crate::distribution::Manifest;
use crate::error::{Result, StoreError};
use cairn_core::reference::split_tag;
use cairn_core::removal::Step;
use cairn_core::removal::registry::RegistryStep;

/// A full repository name (`HOST/REPOSITORY`) as a path of this registry's API.
pub fn path(host: &str, repository: &str) -> String {
    repository
        .strip_prefix(host)
        .and_then(|r| r.strip_prefix('/'))
        .unwrap_or(repository)
        .to_string()
}

/// Applies `steps` in order, stopping at the first that cannot be done as previewed.
pub fn apply(client: &Client, steps: &[Step]) -> Result<()> {
    for (done, step) in steps.iter().enumerate() {
        let Step::Registry(step) = step else {
            return Err(StoreError::Unsupported(
                "only a registry's steps change a registry".into(),
            ));
        };
        one(client, step)
            .map_err(|what| StoreError::stopped(&client.host, done, steps.len(), &what))?;
    }
    Ok(())
}

/// One step; `Err` says why it was not done.
fn one(client: &Client, step: &RegistryStep) -> std::result::Result<(), String> {
    let host = &client.host;
    match step {
        RegistryStep::Delete {
            repository,
            digest,
            tags,
        } => {
            let repo = path(host, repository);
            for tag in tags {
                expect(client, tag, Some(digest))?;
            }
            client
                .delete_manifest(&repo, digest)
                .map_err(|e| format!("deleting {digest} from {repository}: {e}"))
        }
        RegistryStep::Untag { name, digest } => {
            expect(client, name, Some(digest))?;
            let (repository, tag) = split_tag(name);
            client
                .delete_manifest(&path(host, repository), tag.unwrap_or("latest"))
                .map_err(|e| format!("untagging {name}: {e}"))
        }
        RegistryStep::Tag {
            name,
            digest,
            from,
            replaces,
        } => {
            expect(client, name, replaces.as_ref())?;
            let (repository, tag) = split_tag(name);
            let to = path(host, repository);
            let from = path(host, from);
            let digest = Digest::parse(digest).map_err(|e| e.to_string())?;
            let manifest = copy(client, &from, &to, &digest)?;
            client
                .put_manifest(&to, tag.unwrap_or("latest"), &manifest)
                .map_err(|e| format!("tagging {name}: {e}"))
        }
    }
}

/// Checks that `name` points at `digest` (or, with `None`, at nothing) right now.
fn expect(client: &Client, name: &str, digest: Option<&String>) -> std::result::Result<(), String> {
    let (repository, tag) = split_tag(name);
    let now = client
        .tag_digest(&path(&client.host, repository), tag.unwrap_or("latest"))
        .map_err(|e| e.to_string())
        .and_then(|answer| answer)
        .map_err(|e| format!("checking {name}: {e}"))?;
    let now = now.map(|d| d.to_string());
    if now.as_ref() != digest {
        return Err(format!(
            "{name} now points at {}, not {} as previewed: stopped",
            now.as_deref().unwrap_or("nothing"),
            digest.map_or("nothing", String::as_str)
        ));
    }
    Ok(())
}

/// The manifest `digest` of repository `from`, made present in repository `to`: in
/// another repository its blobs are mounted first and, for an index, each platform
/// manifest is put there by digest before it.
fn copy(
    client: &Client,
    from: &str,
    to: &str,
    digest: &Digest,
) -> std::result::Result<super::client::Manifest, String> {
    let fetched = client
        .manifest(from, digest.as_str())
        .map_err(|e| e.to_string())?;
    if from == to {
        return Ok(fetched);
    }
    let parsed = Manifest::parse(&fetched.bytes, Some(fetched.media_type.as_str()))
        .map_err(|e| format!("manifest {digest}: {e}"))?;
    match parsed {
        Manifest::Image(image) => {
            for blob in std::iter::once(&image.config).chain(&image.layers) {
                let blob = Digest::parse(&blob.digest).map_err(|e| e.to_string())?;
                client
                    .mount_blob(to, &blob, from)
                    .map_err(|e| e.to_string())?;
            }
        }
        Manifest::Index(index) => {
            for child in &index.manifests {
                let child = Digest::parse(&child.digest).map_err(|e| e.to_string())?;
                let copied = copy(client, from, to, &child)?;
                client
                    .put_manifest(to, child.as_str(), &copied)
                    .map_err(|e| e.to_string())?;
            }
        }
        Manifest::Schema1 { .. } => {
            return Err(format!(
                "manifest {digest} is Docker schema 1, which cairn does not copy"
            ));
        }
    }
    Ok(fetched)
}
