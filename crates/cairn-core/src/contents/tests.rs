//! The image-spec's rules for stacking layers, one test per rule, then change kinds, wasted
//! space, diffs, and random layers that must never make the model panic.

use super::*;
use crate::testing::Random;
use crate::testing::entries::{Layer, entry};
use std::sync::Arc;

fn contents(layers: &[LayerEntries]) -> Arc<ImageContents> {
    Arc::new(ImageContents::new(layers))
}

fn merged(layers: &[LayerEntries], at: usize) -> Tree {
    Tree::new(contents(layers), at, Scope::Merged).unwrap()
}

fn top(layers: &[LayerEntries]) -> Tree {
    merged(layers, layers.len() - 1)
}

fn changes(layers: &[LayerEntries], at: usize) -> Tree {
    Tree::new(contents(layers), at, Scope::Changes).unwrap()
}

/// Every path the view shows, as text.
fn paths(tree: &Tree) -> Vec<String> {
    tree.walk()
        .map(|n| String::from_utf8_lossy(&tree.path(n)).into_owned())
        .collect()
}

/// Every path the view shows with what the layer did to it.
fn marked(tree: &Tree) -> Vec<(String, Option<ChangeKind>)> {
    tree.walk()
        .map(|n| {
            (
                String::from_utf8_lossy(&tree.path(n)).into_owned(),
                tree.change(n),
            )
        })
        .collect()
}

fn info<'a>(tree: &'a Tree, path: &str) -> FileInfo<'a> {
    let node = tree.lookup(path.as_bytes()).unwrap();
    tree.info(node).unwrap()
}

#[test]
fn whiteout_hides_the_path_in_lower_layers() {
    let layers = [
        Layer::new()
            .dir("etc")
            .file("etc/a", 1)
            .file("etc/b", 2)
            .build(),
        Layer::new().whiteout("etc/a").build(),
    ];
    assert_eq!(paths(&top(&layers)), ["/etc", "/etc/b"]);
    assert_eq!(paths(&merged(&layers, 0)), ["/etc", "/etc/a", "/etc/b"]);
}

#[test]
fn whiteout_hides_everything_under_a_directory() {
    let layers = [
        Layer::new()
            .dir("usr")
            .dir("usr/lib")
            .file("usr/lib/x", 1)
            .build(),
        Layer::new().whiteout("usr/lib").build(),
    ];
    assert_eq!(paths(&top(&layers)), ["/usr"]);
}

#[test]
fn whiteout_hides_lower_layers_only_whatever_the_tar_order() {
    let before = [
        Layer::new().file("a", 1).build(),
        Layer::new().whiteout("a").file("a", 2).build(),
    ];
    let after = [
        Layer::new().file("a", 1).build(),
        Layer::new().file("a", 2).whiteout("a").build(),
    ];
    for layers in [before, after] {
        let tree = top(&layers);
        assert_eq!(info(&tree, "/a").size, 2);
        assert_eq!(info(&tree, "/a").layer, 1);
    }
}

#[test]
fn whiteout_of_a_directory_keeps_what_the_same_layer_puts_under_it() {
    let layers = [
        Layer::new().dir("d").file("d/old", 1).build(),
        Layer::new().dir("d").file("d/new", 1).whiteout("d").build(),
    ];
    assert_eq!(paths(&top(&layers)), ["/d", "/d/new"]);
}

#[test]
fn opaque_directory_hides_all_lower_children() {
    let layers = [
        Layer::new()
            .dir("d")
            .dir("d/sub")
            .file("d/sub/x", 1)
            .file("d/y", 1)
            .file("z", 1)
            .build(),
        Layer::new().dir("d").opaque("d").file("d/new", 1).build(),
    ];
    assert_eq!(paths(&top(&layers)), ["/d", "/d/new", "/z"]);
}

#[test]
fn opaque_applies_before_the_layers_own_entries_in_the_directory() {
    // The marker comes last in tar order, yet the layer's own entries stay.
    let layers = [
        Layer::new().dir("d").file("d/old", 1).build(),
        Layer::new()
            .dir("d")
            .file("d/new", 1)
            .dir("d/sub")
            .file("d/sub/x", 1)
            .opaque("d")
            .build(),
    ];
    assert_eq!(paths(&top(&layers)), ["/d", "/d/new", "/d/sub", "/d/sub/x"]);
}

