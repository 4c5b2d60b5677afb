//! The Files pane's state, and the file tree it shares with the Diff pane.
//!
//! The model hands the browser a list of paths with what changed them; [`FileTree`] turns
//! that into an arena of nodes once, off the UI thread, with directory totals, each
//! directory's children sorted by name and by size, and the nodes "changed only" keeps.
//! [`TreeView`] is the part keys change: which directories are open (a default and the few
//! flipped from it), which nodes show, the sort, the cursor. The rows are never listed: each
//! node counts the rows below it, and the page on screen is found from those counts. So no
//! key costs a pass over the tree's 100,000 paths on the UI thread: a sort switches index
//! arrays, expand-all sets a default, and the path filter runs as a [`FilterJob`] on the
//! filter worker (`tui::tree_filter`), the rows staying the previous answer's meanwhile.
//!
//! The Files pane shows the selected image's merged tree at one of its layers (the top one
//! at first), or only that layer's changes.

mod contents;
mod filter;
mod node;
mod tree;
mod view;
mod visible;

pub use contents::{Ask, Contents, Reading};
pub use filter::{FilterJob, Filtered};
pub use node::{Mark, Node};
pub use tree::{FileInput, FileTree};
pub use view::{Row, Rows, TreeView};
pub use visible::{FileSort, Visible};

use super::{PaneState, Selected};
use crate::tui::scroll::Scroll;
use cairn_core::contents::image_layers;
use cairn_core::{ImageIdx, LayerIdx};

/// What the Files pane shows: one image's merged tree at one of its layers, or that layer's
/// changes only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilesSubject {
    pub image: ImageIdx,
    /// The image's layers, base first.
    pub layers: Vec<LayerIdx>,
    /// Which of them, by position from the base.
    pub at: usize,
    /// Only the layer's changes, not the merged tree.
    pub layer_only: bool,
}

impl FilesSubject {
    /// The layer shown.
    pub fn layer(&self) -> Option<LayerIdx> {
        self.layers.get(self.at).copied()
    }
}

#[derive(Debug, Clone, Default)]
pub struct FilesPane {
    pub subject: Option<FilesSubject>,
    pub contents: Contents,
    /// The subject the contents are of (or being read for).
    pub read: Reading<FilesSubject>,
    /// A path to put the cursor on when the tree being loaded comes.
    pub reveal: Option<Vec<u8>>,
}

impl FilesPane {
    /// Shows another layer of the same image, `delta` steps up (towards the top) or down.
    pub fn step_layer(&mut self, delta: isize) {
        if let Some(subject) = &mut self.subject {
            let last = subject.layers.len().saturating_sub(1) as isize;
            subject.at = (subject.at as isize + delta).clamp(0, last) as usize;
        }
    }

    /// Shows a layer by index, when the image has it.
    pub fn show_layer(&mut self, layer: LayerIdx) -> bool {
        let Some(subject) = &mut self.subject else {
            return false;
        };
        match subject.layers.iter().position(|&l| l == layer) {
            Some(at) => {
                subject.at = at;
                true
            }
            None => false,
        }
    }

    pub fn toggle_layer_only(&mut self) {
        if let Some(subject) = &mut self.subject {
            subject.layer_only = !subject.layer_only;
        }
    }
}

impl PaneState for FilesPane {
    fn list(&mut self) -> Option<(&mut Scroll, usize)> {
        self.contents.view_mut()?.list()
    }

    fn follow(&mut self, selected: Option<Selected<'_>>) {
        let subject = selected.map(|s| {
            let layers = image_layers(&s.store.catalog, s.image);
            // The same image again (the lineage came, the store reloaded unchanged): the
            // layer shown stays.
            let at = match &self.subject {
                Some(old) if old.image == s.image && old.layers == layers => old.at,
                _ => layers.len().saturating_sub(1),
            };
            FilesSubject {
                image: s.image,
                at,
                layers,
                layer_only: self.subject.as_ref().is_some_and(|s| s.layer_only),
            }
        });
        if subject.as_ref().map(|s| s.image) != self.subject.as_ref().map(|s| s.image) {
            self.contents.replace(Contents::None);
            self.read.forget();
        }
        self.subject = subject;
    }
}
