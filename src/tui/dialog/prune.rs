//! `p`: what `podman image prune` would do; `a` switches to `--all`. A prune plans on the
//! whole store, which on a build server's 10,000 images takes longer than a key may: the
//! preview opens at once, and the plan is made on the planner thread
//! ([`planner`](crate::tui::planner)) and shown when it comes.

use super::plan::{
    LineKind, PlanLine, PlanPreview, add_unblock, confirmed, nothing_to_apply, plan_tree,
};
use crate::tui::action::Action;
use crate::tui::change::{Change, ChangeRequest};
use crate::tui::data::StoreData;
use crate::tui::free::free_elsewhere;
use crate::tui::mode::Mode;
use crate::tui::planner::{PlanDone, PlanRequest};
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
    /// The planner's job whose plan the preview waits for, while it waits.
    pub planning: Option<u64>,
}

impl PlanPreview for PruneDialog {
    /// What is pruned and the switch.
    const HEADER_LINES: usize = 2;
    const MODE: Mode = Mode::Prune;

    fn plan_lines(&self) -> (&[PlanLine], usize) {
        (&self.tree, self.scroll)
    }
}

impl PruneDialog {
    /// A preview that asks the planner for its plan as job `id`: the dialog and the request
    /// to pass on.
    pub fn new(
        store: &StoreData,
        all: bool,
        options: RemoveOptions,
        id: u64,
    ) -> (Self, PlanRequest) {
        let mut dialog = PruneDialog {
            all,
            options,
            plan: RemovalPlan::default(),
            tree: Vec::new(),
            scroll: 0,
            planning: None,
        };
        let request = dialog.replan(store, id);
        (dialog, request)
    }

    /// Asks for the plan again, as job `id` (the switch changed, or the store did): until
    /// it comes the preview says it is planning and offers nothing to apply.
    pub fn replan(&mut self, store: &StoreData, id: u64) -> PlanRequest {
        self.planning = Some(id);
        let planning = vec![PlanLine {
            kind: LineKind::Planning,
            text: format!("Planning on {} images", store.catalog.snapshot.images.len()),
            note: String::new(),
        }];
        // The plan shown so far can be a whole store's: freed where no key waits for it.
        free_elsewhere((
            std::mem::take(&mut self.plan),
            std::mem::replace(&mut self.tree, planning),
        ));
        PlanRequest {
            id,
            store: store.clone(),
            all: self.all,
            options: self.options,
        }
    }

    /// Takes the planner's answer when it is the one the preview waits for (an answer to an
    /// earlier switch or store is dropped, on a thread of its own as it can be large).
    pub fn planned(&mut self, done: PlanDone) {
        if self.planning != Some(done.id) {
            free_elsewhere(done);
            return;
        }
        self.planning = None;
        self.plan = done.plan;
        self.tree = done.tree;
        self.scroll = self.scroll.min(self.tree.len().saturating_sub(1));
    }

    /// Whether the plan shown can be applied: [`Self::change`] without building the request.
    pub fn can_apply(&self) -> bool {
        self.planning.is_none() && nothing_to_apply(&self.plan).is_none()
    }

    pub fn change(&self) -> Result<ChangeRequest, String> {
        if self.planning.is_some() {
            return Err("the prune is still being planned".into());
        }
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

impl PlanRequest {
    /// Makes the plan, on the thread that calls it (the planner's).
    pub fn run(&self) -> PlanDone {
        let (plan, tree) = prune_preview(&self.store, self.all, self.options);
        PlanDone {
            id: self.id,
            plan,
            tree,
        }
    }
}

/// A prune's preview, as the planner thread makes it: the plan, and its tree with what `a`
/// would change when the plan has nothing to apply.
pub fn prune_preview(
    store: &StoreData,
    all: bool,
    options: RemoveOptions,
) -> (RemovalPlan, Vec<PlanLine>) {
    let plan = Change::Prune { all, options }.removal_plan(store);
    let mut tree = plan_tree(store, &plan);
    let other = !all;
    add_unblock(
        &mut tree,
        &plan,
        &[&[Action::TogglePruneAll]],
        |_| {
            Change::Prune {
                all: other,
                options,
            }
            .removal_plan(store)
        },
        |_| format!("all {}", if other { "on" } else { "off" }),
        "removes",
    );
    (plan, tree)
}