#[test]
fn opaque_at_the_root_hides_everything_below() {
    let layers = [
        Layer::new().dir("etc").file("etc/a", 1).build(),
        Layer::new().opaque("").file("b", 1).build(),
    ];
    assert_eq!(paths(&top(&layers)), ["/b"]);
}

#[test]
fn non_directory_over_a_directory_replaces_it() {
    let layers = [
        Layer::new().dir("d").file("d/x", 5).build(),
        Layer::new().symlink("d", "/elsewhere").build(),
    ];
    let tree = top(&layers);
    assert_eq!(paths(&tree), ["/d"]);
    assert_eq!(info(&tree, "/d").kind, EntryKind::Symlink);
    assert_eq!(info(&tree, "/d").link, Some(&b"/elsewhere"[..]));
}

#[test]
fn directory_over_a_directory_keeps_the_lower_children() {
    let layers = [
        Layer::new().dir("d").file("d/x", 5).build(),
        Layer::new()
            .with(Entry {
                mode: 0o700,
                ..entry(b"d", EntryKind::Dir)
            })
            .build(),
    ];
    let tree = top(&layers);
    assert_eq!(paths(&tree), ["/d", "/d/x"]);
    assert_eq!(info(&tree, "/d").mode, 0o700);
    assert_eq!(info(&tree, "/d/x").layer, 0);
}

#[test]
fn directory_over_a_file_replaces_it() {
    let layers = [
        Layer::new().file("d", 5).build(),
        Layer::new().dir("d").file("d/x", 1).build(),
    ];
    let tree = top(&layers);
    assert_eq!(info(&tree, "/d").kind, EntryKind::Dir);
    assert_eq!(tree.total_size(tree.root()), 1);
}

#[test]
fn later_duplicate_entry_wins() {
    let layers = [Layer::new()
        .file("a", 1)
        .file("a", 2)
        .dir("b")
        .file("b/x", 1)
        .file("b", 3)
        .build()];
    let tree = top(&layers);
    assert_eq!(paths(&tree), ["/a", "/b"]);
    assert_eq!(info(&tree, "/a").size, 2);
    assert_eq!(info(&tree, "/b").kind, EntryKind::File);
}

#[test]
fn missing_parents_are_implicit_directories() {
    let layers = [Layer::new().file("usr/bin/x", 1).build()];
    let tree = top(&layers);
    assert_eq!(paths(&tree), ["/usr", "/usr/bin", "/usr/bin/x"]);
    let usr = info(&tree, "/usr");
    assert!(usr.implicit);
    assert_eq!((usr.kind, usr.mode, usr.layer), (EntryKind::Dir, 0o755, 0));
}

#[test]
fn entry_under_a_non_directory_makes_it_an_implicit_directory() {
    let layers = [
        Layer::new().file("a", 9).build(),
        Layer::new().file("a/b", 1).build(),
    ];
    let tree = changes(&layers, 1);
    assert_eq!(
        marked(&tree),
        [
            (
                "/a".into(),
                Some(ChangeKind::TypeChanged {
                    from: EntryKind::File
                })
            ),
            ("/a/b".into(), Some(ChangeKind::Added)),
        ]
    );
    assert!(info(&tree, "/a").implicit);
}

#[test]
fn whiteout_of_a_missing_path_hides_nothing_but_makes_its_missing_folders() {
    // containers/storage's extractor makes the folder of every entry, whiteouts too.
    let layers = [
        Layer::new().file("a", 1).build(),
        Layer::new()
            .whiteout("nothing")
            .whiteout("x/y/z")
            .opaque("o")
            .build(),
    ];
    assert_eq!(
        marked(&changes(&layers, 1)),
        [
            ("/o".into(), Some(ChangeKind::Added)),
            ("/x".into(), Some(ChangeKind::Added)),
            ("/x/y".into(), Some(ChangeKind::Added)),
        ]
    );
    assert!(info(&top(&layers), "/x/y").implicit);
    // Under a file the extractor fails; the model leaves the file.
    let layers = [
        Layer::new().file("f", 1).build(),
        Layer::new().whiteout("f/g").build(),
    ];
    assert!(changes(&layers, 1).is_empty());
}

#[test]
fn opaque_does_not_hide_the_folders_its_own_layers_whiteouts_make() {
    // Found by the reference comparison: the layer's own folders are not lower children.
    let layers = [
        Layer::new().file("old", 1).build(),
        Layer::new().opaque("").whiteout("b/c/d").build(),
    ];
    assert_eq!(paths(&top(&layers)), ["/b", "/b/c"]);
}

