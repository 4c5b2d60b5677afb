//! `cairn diff IMAGE1 IMAGE2 [--json]`: what IMAGE2 has that IMAGE1 has not (added), the
//! reverse (removed), and the paths both have with different attributes (modified: type,
//! mode, owner, size, link target, mtime, and the checksum where the store keeps one).

use super::JsonFlag;
use super::contents::{EntryJson, Layers, text};
use anyhow::{Context, Result};
use cairn_core::ImageIdx;
use cairn_core::contents::{NodeId, Scope, Tree, diff};
use cairn_core::visible::Visible;
use cairn_store::Selection;
use serde::Serialize;
use std::io::Write;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// the image compared from
    pub image1: String,
    /// the image compared to
    pub image2: String,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Serialize)]
struct DiffJson {
    added: Vec<EntryJson>,
    removed: Vec<EntryJson>,
    modified: Vec<EntryJson>,
}

pub fn run(flags: &Selection, args: &Args, out: &mut dyn Write) -> Result<i32> {
    let mut layers = Layers::open(flags)?;
    let old = top_tree(&mut layers, &args.image1)?;
    let new = top_tree(&mut layers, &args.image2)?;
    let changes = diff(&old, &new);
    let entry = |tree: &Tree, node: NodeId| {
        tree.info(node)
            .map(|info| EntryJson::new(&tree.path(node), &info))
    };
    if args.json.enabled() {
        let json = DiffJson {
            added: changes
                .added
                .iter()
                .filter_map(|&n| entry(&new, n))
                .collect(),
            removed: changes
                .removed
                .iter()
                .filter_map(|&n| entry(&old, n))
                .collect(),
            modified: changes
                .modified
                .iter()
                .filter_map(|m| {
                    let mut json = entry(&new, m.new)?;
                    json.differs = Some(m.differences.names().collect());
                    Some(json)
                })
                .collect(),
        };
        serde_json::to_writer_pretty(&mut *out, &json)?;
        writeln!(out)?;
        return Ok(0);
    }
    // podman diff's lines: a letter and the path, all sorted by path.
    let mut lines: Vec<(Vec<u8>, char)> = Vec::new();
    lines.extend(changes.added.iter().map(|&n| (new.path(n), 'A')));
    lines.extend(changes.modified.iter().map(|m| (new.path(m.new), 'C')));
    lines.extend(changes.removed.iter().map(|&n| (old.path(n), 'D')));
    lines.sort();
    for (path, letter) in lines {
        writeln!(out, "{letter} {}", Visible(&text(&path)))?;
    }
    Ok(0)
}

/// An image's merged tree at its top layer.
fn top_tree(layers: &mut Layers, name: &str) -> Result<Tree> {
    let image: ImageIdx = layers.lookup(name)?;
    let contents = layers.contents(image)?;
    let top = contents.layer_count().saturating_sub(1);
    Tree::new(contents, top, Scope::Merged)
        .with_context(|| format!("{}: the image has no layers", Visible(name)))
}
