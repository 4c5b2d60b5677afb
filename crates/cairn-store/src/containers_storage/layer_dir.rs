//! A layer's entries from its folder, for a layer without a tar-split: overlay's `diff/`
//! holds just the layer's changes (a whiteout is a 0/0 character device, an opaque folder
//! has the `trusted.overlay.opaque` or `user.overlay.opaque` attribute, and fuse-overlayfs
//! may leave AUFS-style `.wh.` files, which are already in tar form); vfs keeps a full copy,
//! which is compared with the parent layer's copy as containers/storage's own vfs diff does.
//!
//! The folders are walked from descriptors, one `openat` with `O_NOFOLLOW` a step, so no link
//! inside a layer is ever followed; links are listed as links.

use crate::contents::tar::MAX_ENTRIES;
use crate::oci::confined::Confined;
use anyhow::{Result, anyhow, bail};
use cairn_core::contents::{Entry, EntryKind};
use cairn_core::{LayerIdx, Snapshot};
use rustix::fs::{AtFlags, Dir, FileType, Mode, OFlags, Stat, openat, readlinkat, statat};
use rustix::io::Errno;
use std::collections::{BTreeMap, HashMap};
use std::os::fd::OwnedFd;

/// Deeper than any real image (`PATH_MAX` allows about 2,000 levels); each level holds one
/// open folder while the walk is below it.
const MAX_DEPTH: usize = 512;

const DIR_FLAGS: OFlags = OFlags::RDONLY
    .union(OFlags::DIRECTORY)
    .union(OFlags::NOFOLLOW)
    .union(OFlags::CLOEXEC);

/// The layer's entries from its folder under `store`, `None` when this store has no folder
/// for it (or its driver keeps none cairn reads).
pub fn entries(
    store: &Confined,
    driver: &str,
    snapshot: &Snapshot,
    layer: LayerIdx,
) -> Result<Option<Vec<Entry>>> {
    let record = &snapshot.layers[layer];
    match driver {
        "overlay" => {
            let Some(diff) = store.dir(&["overlay", &record.id, "diff"])? else {
                return Ok(None);
            };
            let walked = walk(diff, &store.display(&["overlay", &record.id, "diff"]))?;
            Ok(Some(overlay_entries(walked)))
        }
        "vfs" => {
            let Some(copy) = store.dir(&["vfs", "dir", &record.id])? else {
                return Ok(None);
            };
            let walked = walk(copy, &store.display(&["vfs", "dir", &record.id]))?;
            let parent = match record.parent.as_deref() {
                Some(parent) => {
                    let fd = store.dir(&["vfs", "dir", parent])?.ok_or_else(|| {
                        anyhow!("its parent layer {parent} has no folder to compare it with")
                    })?;
                    walk(fd, &store.display(&["vfs", "dir", parent]))?
                }
                None => Vec::new(),
            };
            Ok(Some(vfs_entries(walked, parent)))
        }
        other => bail!("the {other} driver's layer folders are not read by cairn"),
    }
}

/// One file of a layer folder, as found.
struct Found {
    path: Vec<u8>,
    stat: Stat,
    link: Option<Vec<u8>>,
    /// An overlay folder whose lower contents are hidden.
    opaque: bool,
}

/// Every file below `root`, parents before children, names in byte order (as Go's
/// `filepath.Walk`, which containers/storage's diff uses, orders them).
fn walk(root: OwnedFd, shown: &str) -> Result<Vec<Found>> {
    let mut found = Vec::new();
    let mut stack: Vec<(OwnedFd, Vec<u8>, std::vec::IntoIter<Vec<u8>>)> = Vec::new();
    let names = list(&root, shown)?;
    stack.push((root, Vec::new(), names.into_iter()));
    loop {
        let depth = stack.len();
        let Some((dir, prefix, names)) = stack.last_mut() else {
            break;
        };
        let Some(name) = names.next() else {
            stack.pop();
            continue;
        };
        let path = match prefix.is_empty() {
            true => name.clone(),
            false => [prefix.as_slice(), b"/", &name].concat(),
        };
        let here = || format!("{shown}/{}", String::from_utf8_lossy(&path));
        let stat = match statat(&*dir, name.as_slice(), AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => stat,
            Err(Errno::NOENT) => continue,
            Err(e) => bail!("reading {}: {}", here(), std::io::Error::from(e)),
        };
        let kind = FileType::from_raw_mode(stat.st_mode);
        let link = match kind {
            FileType::Symlink => Some(
                readlinkat(&*dir, name.as_slice(), Vec::new())
                    .map_err(|e| {
                        anyhow!("reading the link {}: {}", here(), std::io::Error::from(e))
                    })?
                    .into_bytes(),
            ),
            _ => None,
        };
        if found.len() == MAX_ENTRIES {
            bail!("{shown} holds more than {MAX_ENTRIES} files: refused");
        }
        let mut opaque = false;
        let mut below = None;
        if kind == FileType::Directory {
            if depth > MAX_DEPTH {
                bail!(
                    "{} is nested more than {MAX_DEPTH} folders deep: refused",
                    here()
                );
            }
            let fd = openat(&*dir, name.as_slice(), DIR_FLAGS, Mode::empty())
                .map_err(|e| anyhow!("opening {}: {}", here(), std::io::Error::from(e)))?;
            opaque = is_opaque(&fd);
            let names = list(&fd, &here())?;
            below = Some((fd, path.clone(), names.into_iter()));
        }
        found.push(Found {
            path,
            stat,
            link,
            opaque,
        });
        if let Some(frame) = below {
            stack.push(frame);
        }
    }
    Ok(found)
}

