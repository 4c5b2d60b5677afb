//! What the Engine API says, turned into the model: images with their names, digest names,
//! recorded parents and configs; their layers as ChainIDs (the layer store's own IDs, so the
//! layers that Docker reports deleted are the model's); containers with their state.
//!
//! Inspect gives a layer's identity but not its size, and the history gives sizes per build
//! step but does not say which steps made a layer: the steps are matched to the layers (see
//! [`layer_steps`]). The listing alone ([`listed`]) gives what `docker images` prints, with
//! the sizes the daemon reports standing in for the layers until they are read.

use super::client::{ImageDetails, is_running};
use crate::digest::chain_ids;
use bollard::models::{ContainerSummary, ImageHistoryResponseItem, ImageSummary};
use cairn_core::{Container, HistoryEntry, Image, ImageConfig, Layer, Listing, Rules, Snapshot};
use jiff::Timestamp;
use std::collections::HashSet;

/// The snapshot of a daemon, in its listing order. `details` goes with `images`, one for one;
/// an image without details (removed while it was read) is left out.
pub fn build(
    images: Vec<ImageSummary>,
    details: Vec<Option<ImageDetails>>,
    containers: Vec<ContainerSummary>,
) -> Snapshot {
    let mut layers: Vec<Layer> = Vec::new();
    let mut layer_ids: HashSet<String> = HashSet::new();
    let mut model_images = Vec::with_capacity(images.len());
    for (summary, details) in images.into_iter().zip(details) {
        let Some(details) = details else {
            continue;
        };
        model_images.push(image(summary, details, &mut layers, &mut layer_ids));
    }
    let containers = containers.into_iter().map(container).collect();
    Snapshot::new(model_images, layers, containers).with_rules(Rules::Docker)
}

/// The snapshot of a daemon from its listing alone, in its order: names, recorded parents,
/// dates and the sizes the daemon reports; no layers, no configs (see [`Listing`]).
pub fn listed(images: Vec<ImageSummary>, containers: Vec<ContainerSummary>) -> Snapshot {
    let images = images
        .into_iter()
        .map(|summary| {
            let size = u64::try_from(summary.size).unwrap_or(0);
            Image {
                listing: Some(Listing {
                    size,
                    shared_size: None,
                }),
                ..listed_image(summary)
            }
        })
        .collect();
    let containers = containers.into_iter().map(container).collect();
    Snapshot::new(images, Vec::new(), containers).with_rules(Rules::Docker)
}

/// What the listing says of an image: its ID, names, digest names, recorded parent and
/// creation time (to the second).
fn listed_image(summary: ImageSummary) -> Image {
    Image {
        id: hex(&summary.id),
        names: summary
            .repo_tags
            .into_iter()
            .filter(|t| t != "<none>:<none>")
            .collect(),
        digest_names: summary
            .repo_digests
            .into_iter()
            .filter(|d| d != "<none>@<none>")
            .collect(),
        parent: Some(hex(&summary.parent_id)).filter(|p| !p.is_empty()),
        created: Timestamp::from_second(summary.created).ok(),
        ..Image::default()
    }
}

fn hex(id: &str) -> String {
    id.strip_prefix("sha256:").unwrap_or(id).to_string()
}

fn image(
    summary: ImageSummary,
    details: ImageDetails,
    layers: &mut Vec<Layer>,
    layer_ids: &mut HashSet<String>,
) -> Image {
    let ImageDetails { inspect, history } = details;
    let mut problems = Vec::new();
    let diff_ids = inspect
        .root_fs
        .as_ref()
        .and_then(|r| r.layers.clone())
        .unwrap_or_default();
    let mut history = history;
    history.reverse();
    let steps = layer_steps(&history, diff_ids.len());
    if steps.len() < diff_ids.len() {
        problems.push(format!(
            "its history has {} steps for {} layers: some layer sizes are unknown",
            history.len(),
            diff_ids.len()
        ));
    }
    let chains = chain_ids(&diff_ids);
    let listed = listed_image(summary);
    let created = inspect
        .created
        .as_deref()
        .and_then(|t| t.parse::<Timestamp>().ok())
        .or(listed.created);
    for (i, chain) in chains.iter().enumerate() {
        let id = hex(chain);
        if layer_ids.insert(id.clone()) {
            layers.push(Layer {
                id,
                parent: i.checked_sub(1).map(|p| hex(&chains[p])),
                created,
                diff_digest: Some(diff_ids[i].clone()),
                diff_size: steps
                    .get(i)
                    .map(|&step| u64::try_from(history[step].size).unwrap_or(0)),
                ..Layer::default()
            });
        }
    }
    let made_layer: HashSet<usize> = steps.iter().copied().collect();
    let entries = history
        .iter()
        .enumerate()
        .map(|(i, step)| HistoryEntry {
            created: Timestamp::from_second(step.created).ok(),
            created_by: step.created_by.clone(),
            author: String::new(),
            comment: step.comment.clone(),
            empty_layer: !made_layer.contains(&i),
        })
        .collect();
    let run = inspect.config.unwrap_or_default();
    let config = ImageConfig {
        created,
        author: inspect.author.unwrap_or_default(),
        architecture: inspect.architecture.unwrap_or_default(),
        os: inspect.os.unwrap_or_default(),
        variant: inspect.variant.unwrap_or_default(),
        diff_ids,
        history: entries,
        labels: run.labels.unwrap_or_default().into_iter().collect(),
        env: run.env.unwrap_or_default(),
        entrypoint: run.entrypoint.unwrap_or_default(),
        cmd: run.cmd.unwrap_or_default(),
        working_dir: run.working_dir.unwrap_or_default(),
        user: run.user.unwrap_or_default(),
    };
    Image {
        top_layer: chains.last().map(|c| hex(c)),
        created,
        config: Some(config),
        problems,
        ..listed
    }
}

