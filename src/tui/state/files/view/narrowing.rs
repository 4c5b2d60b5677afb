//! The filter and "changed only" narrowing what shows: at once when the tree has the set
//! ready, else by a job for the filter worker, whose answer is taken when it comes.

use super::{Saved, TreeView};
use crate::tui::state::files::filter::{FilterJob, Filtered};
use crate::tui::state::files::visible::Visible;
use cairn_core::contents::PathFilter;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

impl TreeView {
    /// A filter's answer is awaited: the rows are the previous one's.
    pub fn filter_running(&self) -> bool {
        self.running.is_some()
    }

    /// Works out what the filter and the "changed only" toggle let through: at once when
    /// the tree has it ready (nothing narrowed, or changed only), else by a job for the
    /// filter worker, the rows staying the previous answer's until it comes.
    pub(super) fn narrow(&mut self) {
        if let Some((_, stale)) = self.running.take() {
            stale.store(true, Ordering::Relaxed);
        }
        self.job = None;
        let filter = match self.filter.as_str() {
            "" => {
                self.filter_error = None;
                None
            }
            text => match PathFilter::parse(text) {
                Ok(filter) => {
                    self.filter_error = None;
                    Some(filter)
                }
                Err(e) => {
                    self.filter_error = Some(e.reason);
                    None
                }
            },
        };
        match filter {
            None if self.changed_only => self.install(Arc::clone(&self.tree.changed), true),
            None => self.install(Arc::clone(&self.tree.all), false),
            Some(filter) => {
                self.generation += 1;
                let stale = Arc::new(AtomicBool::new(false));
                self.job = Some(FilterJob {
                    tree: Arc::clone(&self.tree),
                    filter,
                    changed_only: self.changed_only,
                    narrows: self.narrowed.then(|| Arc::clone(&self.visible)),
                    generation: self.generation,
                    stale: Arc::clone(&stale),
                });
                self.running = Some((self.generation, stale));
            }
        }
    }

    /// Shows another set of nodes. While either narrowing is on, every directory shown is
    /// open, so that what passes is on screen; when it ends, the directories open before it
    /// are given back, with the way to the cursor's node opened.
    pub(super) fn install(&mut self, visible: Arc<Visible>, narrowed: bool) {
        let keep = self.selected();
        if narrowed && !self.narrowed {
            self.saved = Some(Saved {
                default: self.open.default,
                flips: self.open.flipped_nodes(),
            });
        }
        self.visible = visible;
        let was_narrowed = std::mem::replace(&mut self.narrowed, narrowed);
        if narrowed {
            self.open.reset(true);
        } else if was_narrowed {
            let saved = self.saved.take().unwrap_or(Saved {
                default: false,
                flips: Vec::new(),
            });
            self.open.reset(saved.default);
            for id in saved.flips {
                self.set_open(id, !saved.default);
            }
            if let Some(id) = keep {
                self.open_to(id);
            }
        }
        if let Some(path) = self.want.take()
            && self.reveal(&path)
        {
            return;
        }
        self.place(keep);
    }

    /// The filter job to hand to the worker, once.
    pub fn take_job(&mut self) -> Option<FilterJob> {
        self.job.take()
    }

    /// Takes a filter job's answer, if it is the one awaited.
    pub fn receive_filter(&mut self, filtered: Filtered) -> bool {
        match &self.running {
            Some((generation, _))
                if *generation == filtered.generation
                    && Arc::ptr_eq(&filtered.tree, &self.tree) => {}
            _ => return false,
        }
        self.running = None;
        self.install(filtered.visible, true);
        true
    }
}
