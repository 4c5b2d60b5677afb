//! The view's rows, keys and filter on small trees, and the counted rows against a full
//! listing under random keys.

use super::{Row, TreeView};
use crate::tui::state::PaneState;
use crate::tui::state::files::{FileInput, FileSort, FileTree, Mark};
use cairn_core::contents::{EntryKind, PathFilter};

fn input(path: &'static str, size: u64, mark: Option<Mark>) -> FileInput<'static> {
    FileInput {
        path: path.as_bytes(),
        kind: if path.ends_with('/') {
            EntryKind::Dir
        } else {
            EntryKind::File
        },
        size,
        link: None,
        mark,
        layer: None,
    }
}

fn sample() -> FileTree {
    FileTree::build([
        input("etc/", 0, None),
        input("etc/passwd", 100, Some(Mark::Modified)),
        input("etc/hosts", 10, None),
        input("usr/lib/big.so", 5000, Some(Mark::Added)),
        input("tmp/gone", 70, Some(Mark::Removed)),
    ])
}

fn names(view: &TreeView) -> Vec<String> {
    view.rows_from(0)
        .map(|r| {
            format!(
                "{}{}",
                "  ".repeat(r.depth as usize),
                String::from_utf8_lossy(&view.node(r.node).name)
            )
        })
        .collect()
}

#[test]
fn directories_total_what_is_below_them_but_not_what_was_removed() {
    let tree = sample();
    let view = TreeView::new(tree, FileSort::Name, false, false);
    let total = |name: &str| {
        view.tree
            .nodes
            .iter()
            .find(|n| &*n.name == name.as_bytes())
            .map(|n| n.total)
    };
    assert_eq!(total("etc"), Some(110));
    assert_eq!(total("usr"), Some(5000));
    // What was removed counts for the removed path alone.
    assert_eq!(total("tmp"), Some(0));
    assert_eq!(total("gone"), Some(70));
    assert_eq!(view.tree.nodes[0].total, 5110);
}

#[test]
fn only_the_top_level_shows_until_a_directory_opens() {
    let mut view = TreeView::new(sample(), FileSort::Name, false, false);
    assert_eq!(names(&view), ["etc", "tmp", "usr"]);
    view.expand();
    assert_eq!(names(&view), ["etc", "  hosts", "  passwd", "tmp", "usr"]);
    view.expand();
    assert_eq!(
        view.selected().map(|n| &*view.node(n).name),
        Some(&b"hosts"[..])
    );
    view.collapse();
    assert_eq!(view.scroll.cursor, 0);
    view.collapse();
    assert_eq!(names(&view), ["etc", "tmp", "usr"]);
}

#[test]
fn size_sort_puts_the_largest_first() {
    let mut view = TreeView::new(sample(), FileSort::Name, false, false);
    view.cycle_sort();
    assert_eq!(names(&view), ["usr", "etc", "tmp"]);
}

#[test]
fn changed_only_keeps_marked_paths_and_their_parents_open() {
    let mut view = TreeView::new(sample(), FileSort::Name, false, false);
    view.toggle_changed_only();
    assert_eq!(
        names(&view),
        [
            "etc",
            "  passwd",
            "tmp",
            "  gone",
            "usr",
            "  lib",
            "    big.so"
        ]
    );
}

/// Runs the view's filter job, as the worker does.
fn settle(view: &mut TreeView) {
    while let Some(job) = view.take_job() {
        if let Some(filtered) = job.run() {
            assert!(view.receive_filter(filtered));
        }
    }
}

#[test]
fn a_filter_is_a_substring_or_a_glob() {
    let mut view = TreeView::new(sample(), FileSort::Name, false, false);
    for c in "pass".chars() {
        view.filter_push(c);
        settle(&mut view);
    }
    assert_eq!(names(&view), ["etc", "  passwd"]);
    view.filter_clear();
    for c in "*.so".chars() {
        view.filter_push(c);
    }
    settle(&mut view);
    assert_eq!(names(&view), ["usr", "  lib", "    big.so"]);
    view.filter_clear();
    for c in "[".chars() {
        view.filter_push(c);
    }
    assert!(view.filter_error.is_some());
}

#[test]
fn reveal_opens_the_way_to_a_path() {
    let mut view = TreeView::new(sample(), FileSort::Name, false, false);
    assert!(view.reveal(b"/usr/lib/big.so"));
    assert_eq!(
        view.selected().map(|n| view.tree.path(n)),
        Some(b"/usr/lib/big.so".to_vec())
    );
    assert!(!view.reveal(b"/usr/nothing"));
}

#[test]
fn a_new_tree_keeps_the_open_directories_and_the_cursor() {
    let mut view = TreeView::new(sample(), FileSort::Name, false, false);
    assert!(view.reveal(b"/usr/lib/big.so"));
    let tree = FileTree::build([
        input("usr/lib/big.so", 5000, None),
        input("usr/lib/other.so", 10, Some(Mark::Added)),
        input("etc/passwd", 100, None),
    ]);
    let view = view.replaced(tree, false);
    assert_eq!(
        names(&view),
        ["etc", "usr", "  lib", "    big.so", "    other.so"]
    );
    assert_eq!(
        view.selected().map(|n| view.tree.path(n)),
        Some(b"/usr/lib/big.so".to_vec())
    );
}

/// A small deterministic generator, for the random trees below.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// The rows as the view had them when it listed them all: each shown child of each
/// open directory, depth first, in the sort, with a brute-force filter.
fn reference(view: &TreeView) -> Vec<Row> {
    let tree = &view.tree;
    let filter = match view.filter.as_str() {
        "" => None,
        text => PathFilter::parse(text).ok(),
    };
    let len = tree.nodes.len();
    let narrowed = filter.is_some() || view.changed_only;
    let mut shown = vec![!narrowed; len];
    shown[0] = true;
    for id in (1..len).rev() {
        let node = &tree.nodes[id];
        let own = filter
            .as_ref()
            .is_none_or(|f| f.matches(&tree.path(id as u32)))
            && (!view.changed_only || node.mark.is_some());
        if own || shown[id] {
            shown[id] = true;
            shown[node.parent as usize] = true;
        }
    }
    let children = |id: u32| -> Vec<u32> {
        let mut list: Vec<u32> = (1..len as u32)
            .filter(|&c| tree.nodes[c as usize].parent == id && shown[c as usize])
            .collect();
        let nodes = &tree.nodes;
        match view.sort {
            FileSort::Name => {
                list.sort_by(|&a, &b| nodes[a as usize].name.cmp(&nodes[b as usize].name))
            }
            FileSort::Size => list.sort_by(|&a, &b| {
                let (a, b) = (&nodes[a as usize], &nodes[b as usize]);
                b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name))
            }),
        }
        list
    };
    let mut rows = Vec::new();
    let mut stack: Vec<(u32, u16, u64)> = Vec::new();
    let push = |stack: &mut Vec<(u32, u16, u64)>, id: u32, depth: u16, lasts: u64| {
        let list = children(id);
        for (i, &c) in list.iter().enumerate().rev() {
            let last = i + 1 == list.len();
            stack.push((c, depth, lasts | (u64::from(last) << depth)));
        }
    };
    push(&mut stack, 0, 0, 0);
    while let Some((id, depth, lasts)) = stack.pop() {
        rows.push(Row {
            node: id,
            depth,
            lasts,
        });
        if view.is_open(id) {
            push(&mut stack, id, depth + 1, lasts);
        }
    }
    rows
}

