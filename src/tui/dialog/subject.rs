//! The image a dialog acts on, kept by ID so that it survives the reloads a dialog plans
//! again on.

use crate::tui::data::StoreData;
use cairn_core::ImageIdx;

/// Its ID (stable across reloads) and the name the list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub id: String,
    pub label: String,
}

impl Subject {
    pub fn new(store: &StoreData, image: ImageIdx) -> Self {
        Subject {
            id: store.catalog.snapshot.images[image].id.clone(),
            label: store.facts.label(&store.catalog, image),
        }
    }
}
