//! `cairn tree`: the layers of an image, as `podman image tree` prints them.

use super::text_tree::TextTree;
use anyhow::{Result, bail};
use cairn_core::human::human_size_with_precision;
use cairn_core::image::short_id;
use cairn_core::visible::Visible;
use cairn_core::{Catalog, ImageIdx, LayerIdx};
use std::collections::HashSet;
use std::io::Write;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// the image: name, short name, ID, ID prefix or sha256: digest
    pub image: String,
    /// show the layers that depend on the image instead of the image's own
    #[arg(long)]
    pub whatrequires: bool,
}

pub fn run(catalog: &Catalog, args: &Args, out: &mut dyn Write) -> Result<()> {
    let image = super::lookup(catalog, &args.image)?;
    if let Some(layer) = missing_layer(catalog, image) {
        bail!("locating layer with ID {layer:?}: layer not known");
    }
    // podman prints the tree with Println, after its own final newline.
    writeln!(out, "{}", render(catalog, image, args.whatrequires))?;
    Ok(())
}

/// The first layer of the image's chain, from the top, that the store does not have:
/// podman measures the image before it draws the tree, and fails on it as
/// containers/storage's `ImageSize` does.
fn missing_layer(catalog: &Catalog, image: ImageIdx) -> Option<String> {
    let snapshot = &catalog.snapshot;
    let mut seen = HashSet::new();
    let mut next = snapshot.images[image].top_layer.clone();
    while let Some(id) = next {
        if !seen.insert(id.clone()) {
            return None;
        }
        let Some(layer) = snapshot.layer_by_id(&id) else {
            return Some(id);
        };
        next = snapshot.layers[layer].parent.clone();
    }
    None
}

/// Go's `%s` of a string slice: `[a b c]`, each name shown visibly.
fn go_list(items: &[String]) -> String {
    let shown: Vec<String> = items.iter().map(|i| Visible(i).to_string()).collect();
    format!("[{}]", shown.join(" "))
}

pub(super) fn layer_line(catalog: &Catalog, layer: LayerIdx) -> String {
    let record = &catalog.snapshot.layers[layer];
    let size = human_size_with_precision(record.diff_size.unwrap_or(0) as f64, 4);
    let tags = catalog.tree.repo_tags(&catalog.snapshot, layer);
    let top_of = if tags.is_empty() {
        String::new()
    } else {
        format!(" Top Layer of: {}", go_list(&tags))
    };
    format!(
        "ID: {} Size: {size:>7}{top_of}",
        Visible(short_id(&record.id))
    )
}

/// The text podman prints for `image tree [--whatrequires] IMAGE`.
pub fn render(catalog: &Catalog, image: ImageIdx, whatrequires: bool) -> String {
    let snapshot = &catalog.snapshot;
    let img = &snapshot.images[image];
    let tags = cairn_core::reference::repo_tags(&img.names);
    let mut header = format!(
        "Image ID: {}\nTags:     {}\nSize:     {}\n",
        Visible(img.short_id()),
        go_list(&tags),
        human_size_with_precision(catalog.sizes.get(image).total as f64, 4)
    );
    header.push_str(if img.top_layer.is_some() {
        "Image Layers"
    } else {
        "No Image Layers"
    });
    let mut root = TextTree::new(header);
    if let Some(top) = catalog.tree.top_node(snapshot, image) {
        if whatrequires {
            add_dependents(catalog, top, &mut root);
        } else {
            let mut chain: Vec<LayerIdx> = catalog.tree.chain(top).collect();
            chain.reverse();
            for layer in chain {
                root.add(layer_line(catalog, layer));
            }
        }
    }
    root.print()
}

/// podman's `imageTreeTraverseChildren`: a layer and everything above it, starting a new
/// branch only where a layer has siblings.
fn add_dependents(catalog: &Catalog, layer: LayerIdx, parent: &mut TextTree) {
    let node = catalog.tree.node(layer);
    let has_siblings = node
        .parent
        .is_some_and(|p| catalog.tree.node(p).children.len() > 1);
    let branch = if has_siblings {
        parent.add(layer_line(catalog, layer))
    } else {
        parent.items.push(TextTree::new(layer_line(catalog, layer)));
        parent
    };
    for &child in &node.children {
        add_dependents(catalog, child, branch);
    }
}
