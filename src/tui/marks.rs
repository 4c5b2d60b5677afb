//! The marks of an image (corrupted, in use, read-only, intermediate, dangling), worked out
//! once here and shown as letters by the list and the tree and as words by the details.

use cairn_core::lineage::Lineage;
use cairn_core::{Catalog, ImageIdx};

/// Each mark has the letter the list shows for it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Marks {
    pub corrupted: bool,
    pub in_use: bool,
    pub read_only: bool,
    pub intermediate: bool,
    pub dangling: bool,
}

impl Marks {
    pub fn of(catalog: &Catalog, lineage: Option<&Lineage>, image: ImageIdx) -> Self {
        let snapshot = &catalog.snapshot;
        let img = &snapshot.images[image];
        Marks {
            corrupted: img.is_corrupted(),
            in_use: snapshot.containers_of(image).next().is_some(),
            read_only: img.read_only,
            intermediate: lineage.is_some_and(|l| l.is_intermediate(snapshot, image)),
            dangling: lineage.is_some_and(|l| l.is_dangling(snapshot, image)),
        }
    }

    /// The marks in words, for the details pane.
    pub fn words(&self) -> Vec<&'static str> {
        let mut words = Vec::new();
        if self.corrupted {
            words.push("corrupted");
        }
        if self.in_use {
            words.push("in use by containers");
        }
        if self.read_only {
            words.push("read-only");
        }
        if self.intermediate {
            words.push("intermediate");
        }
        if self.dangling {
            words.push("dangling");
        }
        words
    }
}
