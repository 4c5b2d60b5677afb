//! The change dialogs' life in the app: opened on the list's selection, planned again when
//! the store changes, moved in, and confirmed into a request for the worker.

use super::App;
use crate::tui::action::Action;
use crate::tui::change::Change;
use crate::tui::dialog::{
    Dialog, PlanPreview, PruneDialog, RemoveDialog, Subject, TagDialog, UntagDialog,
};
use crate::tui::free::free_elsewhere;
use crate::tui::planner::PlanDone;
use crate::tui::popup::plan_max_scroll;
use cairn_core::Rules;
use cairn_core::image::short_id;
use cairn_core::removal::RemoveOptions;

impl App {
    /// The image a change dialog opens on: the list's selection.
    pub(super) fn subject(&mut self) -> Option<Subject> {
        if self.applying.is_some() {
            self.message = Some("a change is still being applied".into());
            return None;
        }
        let Some(store) = self.store.as_ref().filter(|s| !s.without_layers) else {
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

    pub(super) fn start_tag(&mut self) {
        if let Some(subject) = self.subject()
            && let Some(store) = &self.store
        {
            self.dialog = Some(Dialog::Tag(TagDialog::new(store, subject, "")));
        }
    }

    pub(super) fn start_untag(&mut self) {
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

    pub(super) fn start_remove(&mut self) {
        if let Some(subject) = self.subject()
            && let Some(store) = &self.store
        {
            let dialog = RemoveDialog::new(store, subject, self.removal_options());
            self.dialog = Some(Dialog::Remove(dialog));
        }
    }

    /// A new removal's options: as the CLI's, it collects the layers an interrupted removal
    /// left behind (podman's check rule), by the clock when the dialog opens.
    fn removal_options(&self) -> RemoveOptions {
        RemoveOptions {
            collect_unreferenced_at: Some(self.now),
            ..RemoveOptions::default()
        }
    }

    pub(super) fn start_prune(&mut self) {
        if self.applying.is_some() {
            self.message = Some("a change is still being applied".into());
            return;
        }
        match self.store.as_ref().filter(|s| !s.without_layers) {
            Some(_) => self.open_prune(false, self.removal_options()),
            None => self.message = Some("the store is not loaded yet".into()),
        }
    }

    /// Opens the prune preview, which asks the planner for its plan.
    fn open_prune(&mut self, all: bool, options: RemoveOptions) {
        let Some(store) = &self.store else {
            return;
        };
        self.last_plan_request += 1;
        let (dialog, request) = PruneDialog::new(store, all, options, self.last_plan_request);
        self.dialog = Some(Dialog::Prune(dialog));
        self.plan_requests.push(request);
    }

    /// Closes the open dialog. A prune preview's plan can hold most of a store's images and
    /// layers, as many frees as would stall a key: it is freed on a thread of its own.
    pub(super) fn close_dialog(&mut self) {
        if let Some(Dialog::Prune(old)) = self.dialog.take() {
            free_elsewhere(old);
        }
    }

    /// Asks the planner for the open prune preview's plan again.
    pub(super) fn replan_prune(&mut self) {
        if let (Some(Dialog::Prune(dialog)), Some(store)) = (&mut self.dialog, &self.store) {
            self.last_plan_request += 1;
            let request = dialog.replan(store, self.last_plan_request);
            self.plan_requests.push(request);
        }
    }

    /// Takes what the planner made, for the prune preview that waits for it.
    pub fn receive_plan(&mut self, done: PlanDone) {
        match &mut self.dialog {
            Some(Dialog::Prune(dialog)) => dialog.planned(done),
            // The preview was closed meanwhile; its plan can be large.
            _ => free_elsewhere(done),
        }
    }

    pub(super) fn toggle_option(&mut self, toggle: fn(&mut RemoveOptions)) {
        if let (Some(Dialog::Remove(dialog)), Some(store)) = (&mut self.dialog, &self.store) {
            toggle(&mut dialog.options);
            dialog.replan(store);
        }
    }

    /// y or Enter in a dialog: the plan shown goes to the worker, or the status line says
    /// why there is nothing to apply.
    pub(super) fn confirm(&mut self) {
        let request = match &self.dialog {
            Some(Dialog::Tag(d)) => d.change(),
            Some(Dialog::Untag(d)) => d.change(),
            Some(Dialog::Remove(d)) => d.change(),
            Some(Dialog::Prune(d)) => d.change(),
            Some(Dialog::Help) | None => return,
        };
        match request {
            Ok(request) => {
                self.close_dialog();
                self.applying = Some(request.summary.clone());
                self.change_requested = Some(request);
            }
            Err(why) => self.message = Some(why),
        }
    }

    /// Whether `y` would apply the open dialog's plan: a dialog whose plan is blocked or
    /// empty does not offer it.
    pub fn dialog_can_apply(&self) -> bool {
        match &self.dialog {
            Some(Dialog::Tag(d)) => d.change().is_ok(),
            Some(Dialog::Untag(d)) => d.change().is_ok(),
            Some(Dialog::Remove(d)) => d.can_apply(),
            Some(Dialog::Prune(d)) => d.can_apply(),
            Some(Dialog::Help) | None => true,
        }
    }

    /// Whether the footers name `action`'s keys now: not the apply key when the open
    /// dialog's plan cannot be applied, nor the `rmi` switches in a registry's remove
    /// dialog, whose removal has none.
    pub fn hint_shown(&self, action: &Action) -> bool {
        match action {
            Action::Confirm => self.dialog_can_apply(),
            Action::ToggleForce | Action::ToggleNoPrune => !matches!(
                (&self.dialog, self.catalog()),
                (Some(Dialog::Remove(_)), Some(c)) if c.snapshot.rules == Rules::Registry
            ),
            _ => true,
        }
    }

    /// Opens the dialog of a change again, planned on the store in memory.
    pub(super) fn reopen(&mut self, change: &Change) {
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
            Change::Prune { all, options } => return self.open_prune(*all, *options),
        });
    }

    /// A new store plans the open dialog again: the preview always shows what `y` applies.
    pub(super) fn replan_dialog(&mut self) {
        let Some(store) = &self.store else {
            return;
        };
        match &mut self.dialog {
            Some(Dialog::Tag(d)) => d.replan(store),
            Some(Dialog::Untag(d)) => d.replan(store, None),
            Some(Dialog::Remove(d)) => d.replan(store),
            Some(Dialog::Prune(_)) => self.replan_prune(),
            Some(Dialog::Help) | None => {}
        }
    }

    /// Moves in an open dialog: the untag list's choice, or the plan's scroll. Returns
    /// false when no dialog takes movement.
    pub(super) fn move_dialog(&mut self, delta: isize) -> bool {
        let area = self.area;
        let Some(dialog) = &mut self.dialog else {
            return false;
        };
        let mode = dialog.mode();
        let keymap = &self.keymap;
        let scroll = |at: &mut usize, tree, header| {
            let max = plan_max_scroll(tree, header, area, keymap, mode) as isize;
            *at = (*at as isize).saturating_add(delta).clamp(0, max) as usize;
        };
        match dialog {
            Dialog::Untag(d) => {
                if let Some(store) = &self.store {
                    d.select(store, delta);
                }
            }
            Dialog::Remove(d) => scroll(&mut d.scroll, &d.tree, RemoveDialog::HEADER_LINES),
            Dialog::Prune(d) => scroll(&mut d.scroll, &d.tree, PruneDialog::HEADER_LINES),
            Dialog::Help | Dialog::Tag(_) => {}
        }
        true
    }
}
