//! The browser's state and the one function that changes it. `update` takes an [`Action`] and
//! never draws; `receive` takes what the loader reports, `receive_change` what the change
//! worker reports. The panes' state lives in [`state`](super::state), one module per pane,
//! and is derived when the selection or the store changes, never per frame, so a keypress on
//! a 10,000-image store costs one small update and one draw of the visible rows.
//!
//! What `update` does is spread over two more files by subject: `panes.rs` moves in the
//! panes and keeps them derived from the selection, `dialogs.rs` opens, plans and confirms
//! the change dialogs.

mod contents;
mod dialogs;
mod panes;

use super::action::Action;
use super::change::{ChangeOutcome, ChangeRequest};
use super::contents::{ContentsRequest, Slot};
use super::data::StoreData;
use super::dialog::Dialog;
use super::free::free_elsewhere;
use super::keymap::HELP_PAGES;
use super::keymap::Keymap;
use super::layout::{self, Areas, Arrangement};
use super::loader::LoaderMsg;
use super::mode::Mode;
use super::pane::Pane;
use super::planner::PlanRequest;
use super::state::files::TreeView;
use super::state::forest::ForestPane;
use super::state::lineage::LineageTree;
use super::state::panes::Panes;
use super::state::{PaneState, Selected};
use super::theme::Theme;
use super::tree_filter::FilterRequest;
use cairn_core::lineage::Lineage;
use cairn_core::{Catalog, ImageIdx};
use cairn_store::{Loaded, OpenedStore, Terms, Unreachable};
use jiff::Timestamp;
use ratatui::layout::Rect;
use std::sync::Arc;

/// How far the contents reader is with a pane's layers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentsProgress {
    pub slot: Slot,
    pub read: usize,
    pub total: usize,
}

/// What the loader is doing, for the status bar's spinner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loading {
    pub stage: &'static str,
}

#[derive(Debug)]
pub struct App {
    pub theme: Theme,
    /// The keys in force: the defaults with the user's config applied.
    pub keymap: Keymap,
    /// "Now" for ages: passed in, so snapshots and tests do not depend on the clock.
    pub now: Timestamp,
    /// The store as the status bar names it.
    pub store_label: String,
    /// The terminal's size, for layout and for turning mouse positions into rows.
    pub area: Rect,
    pub store: Option<StoreData>,
    /// The lineage of the current store, once the loader has computed it.
    pub lineage: Option<Lineage>,
    pub generation: u64,
    pub loading: Option<Loading>,
    pub load_error: Option<String>,
    /// The store does not answer (a registry): shown in the status line until it does.
    pub unreachable: Option<Unreachable>,
    pub spinner: usize,

    pub focus: Pane,
    /// The inspector tab shown while the focus is elsewhere: the last one focused.
    pub inspector: Pane,
    pub zoom: bool,
    pub dialog: Option<Dialog>,

    /// The panes' state, one each.
    pub panes: Panes,

    /// The last thing worth telling the user, shown in the status bar.
    pub message: Option<String>,
    pub quit: bool,
    /// Set when a reload was asked for; the event loop passes it to the loader.
    pub reload_requested: bool,
    /// A confirmed change for the worker; the event loop passes it on.
    pub change_requested: Option<ChangeRequest>,
    /// The change the worker is applying, by the words that will report it.
    pub applying: Option<String>,
    /// The page of the help overlay shown.
    pub help_page: usize,
    /// Layer contents for the contents reader; the event loop passes them on.
    pub contents_requests: Vec<ContentsRequest>,
    /// Path filter jobs for the filter worker; the event loop passes them on.
    pub filter_requests: Vec<FilterRequest>,
    /// Prune previews' plans for the planner thread; the event loop passes them on.
    pub plan_requests: Vec<PlanRequest>,
    /// The number of the last plan request, which its answer carries back.
    last_plan_request: u64,
    /// How far the contents reader is, for the status line.
    pub contents_progress: Option<ContentsProgress>,
    /// Where the last layers' entries were read from, in words, for the status line.
    pub contents_source: Option<String>,
    /// The last message about a change, kept over the reload that follows it, and whether
    /// it says the change failed.
    change_note: Option<(String, bool)>,
    /// The (generation, image, lineage known) the panes were last derived for, so that a
    /// filter keystroke that keeps the selection does not redo them.
    derived_for: Option<(u64, Option<ImageIdx>, bool)>,
}

