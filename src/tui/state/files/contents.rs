//! Where a tree pane stands with the contents reader: what it asked for, whether the answer
//! is still to come, and the tree that came (or why none did).

use super::tree::FileTree;
use super::view::TreeView;
use super::visible::FileSort;
use crate::tui::free::free_elsewhere;

/// Where a pane's tree stands.
#[derive(Debug, Clone, Default)]
pub enum Contents {
    /// Nothing selected, or nothing asked yet.
    #[default]
    None,
    /// Asked for; the loader's progress is in the status line.
    Loading,
    Ready(Box<TreeView>),
    /// The store could not give the entries: one line saying why.
    Failed(String),
}

impl Contents {
    pub fn view(&self) -> Option<&TreeView> {
        match self {
            Contents::Ready(view) => Some(view),
            _ => None,
        }
    }

    pub fn view_mut(&mut self) -> Option<&mut TreeView> {
        match self {
            Contents::Ready(view) => Some(view),
            _ => None,
        }
    }

    /// Takes the model's answer, keeping the choices made on the tree it replaces; a tree of
    /// changes comes with every directory open.
    pub fn receive(&mut self, answer: Result<FileTree, String>, changes: bool) {
        let new = match (answer, self.view()) {
            (Ok(tree), Some(old)) => Contents::Ready(Box::new(old.replaced(tree, changes))),
            (Ok(tree), None) => Contents::Ready(Box::new(TreeView::new(
                tree,
                FileSort::Name,
                false,
                changes,
            ))),
            (Err(e), _) => Contents::Failed(e),
        };
        self.replace(new);
    }

    /// Puts `new` in place. The tree let go of is freed on a thread of its own: a tree of
    /// 100,000 paths is as many frees, which would stall a key on the UI thread.
    pub fn replace(&mut self, new: Contents) {
        if let Contents::Ready(old) = std::mem::replace(self, new) {
            free_elsewhere(old);
        }
    }
}

/// Where a tree pane's read stands with the contents reader: the subject its contents are of
/// or are being read for, and whether that read is still unanswered. A pane reads only while
/// it is on screen: an unanswered read is stopped when the pane leaves the screen (or the
/// subject goes), and asked again when the pane comes back.
#[derive(Debug, Clone)]
pub struct Reading<S> {
    loaded: Option<S>,
    pending: bool,
}

impl<S> Default for Reading<S> {
    fn default() -> Self {
        Reading {
            loaded: None,
            pending: false,
        }
    }
}

/// What a tree pane asks of the contents reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask<S> {
    Read(S),
    /// Drop the read asked before: the pane no longer wants it.
    Stop,
}

impl<S: Clone + PartialEq> Reading<S> {
    /// Whether the contents are of `subject`, or are being read for it.
    pub fn is_of(&self, subject: &S) -> bool {
        self.loaded.as_ref() == Some(subject)
    }

    /// The contents are to be read again: the subject changed, or the store was reloaded.
    pub fn forget(&mut self) {
        self.loaded = None;
    }

    /// The reader was asked for `subject`.
    pub fn asked(&mut self, subject: S) {
        self.loaded = Some(subject);
        self.pending = true;
    }

    /// What to ask next: the pane's `subject` (`None` when there is nothing to read) while
    /// the pane is `on_screen` and its contents are not of it; a stop for an unanswered read
    /// once the pane is off screen or the subject went.
    pub fn next(&mut self, subject: Option<&S>, on_screen: bool) -> Option<Ask<S>> {
        match subject {
            Some(subject) if on_screen && !self.is_of(subject) => {
                self.asked(subject.clone());
                Some(Ask::Read(subject.clone()))
            }
            _ if self.pending && (!on_screen || subject.is_none()) => {
                self.pending = false;
                self.loaded = None;
                Some(Ask::Stop)
            }
            _ => None,
        }
    }

    /// An answer for `subject` came: true when it is what the contents wait for.
    pub fn answered(&mut self, subject: &S) -> bool {
        let wanted = self.is_of(subject);
        if wanted {
            self.pending = false;
        }
        wanted
    }
}
