//! Which directories are open, as a default and the few flipped from it.

/// Which directories are open: a default for all, and the few flipped from it, with how
/// much each flip changed the row counts of the directories above it. Opening or closing
/// everything forgets the flips, whatever the size of the tree.
#[derive(Debug, Clone, Default)]
pub(super) struct Openness {
    pub(super) default: bool,
    flipped: Vec<bool>,
    /// The flipped nodes (some maybe flipped back), to forget them.
    flips: Vec<u32>,
    /// Rows below a node beyond what the default gives it.
    adjust: Vec<i64>,
    adjusted: Vec<u32>,
}

impl Openness {
    pub(super) fn new(len: usize, default: bool) -> Self {
        Openness {
            default,
            flipped: vec![false; len],
            flips: Vec::new(),
            adjust: vec![0; len],
            adjusted: Vec::new(),
        }
    }

    pub(super) fn reset(&mut self, default: bool) {
        for id in self.flips.drain(..) {
            self.flipped[id as usize] = false;
        }
        for id in self.adjusted.drain(..) {
            self.adjust[id as usize] = 0;
        }
        self.default = default;
    }

    pub(super) fn is_open(&self, id: u32) -> bool {
        id == 0 || self.default != self.flipped.get(id as usize).copied().unwrap_or(false)
    }

    pub(super) fn flip(&mut self, id: u32) {
        if let Some(flipped) = self.flipped.get_mut(id as usize) {
            *flipped = !*flipped;
            self.flips.push(id);
        }
    }

    pub(super) fn adjust(&self, id: u32) -> i64 {
        self.adjust.get(id as usize).copied().unwrap_or(0)
    }

    pub(super) fn add(&mut self, id: u32, delta: i64) {
        if let Some(adjust) = self.adjust.get_mut(id as usize) {
            if *adjust == 0 {
                self.adjusted.push(id);
            }
            *adjust += delta;
        }
    }

    /// The nodes flipped from the default, each once.
    pub(super) fn flipped_nodes(&self) -> Vec<u32> {
        let mut nodes: Vec<u32> = self
            .flips
            .iter()
            .copied()
            .filter(|&id| self.flipped[id as usize])
            .collect();
        nodes.sort_unstable();
        nodes.dedup();
        nodes
    }
}