#[test]
fn absolute_and_dotted_paths_are_cleaned_and_climbing_out_is_refused() {
    let layers = [Layer::new()
        .file("/abs", 1)
        .file("./dot/./x", 1)
        .file("a/../b", 1)
        .file("../escape", 1)
        .file("x/../../escape", 1)
        .build()];
    let contents = contents(&layers);
    let tree = Tree::new(contents.clone(), 0, Scope::Merged).unwrap();
    assert_eq!(paths(&tree), ["/abs", "/b", "/dot", "/dot/x"]);
    let problems: Vec<_> = contents
        .problems()
        .iter()
        .map(|p| (p.layer, p.kind))
        .collect();
    assert_eq!(
        problems,
        [(0, ProblemKind::EscapesRoot), (0, ProblemKind::EscapesRoot)]
    );
}

#[test]
fn reserved_whiteout_names_are_not_files() {
    let layers = [Layer::new()
        .file(".wh..wh.plnk", 1)
        .dir("d")
        .file("d/.wh..wh.aufs", 1)
        .file("d/.wh.", 1)
        .build()];
    assert_eq!(paths(&top(&layers)), ["/d"]);
}

#[test]
fn a_root_entry_sets_the_roots_attributes_and_a_non_directory_root_is_refused() {
    let layers = [Layer::new()
        .with(Entry {
            mode: 0o700,
            ..entry(b"./", EntryKind::Dir)
        })
        .file(".", 1)
        .build()];
    let contents = contents(&layers);
    let tree = Tree::new(contents.clone(), 0, Scope::Merged).unwrap();
    assert_eq!(tree.info(tree.root()).unwrap().mode, 0o700);
    assert_eq!(contents.problems()[0].kind, ProblemKind::RootNotDirectory);
}

#[test]
fn change_kinds_added_modified_removed_and_type_changed() {
    let layers = [
        Layer::new()
            .dir("etc")
            .file("etc/keep", 1)
            .file("etc/edit", 1)
            .file("etc/gone", 1)
            .file("etc/link", 1)
            .build(),
        Layer::new()
            .dir("etc")
            .file("etc/edit", 2)
            .whiteout("etc/gone")
            .symlink("etc/link", "keep")
            .file("etc/new", 3)
            .build(),
    ];
    let tree = changes(&layers, 1);
    assert_eq!(
        marked(&tree),
        [
            ("/etc".into(), None),
            ("/etc/edit".into(), Some(ChangeKind::Modified)),
            ("/etc/gone".into(), Some(ChangeKind::Removed)),
            (
                "/etc/link".into(),
                Some(ChangeKind::TypeChanged {
                    from: EntryKind::File
                })
            ),
            ("/etc/new".into(), Some(ChangeKind::Added)),
        ]
    );
    // A removed path shows what it was below; totals leave it out.
    assert_eq!(info(&tree, "/etc/gone").layer, 0);
    assert_eq!(tree.total_size(tree.root()), 5);
}

#[test]
fn a_file_written_again_unchanged_is_still_modified() {
    let layers = [
        Layer::new().file("a", 1).build(),
        Layer::new().file("a", 1).build(),
    ];
    assert_eq!(
        marked(&changes(&layers, 1)),
        [("/a".into(), Some(ChangeKind::Modified))]
    );
}

#[test]
fn a_directory_is_modified_only_when_its_own_attributes_differ() {
    let layers = [
        Layer::new().dir("same").dir("other").build(),
        Layer::new()
            .dir("same")
            .with(Entry {
                uid: 1000,
                ..entry(b"other", EntryKind::Dir)
            })
            .build(),
    ];
    assert_eq!(
        marked(&changes(&layers, 1)),
        [("/other".into(), Some(ChangeKind::Modified))]
    );
}

#[test]
fn removing_a_directory_removes_everything_under_it() {
    let layers = [
        Layer::new()
            .dir("d")
            .file("d/x", 1)
            .dir("d/s")
            .file("d/s/y", 1)
            .build(),
        Layer::new().whiteout("d").build(),
    ];
    let tree = changes(&layers, 1);
    assert!(
        marked(&tree)
            .iter()
            .all(|(_, c)| *c == Some(ChangeKind::Removed))
    );
    assert_eq!(paths(&tree), ["/d", "/d/s", "/d/s/y", "/d/x"]);
}

