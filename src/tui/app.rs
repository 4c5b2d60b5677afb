//! The browser's state and the one function that changes it. `update` takes an [`Action`] and
//! never draws; `receive` takes what the loader reports, `receive_change` what the change
//! worker reports. The panes' state lives in [`state`](super::state), one module per pane,
//! and is derived when the selection or the store changes, never per frame, so a keypress on
//! a 10,000-image store costs one small update and one draw of the visible rows.

use super::action::Action;
use super::change::{Change, ChangeOutcome, ChangeRequest};
use super::data::StoreData;
use super::dialog::{Dialog, PruneDialog, RemoveDialog, Subject, TagDialog, UntagDialog};
use super::layout::{self, Areas, Arrangement};
use super::loader::LoaderMsg;
use super::mode::Mode;
use super::pane::Pane;
use super::popup::plan_max_scroll;
use super::state::details::DetailsPane;
use super::state::history::HistoryPane;
use super::state::image_list::ImageList;
use super::state::layers::LayersPane;
use super::state::lineage::{LineageTree, TreeRow};
use super::state::{FollowsSelection, PaneState, Selected};
use super::theme::Theme;
use cairn_core::image::short_id;
use cairn_core::lineage::Lineage;
use cairn_core::removal::RemoveOptions;
use cairn_core::{Catalog, ImageIdx};
use jiff::Timestamp;
use ratatui::layout::Rect;
use std::sync::Arc;

/// What the loader is doing, for the status bar's spinner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loading {
    pub stage: &'static str,
}

#[derive(Debug)]
pub struct App {
    pub theme: Theme,
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
    pub spinner: usize,

    pub focus: Pane,
    /// The inspector tab shown while the focus is elsewhere: the last one focused.
    pub inspector: Pane,
    pub zoom: bool,
    pub dialog: Option<Dialog>,

    /// The panes, one state each.
    pub images: ImageList,
    pub tree: LineageTree,
    pub layers: LayersPane,
    pub history: HistoryPane,
    pub details: DetailsPane,

