//! What `files`, `diff`, `check` and `find` share: reading an image's layers' entries from the
//! store (each layer once, both cores at work) into the model, and showing an entry as text
//! or as the JSON object the issue names.

use anyhow::{Context, Result, bail};
use cairn_core::contents::{
    ChangeKind, EntryKind, FileInfo, ImageContents, LayerEntries, NodeId, Tree, image_layers,
};
use cairn_core::visible::Visible;
use cairn_core::{Catalog, ImageIdx, LayerIdx};
use cairn_store::{Selection, Store};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// A store opened for reading layers: its catalog, and the layers read so far (images share
/// layers; each is read once).
pub struct Layers {
    store: Store,
    pub catalog: Arc<Catalog>,
    read: HashMap<LayerIdx, Arc<LayerEntries>>,
}

impl Layers {
    pub fn open(flags: &Selection) -> Result<Layers> {
        let store = super::resolve(flags)?;
        let opened = store.open()?;
        Ok(Layers {
            store,
            catalog: opened.catalog,
            read: HashMap::new(),
        })
    }

    /// Resolves IMAGE as the other commands do.
    pub fn lookup(&self, name: &str) -> Result<ImageIdx> {
        Ok(super::lookup(&self.catalog, name)?)
    }

    /// The image's layers' contents, base first. Fails, naming the layer, when a layer is
    /// missing or cannot be read; entries the model had to leave out are named on stderr.
    pub fn contents(&mut self, image: ImageIdx) -> Result<Arc<ImageContents>> {
        let layers = self.layers_of(image)?;
        let missing: Vec<LayerIdx> = layers
            .iter()
            .copied()
            .filter(|l| !self.read.contains_key(l))
            .collect();
        let store = &self.store;
        let snapshot = &self.catalog.snapshot;
        let fresh: Vec<(LayerIdx, LayerEntries)> = missing
            .par_iter()
            .map(|&layer| {
                let entries = store.layer_entries(snapshot, layer).with_context(|| {
                    format!(
                        "reading the entries of layer {}",
                        Visible(&snapshot.layers[layer].id)
                    )
                })?;
                Ok((layer, entries))
            })
            .collect::<Result<_>>()?;
        for (layer, entries) in fresh {
            self.read.insert(layer, Arc::new(entries));
        }
        let entries: Vec<&LayerEntries> = layers
            .iter()
            .filter_map(|l| self.read.get(l).map(Arc::as_ref))
            .collect();
        let contents = ImageContents::new(entries);
        for problem in contents.problems() {
            let layer = layers.get(problem.layer).map(|&l| &snapshot.layers[l].id);
            eprintln!(
                "Warning: layer {} ({}): {} left out: {}",
                problem.layer,
                Visible(layer.map_or("?", |id| id.as_str())),
                Visible(&text(&problem.path)),
                problem.kind
            );
        }
        Ok(Arc::new(contents))
    }

    /// The image's layers, base first, as the store records them: a layer missing from the
    /// chain fails as `cairn tree` fails on it.
    fn layers_of(&self, image: ImageIdx) -> Result<Vec<LayerIdx>> {
        let snapshot = &self.catalog.snapshot;
        let img = &snapshot.images[image];
        let layers = image_layers(&self.catalog, image);
        let dangling = match layers.first() {
            Some(&base) => snapshot.layers[base].parent.clone(),
            None => img.top_layer.clone(),
        };
        if let Some(id) = dangling {
            bail!(
                "locating layer with ID {:?}: layer not known",
                Visible(&id).to_string()
            );
        }
        if layers.is_empty() {
            bail!(
                "{}: the image has no layers (a manifest list? name one of its platform images)",
                Visible(img.short_id())
            );
        }
        Ok(layers)
    }
}

/// Raw path bytes as text: UTF-8 as it is, each invalid byte as `\xNN` (so that a name
/// that is not UTF-8 stays readable, and distinct from any other, in JSON too).
pub fn text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// The type's name in JSON.
pub fn kind_name(kind: EntryKind) -> &'static str {
    match kind {
        EntryKind::File => "file",
        EntryKind::Dir => "dir",
        EntryKind::Symlink => "symlink",
        EntryKind::Hardlink => "hardlink",
        EntryKind::Char => "char",
        EntryKind::Block => "block",
        EntryKind::Fifo => "fifo",
    }
}

