//! `cairn layers`: every layer of the store, in the store's order, or with `--tree` as the
//! forest they make: each root with the line of layers built on it, a new branch where builds
//! forked (as `podman image tree --whatrequires` draws one image's part of it), the images
//! each layer tops, and at each fork the bytes the images above it share.

use super::JsonFlag;
use super::table;
use cairn_core::human::human_size_with_precision;
use cairn_core::image::short_id;
use cairn_core::layer_forest::{ForestRow, LayerForest};
use cairn_core::reference::repo_tags;
use cairn_core::{Catalog, LayerIdx};
use serde::Serialize;
use std::io::Write;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// show the layers as the forest their parents make
    #[arg(long)]
    pub tree: bool,
    #[command(flatten)]
    pub json: JsonFlag,
}

/// One layer in `--json`, podman's way of naming fields.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
struct LayerJson<'a> {
    id: &'a str,
    /// Empty for a root, as podman writes a missing parent.
    parent_id: &'a str,
    children: Vec<&'a str>,
    /// Uncompressed bytes of this layer (0 when the store records no digest for it).
    size: u64,
    /// Bytes of this layer and every layer below it: at a fork, what the images above share.
    stack_size: u64,
    /// How many images hold this layer.
    users: u32,
    /// The images whose top layer this is.
    top_layer_of: Vec<&'a str>,
    /// Their names.
    names: Vec<String>,
}

pub fn run(catalog: &Catalog, args: &Args, out: &mut dyn Write) -> anyhow::Result<()> {
    let forest = LayerForest::new(&catalog.snapshot, &catalog.tree);
    let rows: Vec<ForestRow> = if args.tree {
        forest.rows(&catalog.tree, |_| true)
    } else {
        catalog
            .snapshot
            .layers
            .keys()
            .map(|layer| ForestRow {
                layer,
                depth: 0,
                branch: false,
                last: false,
            })
            .collect()
    };
    if args.json.enabled() {
        let layers: Vec<LayerJson> = rows
            .iter()
            .map(|r| json(catalog, &forest, r.layer))
            .collect();
        serde_json::to_writer_pretty(&mut *out, &layers)?;
        writeln!(out)?;
    } else if args.tree {
        write_tree(catalog, &forest, &rows, out)?;
    } else {
        write_table(catalog, &forest, out)?;
    }
    Ok(())
}

fn json<'a>(catalog: &'a Catalog, forest: &LayerForest, layer: LayerIdx) -> LayerJson<'a> {
    let snapshot = &catalog.snapshot;
    let node = catalog.tree.node(layer);
    LayerJson {
        id: &snapshot.layers[layer].id,
        parent_id: node.parent.map_or("", |p| snapshot.layers[p].id.as_str()),
        children: node
            .children
            .iter()
            .map(|&c| snapshot.layers[c].id.as_str())
            .collect(),
        size: snapshot.layers[layer].size(),
        stack_size: forest.stack_size[layer],
        users: forest.users[layer],
        top_layer_of: node
            .images
            .iter()
            .map(|&i| snapshot.images[i].id.as_str())
            .collect(),
        names: catalog.tree.repo_tags(snapshot, layer),
    }
}

/// A layer's line, as `podman image tree` writes one, and at a fork what it shares.
fn tree_line(catalog: &Catalog, forest: &LayerForest, layer: LayerIdx) -> String {
    let mut line = super::tree::layer_line(catalog, layer);
    if LayerForest::is_fork(&catalog.tree, layer) {
        line.push_str(&format!(
            " Shared: {} by {} images",
            human_size_with_precision(forest.stack_size[layer] as f64, 4),
            forest.users[layer]
        ));
    }
    line
}

/// The forest with podman's box characters. A branch is drawn under its fork with `├── ` or
/// `└── `, and the layers built on it continue below it with the bars of the forks it
/// belongs to, so each line costs only its own prefix.
fn write_tree(
    catalog: &Catalog,
    forest: &LayerForest,
    rows: &[ForestRow],
    out: &mut dyn Write,
) -> std::io::Result<()> {
    // For each fork depth above the row: whether its branch is the last one.
    let mut last_at: Vec<bool> = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        // A blank line between the trees of two roots.
        if row.depth == 0 && !row.branch && i > 0 && catalog.tree.node(row.layer).parent.is_none() {
            writeln!(out)?;
        }
        let depth = row.depth as usize;
        let mut prefix = String::new();
        if row.branch {
            last_at.truncate(depth.saturating_sub(1));
            for &last in &last_at {
                prefix.push_str(if last { "    " } else { "│   " });
            }
            prefix.push_str(if row.last { "└── " } else { "├── " });
            last_at.push(row.last);
        } else {
            last_at.truncate(depth);
            for &last in &last_at {
                prefix.push_str(if last { "    " } else { "│   " });
            }
        }
        writeln!(out, "{prefix}{}", tree_line(catalog, forest, row.layer))?;
    }
    Ok(())
}

/// One row per layer in the store's order: ID, parent, size, users, the images it tops.
fn write_table(
    catalog: &Catalog,
    forest: &LayerForest,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let snapshot = &catalog.snapshot;
    let mut rows: Vec<Vec<String>> = vec![
        ["ID", "PARENT", "SIZE", "USERS", "TOP LAYER OF"]
            .map(String::from)
            .to_vec(),
    ];
    for (layer, record) in snapshot.layers.iter_enumerated() {
        let node = catalog.tree.node(layer);
        let mut names: Vec<String> = Vec::new();
        for &image in &node.images {
            let tags = repo_tags(&snapshot.images[image].names);
            if tags.is_empty() {
                names.push(short_id(&snapshot.images[image].id).to_string());
            }
            names.extend(tags);
        }
        // Cells are made visible by the table.
        rows.push(vec![
            short_id(&record.id).to_string(),
            node.parent
                .map(|p| short_id(&snapshot.layers[p].id).to_string())
                .unwrap_or_default(),
            human_size_with_precision(record.size() as f64, 4),
            forest.users[layer].to_string(),
            if names.is_empty() {
                String::new()
            } else {
                format!("[{}]", names.join(" "))
            },
        ]);
    }
    table::write(out, &rows)
}
