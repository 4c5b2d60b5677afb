//! What layers hold: the Files and Diff panes' keys (routed to the focused tree), asking the
//! contents reader for what the pane on screen needs, and taking its answers.

use super::{App, ContentsProgress};
use crate::tui::contents::{Answer, ContentsMsg, ContentsRequest, Job, Slot, source_words};
use crate::tui::pane::Pane;
use crate::tui::state::files::{Ask, Contents, FileTree, TreeView};
use crate::tui::state::{PaneState, Selected};
use crate::tui::tree_filter::{FilterDone, FilterRequest};
use cairn_core::visible::visible_bytes;
use cairn_core::{ImageIdx, LayerIdx};

impl App {
    /// Whether the keys go to a file tree.
    pub(super) fn files_focused(&self) -> bool {
        matches!(self.focus, Pane::Files | Pane::Diff)
    }

    fn focused_contents(&mut self) -> Option<&mut Contents> {
        match self.focus {
            Pane::Files => Some(&mut self.panes.files.contents),
            Pane::Diff => Some(&mut self.panes.diff.contents),
            _ => None,
        }
    }

    /// The focused pane's tree, when it has one on screen.
    pub fn focused_tree(&self) -> Option<&TreeView> {
        match self.focus {
            Pane::Files => self.panes.files.contents.view(),
            Pane::Diff => self.panes.diff.contents.view(),
            _ => None,
        }
    }

    /// The path filter of the focused tree is being typed.
    pub(super) fn tree_filtering(&self) -> bool {
        self.focused_tree().is_some_and(|v| v.filtering)
    }

    pub(super) fn tree_filter_shown(&self) -> bool {
        self.focused_tree()
            .is_some_and(|v| v.filtering || !v.filter.is_empty())
    }

    /// Applies a key to the focused tree.
    pub(super) fn with_files(&mut self, f: impl FnOnce(&mut TreeView)) {
        let page = self.page(self.focus);
        if let Some(view) = self.focused_contents().and_then(Contents::view_mut) {
            view.clamp(page);
            f(view);
        }
    }

    /// `[` and `]`: another layer of the image in the Files pane.
    pub(super) fn step_layer(&mut self, delta: isize) {
        self.focus_pane(Pane::Files);
        self.panes.files.step_layer(delta);
        self.say_layer();
    }

    pub(super) fn toggle_layer_only(&mut self) {
        self.focus_pane(Pane::Files);
        self.panes.files.toggle_layer_only();
    }

    /// `f` in the layers: that layer's files.
    pub(super) fn show_layer_files(&mut self) {
        let Some(row) = self.panes.layers.rows.get(self.panes.layers.scroll.cursor) else {
            return;
        };
        if self.panes.files.show_layer(row.layer) {
            self.focus_pane(Pane::Files);
            self.say_layer();
        } else {
            self.message = Some("that layer is not one of the selected image's".into());
        }
    }

    fn say_layer(&mut self) {
        if let Some(subject) = &self.panes.files.subject {
            self.message = Some(format!(
                "layer {} of {}",
                subject.at + 1,
                subject.layers.len()
            ));
        }
    }

    /// `m` in the list: the Diff pane compares with this image, or, when it is already the
    /// one marked, with the parent again.
    pub(super) fn mark_for_diff(&mut self) {
        let (Some(store), Some(image)) = (&self.store, self.selected()) else {
            return;
        };
        let id = store.catalog.snapshot.images[image].id.clone();
        let label = store.facts.label(&store.catalog, image);
        if self.panes.diff.marked.as_ref() == Some(&id) {
            self.panes.diff.marked = None;
            self.message = Some("Diff compares with the parent again".into());
        } else {
            self.panes.diff.marked = Some(id);
            self.message = Some(format!(
                "marked {label}: Diff compares the selected image with it"
            ));
        }
        let selected = Selected::of(
            self.store.as_ref(),
            self.lineage.as_ref(),
            self.selected(),
            self.now,
        );
        self.panes.diff.follow(selected);
    }