fn random_tree(rng: &mut Rng, paths: usize) -> FileTree {
    let names = ["a", "b", "c", "lib", "x.so", "etc"];
    let owned: Vec<(String, u64, Option<Mark>)> = (0..paths)
        .map(|_| {
            let depth = 1 + rng.below(4);
            let path: Vec<&str> = (0..depth).map(|_| names[rng.below(names.len())]).collect();
            let mark = [None, None, Some(Mark::Added), Some(Mark::Removed)][rng.below(4)];
            (path.join("/"), rng.below(1000) as u64, mark)
        })
        .collect();
    FileTree::build(owned.iter().map(|(path, size, mark)| FileInput {
        path: path.as_bytes(),
        kind: EntryKind::File,
        size: *size,
        link: None,
        mark: *mark,
        layer: None,
    }))
}

/// Random keys on random trees: the rows found from the counts are always those a full
/// listing gives, every row's index is found back from its node, and the cursor stays
/// in the rows.
#[test]
fn counted_rows_match_a_full_listing_under_random_keys() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for _ in 0..60 {
        let paths = 1 + rng.below(60);
        let tree = random_tree(&mut rng, paths);
        let mut view = TreeView::new(tree, FileSort::Name, false, rng.below(2) == 0);
        view.page = 5;
        for _ in 0..80 {
            match rng.below(11) {
                0 => view.expand(),
                1 => view.collapse(),
                2 => view.toggle(),
                3 => view.expand_all(),
                4 => view.collapse_all(),
                5 => view.cycle_sort(),
                6 => view.toggle_changed_only(),
                7 => view.filter_push(['a', 'l', 'i', '/', 's', '*'][rng.below(6)]),
                8 => view.filter_pop(),
                9 => view.filter_clear(),
                _ => view.move_by(rng.below(9) as isize - 4, 5),
            }
            settle(&mut view);
            let expected = reference(&view);
            let got: Vec<Row> = view.rows_from(0).collect();
            assert_eq!(got, expected, "filter {:?}", view.filter);
            assert_eq!(view.row_count(), expected.len());
            for (i, row) in expected.iter().enumerate() {
                assert_eq!(view.rows_from(i).next(), Some(*row));
                assert_eq!(view.index_of(row.node), Some(i));
            }
            assert!(view.scroll.cursor < expected.len().max(1));
        }
    }
}

#[test]
fn paths_without_their_directories_still_make_a_tree() {
    let tree = FileTree::build([input("./a/b/c", 1, None), input("/a/b/", 0, None)]);
    assert_eq!(tree.len(), 3);
    assert_eq!(tree.path(3), b"/a/b/c");
}
