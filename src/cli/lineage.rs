//! `cairn lineage`: where an image comes from and what was built on it.

use super::JsonFlag;
use super::text_tree::TextTree;
use anyhow::Result;
use cairn_core::image::short_id;
use cairn_core::visible::Visible;
use cairn_core::{Catalog, ImageIdx};
use serde::Serialize;
use std::io::Write;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// the image: name, short name, ID, ID prefix or sha256: digest
    pub image: String,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Serialize)]
pub struct LineageJson {
    pub image: ImageRef,
    /// Parents, nearest first, down to the root.
    pub ancestors: Vec<ImageRef>,
    /// The images built on this one, each with its own descendants.
    pub descendants: Vec<Descendant>,
}

#[derive(Debug, Serialize)]
pub struct ImageRef {
    pub id: String,
    pub names: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Descendant {
    pub id: String,
    pub names: Vec<String>,
    pub children: Vec<Descendant>,
}

fn image_ref(catalog: &Catalog, image: ImageIdx) -> ImageRef {
    let img = &catalog.snapshot.images[image];
    ImageRef {
        id: img.id.clone(),
        names: img.names.clone(),
    }
}

fn descendants(catalog: &Catalog, image: ImageIdx, path: &mut Vec<ImageIdx>) -> Vec<Descendant> {
    let mut out = Vec::new();
    for &child in catalog.lineage.children(image) {
        if path.contains(&child) {
            continue;
        }
        path.push(child);
        let img = &catalog.snapshot.images[child];
        out.push(Descendant {
            id: img.id.clone(),
            names: img.names.clone(),
            children: descendants(catalog, child, path),
        });
        path.pop();
    }
    out
}

/// An image's line: its short ID and names, shown visibly (a newline in a name would
/// otherwise start a line of the tree of its own).
fn label(id: &str, names: &[String]) -> String {
    let names = if names.is_empty() {
        "<none>".to_string()
    } else {
        let shown: Vec<String> = names.iter().map(|n| Visible(n).to_string()).collect();
        shown.join(", ")
    };
    format!("{} {names}", Visible(short_id(id)))
}

fn add_descendants(tree: &mut TextTree, items: &[Descendant]) {
    for item in items {
        let node = tree.add(label(&item.id, &item.names));
        add_descendants(node, &item.children);
    }
}

pub fn run(catalog: &Catalog, args: &Args, out: &mut dyn Write) -> Result<()> {
    let image = super::lookup(catalog, &args.image)?;
    let lineage = LineageJson {
        image: image_ref(catalog, image),
        ancestors: catalog
            .lineage
            .ancestors(image)
            .into_iter()
            .map(|a| image_ref(catalog, a))
            .collect(),
        descendants: descendants(catalog, image, &mut vec![image]),
    };
    if args.json.enabled() {
        serde_json::to_writer_pretty(&mut *out, &lineage)?;
        writeln!(out)?;
        return Ok(());
    }
    out.write_all(render(&lineage).as_bytes())?;
    Ok(())
}

/// The root ancestor first, the path down to the image, then the image's descendants;
/// the image itself is marked with `*`.
pub fn render(lineage: &LineageJson) -> String {
    let chain: Vec<&ImageRef> = lineage.ancestors.iter().rev().collect();
    let target = format!("{} *", label(&lineage.image.id, &lineage.image.names));
    let Some((root, rest)) = chain.split_first() else {
        let mut tree = TextTree::new(target);
        add_descendants(&mut tree, &lineage.descendants);
        return tree.print();
    };
    let mut tree = TextTree::new(label(&root.id, &root.names));
    let mut node = &mut tree;
    for ancestor in rest {
        node = node.add(label(&ancestor.id, &ancestor.names));
    }
    let node = node.add(target);
    add_descendants(node, &lineage.descendants);
    tree.print()
}
