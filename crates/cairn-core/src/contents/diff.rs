//! The difference between two images' files: what the second has that the first has not,
//! the reverse, and the paths both have whose attributes differ.
//!
//! "Modified" compares the type, the permission bits, the owner (uid and gid), the size, the
//! link target, the modification time, and the contents' checksum when both entries carry
//! one (containers-storage's tar-split keeps a CRC-64 of each file; OCI blobs read without
//! their contents have none).

use super::image::FileInfo;
use super::path::NodeId;
use super::tree::Tree;

/// Which attributes of a path differ between the two images.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Differences {
    pub kind: bool,
    pub mode: bool,
    pub owner: bool,
    pub size: bool,
    pub link: bool,
    pub mtime: bool,
    pub checksum: bool,
}

impl Differences {
    /// Compares two versions of a path.
    pub fn between(old: &FileInfo<'_>, new: &FileInfo<'_>) -> Differences {
        Differences {
            kind: old.kind != new.kind,
            mode: old.mode != new.mode,
            owner: old.uid != new.uid || old.gid != new.gid,
            size: old.size != new.size,
            link: old.link != new.link,
            mtime: old.mtime != new.mtime,
            checksum: matches!((old.checksum, new.checksum), (Some(a), Some(b)) if a != b),
        }
    }

    pub fn any(&self) -> bool {
        self.names().next().is_some()
    }

    /// The names of the differing attributes, as `cairn diff --json` lists them.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        [
            (self.kind, "type"),
            (self.mode, "mode"),
            (self.owner, "owner"),
            (self.size, "size"),
            (self.link, "link"),
            (self.mtime, "mtime"),
            (self.checksum, "checksum"),
        ]
        .into_iter()
        .filter_map(|(differs, name)| differs.then_some(name))
    }
}

/// Two images' files compared; nodes of `added` and of `modified`'s second half are the
/// second image's tree's, nodes of `removed` and `modified`'s first half the first's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImageDiff {
    pub added: Vec<NodeId>,
    pub removed: Vec<NodeId>,
    pub modified: Vec<Modified>,
}

/// A path both images have, with different attributes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Modified {
    pub old: NodeId,
    pub new: NodeId,
    pub differences: Differences,
}

/// Compares the files `old` and `new` show (usually each image's merged tree at its top
/// layer), walking both trees in name order at once. Each list comes out in path order
/// (depth first, children by name); under a path only one side has, every path below is
/// listed too.
pub fn diff(old: &Tree, new: &Tree) -> ImageDiff {
    let mut out = ImageDiff::default();
    let mut stack = vec![(old.root(), new.root())];
    while let Some((a, b)) = stack.pop() {
        let (left, right) = (old.children(a), new.children(b));
        let (mut i, mut j) = (0, 0);
        // Collected in order, then pushed reversed so the stack pops them in order.
        let mut both = Vec::new();
        while i < left.len() || j < right.len() {
            let order = match (left.get(i), right.get(j)) {
                (Some(&l), Some(&r)) => old.name(l).cmp(new.name(r)),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            match order {
                std::cmp::Ordering::Less => {
                    out.removed.push(left[i]);
                    out.removed.extend(old.walk_under(left[i]));
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    out.added.push(right[j]);
                    out.added.extend(new.walk_under(right[j]));
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    both.push((left[i], right[j]));
                    i += 1;
                    j += 1;
                }
            }
        }
        for &(l, r) in &both {
            if let (Some(x), Some(y)) = (old.info(l), new.info(r)) {
                let differences = Differences::between(&x, &y);
                if differences.any() {
                    out.modified.push(Modified {
                        old: l,
                        new: r,
                        differences,
                    });
                }
            }
        }
        stack.extend(both.into_iter().rev());
    }
    out.added.sort_by_cached_key(|&n| new.path(n));
    out.removed.sort_by_cached_key(|&n| old.path(n));
    out.modified.sort_by_cached_key(|m| new.path(m.new));
    out
}