    /// The last thing worth telling the user, shown in the status bar.
    pub message: Option<String>,
    pub quit: bool,
    /// Set when a reload was asked for; the event loop passes it to the loader.
    pub reload_requested: bool,
    /// A confirmed change for the worker; the event loop passes it on.
    pub change_requested: Option<ChangeRequest>,
    /// The change the worker is applying, by the words that will report it.
    pub applying: Option<String>,
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
            spinner: 0,
            focus: Pane::Images,
            inspector: Pane::Details,
            zoom: false,
            dialog: None,
            images: ImageList::default(),
            tree: LineageTree::default(),
            layers: LayersPane::default(),
            history: HistoryPane::default(),
            details: DetailsPane::default(),
            message: None,
            quit: false,
            reload_requested: false,
            change_requested: None,
            applying: None,
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
        mut catalog: Catalog,
    ) -> Self {
        let mut app = App::new(store_label, now, area, theme);
        let lineage = std::mem::take(&mut catalog.lineage);
        app.receive(LoaderMsg::Loaded {
            generation: 1,
            data: StoreData::new(Arc::new(catalog)),
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
            None if self.images.filtering => Mode::Filter,
            None => Mode::Normal,
        }
    }

    pub fn catalog(&self) -> Option<&Catalog> {
        self.store.as_ref().map(|s| s.catalog.as_ref())
    }

    /// The image under the list's cursor.
    pub fn selected(&self) -> Option<ImageIdx> {
        self.images.selected()
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
            filter_line: self.images.filter_line_shown(),
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

    /// The state of a pane, to move in.
    fn pane_mut(&mut self, pane: Pane) -> &mut dyn PaneState {
        match pane {
            Pane::Images => &mut self.images,
            Pane::Lineage => &mut self.tree,
            Pane::Layers => &mut self.layers,
            Pane::History => &mut self.history,
            Pane::Details => &mut self.details,
        }
    }

    /// Applies one action. Drawing is left to the view.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::Back => {
                if self.dialog.is_some() {
                    self.dialog = None;
                } else if self.images.filter_line_shown() {
                    self.cancel_filter();
                } else {
                    self.quit = true;
                }
            }
            Action::Help => {
                self.dialog = match self.dialog {
                    Some(Dialog::Help) => None,
                    _ => Some(Dialog::Help),
                }
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
                if let (Some(Dialog::Prune(dialog)), Some(store)) = (&mut self.dialog, &self.store)
                {
                    dialog.all = !dialog.all;
                    dialog.replan(store);
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
            Action::Expand => self.with_tree(LineageTree::expand),
            Action::Collapse => self.with_tree(LineageTree::collapse),
            Action::ToggleNode => self.with_tree(LineageTree::toggle),
            Action::ExpandAll => self.with_tree(LineageTree::expand_all),
            Action::CollapseAll => self.with_tree(LineageTree::collapse_all),
            Action::CycleSort => {
                self.images.sort = self.images.sort.next();
                self.rebuild_rows();
            }
            Action::ReverseSort => {
                self.images.sort_reverse = !self.images.sort_reverse;
                self.rebuild_rows();
            }
            Action::ToggleIntermediates => {
                self.images.show_all = !self.images.show_all;
                self.message = Some(if self.images.show_all {
                    "showing intermediate images".into()
                } else {
                    "hiding intermediate images".into()
                });
                self.rebuild_rows();
            }
            Action::ToggleWhatRequires => {
                self.layers.whatrequires = !self.layers.whatrequires;
                self.focus_pane(Pane::Layers);
                let selected = Selected::of(
                    self.store.as_ref(),
                    self.lineage.as_ref(),
                    self.images.selected(),
                    self.now,
                );
                self.layers.rebuild(selected);
            }
            Action::StartFilter => {
                self.focus = Pane::Images;
                self.images.filtering = true;
            }
            Action::FilterInput(c) => {
                self.images.filter.push(c);
                self.rebuild_rows();
            }
            Action::FilterBackspace => {
                self.images.filter.pop();
                self.rebuild_rows();
            }
            Action::FilterAccept => self.images.filtering = false,
            Action::FilterCancel => self.cancel_filter(),
            Action::Reload => {
                self.reload_requested = true;
                self.message = Some("reloading".into());
            }
            Action::Click { column, row } => self.click(column, row),
            Action::ClickTreeNode(path) => {
                self.focus_pane(Pane::Lineage);
                self.tree.select_path(path);
            }
            Action::ScrollUp { column, row } => self.wheel(column, row, -3),
            Action::ScrollDown { column, row } => self.wheel(column, row, 3),
            Action::Resize { width, height } => {
                self.area = Rect::new(0, 0, width, height);
                for pane in Pane::ALL {
                    let page = self.page(pane);
                    self.pane_mut(pane).clamp(page);
                }
            }
            Action::Tick => self.spinner = self.spinner.wrapping_add(1),
        }
    }

    /// Takes what the loader reports.
    pub fn receive(&mut self, msg: LoaderMsg) {
        match msg {
            LoaderMsg::Progress(stage) => self.loading = Some(Loading { stage }),
            LoaderMsg::Loaded { generation, data } => {
                let reload = self.store.is_some();
                self.generation = generation;
                self.store = Some(data);
                self.lineage = None;
                self.load_error = None;
                self.loading = Some(Loading {
                    stage: "computing lineage",
                });
                self.rebuild_rows();
                self.replan_dialog();
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
            }
            LoaderMsg::Failed(error) => {
                self.loading = None;
                self.message = Some(error.clone());
                self.load_error = Some(error);
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

    /// The image a change dialog opens on: the list's selection.
    fn subject(&mut self) -> Option<Subject> {
        if self.applying.is_some() {
            self.message = Some("a change is still being applied".into());
            return None;
        }
        let Some(store) = &self.store else {
            self.message = Some("the store is not loaded yet".into());
            return None;
        };
        match self.selected() {
            Some(image) => Some(Subject::new(store, image)),
            None => {
                self.message = Some("no image selected".into());
                None
            }
        }
    }

    fn start_tag(&mut self) {
        if let Some(subject) = self.subject()
            && let Some(store) = &self.store
        {
            self.dialog = Some(Dialog::Tag(TagDialog::new(store, subject, "")));
        }
    }

    fn start_untag(&mut self) {
        let Some(subject) = self.subject() else {
            return;
        };
        let Some(catalog) = self.catalog() else {
            return;
        };
        let dialog = UntagDialog::new(catalog, subject, None);
        if dialog.names.is_empty() {
            self.message = Some(format!("{} has no names to remove", dialog.subject.label));
            return;
        }
        self.dialog = Some(Dialog::Untag(dialog));
    }

    fn start_remove(&mut self) {
        if let Some(subject) = self.subject()
            && let Some(store) = &self.store
        {
            let dialog = RemoveDialog::new(store, subject, RemoveOptions::default());
            self.dialog = Some(Dialog::Remove(dialog));
        }
    }

    fn start_prune(&mut self) {
        if self.applying.is_some() {
            self.message = Some("a change is still being applied".into());
            return;
        }
        if let Some(store) = &self.store {
            self.dialog = Some(Dialog::Prune(PruneDialog::new(store, false)));
        }
    }

    fn toggle_option(&mut self, toggle: fn(&mut RemoveOptions)) {
        if let (Some(Dialog::Remove(dialog)), Some(store)) = (&mut self.dialog, &self.store) {
            toggle(&mut dialog.options);
            dialog.replan(store);
        }
    }

    /// y or Enter in a dialog: the plan shown goes to the worker, or the status line says
    /// why there is nothing to apply.
    fn confirm(&mut self) {
        let request = match &self.dialog {
            Some(Dialog::Tag(d)) => d.change(),
            Some(Dialog::Untag(d)) => d.change(),
            Some(Dialog::Remove(d)) => d.change(),
            Some(Dialog::Prune(d)) => d.change(),
            Some(Dialog::Help) | None => return,
        };
        match request {
            Ok(request) => {
                self.dialog = None;
                self.applying = Some(request.summary.clone());
                self.change_requested = Some(request);
            }
            Err(why) => self.message = Some(why),
        }
    }

    /// Opens the dialog of a change again, planned on the store in memory.
    fn reopen(&mut self, change: &Change) {
        let Some(store) = &self.store else {
            return;
        };
        let snapshot = &store.catalog.snapshot;
        let subject = |id: &str| match snapshot.image_by_id(id) {
            Some(image) => Subject::new(store, image),
            None => Subject {
                id: id.to_string(),
                label: short_id(id).to_string(),
            },
        };
        self.dialog = Some(match change {
            Change::Tag { image, name } => Dialog::Tag(TagDialog::new(store, subject(image), name)),
            Change::Untag { image, name } => {
                Dialog::Untag(UntagDialog::new(&store.catalog, subject(image), Some(name)))
            }
            Change::Remove { image, options } => {
                Dialog::Remove(RemoveDialog::new(store, subject(image), *options))
            }
            Change::Prune { all } => Dialog::Prune(PruneDialog::new(store, *all)),
        });
    }

    /// A new store plans the open dialog again: the preview always shows what `y` applies.
    fn replan_dialog(&mut self) {
        let Some(store) = &self.store else {
            return;
        };
        match &mut self.dialog {
            Some(Dialog::Tag(d)) => d.replan(store),
            Some(Dialog::Untag(d)) => d.replan(&store.catalog, None),
            Some(Dialog::Remove(d)) => d.replan(store),
            Some(Dialog::Prune(d)) => d.replan(store),
            Some(Dialog::Help) | None => {}
        }
    }

    /// Moves in an open dialog: the untag list's choice, or the plan's scroll. Returns
    /// false when no dialog takes movement.
    fn move_dialog(&mut self, delta: isize) -> bool {
        let area = self.area;
        let Some(dialog) = &mut self.dialog else {
            return false;
        };
        let scroll = |at: &mut usize, tree, header| {
            let max = plan_max_scroll(tree, header, area) as isize;
            *at = (*at as isize).saturating_add(delta).clamp(0, max) as usize;
        };
        match dialog {
            Dialog::Untag(d) => {
                if let Some(store) = &self.store {
                    d.select(&store.catalog, delta);
                }
            }
            Dialog::Remove(d) => scroll(&mut d.scroll, &d.tree, RemoveDialog::HEADER_LINES),
            Dialog::Prune(d) => scroll(&mut d.scroll, &d.tree, PruneDialog::HEADER_LINES),
            Dialog::Help | Dialog::Tag(_) => {}
        }
        true
    }

    fn focus_pane(&mut self, pane: Pane) {
        self.focus = pane;
        if pane.is_inspector() {
            self.inspector = pane;
        }
    }

    fn cancel_filter(&mut self) {
        self.images.filtering = false;
        if !self.images.filter.is_empty() {
            self.images.filter.clear();
            self.rebuild_rows();
        }
    }

    fn with_tree(&mut self, f: fn(&mut LineageTree, &Lineage)) {
        if self.focus != Pane::Lineage {
            return;
        }
        if let Some(lineage) = &self.lineage {
            f(&mut self.tree, lineage);
        }
    }

    fn move_by(&mut self, delta: isize) {
        if self.move_dialog(delta) {
            return;
        }
        let page = self.page(self.focus);
        self.pane_mut(self.focus).move_by(delta, page);
        self.on_selection_changed();
    }

    fn activate(&mut self) {
        let target = match self.focus {
            Pane::Images => {
                self.focus_pane(Pane::Lineage);
                return;
            }
            Pane::Lineage => self.tree.selected_row().and_then(TreeRow::image),
            Pane::Layers => self.catalog().and_then(|c| self.layers.target(c)),
            Pane::History => self.history.target(),
            Pane::Details => return,
        };
        match target {
            Some(image) => self.jump_to(image),
            None => self.message = Some("no image in the store for this row".into()),
        }
    }

    /// Selects an image in the list, showing intermediates or dropping the filter when they
    /// hide it, and moves the focus to the list.
    pub fn jump_to(&mut self, image: ImageIdx) {
        if !self.images.rows.contains(&image) {
            if !self.images.show_all {
                self.images.show_all = true;
                self.rebuild_rows();
            }
            if !self.images.rows.contains(&image) && !self.images.filter.is_empty() {
                self.images.filter.clear();
                self.images.filtering = false;
                self.rebuild_rows();
            }
        }
        if !self.images.rows.contains(&image) {
            return;
        }
        self.focus_pane(Pane::Images);
        let page = self.page(Pane::Images);
        self.images.select(image, page);
        self.on_selection_changed();
        if let Some(store) = &self.store {
            let name = store.facts.label(&store.catalog, image);
            self.message = Some(format!("selected {name}"));
        }
    }

    fn click(&mut self, column: u16, row: u16) {
        if self.dialog.is_some() {
            self.dialog = None;
            return;
        }
        let areas = self.areas();
        if let Some(tab) = areas.tab_at(column, row) {
            self.focus_pane(tab);
            return;
        }
        let Some(pane) = areas.pane_at(column, row) else {
            return;
        };
        self.focus_pane(pane);
        // The focus may have changed the inspector's tab, and so the layout.
        let areas = self.areas();
        if let Some(line) = areas.line_at(pane, row) {
            self.pane_mut(pane).click(line, areas.page(pane));
            self.on_selection_changed();
        }
    }

    fn wheel(&mut self, column: u16, row: u16, delta: isize) {
        let areas = self.areas();
        let Some(pane) = areas.pane_at(column, row) else {
            return;
        };
        self.pane_mut(pane).wheel(delta, areas.page(pane));
        self.on_selection_changed();
    }

    /// Recomputes the list's rows, then what the other panes show of the selection.
    fn rebuild_rows(&mut self) {
        let page = self.page(Pane::Images);
        self.images
            .rebuild(self.store.as_ref(), self.lineage.as_ref(), page);
        if self.store.is_some() {
            self.on_selection_changed();
        }
    }

    /// Re-derives everything the other panes show from the selected image, when it changed.
    fn on_selection_changed(&mut self) {
        let key = (self.generation, self.selected(), self.lineage.is_some());
        if self.derived_for == Some(key) {
            return;
        }
        self.derived_for = Some(key);
        let catalog = self.store.as_ref().map(|s| s.catalog.as_ref());
        self.images.remember_selection(catalog);
        let selected = Selected::of(
            self.store.as_ref(),
            self.lineage.as_ref(),
            self.images.selected(),
            self.now,
        );
        let panes: [&mut dyn FollowsSelection; 4] = [
            &mut self.tree,
            &mut self.layers,
            &mut self.history,
            &mut self.details,
        ];
        for pane in panes {
            pane.rebuild(selected);
        }
    }
}
