//! `t`: a name typed for the selected image, checked with the planner's own name rule on
//! every keystroke, and the plan that name gives.

use super::subject::Subject;
use crate::tui::change::{Change, ChangeRequest};
use crate::tui::data::StoreData;
use cairn_core::tagging::{NamesPlan, plan_tag, tag_name};
use tui_input::{Input, InputRequest};

/// What the tag field's text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameCheck {
    Empty,
    /// The full name the image would get.
    Valid(String),
    /// Why the planner would refuse it, without the name: the field already shows it.
    Invalid(String),
}

impl NameCheck {
    /// Checks the text under the store's rules (`cairn_core::tagging::tag_name`).
    pub fn of(text: &str, rules: cairn_core::Rules) -> Self {
        let text = text.trim();
        if text.is_empty() {
            return NameCheck::Empty;
        }
        match tag_name(rules, text) {
            Ok(name) => NameCheck::Valid(name),
            Err(refused) => NameCheck::Invalid(refused.reason),
        }
    }
}

#[derive(Debug, Clone)]
pub struct TagDialog {
    pub subject: Subject,
    pub input: Input,
    pub check: NameCheck,
    /// The plan for the name, when it is valid.
    pub plan: Option<NamesPlan>,
    /// Names the image would take from other images, with the image's label.
    pub moves: Vec<(String, String)>,
    /// The image already has the name.
    pub already: bool,
}

impl PartialEq for TagDialog {
    fn eq(&self, other: &Self) -> bool {
        self.subject == other.subject
            && self.input.value() == other.input.value()
            && self.input.cursor() == other.input.cursor()
            && self.plan == other.plan
    }
}

impl TagDialog {
    pub fn new(store: &StoreData, subject: Subject, text: &str) -> Self {
        let mut dialog = TagDialog {
            subject,
            input: Input::new(text.to_string()),
            check: NameCheck::Empty,
            plan: None,
            moves: Vec::new(),
            already: false,
        };
        dialog.replan(store);
        dialog
    }

    pub fn edit(&mut self, store: &StoreData, request: InputRequest) {
        if self.input.handle(request).is_some_and(|c| c.value) {
            self.replan(store);
        }
    }

    pub fn replan(&mut self, store: &StoreData) {
        let catalog = &store.catalog;
        self.check = NameCheck::of(self.input.value(), catalog.snapshot.rules);
        self.moves.clear();
        self.already = false;
        self.plan = match &self.check {
            NameCheck::Valid(name) => {
                let plan = store.plan_names(plan_tag(
                    catalog,
                    &self.subject.id,
                    std::slice::from_ref(name),
                ));
                for moved in &plan.untagged {
                    let holder = catalog
                        .snapshot
                        .images
                        .position(|i| i.names.contains(moved));
                    if let Some(holder) = holder {
                        let label = store.facts.label(catalog, holder);
                        self.moves.push((moved.clone(), label));
                    }
                }
                self.already = catalog
                    .snapshot
                    .image_by_id(&self.subject.id)
                    .is_some_and(|i| catalog.snapshot.images[i].names.contains(name));
                Some(plan)
            }
            _ => None,
        };
    }

    /// The change to apply, when the name is valid and the plan has no error.
    pub fn change(&self) -> Result<ChangeRequest, String> {
        let (NameCheck::Valid(name), Some(plan)) = (&self.check, &self.plan) else {
            return Err(match &self.check {
                NameCheck::Invalid(reason) => format!("not a valid name: {reason}"),
                _ => "type a name first".into(),
            });
        };
        if let Some(error) = plan.errors.first() {
            return Err(error.clone());
        }
        if self.already {
            return Err(format!(
                "{} already has the name {name}",
                self.subject.label
            ));
        }
        Ok(ChangeRequest {
            change: Change::Tag {
                image: self.subject.id.clone(),
                name: name.clone(),
            },
            steps: plan.steps.clone(),
            blobs: plan.blobs.clone(),
            summary: format!("Tagged {name}"),
        })
    }
}