impl App {
    pub fn new(store_label: impl Into<String>, now: Timestamp, area: Rect, theme: Theme) -> Self {
        App {
            theme,
            keymap: Keymap::default(),
            now,
            store_label: store_label.into(),
            area,
            store: None,
            lineage: None,
            generation: 0,
            loading: Some(Loading {
                stage: "reading store",
            }),
            load_error: None,
            unreachable: None,
            spinner: 0,
            focus: Pane::Images,
            inspector: Pane::Details,
            zoom: false,
            dialog: None,
            panes: Panes::default(),
            message: None,
            quit: false,
            reload_requested: false,
            change_requested: None,
            applying: None,
            help_page: 0,
            contents_requests: Vec::new(),
            filter_requests: Vec::new(),
            plan_requests: Vec::new(),
            last_plan_request: 0,
            contents_progress: None,
            contents_source: None,
            change_note: None,
            derived_for: None,
        }
    }

    /// An app on a fully computed catalog, as tests and the benchmark build it.
    pub fn with_catalog(
        store_label: impl Into<String>,
        now: Timestamp,
        area: Rect,
        theme: Theme,
        catalog: Catalog,
    ) -> Self {
        App::with_terms(store_label, now, area, theme, catalog, Terms::default())
    }

    /// An app on a store as loaded (its catalog computed here), whose previews are told in
    /// the store's own terms as the loader's would be.
    pub fn with_loaded(
        store_label: impl Into<String>,
        now: Timestamp,
        area: Rect,
        theme: Theme,
        loaded: Loaded,
    ) -> Self {
        let catalog = Catalog::new(loaded.snapshot);
        App::with_terms(store_label, now, area, theme, catalog, loaded.terms)
    }

    fn with_terms(
        store_label: impl Into<String>,
        now: Timestamp,
        area: Rect,
        theme: Theme,
        mut catalog: Catalog,
        terms: Terms,
    ) -> Self {
        let mut app = App::new(store_label, now, area, theme);
        let lineage = std::mem::take(&mut catalog.lineage);
        app.receive(LoaderMsg::Loaded {
            generation: 1,
            data: StoreData::opened(OpenedStore::new(Arc::new(catalog), terms)),
        });
        app.receive(LoaderMsg::Lineage {
            generation: 1,
            lineage,
        });
        app
    }

    pub fn mode(&self) -> Mode {
        match &self.dialog {
            Some(dialog) => dialog.mode(),
            None if self.panes.images.filtering || self.tree_filtering() => Mode::Filter,
            None => Mode::Normal,
        }
    }

    pub fn catalog(&self) -> Option<&Catalog> {
        self.store.as_ref().map(|s| s.catalog.as_ref())
    }

    /// The image under the list's cursor.
    pub fn selected(&self) -> Option<ImageIdx> {
        self.panes.images.selected()
    }

    /// The pane shown in the inspector area right now.
    pub fn inspector_tab(&self) -> Pane {
        if self.focus.is_inspector() {
            self.focus
        } else {
            self.inspector
        }
    }

    /// What the layout depends on.
    pub fn arrangement(&self) -> Arrangement {
        Arrangement {
            zoom: self.zoom,
            focus: self.focus,
            tab: self.inspector_tab(),
            filter_line: self.panes.images.filter_line_shown(),
        }
    }

    /// Where everything is on the app's terminal, as the view draws it.
    pub fn areas(&self) -> Areas {
        layout::areas(self.arrangement(), self.area)
    }

    /// Rows of a pane that fit on screen.
    pub fn page(&self, pane: Pane) -> usize {
        self.areas().page(pane)
    }

