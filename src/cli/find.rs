//! `cairn find GLOB`: which images hold a path matching GLOB in their merged top tree, and
//! which layer put it there. Exit 0 when something matched, 1 when nothing did (as grep).

use super::JsonFlag;
use super::contents::{EntryJson, Layers, text};
use anyhow::{Result, bail};
use cairn_core::contents::{PathFilter, Scope, Tree, image_layers};
use cairn_core::image::short_id;
use cairn_core::visible::Visible;
use cairn_store::Selection;
use serde::Serialize;
use std::io::Write;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// a glob: without `/` it matches names (`*.so`), with `/` whole paths (`/etc/**/*.conf`)
    pub glob: String,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Serialize)]
struct FoundJson<'a> {
    image: &'a str,
    names: &'a [String],
    layer_id: &'a str,
    #[serde(flatten)]
    entry: EntryJson,
}

pub fn run(flags: &Selection, args: &Args, out: &mut dyn Write) -> Result<i32> {
    let filter = PathFilter::glob(&args.glob)?;
    let mut layers = Layers::open(flags)?;
    let catalog = layers.catalog.clone();
    let mut found = 0usize;
    let mut failures = Vec::new();
    let mut first = true;
    if args.json.enabled() {
        out.write_all(b"[")?;
    }
    for (image, img) in catalog.snapshot.images.iter_enumerated() {
        // A manifest list holds no layers; its platform images are searched in its place.
        if img.manifest_list || image_layers(&catalog, image).is_empty() {
            continue;
        }
        let contents = match layers.contents(image) {
            Ok(contents) => contents,
            Err(e) => {
                eprintln!(
                    "Warning: {}: {}",
                    Visible(img.short_id()),
                    Visible(&format!("{e:#}"))
                );
                failures.push(e);
                continue;
            }
        };
        let chain = image_layers(&catalog, image);
        let top = contents.layer_count().saturating_sub(1);
        let Some(tree) = Tree::new(contents, top, Scope::Merged) else {
            continue;
        };
        for node in tree.walk() {
            let path = tree.path(node);
            let Some(info) = tree.info(node).filter(|_| filter.matches(&path)) else {
                continue;
            };
            found += 1;
            let layer_id = chain
                .get(info.layer)
                .map_or("", |&l| catalog.snapshot.layers[l].id.as_str());
            if args.json.enabled() {
                out.write_all(if first { b"\n" } else { b",\n" })?;
                first = false;
                let json = FoundJson {
                    image: &img.id,
                    names: &img.names,
                    layer_id,
                    entry: EntryJson::new(&path, &info),
                };
                serde_json::to_writer(&mut *out, &json)?;
            } else {
                writeln!(
                    out,
                    "{} {} layer {} ({}) {}",
                    Visible(img.short_id()),
                    Visible(img.names.first().map_or("<none>", String::as_str)),
                    info.layer,
                    Visible(short_id(layer_id)),
                    Visible(&text(&path)),
                )?;
            }
        }
    }
    if args.json.enabled() {
        out.write_all(b"\n]\n")?;
    }
    if found == 0
        && let Some(first) = failures.into_iter().next()
    {
        bail!(first);
    }
    Ok(if found > 0 { 0 } else { 1 })
}