    /// `D` in the lineage tree: what the step from the node's parent to it changed.
    pub(super) fn diff_step(&mut self) {
        if self.focus != Pane::Lineage {
            return;
        }
        let Some(store) = &self.store else {
            return;
        };
        let path = self
            .panes
            .lineage
            .selected_row()
            .map(|r| r.path.clone())
            .unwrap_or_default();
        match path.as_slice() {
            [.., parent, child] => {
                self.panes.diff.show_step(&store.catalog, *parent, *child);
                self.focus_pane(Pane::Diff);
            }
            _ => self.message = Some("the root of the lineage has no step to it".into()),
        }
    }

    /// Enter on a tree: opens a directory; on anything else, shows the layer that last
    /// changed the path, in the Files pane, the layers and the lineage.
    pub(super) fn open_or_jump(&mut self) {
        let Some(view) = self.focused_tree() else {
            return;
        };
        let Some(id) = view.selected() else {
            return;
        };
        if view.node(id).is_dir() && view.can_open(id) {
            self.with_files(TreeView::toggle);
            return;
        }
        let path = view.tree.path(id);
        let position = view.node(id).layer;
        // Positions are in the image the pane shows: the Files pane's, or the diff's newer one.
        let layers = match self.focus {
            Pane::Diff => self.panes.diff.subject.as_ref().map(|s| &s.to_layers),
            _ => self.panes.files.subject.as_ref().map(|s| &s.layers),
        };
        let Some(layer) = position.and_then(|at| layers?.get(at).copied()) else {
            self.message = Some("no layer is known for this path".into());
            return;
        };
        self.jump_to_layer(layer, path);
    }

    /// Shows `path` in the Files pane at `layer`, with the layer under the layers' cursor and
    /// the image that made it selected in the lineage tree.
    fn jump_to_layer(&mut self, layer: LayerIdx, path: Vec<u8>) {
        let Some(store) = self.store.clone() else {
            return;
        };
        let catalog = &store.catalog;
        let shown = visible_bytes(&path).into_owned();
        if !self.panes.files.show_layer(layer) {
            self.message = Some(format!(
                "{shown} was last changed in a layer the selected image does not have"
            ));
            return;
        }
        self.panes.files.reveal = Some(path);
        if let Some(at) = self.panes.layers.rows.iter().position(|r| r.layer == layer) {
            let page = self.page(Pane::Layers);
            let len = self.panes.layers.rows.len();
            self.panes.layers.scroll.go(at, len, page);
        }
        let maker = self.image_that_made(layer);
        if let Some(image) = maker
            && let Some(at) = self.panes.lineage.chain.iter().position(|&i| i == image)
        {
            self.panes
                .lineage
                .select_path(self.panes.lineage.chain[..=at].to_vec());
        }
        let at = self.panes.files.subject.as_ref().map_or(0, |s| s.at + 1);
        let by = maker.map_or_else(String::new, |image| {
            format!(", built by {}", store.facts.label(catalog, image))
        });
        self.message = Some(format!("{shown}: last changed in layer {at}{by}"));
        self.focus_pane(Pane::Files);
    }

    /// The image of the selected one's lineage (itself or an ancestor, the oldest first)
    /// that first has `layer`.
    fn image_that_made(&self, layer: LayerIdx) -> Option<ImageIdx> {
        let store = self.store.as_ref()?;
        let catalog = &store.catalog;
        self.panes.lineage.chain.iter().copied().find(|&image| {
            catalog
                .tree
                .top_node(&catalog.snapshot, image)
                .is_some_and(|top| catalog.tree.chain(top).any(|l| l == layer))
        })
    }

