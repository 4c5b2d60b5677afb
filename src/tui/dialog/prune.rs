//! `p`: what `podman image prune` would do; `a` switches to `--all`.

use super::plan::{PlanLine, add_unblock, confirmed, nothing_to_apply, plan_tree};
use crate::tui::action::Action;
use crate::tui::change::{Change, ChangeRequest};
use crate::tui::data::StoreData;
use cairn_core::removal::{RemovalPlan, RemoveOptions};

#[derive(Debug, Clone, PartialEq)]
pub struct PruneDialog {
    pub all: bool,
    /// Fixed when the dialog opens, so that applying plans exactly what was shown.
    pub options: RemoveOptions,
    pub plan: RemovalPlan,
    pub tree: Vec<PlanLine>,
    /// The first line of the plan on screen.
    pub scroll: usize,
}

impl PruneDialog {
    /// Lines the preview shows above the plan: what is pruned and the switch.
    pub const HEADER_LINES: usize = 2;

    pub fn new(store: &StoreData, all: bool, options: RemoveOptions) -> Self {
        let mut dialog = PruneDialog {
            all,
            options,
            plan: RemovalPlan::default(),
            tree: Vec::new(),
            scroll: 0,
        };
        dialog.replan(store);
        dialog
    }

    pub fn replan(&mut self, store: &StoreData) {
        self.plan = Change::Prune {
            all: self.all,
            options: self.options,
        }
        .removal_plan(store);
        self.tree = plan_tree(store, &self.plan);
        let all = !self.all;
        let options = self.options;
        add_unblock(
            &mut self.tree,
            &self.plan,
            &[&[Action::TogglePruneAll]],
            |_| Change::Prune { all, options }.removal_plan(store),
            |_| format!("all {}", if all { "on" } else { "off" }),
            "removes",
        );
        self.scroll = self.scroll.min(self.tree.len().saturating_sub(1));
    }

    /// Whether the plan shown can be applied: [`Self::change`] without building the request.
    pub fn can_apply(&self) -> bool {
        nothing_to_apply(&self.plan).is_none()
    }

    pub fn change(&self) -> Result<ChangeRequest, String> {
        confirmed(
            Change::Prune {
                all: self.all,
                options: self.options,
            },
            &self.plan,
            "Pruned",
        )
    }
}
