//! Wasted space and efficiency, as dive defines efficiency but counting waste once per extra
//! copy (dive#684 counts every copy of a path that has several, the one that stays too).
//!
//! Every non-directory a layer puts at a path is a copy of that path, of its size; every
//! time a layer makes one go away other than by putting another non-directory there (a
//! whiteout, an opaque directory, a directory put over it) that is a copy too, of the size it
//! hides, as dive counts whiteouts. Per path, the smallest copy is what the image needs;
//! everything else is wasted. So:
//!
//! - efficiency = Σ smallest copy / Σ all copies (1 when there are no bytes at all);
//! - wasted bytes = Σ all copies − Σ smallest copy = (1 − efficiency) × Σ all copies.
//!
//! Unlike dive, a directory that is removed counts every file under it (dive sees only the
//! directory's whiteout, a path with one copy), and opaque directories count at all.
//!
//! The base part is what the base layers waste among themselves; the user part is the rest:
//! what the image's own layers add, including the base's copies they make useless.

use super::image::{ImageContents, Watcher};
use super::path::NodeId;

/// Wasted space of one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Waste {
    /// Σ smallest copy / Σ all copies, in 0..=1.
    pub efficiency: f64,
    /// Bytes of contents every layer's entries hold together.
    pub image_bytes: u64,
    /// Σ all copies of every path (what the efficiency divides by).
    pub copies_bytes: u64,
    /// Every copy but the smallest, over all paths.
    pub wasted_bytes: u64,
    /// The base image's layers and what they waste among themselves.
    pub base: WastePart,
    /// The image's own layers and what they add to the waste.
    pub user: WastePart,
    /// The user part's wasted bytes over the bytes its layers hold (dive's
    /// `highestUserWastedPercent` checks this); 0 when both are 0, infinite when only the
    /// layers hold nothing (a layer of only whiteouts).
    pub user_wasted_ratio: f64,
    /// Paths with wasted bytes, most wasted first (then by path).
    pub offenders: Vec<Offender>,
}

/// One part of an image's layers: the base image's or the user's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct WastePart {
    /// How many layers the part has (the base's are the first ones).
    pub layers: usize,
    /// Bytes of contents those layers' entries hold.
    pub size_bytes: u64,
    pub wasted_bytes: u64,
}

/// A path with more than one copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offender {
    pub node: NodeId,
    /// Absolute, raw.
    pub path: Vec<u8>,
    /// Copies counted, whiteouts included.
    pub copies: u32,
    /// Σ of all copies.
    pub total_bytes: u64,
    /// Every copy but the smallest.
    pub wasted_bytes: u64,
}

/// Running sums per path as the layers are applied.
struct Copies {
    count: Vec<u32>,
    total: Vec<u64>,
    smallest: Vec<u64>,
    /// Wide enough that no sum of `u64` sizes overflows, so the base and user parts add up.
    all: u128,
    smallest_sum: u128,
}

impl Copies {
    fn add(&mut self, node: NodeId, size: u64) {
        let i = node.index();
        let (Some(count), Some(total), Some(smallest)) = (
            self.count.get_mut(i),
            self.total.get_mut(i),
            self.smallest.get_mut(i),
        ) else {
            return;
        };
        *total = total.saturating_add(size);
        self.all += u128::from(size);
        if *count == 0 {
            *smallest = size;
            self.smallest_sum += u128::from(size);
        } else if size < *smallest {
            self.smallest_sum -= u128::from(*smallest - size);
            *smallest = size;
        }
        *count = count.saturating_add(1);
    }

    fn wasted(&self) -> u64 {
        u64::try_from(self.all - self.smallest_sum).unwrap_or(u64::MAX)
    }
}

impl Watcher for Copies {
    fn copy(&mut self, node: NodeId, size: u64) {
        self.add(node, size);
    }

    fn hidden(&mut self, node: NodeId, size: u64) {
        self.add(node, size);
    }
}

impl ImageContents {
    /// Wasted space of the whole image; its first `base_layers` layers are the base image's
    /// (see [`super::base_layer_count`] for how cairn chooses them).
    pub fn waste(&self, base_layers: usize) -> Waste {
        let n = self.paths().len();
        let mut copies = Copies {
            count: vec![0; n],
            total: vec![0; n],
            smallest: vec![0; n],
            all: 0,
            smallest_sum: 0,
        };
        let base_layers = base_layers.min(self.layer_count());
        let mut slots = self.empty_state();
        let mut base_wasted = 0;
        for layer in 0..self.layer_count() {
            if layer == base_layers {
                base_wasted = copies.wasted();
            }
            self.apply(layer, &mut slots, &mut copies);
        }
        if base_layers == self.layer_count() {
            base_wasted = copies.wasted();
        }
        let size = |layers: std::ops::Range<usize>| {
            layers.fold(0u64, |sum, l| sum.saturating_add(self.layer_size(l)))
        };
        let wasted_bytes = copies.wasted();
        let base = WastePart {
            layers: base_layers,
            size_bytes: size(0..base_layers),
            wasted_bytes: base_wasted,
        };
        let user = WastePart {
            layers: self.layer_count() - base_layers,
            size_bytes: size(base_layers..self.layer_count()),
            wasted_bytes: wasted_bytes.saturating_sub(base_wasted),
        };
        let user_wasted_ratio = match (user.wasted_bytes, user.size_bytes) {
            (0, _) => 0.0,
            (_, 0) => f64::INFINITY,
            (wasted, size) => wasted as f64 / size as f64,
        };
        let efficiency = match copies.all {
            0 => 1.0,
            all => copies.smallest_sum as f64 / all as f64,
        };
        let copies_bytes = u64::try_from(copies.all).unwrap_or(u64::MAX);
        let mut offenders: Vec<Offender> = (0..n)
            .filter(|&i| copies.count[i] > 1 && copies.total[i] > copies.smallest[i])
            .map(|i| {
                let node = NodeId::from_index(i);
                Offender {
                    node,
                    path: self.paths().path(node),
                    copies: copies.count[i],
                    total_bytes: copies.total[i],
                    wasted_bytes: copies.total[i] - copies.smallest[i],
                }
            })
            .collect();
        offenders.sort_by(|a, b| {
            b.wasted_bytes
                .cmp(&a.wasted_bytes)
                .then_with(|| a.path.cmp(&b.path))
        });
        Waste {
            efficiency,
            image_bytes: size(0..self.layer_count()),
            copies_bytes,
            wasted_bytes,
            base,
            user,
            user_wasted_ratio,
            offenders,
        }
    }
}
