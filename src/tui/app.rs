//! The browser's state and the one function that changes it. `update` takes an [`Action`] and
//! never draws; `receive` takes what the loader reports. Everything the panes show is derived
//! here when the selection or the store changes, never per frame, so a keypress on a
//! 10,000-image store costs one small update and one draw of the visible rows.

use super::action::Action;
use super::data::{StoreData, age};
pub use super::dialog::Dialog;
use super::dialog::{
    Change, ChangeOutcome, ChangeRequest, PruneDialog, RemoveDialog, Subject, TagDialog,
    UntagDialog,
};
use super::lineage_tree::{LineageTree, TreeRow};
use super::loader::LoaderMsg;
use super::theme::Theme;
use super::view;
use cairn_core::history::{HistoryRow, history};
use cairn_core::human::podman_size;
use cairn_core::image::short_id;
use cairn_core::lineage::Lineage;
use cairn_core::removal::RemoveOptions;
use cairn_core::{Catalog, ImageIdx, LayerIdx};
use jiff::Timestamp;
use ratatui::layout::{Position, Rect};
use std::sync::Arc;

/// The panes, in Tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pane {
    Images,
    Lineage,
    Layers,
    History,
    Details,
}

impl Pane {
    pub const ALL: [Pane; 5] = [
        Pane::Images,
        Pane::Lineage,
        Pane::Layers,
        Pane::History,
        Pane::Details,
    ];

    /// The panes that share the inspector area, one at a time, as tabs.
    pub fn is_inspector(self) -> bool {
        matches!(self, Pane::Layers | Pane::History | Pane::Details)
    }

    pub fn title(self) -> &'static str {
        match self {
            Pane::Images => "Images",
            Pane::Lineage => "Lineage",
            Pane::Layers => "Layers",
            Pane::History => "History",
            Pane::Details => "Details",
        }
    }

    fn step(self, delta: isize) -> Pane {
        let at = Pane::ALL.iter().position(|&p| p == self).unwrap_or(0) as isize;
        Pane::ALL[(at + delta).rem_euclid(Pane::ALL.len() as isize) as usize]
    }
}

/// Which key table is in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Filter,
    Help,
    /// The tag dialog's name field.
    Tag,
    Untag,
    Remove,
    Prune,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Created,
    Size,
    Name,
}

impl SortKey {
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Created => "created",
            SortKey::Size => "size",
            SortKey::Name => "name",
        }
    }
}

/// A cursor in a list and the first row on screen, kept together so the cursor stays visible.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Scroll {
    pub cursor: usize,
    pub offset: usize,
}

impl Scroll {
    /// Moves the cursor to `to` (clamped) and scrolls just enough to show it.
    pub fn go(&mut self, to: usize, len: usize, height: usize) {
        if len == 0 {
            *self = Scroll::default();
            return;
        }
        self.cursor = to.min(len - 1);
        let height = height.max(1);
        if self.cursor < self.offset {
            self.offset = self.cursor;
        } else if self.cursor >= self.offset + height {
            self.offset = self.cursor + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
    }

    pub fn by(&mut self, delta: isize, len: usize, height: usize) {
        let to = (self.cursor as isize + delta).max(0) as usize;
        self.go(to, len, height);
    }

    /// Scrolls the view by `delta` rows, dragging the cursor along only when it would leave it.
    pub fn scroll(&mut self, delta: isize, len: usize, height: usize) {
        let height = height.max(1);
        let max_offset = len.saturating_sub(height);
        self.offset = ((self.offset as isize + delta).max(0) as usize).min(max_offset);
        let cursor = self.cursor.clamp(
            self.offset,
            (self.offset + height - 1).min(len.saturating_sub(1)),
        );
        self.cursor = cursor;
    }
}

/// One row of the layers pane: a layer, indented by `depth` in the what-requires view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayerRow {
    pub layer: LayerIdx,
    pub depth: usize,
}

