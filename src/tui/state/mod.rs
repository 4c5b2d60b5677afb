//! The panes' state, one module per pane as `view/` has one drawing per pane. Each pane
//! keeps its rows and its cursor, moves under the keys and the mouse, and, but for the list
//! that makes the selection, derives its rows from the selected image: all through
//! [`PaneState`], which is all the app needs of a pane.
//!
//! A new pane is a variant of [`Pane`](super::pane::Pane), a module here whose state
//! implements [`PaneState`] (a field of `Panes` in `panes.rs` and an arm of its `get_mut`),
//! and a drawing in `view/` (an arm of `view::draw`).

pub mod details;
pub mod diff;
pub mod files;
pub mod history;
pub mod image_list;
pub mod layers;
pub mod lineage;
pub mod panes;

use super::data::StoreData;
use super::scroll::Scroll;
use cairn_core::ImageIdx;
use cairn_core::lineage::Lineage;
use jiff::Timestamp;

/// How a pane moves. A pane that lists rows gives its [`Scroll`] and row count, and gets
/// the keys, the wheel and clicks for free; a pane that moves otherwise (the tree)
/// overrides them.
pub trait PaneState {
    /// The pane's cursor and how many rows it has.
    fn list(&mut self) -> Option<(&mut Scroll, usize)>;

    /// The keys: moves the cursor by `delta` rows, `page` rows being on screen.
    fn move_by(&mut self, delta: isize, page: usize) {
        if let Some((scroll, len)) = self.list() {
            scroll.by(delta, len, page);
        }
    }

    /// The wheel: scrolls by `delta` rows, the cursor following only to stay on screen.
    fn wheel(&mut self, delta: isize, page: usize) {
        if let Some((scroll, len)) = self.list() {
            scroll.scroll(delta, len, page);
        }
    }

    /// A click on the `line`th row on screen.
    fn click(&mut self, line: usize, page: usize) {
        if let Some((scroll, len)) = self.list() {
            let to = scroll.offset + line;
            if to < len {
                scroll.go(to, len, page);
            }
        }
    }

    /// Keeps the cursor on screen after the terminal changed size.
    fn clamp(&mut self, page: usize) {
        if let Some((scroll, len)) = self.list() {
            scroll.go(scroll.cursor, len, page);
        }
    }

    /// Derives the rows again from the list's selection (`None`: nothing selected), for a
    /// pane whose rows are about the selected image; the list itself makes the selection.
    fn follow(&mut self, _selected: Option<Selected<'_>>) {}
}

/// What a pane that follows the list's selection derives its rows from.
#[derive(Debug, Clone, Copy)]
pub struct Selected<'a> {
    pub store: &'a StoreData,
    /// Known once the loader has computed it.
    pub lineage: Option<&'a Lineage>,
    pub image: ImageIdx,
    /// "Now" for ages.
    pub now: Timestamp,
}

impl<'a> Selected<'a> {
    /// The selection, when a store is loaded and an image selected.
    pub fn of(
        store: Option<&'a StoreData>,
        lineage: Option<&'a Lineage>,
        image: Option<ImageIdx>,
        now: Timestamp,
    ) -> Option<Self> {
        Some(Selected {
            store: store?,
            lineage,
            image: image?,
            now,
        })
    }
}
