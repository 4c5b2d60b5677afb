//! The store's layers seen whole: every layer under its parent, forking where builds went
//! different ways, with what each fork shares. [`LayerTree`] holds the links (podman's layer
//! map); this adds the facts a view of the whole forest shows on every row, computed once
//! per snapshot in passes over the layers, and flattens the forest into the rows a reader
//! sees with some branches closed.
//!
//! Every walk here is iterative: a hostile `layers.json` can chain layers thousands deep,
//! and neither the browser nor the CLI may run out of stack on it.

use super::layer_tree::LayerTree;
use super::{LayerIdx, Snapshot, TiVec};

/// Facts about every layer of the forest.
#[derive(Debug, Default)]
pub struct LayerForest {
    /// Layers without a parent in the store, in the store's order.
    pub roots: Vec<LayerIdx>,
    /// Bytes of the layer and of every layer below it: at a fork, what all the images
    /// above it share.
    pub stack_size: TiVec<LayerIdx, u64>,
    /// How many images hold the layer: its top layer or one below their top layer.
    pub users: TiVec<LayerIdx, u32>,
}

/// One row of the forest as it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForestRow {
    pub layer: LayerIdx,
    /// How many forks lie above the row: a layer with one child continues its parent's
    /// line at the same depth, the children of a fork go one deeper.
    pub depth: u32,
    /// The row starts a branch of a fork (rather than continuing a line or being a root).
    pub branch: bool,
    /// The row is on the last branch of its fork (a branch that is, or the line that
    /// continues one): nothing of the fork follows below it.
    pub last: bool,
}

impl LayerForest {
    pub fn new(snapshot: &Snapshot, tree: &LayerTree) -> Self {
        let layers = &snapshot.layers;
        let roots: Vec<LayerIdx> = layers
            .keys()
            .filter(|&l| tree.node(l).parent.is_none())
            .collect();
        // Parents before children: a breadth-first walk from the roots. Parent loops are cut
        // by the tree, so this reaches every layer once.
        let mut order: Vec<LayerIdx> = Vec::with_capacity(layers.len());
        order.extend(&roots);
        let mut next = 0;
        while let Some(&layer) = order.get(next) {
            order.extend(&tree.node(layer).children);
            next += 1;
        }
        let mut stack_size: TiVec<LayerIdx, u64> = vec![0u64; layers.len()].into();
        for &layer in &order {
            let below = tree.node(layer).parent.map_or(0, |p| stack_size[p]);
            stack_size[layer] = below.saturating_add(layers[layer].size());
        }
        let mut users: TiVec<LayerIdx, u32> = layers
            .keys()
            .map(|l| u32::try_from(tree.node(l).images.len()).unwrap_or(u32::MAX))
            .collect();
        for &layer in order.iter().rev() {
            if let Some(parent) = tree.node(layer).parent {
                users[parent] = users[parent].saturating_add(users[layer]);
            }
        }
        LayerForest {
            roots,
            stack_size,
            users,
        }
    }

    /// True when builds forked at the layer: it has more than one child.
    pub fn is_fork(tree: &LayerTree, layer: LayerIdx) -> bool {
        tree.node(layer).children.len() > 1
    }

