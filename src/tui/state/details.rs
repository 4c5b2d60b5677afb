//! The details pane's state: everything known about the selected image, one fact per
//! line, as label and value.

use super::{PaneState, Selected};
use crate::tui::data::age;
use crate::tui::marks::Marks;
use crate::tui::scroll::Scroll;
use cairn_core::human::podman_size;
use cairn_core::image::short_id;

#[derive(Debug, Clone, Default)]
pub struct DetailsPane {
    /// Label and value; the label is empty on a value's further lines.
    pub lines: Vec<(String, String)>,
    pub scroll: Scroll,
}

impl PaneState for DetailsPane {
    fn list(&mut self) -> Option<(&mut Scroll, usize)> {
        Some((&mut self.scroll, self.lines.len()))
    }

    fn follow(&mut self, selected: Option<Selected<'_>>) {
        self.scroll = Scroll::default();
        self.lines = selected.map(lines).unwrap_or_default();
    }
}

/// The details pane's lines for an image.
fn lines(selected: Selected<'_>) -> Vec<(String, String)> {
    let Selected {
        store,
        lineage,
        image,
        now,
    } = selected;
    let catalog = &store.catalog;
    let snapshot = &catalog.snapshot;
    let img = &snapshot.images[image];
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut push = |label: &str, values: Vec<String>| {
        if values.is_empty() {
            return;
        }
        for (i, value) in values.into_iter().enumerate() {
            let label = if i == 0 {
                label.to_string()
            } else {
                String::new()
            };
            lines.push((label, value));
        }
    };
    push("ID", vec![img.id.clone()]);
    let names = if img.names.is_empty() {
        vec!["<none>".to_string()]
    } else {
        img.names.clone()
    };
    push("Names", names);
    push("Names history", img.names_history.clone());
    push("Digest", img.digest.iter().cloned().collect());
    push(
        "Digests",
        img.digests
            .iter()
            .filter(|d| Some(*d) != img.digest.as_ref())
            .cloned()
            .collect(),
    );
    if let Some(created) = img.created {
        push(
            "Created",
            vec![format!(
                "{} ({})",
                created.strftime("%Y-%m-%d %H:%M:%S UTC"),
                age(now, Some(created))
            )],
        );
    }
    let size = catalog.sizes.get(image);
    push(
        "Size",
        vec![format!(
            "{} · shared {} · unique {}",
            podman_size(size.total),
            podman_size(size.shared),
            podman_size(size.unique)
        )],
    );
    let marks = Marks::of(catalog, lineage, image).words();
    if !marks.is_empty() {
        push("Marks", vec![marks.join(", ")]);
    }
    if let Some(lineage) = lineage {
        if let Some(parent) = lineage.parent(image) {
            push(
                "Parent",
                vec![format!(
                    "{} {}",
                    short_id(&snapshot.images[parent].id),
                    store.facts.names[parent]
                )],
            );
        }
        let children = lineage.children(image).len();
        if children > 0 {
            push("Children", vec![children.to_string()]);
        }
    }
    push(
        "Platforms",
        snapshot
            .instances(image)
            .map(|(i, platform)| format!("{platform} {}", snapshot.images[i].short_id()))
            .collect(),
    );
    if let Some(list) = snapshot.list_of(image) {
        push(
            "Platform of",
            vec![format!(
                "{} {}",
                snapshot.images[list].short_id(),
                store.facts.names[list]
            )],
        );
    }
    // Docker tells running containers from stopped ones, and its rules depend on it.
    let state = |running: bool| match (snapshot.rules, running) {
        (cairn_core::Rules::Docker, true) => " (running)",
        (cairn_core::Rules::Docker, false) => " (stopped)",
        _ => "",
    };
    let containers: Vec<String> = snapshot
        .containers_of(image)
        .map(|c| {
            format!(
                "{} {}{}",
                short_id(&c.id),
                c.names.join(", "),
                state(c.running)
            )
        })
        .collect();
    push(
        "Containers",
        if containers.is_empty() {
            vec!["none".into()]
        } else {
            containers
        },
    );
    if let Some(config) = &img.config {
        let platform = [&config.os, &config.architecture, &config.variant]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("/");
        if !platform.is_empty() {
            push("Platform", vec![platform]);
        }
        let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_default();
        if !config.author.is_empty() {
            push("Author", vec![config.author.clone()]);
        }
        if !config.entrypoint.is_empty() {
            push("Entrypoint", vec![json(&config.entrypoint)]);
        }
        if !config.cmd.is_empty() {
            push("Cmd", vec![json(&config.cmd)]);
        }
        if !config.working_dir.is_empty() {
            push("WorkingDir", vec![config.working_dir.clone()]);
        }
        if !config.user.is_empty() {
            push("User", vec![config.user.clone()]);
        }
        push("Env", config.env.clone());
        push(
            "Labels",
            config
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect(),
        );
    } else if img.manifest_list {
        push("Kind", vec!["manifest list".into()]);
    }
    push("Problems", img.problems.clone());
    lines
}
