//! `u`: one of the image's names to remove, and the plan removing it gives.

use super::subject::Subject;
use crate::tui::change::{Change, ChangeRequest};
use crate::tui::data::StoreData;
use cairn_core::tagging::{NamesPlan, plan_untag};

#[derive(Debug, Clone, PartialEq)]
pub struct UntagDialog {
    pub subject: Subject,
    pub names: Vec<String>,
    pub selected: usize,
    pub plan: NamesPlan,
}

impl UntagDialog {
    pub fn new(store: &StoreData, subject: Subject, selected: Option<&str>) -> Self {
        let mut dialog = UntagDialog {
            subject,
            names: Vec::new(),
            selected: 0,
            plan: NamesPlan::default(),
        };
        dialog.replan(store, selected);
        dialog
    }

    /// Reads the image's names again and plans for the name `keep` (or the one selected).
    pub fn replan(&mut self, store: &StoreData, keep: Option<&str>) {
        let catalog = &store.catalog;
        let keep = keep
            .map(str::to_string)
            .or_else(|| self.names.get(self.selected).cloned());
        self.names = catalog
            .snapshot
            .image_by_id(&self.subject.id)
            .map(|i| catalog.snapshot.images[i].names.clone())
            .unwrap_or_default();
        self.selected = keep
            .and_then(|k| self.names.iter().position(|n| *n == k))
            .unwrap_or(0)
            .min(self.names.len().saturating_sub(1));
        self.plan = match self.names.get(self.selected) {
            Some(name) => store.plan_names(plan_untag(
                catalog,
                &self.subject.id,
                std::slice::from_ref(name),
            )),
            None => NamesPlan {
                errors: vec![format!("{} has no names", self.subject.label)],
                ..NamesPlan::default()
            },
        };
    }

    pub fn select(&mut self, store: &StoreData, delta: isize) {
        if self.names.is_empty() {
            return;
        }
        let last = self.names.len() as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, last) as usize;
        self.replan(store, None);
    }

    pub fn change(&self) -> Result<ChangeRequest, String> {
        if let Some(error) = self.plan.errors.first() {
            return Err(error.clone());
        }
        let Some(name) = self.names.get(self.selected).cloned() else {
            return Err(format!("{} has no names", self.subject.label));
        };
        Ok(ChangeRequest {
            change: Change::Untag {
                image: self.subject.id.clone(),
                name: name.clone(),
            },
            steps: self.plan.steps.clone(),
            blobs: self.plan.blobs.clone(),
            summary: format!("Untagged {name}"),
        })
    }
}