fn list(dir: &OwnedFd, shown: &str) -> Result<Vec<Vec<u8>>> {
    let reading = |e: Errno| anyhow!("listing {shown}: {}", std::io::Error::from(e));
    let mut names = Vec::new();
    for entry in Dir::read_from(dir).map_err(reading)? {
        let entry = entry.map_err(reading)?;
        let name = entry.file_name().to_bytes();
        if name != b"." && name != b".." {
            names.push(name.to_vec());
        }
    }
    names.sort();
    Ok(names)
}

/// overlayfs marks an opaque folder with `trusted.overlay.opaque` (as root) or
/// `user.overlay.opaque` (rootless, `userxattr`), set to `y`.
fn is_opaque(dir: &OwnedFd) -> bool {
    ["trusted.overlay.opaque", "user.overlay.opaque"]
        .iter()
        .any(|name| {
            let mut value = [0u8; 4];
            matches!(rustix::fs::fgetxattr(dir, *name, &mut value[..]), Ok(1) if value[0] == b'y')
        })
}

/// The entry a found file makes, or a whiteout for overlay's 0/0 character device.
fn entry_of(found: &Found, hard_links: &mut HashMap<(u64, u64), Vec<u8>>) -> Entry {
    let stat = &found.stat;
    let kind = match FileType::from_raw_mode(stat.st_mode) {
        FileType::Directory => EntryKind::Dir,
        FileType::Symlink => EntryKind::Symlink,
        FileType::CharacterDevice => EntryKind::Char,
        FileType::BlockDevice => EntryKind::Block,
        FileType::Fifo => EntryKind::Fifo,
        _ => EntryKind::File,
    };
    let mut entry = Entry {
        path: found.path.clone().into_boxed_slice(),
        kind,
        mode: stat.st_mode & 0o7777,
        uid: u64::from(stat.st_uid),
        gid: u64::from(stat.st_gid),
        size: match kind {
            EntryKind::File => u64::try_from(stat.st_size).unwrap_or(0),
            _ => 0,
        },
        link: found.link.clone().map(Vec::into_boxed_slice),
        mtime: stat.st_mtime,
        checksum: None,
    };
    // A file with several names is written once, then as hard links to its first name, as
    // containers/storage's tar writer does.
    if kind == EntryKind::File && stat.st_nlink > 1 {
        let key = (stat.st_dev, stat.st_ino);
        match hard_links.get(&key) {
            Some(first) => {
                entry.kind = EntryKind::Hardlink;
                entry.size = 0;
                entry.link = Some(first.clone().into_boxed_slice());
            }
            None => {
                hard_links.insert(key, found.path.clone());
            }
        }
    }
    entry
}

/// A path as the order of its parts, so that a folder's children follow it before any
/// sibling whose name sorts after `/`.
fn key(path: &[u8]) -> Vec<&[u8]> {
    path.split(|&b| b == b'/').collect()
}

/// `NAME` as its whiteout `.wh.NAME`, in the same folder.
fn whiteout(path: &[u8]) -> Box<[u8]> {
    let (dir, name) = match path.iter().rposition(|&b| b == b'/') {
        Some(at) => (&path[..=at], &path[at + 1..]),
        None => (&b""[..], path),
    };
    [dir, b".wh.", name].concat().into_boxed_slice()
}

fn overlay_entries(walked: Vec<Found>) -> Vec<Entry> {
    let mut hard_links = HashMap::new();
    let mut entries = Vec::with_capacity(walked.len());
    for found in &walked {
        let kind = FileType::from_raw_mode(found.stat.st_mode);
        if kind == FileType::CharacterDevice && found.stat.st_rdev == 0 {
            // As containers/storage's overlay diff writes it: the device's owner and time,
            // mode 0600.
            let mut entry = entry_of(found, &mut hard_links);
            entry.path = whiteout(&found.path);
            entry.kind = EntryKind::File;
            entry.mode = 0o600;
            entries.push(entry);
            continue;
        }
        entries.push(entry_of(found, &mut hard_links));
        if found.opaque {
            let mut marker = entry_of(found, &mut hard_links);
            marker.path = [found.path.as_slice(), b"/.wh..wh..opq"]
                .concat()
                .into_boxed_slice();
            // The folder's owner, time and permission bits, as containers/storage writes it.
            marker.kind = EntryKind::File;
            marker.mode &= 0o777;
            entries.push(marker);
        }
    }
    entries
}