    /// The rows shown when `open(layer)` tells which layers show what is above them, in
    /// depth-first order: each root, its line of single children, and at a fork each
    /// branch in the store's order.
    pub fn rows(&self, tree: &LayerTree, open: impl Fn(LayerIdx) -> bool) -> Vec<ForestRow> {
        let mut rows = Vec::new();
        let mut stack: Vec<ForestRow> = self
            .roots
            .iter()
            .rev()
            .map(|&layer| ForestRow {
                layer,
                depth: 0,
                branch: false,
                last: false,
            })
            .collect();
        while let Some(row) = stack.pop() {
            rows.push(row);
            let children = &tree.node(row.layer).children;
            if children.is_empty() || !open(row.layer) {
                continue;
            }
            if let [child] = children.as_slice() {
                stack.push(ForestRow {
                    layer: *child,
                    depth: row.depth,
                    branch: false,
                    last: row.last,
                });
                continue;
            }
            for (i, &child) in children.iter().enumerate().rev() {
                stack.push(ForestRow {
                    layer: child,
                    depth: row.depth.saturating_add(1),
                    branch: true,
                    last: i + 1 == children.len(),
                });
            }
        }
        rows
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SnapshotBuilder;

    /// A base with two builds on it, one of which was built on again.
    fn forked() -> crate::Catalog {
        let mut store = SnapshotBuilder::podman();
        store
            .image("base")
            .name("localhost/base:1")
            .layer("COPY a /", 100);
        store
            .image("app")
            .from("base")
            .name("localhost/app:1")
            .layer("COPY app /", 10);
        store
            .image("tool")
            .from("base")
            .name("localhost/tool:1")
            .layer("COPY tool /", 20);
        store
            .image("tool2")
            .from("tool")
            .name("localhost/tool:2")
            .layer("COPY more /", 5);
        store.catalog()
    }

    fn forest(catalog: &crate::Catalog) -> LayerForest {
        LayerForest::new(&catalog.snapshot, &catalog.tree)
    }

    fn top(catalog: &crate::Catalog, name: &str) -> LayerIdx {
        let image = catalog.snapshot.image_named(name).unwrap();
        catalog.tree.top_node(&catalog.snapshot, image).unwrap()
    }

    #[test]
    fn a_fork_counts_the_images_above_it_and_the_bytes_below() {
        let catalog = forked();
        let forest = forest(&catalog);
        let base = top(&catalog, "localhost/base:1");
        assert!(LayerForest::is_fork(&catalog.tree, base));
        assert_eq!(forest.users[base], 4);
        assert_eq!(
            forest.stack_size[base],
            catalog.snapshot.layers[base].size()
        );
        let tool2 = top(&catalog, "localhost/tool:2");
        let tool = top(&catalog, "localhost/tool:1");
        assert_eq!(forest.users[tool], 2);
        assert_eq!(
            forest.stack_size[tool2],
            forest.stack_size[tool] + catalog.snapshot.layers[tool2].size()
        );
    }

    #[test]
    fn single_children_continue_the_line_and_forks_branch() {
        let catalog = forked();
        let forest = forest(&catalog);
        let rows = forest.rows(&catalog.tree, |_| true);
        assert_eq!(rows.len(), catalog.snapshot.layers.len());
        let depth_of = |name| {
            let layer = top(&catalog, name);
            rows.iter().find(|r| r.layer == layer).unwrap()
        };
        assert_eq!(depth_of("localhost/base:1").depth, 0);
        let app = depth_of("localhost/app:1");
        assert!(app.branch && !app.last && app.depth == 1);
        let tool = depth_of("localhost/tool:1");
        assert!(tool.branch && tool.last && tool.depth == 1);
        let tool2 = depth_of("localhost/tool:2");
        assert!(!tool2.branch && tool2.last && tool2.depth == 1);
    }

    #[test]
    fn a_closed_layer_hides_everything_above_it() {
        let catalog = forked();
        let forest = forest(&catalog);
        let base = top(&catalog, "localhost/base:1");
        let rows = forest.rows(&catalog.tree, |l| l != base);
        assert_eq!(rows.last().map(|r| r.layer), Some(base));
        assert!(!rows.iter().any(|r| r.depth > 0));
    }

    #[test]
    fn a_chain_thousands_deep_is_walked_without_recursion() {
        let layers: Vec<crate::Layer> = (0..50_000)
            .map(|i| crate::Layer {
                id: format!("l{i}"),
                parent: (i > 0).then(|| format!("l{}", i - 1)),
                diff_digest: Some(format!("sha256:{i}")),
                diff_size: Some(1),
                ..crate::Layer::default()
            })
            .collect();
        let snapshot = Snapshot::new(vec![], layers, vec![]);
        let tree = LayerTree::new(&snapshot);
        let forest = LayerForest::new(&snapshot, &tree);
        let rows = forest.rows(&tree, |_| true);
        assert_eq!(rows.len(), 50_000);
        assert_eq!(forest.stack_size[LayerIdx::from(49_999)], 50_000);
    }
}
