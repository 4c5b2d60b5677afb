//! The worker protocol: what a dialog sends the change worker once the user confirms
//! ([`ChangeRequest`]) and what the worker sends back ([`ChangeOutcome`]). A request carries
//! the planner's inputs ([`Change`]) as well as the steps the user saw, so the worker can
//! plan again under the store's locks and apply only if the plan is still the same.

use super::data::StoreData;
use cairn_core::Catalog;
use cairn_core::removal::{Blob, RemovalPlan, RemoveOptions, Step, Target, plan_removal};
use cairn_core::tagging::{plan_tag, plan_untag};

/// A change to the store, as the planner's inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Tag {
        image: String,
        name: String,
    },
    Untag {
        image: String,
        name: String,
    },
    Remove {
        image: String,
        options: RemoveOptions,
    },
    Prune {
        all: bool,
        options: RemoveOptions,
    },
}

impl Change {
    /// What a removal or prune targets, with which options.
    fn removal(&self) -> Option<(Target, RemoveOptions)> {
        match self {
            Change::Remove { image, options } => {
                Some((Target::References(vec![image.clone()]), *options))
            }
            Change::Prune { all, options } => Some((Target::Prune { all: *all }, *options)),
            Change::Tag { .. } | Change::Untag { .. } => None,
        }
    }

    /// The removal plan a remove or prune gives on the store in memory, as the store will
    /// carry it out; empty for tag and untag.
    pub fn removal_plan(&self, store: &StoreData) -> RemovalPlan {
        self.removal()
            .map(|(target, options)| store.plan_removal(&target, options))
            .unwrap_or_default()
    }

    /// The steps this change takes on a catalog.
    pub fn steps(&self, catalog: &Catalog) -> Vec<Step> {
        match self {
            Change::Tag { image, name } => {
                plan_tag(catalog, image, std::slice::from_ref(name)).steps
            }
            Change::Untag { image, name } => {
                plan_untag(catalog, image, std::slice::from_ref(name)).steps
            }
            Change::Remove { .. } | Change::Prune { .. } => self
                .removal()
                .map(|(target, options)| plan_removal(catalog, &target, options).steps)
                .unwrap_or_default(),
        }
    }
}

/// A confirmed plan on its way to the worker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRequest {
    pub change: Change,
    /// The steps the user saw.
    pub steps: Vec<Step>,
    /// The blobs the user saw go (OCI layouts): the change is refused if they differ.
    pub blobs: Vec<Blob>,
    /// What the status line says once it is done.
    pub summary: String,
}

/// What the worker reports about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeOutcome {
    Applied(ChangeRequest),
    /// The plan made under the locks differed from the preview: nothing was changed.
    StoreChanged(ChangeRequest),
    Failed {
        request: ChangeRequest,
        error: String,
    },
}