#[test]
fn the_merged_tree_marks_what_its_layer_changed() {
    let layers = [
        Layer::new().file("a", 1).file("b", 1).build(),
        Layer::new().file("b", 2).file("c", 3).build(),
    ];
    assert_eq!(
        marked(&top(&layers)),
        [
            ("/a".into(), None),
            ("/b".into(), Some(ChangeKind::Modified)),
            ("/c".into(), Some(ChangeKind::Added)),
        ]
    );
}

#[test]
fn directory_totals_add_up_the_files_under_them() {
    let layers = [Layer::new()
        .dir("a")
        .file("a/x", 3)
        .dir("a/b")
        .file("a/b/y", 4)
        .file("z", 5)
        .build()];
    let tree = top(&layers);
    assert_eq!(tree.total_size(tree.lookup(b"a").unwrap()), 7);
    assert_eq!(tree.total_size(tree.root()), 12);
    assert_eq!(tree.len(), 5);
}

#[test]
fn children_are_listed_by_name_bytewise() {
    let layers = [Layer::new()
        .file("b", 1)
        .file("B", 1)
        .file("a", 1)
        .file("\u{e9}", 1)
        .build()];
    assert_eq!(paths(&top(&layers)), ["/B", "/a", "/b", "/\u{e9}"]);
}

#[test]
fn a_layer_past_the_top_has_no_tree() {
    let layers = [Layer::new().file("a", 1).build()];
    assert!(Tree::new(contents(&layers), 1, Scope::Merged).is_none());
    assert!(Tree::new(contents(&[]), 0, Scope::Merged).is_none());
}

// Wasted space.

#[test]
fn efficiency_is_the_smallest_copy_over_all_copies() {
    let layers = [
        Layer::new().file("a", 10).file("b", 5).build(),
        Layer::new().file("a", 30).build(),
    ];
    let waste = contents(&layers).waste(1);
    assert_eq!(waste.copies_bytes, 45);
    assert!((waste.efficiency - 15.0 / 45.0).abs() < 1e-12);
}

#[test]
fn wasted_bytes_count_once_per_extra_copy() {
    // Three copies of a: the two that are not the smallest are wasted, not all three (dive#684).
    let layers = [
        Layer::new().file("a", 10).build(),
        Layer::new().file("a", 10).build(),
        Layer::new().file("a", 10).build(),
    ];
    let waste = contents(&layers).waste(1);
    assert_eq!(waste.wasted_bytes, 20);
    assert_eq!(waste.offenders.len(), 1);
    assert_eq!(waste.offenders[0].copies, 3);
    assert_eq!(waste.offenders[0].path, b"/a");
}

#[test]
fn whiteouts_count_as_the_size_they_hide() {
    let layers = [
        Layer::new().file("a", 10).build(),
        Layer::new().whiteout("a").build(),
    ];
    let waste = contents(&layers).waste(1);
    assert_eq!((waste.copies_bytes, waste.wasted_bytes), (20, 10));
    assert!((waste.efficiency - 0.5).abs() < 1e-12);
}

#[test]
fn removing_a_directory_wastes_every_file_under_it() {
    let layers = [
        Layer::new().dir("d").file("d/x", 3).file("d/y", 4).build(),
        Layer::new().opaque("d").build(),
        Layer::new().dir("e").file("e/z", 5).build(),
        Layer::new().whiteout("e").build(),
    ];
    assert_eq!(contents(&layers).waste(1).wasted_bytes, 12);
}

#[test]
fn base_waste_is_reported_apart_from_the_users() {
    let layers = [
        Layer::new().file("base", 100).build(),
        Layer::new().file("base", 100).build(),
        Layer::new().file("app", 10).build(),
        Layer::new().file("app", 10).build(),
    ];
    let waste = contents(&layers).waste(2);
    assert_eq!(
        waste.base,
        WastePart {
            layers: 2,
            size_bytes: 200,
            wasted_bytes: 100
        }
    );
    assert_eq!(
        waste.user,
        WastePart {
            layers: 2,
            size_bytes: 20,
            wasted_bytes: 10
        }
    );
    assert_eq!(waste.wasted_bytes, 110);
    assert!((waste.user_wasted_ratio - 0.5).abs() < 1e-12);
}