    /// Applies one action. Drawing is left to the view.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::Back => {
                if self.dialog.is_some() {
                    self.close_dialog();
                } else if self.tree_filter_shown() {
                    self.with_files(|view| view.filter_clear());
                } else if self.panes.images.filter_line_shown() {
                    self.cancel_filter();
                } else {
                    self.quit = true;
                }
            }
            Action::Help => {
                self.help_page = 0;
                self.dialog = match self.dialog {
                    Some(Dialog::Help) => None,
                    _ => Some(Dialog::Help),
                }
            }
            Action::NextPane | Action::PrevPane if self.dialog == Some(Dialog::Help) => {
                let step = if action == Action::NextPane {
                    1
                } else {
                    HELP_PAGES - 1
                };
                self.help_page = (self.help_page + step) % HELP_PAGES;
            }
            Action::StartTag => self.start_tag(),
            Action::StartUntag => self.start_untag(),
            Action::StartRemove => self.start_remove(),
            Action::StartPrune => self.start_prune(),
            Action::TagEdit(request) => {
                if let (Some(Dialog::Tag(dialog)), Some(store)) = (&mut self.dialog, &self.store) {
                    dialog.edit(store, request);
                }
            }
            Action::ToggleForce => self.toggle_option(|o| o.force = !o.force),
            Action::ToggleNoPrune => self.toggle_option(|o| o.no_prune = !o.no_prune),
            Action::TogglePruneAll => {
                if let Some(Dialog::Prune(dialog)) = &mut self.dialog {
                    dialog.all = !dialog.all;
                    self.replan_prune();
                }
            }
            Action::Confirm => self.confirm(),
            Action::NextPane => self.focus_pane(self.focus.step(1)),
            Action::PrevPane => self.focus_pane(self.focus.step(-1)),
            Action::FocusPane(pane) => self.focus_pane(pane),
            Action::ToggleZoom => self.zoom = !self.zoom,
            Action::Up => self.move_by(-1),
            Action::Down => self.move_by(1),
            Action::PageUp => self.move_by(-(self.page(self.focus) as isize)),
            Action::PageDown => self.move_by(self.page(self.focus) as isize),
            Action::First => self.move_by(isize::MIN / 2),
            Action::Last => self.move_by(isize::MAX / 2),
            Action::Activate => self.activate(),
            Action::Expand if self.files_focused() => self.with_files(TreeView::expand),
            Action::Collapse if self.files_focused() => self.with_files(TreeView::collapse),
            Action::ToggleNode if self.files_focused() => self.with_files(TreeView::toggle),
            Action::ExpandAll if self.files_focused() => self.with_files(TreeView::expand_all),
            Action::CollapseAll if self.files_focused() => self.with_files(TreeView::collapse_all),
            Action::CycleSort if self.files_focused() => self.with_files(TreeView::cycle_sort),
            Action::ToggleChangedOnly => self.with_files(TreeView::toggle_changed_only),
            Action::LayerUp => self.step_layer(1),
            Action::LayerDown => self.step_layer(-1),
            Action::ToggleLayerOnly => self.toggle_layer_only(),
            Action::ShowLayerFiles => self.show_layer_files(),
            Action::MarkForDiff => self.mark_for_diff(),
            Action::DiffStep => self.diff_step(),
            Action::Expand => self.with_tree(LineageTree::expand, ForestPane::expand),
            Action::Collapse => self.with_tree(LineageTree::collapse, ForestPane::collapse),
            Action::ToggleNode => self.with_tree(LineageTree::toggle, ForestPane::toggle),
            Action::ExpandAll => {
                self.with_tree(LineageTree::expand_all, |f, s| f.set_all(s, true));
            }
            Action::CollapseAll => {
                self.with_tree(LineageTree::collapse_all, |f, s| f.set_all(s, false));
            }
            Action::ToggleForest => self.toggle_forest(),
            Action::CycleSort => {
                self.panes.images.sort = self.panes.images.sort.next();
                self.rebuild_rows();
            }
            Action::ReverseSort => {
                self.panes.images.sort_reverse = !self.panes.images.sort_reverse;
                self.rebuild_rows();
            }
            Action::ToggleIntermediates => {
                self.panes.images.show_all = !self.panes.images.show_all;
                self.message = Some(if self.panes.images.show_all {
                    "showing intermediate images".into()
                } else {
                    "hiding intermediate images".into()
                });
                self.rebuild_rows();
            }
            Action::ToggleWhatRequires => {
                self.panes.layers.whatrequires = !self.panes.layers.whatrequires;
                self.focus_pane(Pane::Layers);
                let selected = Selected::of(
                    self.store.as_ref(),
                    self.lineage.as_ref(),
                    self.panes.images.selected(),
                    self.now,
                );
                self.panes.layers.follow(selected);
            }
            Action::StartFilter if self.files_focused() => {
                self.with_files(|view| view.filtering = true)
            }
            Action::FilterInput(c) if self.tree_filtering() => {
                self.with_files(|view| view.filter_push(c))
            }
            Action::FilterBackspace if self.tree_filtering() => {
                self.with_files(TreeView::filter_pop)
            }
            Action::FilterAccept if self.tree_filtering() => {
                self.with_files(|view| view.filtering = false)
            }
            Action::FilterCancel if self.tree_filtering() => {
                self.with_files(TreeView::filter_clear)
            }
            Action::StartFilter => {
                self.focus = Pane::Images;
                self.panes.images.filtering = true;
            }
            Action::FilterInput(c) => {
                self.panes.images.filter.push(c);
                self.rebuild_rows();
            }
            Action::FilterBackspace => {
                self.panes.images.filter.pop();
                self.rebuild_rows();
            }
            Action::FilterAccept => self.panes.images.filtering = false,
            Action::FilterCancel => self.cancel_filter(),
            Action::FilterComplete if !self.tree_filtering() => self.complete_repository(),
            Action::FilterComplete => {}
            Action::FilterRepository => self.filter_repository(),
            Action::Reload => {
                self.reload_requested = true;
                self.message = Some("reloading".into());
            }
            Action::Click { column, row } => self.click(column, row),
            Action::ClickTreeNode(path) => {
                self.focus_pane(Pane::Lineage);
                self.panes.lineage.select_path(path);
            }
            Action::ScrollUp { column, row } => self.wheel(column, row, -3),
            Action::ScrollDown { column, row } => self.wheel(column, row, 3),
            Action::Resize { width, height } => {
                self.area = Rect::new(0, 0, width, height);
                for pane in Pane::ALL {
                    let page = self.page(pane);
                    self.panes.get_mut(pane).clamp(page);
                }
            }
            Action::Tick => self.spinner = self.spinner.wrapping_add(1),
        }
        self.request_contents();
    }

    /// Takes what the loader reports.
    pub fn receive(&mut self, msg: LoaderMsg) {
        match msg {
            LoaderMsg::Progress(stage) => self.loading = Some(Loading { stage }),
            LoaderMsg::Images { generation, data } => {
                self.receive(LoaderMsg::Loaded { generation, data });
                self.loading = Some(Loading {
                    stage: "reading layers",
                });
            }
            LoaderMsg::Listed { generation, data } => {
                // A cached listing is complete but may be old: the full load asks again.
                let stage = match data.cached_at {
                    Some(_) => "asking the registry again",
                    None => "reading image configs",
                };
                self.receive(LoaderMsg::Loaded { generation, data });
                self.loading = Some(Loading { stage });
            }
            LoaderMsg::Loaded { generation, data } => {
                // The full load after the list of the same generation is no reload.
                let reload = self.store.is_some() && generation != self.generation;
                self.generation = generation;
                free_elsewhere((self.store.replace(data), self.lineage.take()));
                self.load_error = None;
                self.unreachable = None;
                self.loading = Some(Loading {
                    stage: "computing lineage",
                });
                // Indexes change with a load: what was asked under the old ones is asked
                // again (the trees on screen stay until the answers come).
                self.panes.files.read.forget();
                self.panes.diff.read.forget();
                self.rebuild_rows();
                self.replan_dialog();
                self.request_contents();
                // What a change did stays on screen over the reload it causes.
                let note = self.change_note.as_ref().map(|(text, _)| text);
                if reload && (note.is_none() || self.message.as_ref() != note) {
                    self.message = Some("store changed: reloaded".into());
                }
            }
            LoaderMsg::Lineage {
                generation,
                lineage,
            } => {
                if generation != self.generation {
                    return;
                }
                self.lineage = Some(lineage);
                self.loading = None;
                // Intermediates are known only now: the list may lose some, and the panes
                // that show lineage are derived again.
                self.rebuild_rows();
                self.request_contents();
            }
            LoaderMsg::Failed(error) => {
                self.loading = None;
                self.message = Some(error.clone());
                self.load_error = Some(error);
            }
            LoaderMsg::Unreachable(unreachable) => {
                // The loader waits until the next try: nothing is in progress meanwhile.
                if unreachable.is_some() {
                    self.loading = None;
                }
                self.unreachable = unreachable;
            }
        }
    }

    /// Takes what the change worker reports: the status line says what was done, and the
    /// store is read again so that every view shows it.
    pub fn receive_change(&mut self, outcome: ChangeOutcome) {
        self.applying = None;
        self.reload_requested = true;
        let (message, failed) = match outcome {
            ChangeOutcome::Applied(request) => (request.summary, false),
            ChangeOutcome::StoreChanged(request) => {
                // Show the plan as it is now; the reload plans it again on the new store.
                self.reopen(&request.change);
                (
                    "The store changed since the preview; nothing was changed".to_string(),
                    true,
                )
            }
            ChangeOutcome::Failed { error, .. } => (format!("Failed: {error}"), true),
        };
        self.message = Some(message.clone());
        self.change_note = Some((message, failed));
    }

    /// Whether the status line's message says a change failed, to be shown as an error.
    pub fn message_is_alert(&self) -> bool {
        matches!((&self.change_note, &self.message), (Some((note, true)), Some(m)) if note == m)
    }
}