    /// Asks the reader for what the pane on screen needs and does not have, and stops the
    /// reads of the panes that left the screen.
    pub(super) fn request_contents(&mut self) {
        self.request_filters();
        let Some(store) = &self.store else {
            return;
        };
        let catalog = std::sync::Arc::clone(&store.catalog);
        let tab = self.areas().tab;
        let files = &mut self.panes.files;
        let ask = files.read.next(
            files.subject.as_ref().filter(|s| !s.layers.is_empty()),
            tab == Some(Pane::Files),
        );
        let files = Self::tree_job(ask, &mut files.contents, Job::Files, Slot::Files);
        let diff = &mut self.panes.diff;
        let ask = diff
            .read
            .next(diff.subject.as_ref(), tab == Some(Pane::Diff));
        let diff = Self::tree_job(ask, &mut diff.contents, Job::Diff, Slot::Diff);
        let details = match tab {
            Some(Pane::Details) => self.panes.details.waste_wanted(),
            _ => self.panes.details.waste_hidden(),
        };
        for job in [files, diff, details].into_iter().flatten() {
            self.contents_requests.push(ContentsRequest {
                generation: self.generation,
                catalog: std::sync::Arc::clone(&catalog),
                job,
            });
        }
    }

    /// The reader's job for what a tree pane asks: a read (the pane says it is loading), or
    /// a stop of the pane's read.
    fn tree_job<S>(
        ask: Option<Ask<S>>,
        contents: &mut Contents,
        read: fn(S) -> Job,
        slot: Slot,
    ) -> Option<Job> {
        match ask? {
            Ask::Read(subject) => {
                Self::mark_loading(contents);
                Some(read(subject))
            }
            Ask::Stop => Some(Job::Stop(slot)),
        }
    }

    /// Hands the trees' new filter jobs to the filter worker.
    fn request_filters(&mut self) {
        for pane in [Pane::Files, Pane::Diff] {
            let contents = match pane {
                Pane::Files => &mut self.panes.files.contents,
                _ => &mut self.panes.diff.contents,
            };
            if let Some(job) = contents.view_mut().and_then(TreeView::take_job) {
                self.filter_requests.retain(|r| r.pane != pane);
                self.filter_requests.push(FilterRequest { pane, job });
            }
        }
    }

    /// Takes what the filter worker found.
    pub fn receive_filter(&mut self, done: FilterDone) {
        let page = self.page(done.pane);
        let contents = match done.pane {
            Pane::Files => &mut self.panes.files.contents,
            Pane::Diff => &mut self.panes.diff.contents,
            _ => return,
        };
        if let Some(view) = contents.view_mut() {
            view.clamp(page);
            view.receive_filter(done.filtered);
        }
    }

    /// A pane with nothing on screen says it is loading; one with a tree keeps showing it
    /// until the new one comes.
    fn mark_loading(contents: &mut Contents) {
        if contents.view().is_none() {
            *contents = Contents::Loading;
        }
    }

    /// Takes what the contents reader reports.
    pub fn receive_contents(&mut self, msg: ContentsMsg) {
        match msg {
            ContentsMsg::Progress { slot, read, total } => {
                self.contents_progress = Some(ContentsProgress { slot, read, total });
            }
            ContentsMsg::Done {
                generation,
                job,
                answer,
                sources,
            } => {
                if self.contents_progress.is_some_and(|p| p.slot == job.slot()) {
                    self.contents_progress = None;
                }
                if generation != self.generation {
                    return;
                }
                let from: Vec<&str> = sources.iter().map(|&s| source_words(s)).collect();
                let read = answer.is_ok();
                match job {
                    Job::Files(subject) if self.panes.files.read.answered(&subject) => {
                        let page = self.page(Pane::Files);
                        let files = &mut self.panes.files;
                        files.contents.receive(tree(answer), subject.layer_only);
                        if let (Some(path), Some(view)) =
                            (files.reveal.take(), files.contents.view_mut())
                        {
                            view.clamp(page);
                            view.reveal(&path);
                        }
                    }
                    Job::Diff(subject) if self.panes.diff.read.answered(&subject) => {
                        self.panes.diff.contents.receive(tree(answer), true);
                    }
                    Job::Waste { image, .. } => {
                        self.panes.details.receive_waste(image, answer);
                    }
                    _ => return,
                }
                if read && !from.is_empty() {
                    self.contents_source = Some(from.join(" and "));
                }
            }
        }
        self.request_contents();
    }
}

/// The tree of an answer.
fn tree(answer: Result<Answer, String>) -> Result<FileTree, String> {
    match answer? {
        Answer::Tree(tree) => Ok(tree),
        Answer::Waste(_) => Err("the reader answered with wasted space, not a tree".into()),
    }
}