#[test]
fn a_user_layer_that_removes_base_files_wastes_them() {
    let layers = [
        Layer::new().file("a", 10).build(),
        Layer::new().whiteout("a").build(),
    ];
    let waste = contents(&layers).waste(1);
    assert_eq!(
        waste.user,
        WastePart {
            layers: 1,
            size_bytes: 0,
            wasted_bytes: 10
        }
    );
    assert!(waste.user_wasted_ratio.is_infinite());
}

#[test]
fn an_image_without_bytes_is_fully_efficient() {
    let waste = contents(&[Layer::new().dir("d").file("empty", 0).build()]).waste(1);
    assert_eq!(waste.efficiency, 1.0);
    assert_eq!((waste.wasted_bytes, waste.user_wasted_ratio), (0, 0.0));
}

// Diffs.

#[test]
fn diff_lists_added_removed_and_modified_paths() {
    let old = [Layer::new()
        .dir("etc")
        .file("etc/a", 1)
        .file("etc/b", 1)
        .dir("gone")
        .file("gone/x", 1)
        .build()];
    let new = [Layer::new()
        .dir("etc")
        .file("etc/a", 1)
        .file("etc/b", 2)
        .dir("new")
        .file("new/y", 1)
        .build()];
    let (a, b) = (top(&old), top(&new));
    let d = diff(&a, &b);
    let shown = |tree: &Tree, nodes: &[NodeId]| -> Vec<String> {
        nodes
            .iter()
            .map(|&n| String::from_utf8_lossy(&tree.path(n)).into_owned())
            .collect()
    };
    assert_eq!(shown(&b, &d.added), ["/new", "/new/y"]);
    assert_eq!(shown(&a, &d.removed), ["/gone", "/gone/x"]);
    let modified: Vec<_> = d.modified.iter().map(|m| m.new).collect();
    assert_eq!(shown(&b, &modified), ["/etc/b"]);
    assert_eq!(
        d.modified[0].differences.names().collect::<Vec<_>>(),
        ["size"]
    );
}

#[test]
fn diff_modified_compares_type_mode_owner_size_link_mtime_and_checksum() {
    let base = |f: fn(Entry) -> Entry| {
        f(Entry {
            size: 4,
            ..entry(b"f", EntryKind::File)
        })
    };
    type Edit = fn(Entry) -> Entry;
    let cases: [(Edit, &str); 7] = [
        (
            |e| Entry {
                kind: EntryKind::Fifo,
                ..e
            },
            "type",
        ),
        (|e| Entry { mode: 0o600, ..e }, "mode"),
        (|e| Entry { gid: 5, ..e }, "owner"),
        (|e| Entry { size: 5, ..e }, "size"),
        (
            |e| Entry {
                link: Some(b"x"[..].into()),
                ..e
            },
            "link",
        ),
        (|e| Entry { mtime: 9, ..e }, "mtime"),
        (
            |e| Entry {
                checksum: Some(b"2"[..].into()),
                ..e
            },
            "checksum",
        ),
    ];
    for (change, name) in cases {
        let old = [Layer::new()
            .with(Entry {
                checksum: Some(b"1"[..].into()),
                ..base(|e| e)
            })
            .build()];
        let new = [Layer::new()
            .with(change(Entry {
                checksum: Some(b"1"[..].into()),
                ..base(|e| e)
            }))
            .build()];
        let d = diff(&top(&old), &top(&new));
        assert_eq!(d.modified.len(), 1, "{name}");
        assert_eq!(
            d.modified[0].differences.names().collect::<Vec<_>>(),
            [name]
        );
    }
    // A checksum on one side only is no difference: the other store kept none.
    let old = [Layer::new().with(base(|e| e)).build()];
    let new = [Layer::new()
        .with(Entry {
            checksum: Some(b"1"[..].into()),
            ..base(|e| e)
        })
        .build()];
    assert!(diff(&top(&old), &top(&new)).modified.is_empty());
}

#[test]
fn diff_of_an_image_with_itself_is_empty() {
    let layers = [
        Layer::new().dir("a").file("a/b", 1).build(),
        Layer::new().whiteout("a/b").build(),
    ];
    assert_eq!(diff(&top(&layers), &top(&layers)), ImageDiff::default());
}

// Random layers: whatever a store hands over, the model answers without panicking and its
// trees hold together.