/// One entry as `files`, `diff` and `find` print it in JSON.
#[derive(Debug, Serialize)]
pub struct EntryJson {
    pub path: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub size: u64,
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    pub mtime: i64,
    /// The layer (0 = base) that last changed the path.
    pub layer: usize,
    /// With `--changes`: `added`, `modified` or `removed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<&'static str>,
    /// With `--changes`, when the layer changed the path's type: the type it had below.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_type: Option<&'static str>,
    /// In `diff`'s `modified`: which attributes differ.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub differs: Option<Vec<&'static str>>,
}

impl EntryJson {
    pub fn new(path: &[u8], info: &FileInfo<'_>) -> EntryJson {
        EntryJson {
            path: text(path),
            kind: kind_name(info.kind),
            size: info.size,
            mode: info.mode,
            uid: info.uid,
            gid: info.gid,
            link: info.link.map(text),
            mtime: info.mtime,
            layer: info.layer,
            change: None,
            previous_type: None,
            differs: None,
        }
    }

    /// The entry of a node a tree shows, with what the tree's layer did to it when
    /// `changes` asks for it.
    pub fn of(tree: &Tree, node: NodeId, changes: bool) -> Option<EntryJson> {
        let info = tree.info(node)?;
        let mut json = EntryJson::new(&tree.path(node), &info);
        if let Some(change) = tree.change(node).filter(|_| changes) {
            json.change = Some(change.word());
            if let ChangeKind::TypeChanged { from } = change {
                json.previous_type = Some(kind_name(from));
            }
        }
        Some(json)
    }
}

/// `ls -l`'s mode column: the type letter (tar's `h` for a hard link), then the permission
/// bits with set-user-ID, set-group-ID and sticky shown as `s`/`S` and `t`/`T`.
pub fn mode_string(kind: EntryKind, mode: u32) -> String {
    let kind = match kind {
        EntryKind::File => '-',
        EntryKind::Dir => 'd',
        EntryKind::Symlink => 'l',
        EntryKind::Hardlink => 'h',
        EntryKind::Char => 'c',
        EntryKind::Block => 'b',
        EntryKind::Fifo => 'p',
    };
    let bit = |mask: u32, c: char| if mode & mask != 0 { c } else { '-' };
    let special = |exec: u32, special: u32, set: char, unset: char| match (
        mode & exec != 0,
        mode & special != 0,
    ) {
        (true, true) => set,
        (false, true) => unset,
        (true, false) => 'x',
        (false, false) => '-',
    };
    [
        kind,
        bit(0o400, 'r'),
        bit(0o200, 'w'),
        special(0o100, 0o4000, 's', 'S'),
        bit(0o040, 'r'),
        bit(0o020, 'w'),
        special(0o010, 0o2000, 's', 'S'),
        bit(0o004, 'r'),
        bit(0o002, 'w'),
        special(0o001, 0o1000, 't', 'T'),
    ]
    .into_iter()
    .collect()
}

/// One entry as a line of text, as `tar -tv` lays it out: mode, owner, size, the layer that
/// last changed it, the path (and where a link leads), all shown visibly.
pub fn entry_line(path: &[u8], info: &FileInfo<'_>) -> String {
    let link = match (info.kind, info.link) {
        (EntryKind::Symlink, Some(target)) => format!(" -> {}", Visible(&text(target))),
        (EntryKind::Hardlink, Some(target)) => format!(" link to {}", Visible(&text(target))),
        _ => String::new(),
    };
    format!(
        "{} {:>11} {:>12} {:>3} {}{link}",
        mode_string(info.kind, info.mode),
        format!("{}/{}", info.uid, info.gid),
        info.size,
        info.layer,
        Visible(&text(path)),
    )
}

/// podman's letter for a change (`podman diff`): A added, C changed, D deleted.
pub fn change_letter(change: ChangeKind) -> char {
    match change {
        ChangeKind::Added => 'A',
        ChangeKind::Modified | ChangeKind::TypeChanged { .. } => 'C',
        ChangeKind::Removed => 'D',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_read_as_ls_shows_them() {
        assert_eq!(mode_string(EntryKind::File, 0o644), "-rw-r--r--");
        assert_eq!(mode_string(EntryKind::Dir, 0o1777), "drwxrwxrwt");
        assert_eq!(mode_string(EntryKind::File, 0o4755), "-rwsr-xr-x");
        assert_eq!(mode_string(EntryKind::File, 0o2644), "-rw-r-Sr--");
        assert_eq!(mode_string(EntryKind::Hardlink, 0o600), "hrw-------");
    }

    #[test]
    fn names_that_are_not_utf8_are_kept_distinct() {
        assert_eq!(text(b"caf\xc3\xa9"), "caf\u{e9}");
        assert_eq!(text(b"caf\xe9"), "caf\\xe9");
    }
}
