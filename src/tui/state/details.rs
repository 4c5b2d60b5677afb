//! The details pane's state: everything known about the selected image, one fact per
//! line, as label and value.

use super::{PaneState, Selected};
use crate::tui::contents::{Answer, Job, Slot};
use crate::tui::data::age;
use crate::tui::marks::Marks;
use crate::tui::scroll::Scroll;
use cairn_core::contents::{Waste, base_layer_count_in, image_layers};
use cairn_core::human::podman_size;
use cairn_core::image::short_id;
use cairn_core::visible::visible_bytes;
use cairn_core::{ImageIdx, LayerIdx};

/// Most paths the details list as wasting the most space.
const TOP_OFFENDERS: usize = 5;

#[derive(Debug, Clone, Default)]
pub struct DetailsPane {
    /// Label and value; the label is empty on a value's further lines.
    pub lines: Vec<(String, String)>,
    pub scroll: Scroll,
    /// The wasted space to read for the image shown, once the lineage says which of its
    /// layers are its base's.
    waste: Option<WasteSubject>,
    /// How many lines come before the wasted space's.
    facts: usize,
    /// The image whose wasted space the reader was last asked for and has not answered: it
    /// may be another than the one shown, after the selection moved.
    reading: Option<ImageIdx>,
}

/// Whose wasted space the details show, and how far asking for it is.
#[derive(Debug, Clone)]
struct WasteSubject {
    image: ImageIdx,
    layers: Vec<LayerIdx>,
    base: usize,
    asked: Asked,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Asked {
    Not,
    /// The reader has the request and has not answered.
    Waiting,
    Answered,
}

impl PaneState for DetailsPane {
    fn list(&mut self) -> Option<(&mut Scroll, usize)> {
        Some((&mut self.scroll, self.lines.len()))
    }

    fn follow(&mut self, selected: Option<Selected<'_>>) {
        self.scroll = Scroll::default();
        self.lines = selected.map(lines).unwrap_or_default();
        self.facts = self.lines.len();
        // The base's layers are known once the lineage is: until then, nothing is asked.
        self.waste = selected.and_then(|s| {
            let catalog = &s.store.catalog;
            Some(WasteSubject {
                image: s.image,
                layers: image_layers(catalog, s.image),
                base: base_layer_count_in(catalog, s.lineage?, s.image),
                asked: Asked::Not,
            })
        });
        if self.waste.as_ref().is_some_and(|w| !w.layers.is_empty()) {
            self.lines
                .push(("Efficiency".into(), "reading the layers…".into()));
        }
    }
}

impl DetailsPane {
    /// The wasted space to read, once per image shown: asked only while the details are on
    /// screen.
    pub fn waste_wanted(&mut self) -> Option<Job> {
        let waste = self
            .waste
            .as_mut()
            .filter(|w| w.asked == Asked::Not && !w.layers.is_empty())?;
        waste.asked = Asked::Waiting;
        self.reading = Some(waste.image);
        Some(Job::Waste {
            image: waste.image,
            layers: waste.layers.clone(),
            base: waste.base,
        })
    }

    /// The details went off screen: a read asked for and not answered is stopped (the job
    /// that says so), and asked again when they are shown again.
    pub fn waste_hidden(&mut self) -> Option<Job> {
        self.reading.take()?;
        if let Some(waste) = self.waste.as_mut().filter(|w| w.asked == Asked::Waiting) {
            waste.asked = Asked::Not;
        }
        Some(Job::Stop(Slot::Waste))
    }

    /// Shows the wasted space read for `image`, if it is still the one shown.
    pub fn receive_waste(&mut self, image: ImageIdx, answer: Result<Answer, String>) {
        if self.reading == Some(image) {
            self.reading = None;
        }
        match &mut self.waste {
            Some(waste) if waste.image == image => waste.asked = Asked::Answered,
            _ => return,
        }
        self.lines.truncate(self.facts);
        match answer {
            Ok(Answer::Waste(waste)) => self.lines.extend(waste_lines(&waste)),
            Ok(Answer::Tree(_)) => {}
            Err(error) => self
                .lines
                .push(("Efficiency".into(), format!("unknown: {error}"))),
        }
        let len = self.lines.len();
        self.scroll.go(self.scroll.cursor, len, len);
    }
}

/// What the image's own layers add to the waste, when it has layers of its own.
fn own_part(waste: &Waste) -> String {
    if waste.user.layers == 0 {
        return "no layers of its own".into();
    }
    let ratio = if waste.user_wasted_ratio.is_finite() {
        waste.user_wasted_ratio * 100.0
    } else {
        100.0
    };
    format!(
        "own layers {} ({}, {ratio:.1} % of their {})",
        podman_size(waste.user.wasted_bytes),
        layers(waste.user.layers),
        podman_size(waste.user.size_bytes)
    )
}

fn layers(n: usize) -> String {
    format!("{n} layer{}", if n == 1 { "" } else { "s" })
}

/// Efficiency, wasted bytes (the base's and the image's own apart) and the paths that
/// waste the most.
fn waste_lines(waste: &Waste) -> Vec<(String, String)> {
    let mut lines = vec![
        (
            "Efficiency".to_string(),
            format!(
                "{:.1} % · {} wasted of {} in all copies",
                waste.efficiency * 100.0,
                podman_size(waste.wasted_bytes),
                podman_size(waste.copies_bytes)
            ),
        ),
        (
            "Wasted".to_string(),
            format!(
                "base image {} ({}) · {}",
                podman_size(waste.base.wasted_bytes),
                layers(waste.base.layers),
                own_part(waste)
            ),
        ),
    ];
    for (i, offender) in waste.offenders.iter().take(TOP_OFFENDERS).enumerate() {
        lines.push((
            if i == 0 { "Top wasted" } else { "" }.to_string(),
            format!(
                "{:>9}  {} ({} copies)",
                podman_size(offender.wasted_bytes),
                visible_bytes(&offender.path),
                offender.copies
            ),
        ));
    }
    if waste.offenders.is_empty() {
        lines.push((
            "Top wasted".into(),
            "nothing: every path has one copy".into(),
        ));
    }
    lines
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
    // Listed only (a Docker Engine's list, shown before the layers are read): what is
    // shared is not known yet.
    let sharing = match img.listing {
        Some(listing) if listing.shared_size.is_none() => "layers not read yet".to_string(),
        _ => format!(
            "shared {} · unique {}",
            podman_size(size.shared),
            podman_size(size.unique)
        ),
    };
    push(
        "Size",
        vec![format!("{} · {sharing}", podman_size(size.total))],
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