fn random_layer(random: &mut Random) -> LayerEntries {
    const NAMES: &[&[u8]] = &[
        b"a",
        b"b",
        b"..",
        b".",
        b"",
        b".wh.a",
        b".wh.b",
        b".wh..wh..opq",
        b".wh..wh.plnk",
        b".wh.",
        b"\xff",
        b"/",
        b".wh..",
        b"c",
    ];
    const KINDS: &[EntryKind] = &[
        EntryKind::File,
        EntryKind::Dir,
        EntryKind::Symlink,
        EntryKind::Hardlink,
        EntryKind::Char,
        EntryKind::Block,
        EntryKind::Fifo,
    ];
    let mut layer = Layer::new();
    for _ in 0..random.number() % 12 {
        let mut path = Vec::new();
        for i in 0..1 + random.number() % 4 {
            if i > 0 {
                path.push(b'/');
            }
            let name: &&[u8] = random.pick(NAMES);
            path.extend_from_slice(name);
        }
        let kind = *random.pick(KINDS);
        let size = *random.pick(&[0, 1, 7, u64::MAX]);
        layer = layer.with(Entry {
            size,
            ..entry(&path, kind)
        });
    }
    layer.build()
}

#[test]
fn random_layers_never_panic_and_trees_hold_together() {
    let mut random = Random(0x2545_f491_4f6c_dd1d);
    for _ in 0..3000 {
        let layers: Vec<LayerEntries> = (0..1 + random.number() % 4)
            .map(|_| random_layer(&mut random))
            .collect();
        let contents = contents(&layers);
        for layer in 0..layers.len() {
            for scope in [Scope::Merged, Scope::Changes] {
                let tree = Tree::new(contents.clone(), layer, scope).unwrap();
                let walked: Vec<NodeId> = tree.walk().collect();
                assert_eq!(walked.len(), tree.len());
                for &node in &walked {
                    // A removed path shows under its parent even when a non-directory
                    // replaced that parent; everything else sits in a directory.
                    let parent = contents.paths().parent(node).unwrap();
                    let dir = tree.info(parent).unwrap();
                    if tree.change(node) != Some(ChangeKind::Removed) {
                        assert_eq!(dir.kind, EntryKind::Dir, "{layers:?}");
                    }
                    let _ = tree.info(node).unwrap();
                    if scope == Scope::Changes {
                        assert!(tree.change(node).is_some() || !tree.children(node).is_empty());
                    }
                }
            }
        }
        let waste = contents.waste(random.number() as usize % 5);
        assert!((0.0..=1.0).contains(&waste.efficiency), "{layers:?}");
        assert_eq!(
            waste
                .base
                .wasted_bytes
                .saturating_add(waste.user.wasted_bytes),
            waste.wasted_bytes
        );
        let d = diff(
            &Tree::new(contents.clone(), 0, Scope::Merged).unwrap(),
            &Tree::new(contents.clone(), layers.len() - 1, Scope::Merged).unwrap(),
        );
        assert!(d.modified.iter().all(|m| m.differences.any()));
    }
}

#[test]
fn a_hundred_thousand_files_in_ten_layers_stay_compact() {
    let layers: Vec<LayerEntries> = (0..10)
        .map(|l| {
            let mut layer = Layer::new();
            for d in 0..100 {
                layer = layer.dir(&format!("dir{d}"));
                for f in 0..100 {
                    layer = layer.file(&format!("dir{d}/layer{l}-file{f}"), 10);
                }
            }
            layer.build()
        })
        .collect();
    let contents = contents(&layers);
    let tree = Tree::new(contents.clone(), 9, Scope::Merged).unwrap();
    assert_eq!(tree.len(), 100_100);
    assert_eq!(tree.total_size(tree.root()), 1_000_000);
    // Names are kept once, with no allocation per entry: 86 bytes an entry when written.
    assert!(
        contents.heap_bytes() < 90 * 101_000,
        "{}",
        contents.heap_bytes()
    );
}