/// Most rows the what-requires view lists: a base layer of a huge store has every layer
/// above it, and listing them all would cost more than a keypress may.
const WHATREQUIRES_LIMIT: usize = 5_000;

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
    pub filtering: bool,

    pub filter: String,
    pub show_all: bool,
    pub sort: SortKey,
    pub sort_reverse: bool,
    /// The images the list shows, filtered and sorted; recomputed only when the store, the
    /// filter, the sort or the intermediates toggle changes.
    pub rows: Vec<ImageIdx>,
    pub list: Scroll,
    /// The selected image's ID: indexes change on reload, IDs do not.
    pub selected_id: Option<String>,

    pub tree: LineageTree,
    pub whatrequires: bool,
    pub layer_rows: Vec<LayerRow>,
    pub layers: Scroll,
    pub history: Vec<HistoryRow>,
    /// The image each history row names, where it is in the store.
    pub history_images: Vec<Option<ImageIdx>>,
    pub history_scroll: Scroll,
    /// Label and value lines of the details pane.
    pub details: Vec<(String, String)>,
    pub details_scroll: Scroll,

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
            filtering: false,
            filter: String::new(),
            show_all: false,
            sort: SortKey::Created,
            sort_reverse: false,
            rows: Vec::new(),
            list: Scroll::default(),
            selected_id: None,
            tree: LineageTree::default(),
            whatrequires: false,
            layer_rows: Vec::new(),
            layers: Scroll::default(),
            history: Vec::new(),
            history_images: Vec::new(),
            history_scroll: Scroll::default(),
            details: Vec::new(),
            details_scroll: Scroll::default(),
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
            Some(Dialog::Help) => Mode::Help,
            Some(Dialog::Tag(_)) => Mode::Tag,
            Some(Dialog::Untag(_)) => Mode::Untag,
            Some(Dialog::Remove(_)) => Mode::Remove,
            Some(Dialog::Prune(_)) => Mode::Prune,
            None if self.filtering => Mode::Filter,
            None => Mode::Normal,
        }
    }

    pub fn catalog(&self) -> Option<&Catalog> {
        self.store.as_ref().map(|s| s.catalog.as_ref())
    }

    /// The image under the list's cursor.
    pub fn selected(&self) -> Option<ImageIdx> {
        self.rows.get(self.list.cursor).copied()
    }

    /// The pane shown in the inspector area right now.
    pub fn inspector_tab(&self) -> Pane {
        if self.focus.is_inspector() {
            self.focus
        } else {
            self.inspector
        }
    }

    /// Rows of a pane that fit on screen, from the same layout the view draws.
    pub fn page(&self, pane: Pane) -> usize {
        let areas = view::areas(self);
        let rect = areas.of(pane);
        let header = match pane {
            Pane::Images | Pane::Layers | Pane::History => 1,
            Pane::Lineage | Pane::Details => 0,
        };
        let filter_line = usize::from(pane == Pane::Images && self.filter_line_shown());
        (rect.height as usize)
            .saturating_sub(2 + header + filter_line)
            .max(1)
    }

    /// Whether the image list gives its last line to the filter.
    pub fn filter_line_shown(&self) -> bool {
        self.filtering || !self.filter.is_empty()
    }

    /// Applies one action. Drawing is left to the view.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::Quit => self.quit = true,
            Action::Back => {
                if self.dialog.is_some() {
                    self.dialog = None;
                } else if self.filtering || !self.filter.is_empty() {
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
                self.sort = match self.sort {
                    SortKey::Created => SortKey::Size,
                    SortKey::Size => SortKey::Name,
                    SortKey::Name => SortKey::Created,
                };
                self.rebuild_rows();
            }
            Action::ReverseSort => {
                self.sort_reverse = !self.sort_reverse;
                self.rebuild_rows();
            }
            Action::ToggleIntermediates => {
                self.show_all = !self.show_all;
                self.message = Some(if self.show_all {
                    "showing intermediate images".into()
                } else {
                    "hiding intermediate images".into()
                });
                self.rebuild_rows();
            }
            Action::ToggleWhatRequires => {
                self.whatrequires = !self.whatrequires;
                self.focus_pane(Pane::Layers);
                self.rebuild_layers();
            }
            Action::StartFilter => {
                self.focus = Pane::Images;
                self.filtering = true;
            }
            Action::FilterInput(c) => {
                self.filter.push(c);
                self.rebuild_rows();
            }
            Action::FilterBackspace => {
                self.filter.pop();
                self.rebuild_rows();
            }
            Action::FilterAccept => self.filtering = false,
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
                self.clamp_scrolls();
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
        let Some(store) = &self.store else {
            return;
        };
        let dialog = UntagDialog::new(store, subject, None);
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
                Dialog::Untag(UntagDialog::new(store, subject(image), Some(name)))
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
            Some(Dialog::Untag(d)) => d.replan(store, None),
            Some(Dialog::Remove(d)) => d.replan(store),
            Some(Dialog::Prune(d)) => d.replan(store),
            Some(Dialog::Help) | None => {}
        }
    }

    /// Moves in an open dialog: the untag list's choice, or the plan's scroll. Returns
    /// false when no dialog takes movement.
    fn move_dialog(&mut self, delta: isize) -> bool {
        let max = view::plan_max_scroll(self) as isize;
        let Some(dialog) = &mut self.dialog else {
            return false;
        };
        let scroll = |at: &mut usize| {
            *at = (*at as isize).saturating_add(delta).clamp(0, max) as usize;
        };
        match dialog {
            Dialog::Untag(d) => {
                if let Some(store) = &self.store {
                    d.select(store, delta);
                }
            }
            Dialog::Remove(d) => scroll(&mut d.scroll),
            Dialog::Prune(d) => scroll(&mut d.scroll),
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
        self.filtering = false;
        if !self.filter.is_empty() {
            self.filter.clear();
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
        match self.focus {
            Pane::Images => {
                let before = self.selected();
                self.list.by(delta, self.rows.len(), page);
                if self.selected() != before {
                    self.on_selection_changed();
                }
            }
            Pane::Lineage => self.tree.move_by(delta),
            Pane::Layers => self.layers.by(delta, self.layer_rows.len(), page),
            Pane::History => self.history_scroll.by(delta, self.history.len(), page),
            Pane::Details => self.details_scroll.by(delta, self.details.len(), page),
        }
    }

    fn activate(&mut self) {
        let target = match self.focus {
            Pane::Images => {
                self.focus_pane(Pane::Lineage);
                return;
            }
            Pane::Lineage => self.tree.selected_row().and_then(TreeRow::image),
            Pane::Layers => self.layer_rows.get(self.layers.cursor).and_then(|row| {
                let catalog = self.catalog()?;
                catalog.tree.node(row.layer).images.first().copied()
            }),
            Pane::History => self
                .history_images
                .get(self.history_scroll.cursor)
                .copied()
                .flatten(),
            Pane::Details => None,
        };
        match target {
            Some(image) => self.jump_to(image),
            None if self.focus != Pane::Details => {
                self.message = Some("no image in the store for this row".into());
            }
            None => {}
        }
    }

    /// Selects an image in the list, showing intermediates or dropping the filter when they
    /// hide it, and moves the focus to the list.
    pub fn jump_to(&mut self, image: ImageIdx) {
        if !self.rows.contains(&image) {
            if !self.show_all {
                self.show_all = true;
                self.rebuild_rows();
            }
            if !self.rows.contains(&image) && !self.filter.is_empty() {
                self.filter.clear();
                self.filtering = false;
                self.rebuild_rows();
            }
        }
        let Some(position) = self.rows.iter().position(|&i| i == image) else {
            return;
        };
        self.focus_pane(Pane::Images);
        let page = self.page(Pane::Images);
        self.list.go(position, self.rows.len(), page);
        self.on_selection_changed();
        if let Some(catalog) = self.catalog() {
            let name = self
                .store
                .as_ref()
                .map(|s| s.facts.label(catalog, image))
                .unwrap_or_default();
            self.message = Some(format!("selected {name}"));
        }
    }

    /// Which pane holds a terminal cell.
    fn pane_at(&self, column: u16, row: u16) -> Option<Pane> {
        let areas = view::areas(self);
        let at = Position::new(column, row);
        Pane::ALL.into_iter().find(|&p| areas.of(p).contains(at))
    }

    fn click(&mut self, column: u16, row: u16) {
        if self.dialog.is_some() {
            self.dialog = None;
            return;
        }
        let areas = view::areas(self);
        if let Some(tab) = areas.tab_at(self, column, row) {
            self.focus_pane(tab);
            return;
        }
        let Some(pane) = self.pane_at(column, row) else {
            return;
        };
        self.focus_pane(pane);
        let rect = areas.of(pane);
        // Rows start below the border and the column header.
        let header = match pane {
            Pane::Images | Pane::Layers | Pane::History => 1,
            Pane::Lineage | Pane::Details => 0,
        };
        let first = rect.y + 1 + header;
        if row < first || row >= rect.y + rect.height.saturating_sub(1) {
            return;
        }
        let line = (row - first) as usize;
        let page = self.page(pane);
        if line >= page {
            return;
        }
        match pane {
            Pane::Images => {
                let to = self.list.offset + line;
                if to < self.rows.len() && to != self.list.cursor {
                    self.list.go(to, self.rows.len(), page);
                    self.on_selection_changed();
                }
            }
            Pane::Layers => {
                let to = self.layers.offset + line;
                if to < self.layer_rows.len() {
                    self.layers.go(to, self.layer_rows.len(), page);
                }
            }
            Pane::History => {
                let to = self.history_scroll.offset + line;
                if to < self.history.len() {
                    self.history_scroll.go(to, self.history.len(), page);
                }
            }
            Pane::Details => {
                let to = self.details_scroll.offset + line;
                if to < self.details.len() {
                    self.details_scroll.go(to, self.details.len(), page);
                }
            }
            // Tree nodes are found through the widget's last render: see ClickTreeNode.
            Pane::Lineage => {}
        }
    }

    fn wheel(&mut self, column: u16, row: u16, delta: isize) {
        let Some(pane) = self.pane_at(column, row) else {
            return;
        };
        let page = self.page(pane);
        match pane {
            Pane::Images => {
                let before = self.selected();
                self.list.scroll(delta, self.rows.len(), page);
                if self.selected() != before {
                    self.on_selection_changed();
                }
            }
            Pane::Lineage => self.tree.move_by(delta.signum()),
            Pane::Layers => self.layers.scroll(delta, self.layer_rows.len(), page),
            Pane::History => self.history_scroll.scroll(delta, self.history.len(), page),
            Pane::Details => self.details_scroll.scroll(delta, self.details.len(), page),
        }
    }

    fn clamp_scrolls(&mut self) {
        let (images, layers, history, details) = (
            self.page(Pane::Images),
            self.page(Pane::Layers),
            self.page(Pane::History),
            self.page(Pane::Details),
        );
        self.list.go(self.list.cursor, self.rows.len(), images);
        self.layers
            .go(self.layers.cursor, self.layer_rows.len(), layers);
        self.history_scroll
            .go(self.history_scroll.cursor, self.history.len(), history);
        self.details_scroll
            .go(self.details_scroll.cursor, self.details.len(), details);
    }

    /// Recomputes the list's rows and puts the cursor back on the selected image, if it is
    /// still listed.
    fn rebuild_rows(&mut self) {
        let Some(store) = &self.store else {
            self.rows.clear();
            return;
        };
        let catalog = &store.catalog;
        let facts = &store.facts;
        let snapshot = &catalog.snapshot;
        let needle = self.filter.to_lowercase();
        let needle = needle.strip_prefix("sha256:").unwrap_or(&needle);
        let lineage = self.lineage.as_ref();
        let matches = |i: ImageIdx| needle.is_empty() || facts.search[i].contains(needle);
        // A list's platform images are shown right under the list, not sorted on their own;
        // a list is shown when it or one of them matches the filter.
        let mut rows: Vec<ImageIdx> = (0..snapshot.images.len())
            .filter(|&i| snapshot.list_of(i).is_none())
            .filter(|&i| self.show_all || lineage.is_none_or(|l| !l.is_intermediate(snapshot, i)))
            .filter(|&i| matches(i) || snapshot.instances(i).any(|(p, _)| matches(p)))
            .collect();
        match self.sort {
            SortKey::Created => rows.sort_by_key(|&i| {
                std::cmp::Reverse(
                    snapshot.images[i]
                        .created
                        .map_or(i64::MIN, |t| t.as_second()),
                )
            }),
            SortKey::Size => {
                rows.sort_by_key(|&i| std::cmp::Reverse(catalog.sizes.get(i).total));
            }
            SortKey::Name => rows.sort_by(|&a, &b| facts.names[a].cmp(&facts.names[b])),
        }
        if self.sort_reverse {
            rows.reverse();
        }
        self.rows = Vec::with_capacity(rows.len());
        for image in rows {
            self.rows.push(image);
            self.rows.extend(snapshot.instances(image).map(|(i, _)| i));
        }
        let wanted = self
            .selected_id
            .as_deref()
            .and_then(|id| snapshot.image_by_id(id))
            .and_then(|image| self.rows.iter().position(|&i| i == image));
        let page = self.page(Pane::Images);
        self.list.go(wanted.unwrap_or(0), self.rows.len(), page);
        self.on_selection_changed();
    }

    /// Re-derives everything the other panes show from the selected image.
    fn on_selection_changed(&mut self) {
        let image = self.selected();
        let key = (self.generation, image, self.lineage.is_some());
        if self.derived_for == Some(key) {
            return;
        }
        self.derived_for = Some(key);
        self.selected_id = image
            .zip(self.catalog())
            .map(|(i, c)| c.snapshot.images[i].id.clone())
            .or(self.selected_id.take());
        self.rebuild_tree();
        self.rebuild_layers();
        self.rebuild_history();
        self.rebuild_details();
    }

    fn rebuild_tree(&mut self) {
        self.tree = match (self.selected(), &self.lineage) {
            (Some(image), Some(lineage)) => LineageTree::new(lineage, image),
            _ => LineageTree::default(),
        };
    }

    fn rebuild_layers(&mut self) {
        self.layer_rows.clear();
        self.layers = Scroll::default();
        let catalog = self.store.as_ref().map(|s| Arc::clone(&s.catalog));
        let (Some(image), Some(catalog)) = (self.selected(), catalog) else {
            return;
        };
        let Some(top) = catalog.tree.top_node(&catalog.snapshot, image) else {
            return;
        };
        let mut rows = Vec::new();
        if self.whatrequires {
            let mut stack = vec![(top, 0)];
            while let Some((layer, depth)) = stack.pop() {
                if rows.len() >= WHATREQUIRES_LIMIT {
                    break;
                }
                rows.push(LayerRow { layer, depth });
                for &child in catalog.tree.node(layer).children.iter().rev() {
                    stack.push((child, depth + 1));
                }
            }
        } else {
            rows = catalog
                .tree
                .chain(top)
                .map(|layer| LayerRow { layer, depth: 0 })
                .collect();
            rows.reverse();
        }
        self.layer_rows = rows;
    }

    fn rebuild_history(&mut self) {
        self.history_scroll = Scroll::default();
        let catalog = self.store.as_ref().map(|s| Arc::clone(&s.catalog));
        let (Some(image), Some(catalog)) = (self.selected(), catalog) else {
            self.history.clear();
            self.history_images.clear();
            return;
        };
        self.history = history(&catalog.snapshot, &catalog.tree, image);
        self.history_images = self
            .history
            .iter()
            .map(|row| catalog.snapshot.image_by_id(&row.id))
            .collect();
    }

    fn rebuild_details(&mut self) {
        self.details_scroll = Scroll::default();
        self.details = match (self.selected(), &self.store) {
            (Some(image), Some(store)) => details(store, self.lineage.as_ref(), image, self.now),
            _ => Vec::new(),
        };
    }
}

/// The marks of an image, each with the letter the list shows for it.
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

/// The details pane's lines for an image.
fn details(
    store: &StoreData,
    lineage: Option<&Lineage>,
    image: ImageIdx,
    now: Timestamp,
) -> Vec<(String, String)> {
    let catalog = &store.catalog;
    let snapshot = &catalog.snapshot;
    let img = &snapshot.images[image];
    let mut lines: Vec<(String, String)> = Vec::new();
    let mut push = |label: &str, values: Vec<String>| {
        if values.is_empty() {
            return;
        }
        for (i, value) in values.into_iter().enumerate() {
            let label = if i == 0 {
                label.to_string()
            } else {
                String::new()
            };
            lines.push((label, value));
        }
    };
    push("ID", vec![img.id.clone()]);
    let names = if img.names.is_empty() {
        vec!["<none>".to_string()]
    } else {
        img.names.clone()
    };
    push("Names", names);
    push("Names history", img.names_history.clone());
    push("Digest", img.digest.iter().cloned().collect());
    push(
        "Digests",
        img.digests
            .iter()
            .filter(|d| Some(*d) != img.digest.as_ref())
            .cloned()
            .collect(),
    );
    if let Some(created) = img.created {
        push(
            "Created",
            vec![format!(
                "{} ({})",
                created.strftime("%Y-%m-%d %H:%M:%S UTC"),
                age(now, Some(created))
            )],
        );
    }
    let size = catalog.sizes.get(image);
    push(
        "Size",
        vec![format!(
            "{} · shared {} · unique {}",
            podman_size(size.total),
            podman_size(size.shared),
            podman_size(size.unique)
        )],
    );
    let marks = Marks::of(catalog, lineage, image).words();
    if !marks.is_empty() {
        push("Marks", vec![marks.join(", ")]);
    }
    if let Some(lineage) = lineage {
        if let Some(parent) = lineage.parent(image) {
            push(
                "Parent",
                vec![format!(
                    "{} {}",
                    short_id(&snapshot.images[parent].id),
                    store.facts.names[parent]
                )],
            );
        }
        let children = lineage.children(image).len();
        if children > 0 {
            push("Children", vec![children.to_string()]);
        }
    }
    push(
        "Platforms",
        snapshot
            .instances(image)
            .map(|(i, platform)| format!("{platform} {}", snapshot.images[i].short_id()))
            .collect(),
    );
    if let Some(list) = snapshot.list_of(image) {
        push(
            "Platform of",
            vec![format!(
                "{} {}",
                snapshot.images[list].short_id(),
                store.facts.names[list]
            )],
        );
    }
    // Docker tells running containers from stopped ones, and its rules depend on it.
    let state = |running: bool| match (snapshot.rules, running) {
        (cairn_core::Rules::Docker, true) => " (running)",
        (cairn_core::Rules::Docker, false) => " (stopped)",
        _ => "",
    };
    let containers: Vec<String> = snapshot
        .containers_of(image)
        .map(|c| {
            format!(
                "{} {}{}",
                short_id(&c.id),
                c.names.join(", "),
                state(c.running)
            )
        })
        .collect();
    push(
        "Containers",
        if containers.is_empty() {
            vec!["none".into()]
        } else {
            containers
        },
    );
    if let Some(config) = &img.config {
        let platform = [&config.os, &config.architecture, &config.variant]
            .iter()
            .filter(|s| !s.is_empty())
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("/");
        if !platform.is_empty() {
            push("Platform", vec![platform]);
        }
        let json = |v: &Vec<String>| serde_json::to_string(v).unwrap_or_default();
        if !config.author.is_empty() {
            push("Author", vec![config.author.clone()]);
        }
        if !config.entrypoint.is_empty() {
            push("Entrypoint", vec![json(&config.entrypoint)]);
        }
        if !config.cmd.is_empty() {
            push("Cmd", vec![json(&config.cmd)]);
        }
        if !config.working_dir.is_empty() {
            push("WorkingDir", vec![config.working_dir.clone()]);
        }
        if !config.user.is_empty() {
            push("User", vec![config.user.clone()]);
        }
        push("Env", config.env.clone());
        push(
            "Labels",
            config
                .labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect(),
        );
    } else if img.manifest_list {
        push("Kind", vec!["manifest list".into()]);
    }
    push("Problems", img.problems.clone());
    lines
}