fn container(summary: ContainerSummary) -> Container {
    Container {
        running: is_running(&summary),
        id: summary.id.unwrap_or_default(),
        names: summary
            .names
            .unwrap_or_default()
            .into_iter()
            .map(|n| n.trim_start_matches('/').to_string())
            .collect(),
        image: hex(&summary.image_id.unwrap_or_default()),
        layer: String::new(),
    }
}

/// Which build steps (oldest first) made the image's `layers` layers, in order. A step that
/// added bytes made one. Among the steps that added none, those that only change the
/// config (`#(nop)` steps of the classic builder, ENV, LABEL, CMD and the like of BuildKit)
/// are taken last, the oldest first: Docker records whether a step made a layer in the
/// image config, which the API does not show.
pub fn layer_steps(history: &[ImageHistoryResponseItem], layers: usize) -> Vec<usize> {
    let sized = history.iter().filter(|s| s.size > 0).count();
    let mut wanted = layers.saturating_sub(sized);
    let mut chosen: Vec<bool> = history.iter().map(|s| s.size > 0).collect();
    for config_only in [false, true] {
        for (i, step) in history.iter().enumerate() {
            if wanted > 0 && !chosen[i] && changes_config_only(&step.created_by) == config_only {
                chosen[i] = true;
                wanted -= 1;
            }
        }
    }
    chosen
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c)
        .map(|(i, _)| i)
        .take(layers)
        .collect()
}

/// Dockerfile instructions that only change the image config.
fn changes_config_only(created_by: &str) -> bool {
    const CONFIG: [&str; 14] = [
        "ENV",
        "LABEL",
        "CMD",
        "ENTRYPOINT",
        "EXPOSE",
        "VOLUME",
        "USER",
        "WORKDIR",
        "ARG",
        "ONBUILD",
        "STOPSIGNAL",
        "HEALTHCHECK",
        "SHELL",
        "MAINTAINER",
    ];
    if created_by.contains("#(nop) ")
        && !created_by.contains("#(nop) COPY")
        && !created_by.contains("#(nop) ADD")
    {
        return true;
    }
    let first = created_by.split_whitespace().next().unwrap_or_default();
    CONFIG.contains(&first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(created_by: &str, size: i64) -> ImageHistoryResponseItem {
        ImageHistoryResponseItem {
            created_by: created_by.into(),
            size,
            ..Default::default()
        }
    }

    #[test]
    fn steps_that_add_bytes_make_layers_and_config_steps_are_taken_last() {
        let history = [
            step("/bin/sh -c #(nop) COPY file:abc in /base.txt ", 5),
            step("/bin/sh -c #(nop)  ENV A=b", 0),
            step("/bin/sh -c touch /nothing", 0),
            step("/bin/sh -c #(nop)  LABEL x=y", 0),
            step("/bin/sh -c #(nop) COPY file:def in /app ", 14),
        ];
        assert_eq!(layer_steps(&history, 3), [0, 2, 4]);
        assert_eq!(layer_steps(&history, 2), [0, 4]);
        // An empty COPY of the classic builder still made a layer.
        let history = [
            step("/bin/sh -c #(nop) COPY file:e in / ", 0),
            step("ENV A=b", 0),
        ];
        assert_eq!(layer_steps(&history, 1), [0]);
        assert_eq!(layer_steps(&[], 2), Vec::<usize>::new());
    }
}