/// The same rules written the plainest way: a map from cleaned path to (type, layer, size),
/// each layer applied by scanning the whole map. Slow, but too simple to share the model's
/// bugs (the arena, the slots, the pruned walks).
fn reference_merge(
    layers: &[LayerEntries],
) -> std::collections::BTreeMap<Vec<u8>, (EntryKind, usize, u64)> {
    use std::collections::BTreeMap;
    type Tree = BTreeMap<Vec<Vec<u8>>, (EntryKind, usize, u64)>;
    fn clean(path: &[u8]) -> Option<Vec<Vec<u8>>> {
        let mut parts: Vec<Vec<u8>> = Vec::new();
        for part in path.split(|&b| b == b'/') {
            match part {
                b"" | b"." => {}
                b".." => {
                    parts.pop()?;
                }
                name => parts.push(name.to_vec()),
            }
        }
        Some(parts)
    }
    fn is_dir(tree: &Tree, path: &[Vec<u8>]) -> bool {
        path.is_empty() || tree.get(path).is_some_and(|e| e.0 == EntryKind::Dir)
    }
    fn remove_under(tree: &mut Tree, path: &[Vec<u8>], and_itself: bool) {
        tree.retain(|p, _| !(p.starts_with(path) && (and_itself || p.len() > path.len())));
    }
    /// Makes the folders of `path` (or, with `itself`, `path` too) when missing; `force`
    /// replaces a non-directory in the way.
    fn make_dirs(tree: &mut Tree, path: &[Vec<u8>], layer: usize, force: bool) {
        let first_present = (0..path.len())
            .rev()
            .find(|&i| tree.contains_key(&path[..=i]));
        if !force && first_present.is_some_and(|i| !is_dir(tree, &path[..=i])) {
            return;
        }
        for i in 0..path.len() {
            let dir = &path[..=i];
            if !is_dir(tree, dir) {
                remove_under(tree, dir, true);
                tree.insert(dir.to_vec(), (EntryKind::Dir, layer, 0));
            }
        }
    }
    let mut tree: Tree = BTreeMap::new();
    for (layer, entries) in layers.iter().enumerate() {
        let lower = tree.clone();
        let cleaned: Vec<(Vec<Vec<u8>>, &Entry)> = entries
            .entries
            .iter()
            .filter_map(|e| Some((clean(&e.path)?, e)))
            .collect();
        let whiteout = |p: &[Vec<u8>]| p.last().is_some_and(|n| n.starts_with(b".wh."));
        for (path, _) in cleaned.iter().filter(|(p, _)| whiteout(p)) {
            let (name, dir) = path.split_last().unwrap();
            if name == b".wh..wh..opq" {
                if is_dir(&lower, dir) {
                    let hidden: Vec<_> = lower
                        .keys()
                        .filter(|p| p.len() > dir.len() && p.starts_with(dir))
                        .cloned()
                        .collect();
                    for p in hidden {
                        tree.remove(&p);
                    }
                }
            } else if !name.starts_with(b".wh..wh.") && !matches!(&name[4..], b"" | b"." | b"..") {
                let mut target = dir.to_vec();
                target.push(name[4..].to_vec());
                remove_under(&mut tree, &target, true);
            }
        }
        for (path, _) in cleaned.iter().filter(|(p, _)| whiteout(p)) {
            make_dirs(&mut tree, &path[..path.len() - 1], layer, false);
        }
        for (path, entry) in cleaned.iter().filter(|(p, _)| !whiteout(p)) {
            if path.is_empty() {
                if entry.kind == EntryKind::Dir {
                    tree.remove(path);
                }
                continue;
            }
            make_dirs(&mut tree, &path[..path.len() - 1], layer, true);
            // A directory over a directory keeps what is under it; anything else replaces.
            if !(entry.kind == EntryKind::Dir && is_dir(&tree, path)) {
                remove_under(&mut tree, path, true);
            }
            let size = if entry.kind == EntryKind::Dir {
                0
            } else {
                entry.size
            };
            tree.insert(path.clone(), (entry.kind, layer, size));
        }
    }
    tree.into_iter()
        .filter(|(p, _)| !p.is_empty())
        .map(|(p, e)| {
            (
                p.iter()
                    .flat_map(|n| [b"/".as_slice(), n])
                    .flatten()
                    .copied()
                    .collect(),
                e,
            )
        })
        .collect()
}

#[test]
fn random_layers_merge_as_the_plain_reference_merges_them() {
    let mut random = Random(0x9e37_79b9_7f4a_7c15);
    for _ in 0..2000 {
        let layers: Vec<LayerEntries> = (0..1 + random.number() % 4)
            .map(|_| random_layer(&mut random))
            .collect();
        let tree = top(&layers);
        let ours: std::collections::BTreeMap<Vec<u8>, (EntryKind, usize, u64)> = tree
            .walk()
            .map(|n| {
                let info = tree.info(n).unwrap();
                (tree.path(n), (info.kind, info.layer, info.size))
            })
            .collect();
        assert_eq!(ours, reference_merge(&layers), "{layers:?}");
    }
}