/// What changed from the parent's copy to this one: files that are new or differ in type,
/// mode, owner, size, link target, device or time, a whiteout for each topmost path the
/// parent has and this copy has not, and the folders these are in, in path order.
fn vfs_entries(walked: Vec<Found>, parent: Vec<Found>) -> Vec<Entry> {
    let before: HashMap<&[u8], &Found> = parent.iter().map(|f| (f.path.as_slice(), f)).collect();
    let now: HashMap<&[u8], &Found> = walked.iter().map(|f| (f.path.as_slice(), f)).collect();
    let mut hard_links = HashMap::new();
    let mut ordered: BTreeMap<Vec<&[u8]>, Entry> = BTreeMap::new();
    for found in &walked {
        let entry = entry_of(found, &mut hard_links);
        let changed = match before.get(found.path.as_slice()) {
            None => true,
            Some(old) => {
                let (a, b) = (&old.stat, &found.stat);
                a.st_mode != b.st_mode
                    || a.st_uid != b.st_uid
                    || a.st_gid != b.st_gid
                    || a.st_rdev != b.st_rdev
                    || a.st_mtime != b.st_mtime
                    || a.st_mtime_nsec != b.st_mtime_nsec
                    || (FileType::from_raw_mode(b.st_mode) != FileType::Directory
                        && a.st_size != b.st_size)
                    || old.link != found.link
            }
        };
        if changed {
            ordered.insert(key(&found.path), entry);
        }
    }
    for old in &parent {
        let gone = !now.contains_key(old.path.as_slice());
        let parent_gone = old
            .path
            .iter()
            .rposition(|&b| b == b'/')
            .is_some_and(|at| !now.contains_key(&old.path[..at]));
        if gone && !parent_gone {
            let mut entry = entry_of(old, &mut HashMap::new());
            entry.path = whiteout(&old.path);
            // containers/storage writes a whiteout with mode 0 and no owner.
            entry.kind = EntryKind::File;
            entry.mode = 0;
            entry.uid = 0;
            entry.gid = 0;
            entry.size = 0;
            entry.link = None;
            ordered.insert(key(&old.path), entry);
        }
    }
    // A folder with changes inside is written too, even when it did not change itself, as
    // containers/storage's diff does so that its owner and mode are restored.
    let changed: Vec<Vec<u8>> = ordered.values().map(|e| e.path.to_vec()).collect();
    for path in changed {
        let mut end = path.len();
        while let Some(at) = path[..end].iter().rposition(|&b| b == b'/') {
            end = at;
            let folder = &path[..end];
            if ordered.contains_key(&key(folder)) {
                break;
            }
            if let Some((&stored, found)) = now.get_key_value(folder) {
                ordered.insert(key(stored), entry_of(found, &mut hard_links));
            }
        }
    }
    ordered.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustix::fs::XattrFlags;

    /// The forms an overlay folder takes without root: fuse-overlayfs's AUFS-style whiteout
    /// files pass as they are, and a folder marked `user.overlay.opaque` (rootless
    /// overlayfs) gets the opaque marker. The 0/0 devices and `trusted.overlay.opaque` need
    /// root: the conformance tier (`contents_overlay`) checks every form against what
    /// containers/storage recorded of a real overlay layer.
    #[test]
    fn an_overlay_folder_lists_whiteout_files_as_they_are_and_user_opaque_folders_as_opaque() {
        let dir = tempfile::tempdir().unwrap();
        let diff = dir.path();
        std::fs::create_dir_all(diff.join("data/again/new")).unwrap();
        std::fs::create_dir_all(diff.join("data/aufs")).unwrap();
        std::fs::write(diff.join("data/.wh.removed"), b"").unwrap();
        std::fs::write(diff.join("data/aufs/.wh..wh..opq"), b"").unwrap();
        std::fs::write(diff.join("data/again/new/file"), b"nine\n").unwrap();
        rustix::fs::setxattr(
            diff.join("data/again"),
            "user.overlay.opaque",
            b"y",
            XattrFlags::CREATE,
        )
        .unwrap();
        let fd = rustix::fs::open(diff, DIR_FLAGS, Mode::empty()).unwrap();
        let entries = overlay_entries(walk(fd, "diff").unwrap());
        let listed: Vec<(&[u8], EntryKind)> =
            entries.iter().map(|e| (&e.path[..], e.kind)).collect();
        assert_eq!(
            listed,
            [
                (&b"data"[..], EntryKind::Dir),
                (b"data/.wh.removed", EntryKind::File),
                (b"data/again", EntryKind::Dir),
                (b"data/again/.wh..wh..opq", EntryKind::File),
                (b"data/again/new", EntryKind::Dir),
                (b"data/again/new/file", EntryKind::File),
                (b"data/aufs", EntryKind::Dir),
                (b"data/aufs/.wh..wh..opq", EntryKind::File),
            ]
        );
        // The marker has its folder's owner and permission bits, as containers/storage
        // writes it.
        assert_eq!(entries[3].mode, entries[2].mode & 0o777);
        assert_eq!(entries[3].mtime, entries[2].mtime);
    }
}
