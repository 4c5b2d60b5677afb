//! `d`: what `podman rmi` (or `docker rmi`) of the selected image would do, with its two
//! switches, `--force` and `--no-prune`.

use super::plan::{
    PlanLine, PlanPreview, Switches, add_unblock, confirmed, nothing_to_apply, plan_tree,
};
use super::subject::Subject;
use crate::tui::action::Action;
use crate::tui::change::{Change, ChangeRequest};
use crate::tui::data::StoreData;
use crate::tui::mode::Mode;
use cairn_core::removal::{RemovalPlan, RemoveOptions};

/// What a blocked removal tries: force, no-prune, then both switched.
const SWITCHES: Switches = &[
    &[Action::ToggleForce],
    &[Action::ToggleNoPrune],
    &[Action::ToggleForce, Action::ToggleNoPrune],
];

#[derive(Debug, Clone, PartialEq)]
pub struct RemoveDialog {
    pub subject: Subject,
    pub options: RemoveOptions,
    pub plan: RemovalPlan,
    pub tree: Vec<PlanLine>,
    /// The first line of the plan on screen.
    pub scroll: usize,
}

impl PlanPreview for RemoveDialog {
    /// The image and the switches.
    const HEADER_LINES: usize = 2;
    const MODE: Mode = Mode::Remove;

    fn plan_lines(&self) -> (&[PlanLine], usize) {
        (&self.tree, self.scroll)
    }
}

impl RemoveDialog {
    pub fn new(store: &StoreData, subject: Subject, options: RemoveOptions) -> Self {
        let mut dialog = RemoveDialog {
            subject,
            options,
            plan: RemovalPlan::default(),
            tree: Vec::new(),
            scroll: 0,
        };
        dialog.replan(store);
        dialog
    }

    /// The image is named by its ID, as removing "this image" means: an image with several
    /// names then needs force, as `podman rmi ID` does.
    fn change_kind(&self) -> Change {
        Change::Remove {
            image: self.subject.id.clone(),
            options: self.options,
        }
    }

    pub fn replan(&mut self, store: &StoreData) {
        self.plan = self.change_kind().removal_plan(store);
        self.tree = plan_tree(store, &self.plan);
        let switched = |toggles: &[Action]| {
            let mut options = self.options;
            for toggle in toggles {
                match toggle {
                    Action::ToggleForce => options.force = !options.force,
                    _ => options.no_prune = !options.no_prune,
                }
            }
            options
        };
        let describe = |toggles: &[Action]| {
            let options = switched(toggles);
            let state = |on: bool| if on { "on" } else { "off" };
            toggles
                .iter()
                .map(|toggle| match toggle {
                    Action::ToggleForce => format!("force {}", state(options.force)),
                    _ => format!("no-prune {}", state(options.no_prune)),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let plan_with = |toggles: &[Action]| {
            Change::Remove {
                image: self.subject.id.clone(),
                options: switched(toggles),
            }
            .removal_plan(store)
        };
        add_unblock(
            &mut self.tree,
            &self.plan,
            SWITCHES,
            plan_with,
            describe,
            "removes",
        );
        self.scroll = self.scroll.min(self.tree.len().saturating_sub(1));
    }

    /// Whether the plan shown can be applied: [`Self::change`] without building the request.
    pub fn can_apply(&self) -> bool {
        nothing_to_apply(&self.plan).is_none()
    }

    pub fn change(&self) -> Result<ChangeRequest, String> {
        confirmed(self.change_kind(), &self.plan, "Removed")
    }
}
