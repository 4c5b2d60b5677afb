//! A snapshot with everything derived from it that the views need: the layer tree, the
//! lineage of every image and every image's size. Built once per load.

use super::Snapshot;
use super::layer_tree::LayerTree;
use super::lineage::Lineage;
use super::size::Sizes;

#[derive(Debug, Default)]
pub struct Catalog {
    pub snapshot: Snapshot,
    pub tree: LayerTree,
    pub lineage: Lineage,
    pub sizes: Sizes,
}

impl Catalog {
    /// Everything but the lineage, the slowest part: the browser shows the list before it.
    pub fn without_lineage(snapshot: Snapshot) -> Self {
        let tree = LayerTree::new(&snapshot);
        let sizes = Sizes::new(&snapshot, &tree);
        Catalog {
            snapshot,
            tree,
            lineage: Lineage::default(),
            sizes,
        }
    }

    pub fn new(snapshot: Snapshot) -> Self {
        let tree = LayerTree::new(&snapshot);
        let (lineage, sizes) = rayon::join(
            || Lineage::new(&snapshot, &tree),
            || Sizes::new(&snapshot, &tree),
        );
        Catalog {
            snapshot,
            tree,
            lineage,
            sizes,
        }
    }
}
