//! A snapshot with everything derived from it that the views and the planners need: the
//! layer tree, the lineage of every image, every image's size and the layers nothing
//! references. Built once per load.

use super::layer_tree::LayerTree;
use super::lineage::Lineage;
use super::removal::podman::unreferenced::unreferenced;
use super::size::Sizes;
use super::{LayerIdx, Snapshot};

#[derive(Debug, Default)]
pub struct Catalog {
    pub snapshot: Snapshot,
    pub tree: LayerTree,
    pub lineage: Lineage,
    pub sizes: Sizes,
    /// The layers no image and no container uses (what an interrupted removal leaves), each
    /// after the layers on top of it ([`unreferenced`]): found here once, so that planning a
    /// removal does not walk the store for them.
    pub unreferenced: Vec<LayerIdx>,
}

impl Catalog {
    /// Everything but the lineage, the slowest part: the browser shows the list before it.
    pub fn without_lineage(snapshot: Snapshot) -> Self {
        let tree = LayerTree::new(&snapshot);
        let sizes = Sizes::new(&snapshot, &tree);
        let unreferenced = unreferenced(&snapshot, &tree);
        Catalog {
            snapshot,
            tree,
            lineage: Lineage::default(),
            sizes,
            unreferenced,
        }
    }

    pub fn new(snapshot: Snapshot) -> Self {
        let tree = LayerTree::new(&snapshot);
        let (lineage, (sizes, unreferenced)) = rayon::join(
            || Lineage::new(&snapshot, &tree),
            || (Sizes::new(&snapshot, &tree), unreferenced(&snapshot, &tree)),
        );
        Catalog {
            snapshot,
            tree,
            lineage,
            sizes,
            unreferenced,
        }
    }
}
