//! Sort orders and what shows: each directory's shown children by name and by size, and how
//! many shown nodes are below each node, from which the rows are counted.

use super::node::Node;

/// How the rows of a directory are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileSort {
    #[default]
    Name,
    /// Largest first, directories by their totals.
    Size,
}

impl FileSort {
    pub fn label(self) -> &'static str {
        match self {
            FileSort::Name => "name",
            FileSort::Size => "size",
        }
    }
}

/// Which nodes show (all of them, the changed ones, what a filter lets through), with each
/// directory's shown children in both orders and how many shown nodes are below each node:
/// what the rows are counted and found from without listing them.
#[derive(Debug, Default)]
pub struct Visible {
    shown: Vec<bool>,
    /// A node's shown children are `by_name[starts[n]..starts[n + 1]]`, and the same range
    /// of `by_size`.
    starts: Vec<u32>,
    by_name: Vec<u32>,
    by_size: Vec<u32>,
    /// Shown nodes below each node.
    below: Vec<u32>,
    /// For a substring filter's answer: the text and the nodes whose own path has it, the
    /// only ones a longer text can match.
    pub(super) matched: Option<(Vec<u8>, Vec<u32>)>,
}

impl Visible {
    /// Every node, children sorted both ways.
    pub(super) fn all(nodes: &[Node]) -> Visible {
        let len = nodes.len();
        let mut starts = vec![0u32; len + 1];
        for node in nodes.iter().skip(1) {
            starts[node.parent as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut fill = starts.clone();
        let mut by_name = vec![0u32; len.saturating_sub(1)];
        for (id, node) in nodes.iter().enumerate().skip(1) {
            let at = &mut fill[node.parent as usize];
            by_name[*at as usize] = id as u32;
            *at += 1;
        }
        let mut by_size = by_name.clone();
        let name = |&a: &u32, &b: &u32| nodes[a as usize].name.cmp(&nodes[b as usize].name);
        for dir in 0..len {
            let range = starts[dir] as usize..starts[dir + 1] as usize;
            if range.len() < 2 {
                continue;
            }
            by_name[range.clone()].sort_by(name);
            by_size[range].sort_by(|a, b| {
                nodes[*b as usize]
                    .total
                    .cmp(&nodes[*a as usize].total)
                    .then_with(|| name(a, b))
            });
        }
        Visible {
            below: below(nodes, &vec![true; len]),
            shown: vec![true; len],
            starts,
            by_name,
            by_size,
            matched: None,
        }
    }

    /// The nodes `shown` lets through (a node's parent is shown when it is), in `all`'s
    /// orders.
    pub(super) fn narrowed(
        nodes: &[Node],
        all: &Visible,
        shown: Vec<bool>,
        matched: Option<(Vec<u8>, Vec<u32>)>,
    ) -> Visible {
        let len = nodes.len();
        let mut starts = Vec::with_capacity(len + 1);
        starts.push(0u32);
        let (mut by_name, mut by_size) = (Vec::new(), Vec::new());
        let keep = |c: &&u32| shown.get(**c as usize).copied().unwrap_or(false);
        for dir in 0..len as u32 {
            by_name.extend(all.children(dir, FileSort::Name).iter().filter(keep));
            by_size.extend(all.children(dir, FileSort::Size).iter().filter(keep));
            starts.push(by_name.len() as u32);
        }
        Visible {
            below: below(nodes, &shown),
            shown,
            starts,
            by_name,
            by_size,
            matched,
        }
    }

    /// A node's shown children in an order.
    pub(super) fn children(&self, id: u32, sort: FileSort) -> &[u32] {
        let id = id as usize;
        let (Some(&start), Some(&end)) = (self.starts.get(id), self.starts.get(id + 1)) else {
            return &[];
        };
        let list = match sort {
            FileSort::Name => &self.by_name,
            FileSort::Size => &self.by_size,
        };
        list.get(start as usize..end as usize).unwrap_or(&[])
    }

    pub(super) fn shows(&self, id: u32) -> bool {
        self.shown.get(id as usize).copied().unwrap_or(false)
    }

    pub(super) fn below(&self, id: u32) -> usize {
        self.below.get(id as usize).map_or(0, |&n| n as usize)
    }

    pub(super) fn heap_bytes(&self) -> usize {
        self.shown.capacity()
            + 4 * (self.starts.capacity()
                + self.by_name.capacity()
                + self.by_size.capacity()
                + self.below.capacity())
    }
}

/// How many shown nodes are below each node: children come after their parents.
fn below(nodes: &[Node], shown: &[bool]) -> Vec<u32> {
    let mut below = vec![0u32; nodes.len()];
    for id in (1..nodes.len()).rev() {
        if shown.get(id).copied().unwrap_or(false) {
            let parent = nodes[id].parent as usize;
            below[parent] = below[parent].saturating_add(1).saturating_add(below[id]);
        }
    }
    below
}
