//! The image list's state: the filter, the sort, whether intermediates show, the rows they
//! give and the cursor. The row under the cursor is the selection every other pane follows.

use super::PaneState;
use crate::tui::data::StoreData;
use crate::tui::scroll::Scroll;
use cairn_core::lineage::Lineage;
use cairn_core::{Catalog, ImageIdx};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Created,
    Size,
    Name,
}

impl SortKey {
    pub fn label(self) -> &'static str {
        match self {
            SortKey::Created => "created",
            SortKey::Size => "size",
            SortKey::Name => "name",
        }
    }

    /// The next key `s` switches to.
    pub fn next(self) -> SortKey {
        match self {
            SortKey::Created => SortKey::Size,
            SortKey::Size => SortKey::Name,
            SortKey::Name => SortKey::Created,
        }
    }
}

#[derive(Debug, Clone)]
pub struct ImageList {
    pub filter: String,
    /// The filter is being typed.
    pub filtering: bool,
    /// Intermediate images are listed too.
    pub show_all: bool,
    pub sort: SortKey,
    pub sort_reverse: bool,
    /// The images listed, filtered and sorted; recomputed only when the store, the filter,
    /// the sort or the intermediates toggle changes.
    pub rows: Vec<ImageIdx>,
    pub scroll: Scroll,
    /// The selected image's ID: indexes change on reload, IDs do not.
    pub selected_id: Option<String>,
    /// The IDs of the rows around the selection, nearest first: those below it, then those
    /// above it going up. When the selected image is removed, the cursor goes to the first
    /// of them still listed (the next row, or the previous at the end), not to the top.
    pub neighbour_ids: Vec<String>,
}

/// How many rows on each side of the selection [`ImageList::neighbour_ids`] keeps: a removal
/// takes the image and its dangling parents, rarely more.
const NEIGHBOURS: usize = 16;

impl Default for ImageList {
    fn default() -> Self {
        ImageList {
            filter: String::new(),
            filtering: false,
            show_all: false,
            sort: SortKey::Created,
            sort_reverse: false,
            rows: Vec::new(),
            scroll: Scroll::default(),
            selected_id: None,
            neighbour_ids: Vec::new(),
        }
    }
}

impl PaneState for ImageList {
    fn list(&mut self) -> Option<(&mut Scroll, usize)> {
        Some((&mut self.scroll, self.rows.len()))
    }
}

/// The prefix of a filter word that names a repository.
pub const REPOSITORY: &str = "repo:";

/// One word of the filter; an image is listed when it matches every word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Term<'a> {
    /// Text its ID, one of its names or one of its labels contains.
    Text(&'a str),
    /// `repo:NAME`: a repository of one of its names is NAME when the store has a
    /// repository of that name, else starts with NAME (a namespace such as `team/`, or a
    /// name still being typed).
    Repository { name: &'a str, exact: bool },
}

/// The words of a lowercased filter, given the store's repositories (sorted).
fn terms<'a>(needle: &'a str, repositories: &[String]) -> Vec<Term<'a>> {
    needle
        .split_whitespace()
        .map(|word| match word.strip_prefix(REPOSITORY) {
            Some(name) => Term::Repository {
                name,
                exact: repositories
                    .binary_search_by(|r| r.as_str().cmp(name))
                    .is_ok(),
            },
            None => Term::Text(word.strip_prefix("sha256:").unwrap_or(word)),
        })
        .collect()
}

impl ImageList {
    /// The image under the cursor.
    pub fn selected(&self) -> Option<ImageIdx> {
        self.rows.get(self.scroll.cursor).copied()
    }

    /// Whether the list gives its last line to the filter.
    pub fn filter_line_shown(&self) -> bool {
        self.filtering || !self.filter.is_empty()
    }

    /// Notes the selected image's ID and its neighbours', so that a reload finds it again,
    /// or the row next to it when it is gone.
    pub fn remember_selection(&mut self, catalog: Option<&Catalog>) {
        if let (Some(image), Some(catalog)) = (self.selected(), catalog) {
            let images = &catalog.snapshot.images;
            self.selected_id = Some(images[image].id.clone());
            let cursor = self.scroll.cursor;
            let below = self.rows.iter().skip(cursor + 1).take(NEIGHBOURS);
            let above = self.rows[..cursor].iter().rev().take(NEIGHBOURS);
            self.neighbour_ids = below.chain(above).map(|&i| images[i].id.clone()).collect();
        }
    }

    /// Puts the cursor on an image, when it is listed.
    pub fn select(&mut self, image: ImageIdx, page: usize) {
        if let Some(position) = self.rows.iter().position(|&i| i == image) {
            self.scroll.go(position, self.rows.len(), page);
        }
    }

    /// Recomputes the rows and puts the cursor back on the selected image, if it is still
    /// listed.
    pub fn rebuild(&mut self, store: Option<&StoreData>, lineage: Option<&Lineage>, page: usize) {
        let Some(store) = store else {
            self.rows.clear();
            return;
        };
        let catalog = &store.catalog;
        let facts = &store.facts;
        let snapshot = &catalog.snapshot;
        let needle = self.filter.to_lowercase();
        let terms = terms(&needle, &facts.all_repositories);
        let matches = |i: ImageIdx| {
            terms.iter().all(|term| match term {
                Term::Text(text) => facts.search[i].contains(text),
                Term::Repository { name, exact: true } => {
                    facts.repositories[i].iter().any(|r| r == name)
                }
                Term::Repository { name, exact: false } => {
                    facts.repositories[i].iter().any(|r| r.starts_with(name))
                }
            })
        };
        // A list's platform images are shown right under the list, not sorted on their own;
        // a list is shown when it or one of them matches the filter.
        let mut rows: Vec<ImageIdx> = snapshot
            .images
            .keys()
            .filter(|&i| snapshot.list_of(i).is_none())
            .filter(|&i| self.show_all || lineage.is_none_or(|l| !l.is_intermediate(snapshot, i)))
            .filter(|&i| matches(i) || snapshot.instances(i).any(|(p, _)| matches(p)))
            .collect();
        match self.sort {
            SortKey::Created => rows.sort_by_key(|&i| {
                std::cmp::Reverse(
                    snapshot.images[i]
                        .created
                        .map_or(i64::MIN, |t| t.as_second()),
                )
            }),
            SortKey::Size => {
                rows.sort_by_key(|&i| std::cmp::Reverse(catalog.sizes.get(i).total));
            }
            SortKey::Name => rows.sort_by(|&a, &b| facts.names[a].cmp(&facts.names[b])),
        }
        if self.sort_reverse {
            rows.reverse();
        }
        self.rows = Vec::with_capacity(rows.len());
        for image in rows {
            self.rows.push(image);
            self.rows.extend(snapshot.instances(image).map(|(i, _)| i));
        }
        let position = |id: &str| {
            snapshot
                .image_by_id(id)
                .and_then(|image| self.rows.iter().position(|&i| i == image))
        };
        let wanted = match self.selected_id.as_deref() {
            // Gone from the store (removed): the nearest neighbour still listed.
            Some(id) if snapshot.image_by_id(id).is_none() => {
                self.neighbour_ids.iter().find_map(|id| position(id))
            }
            Some(id) => position(id),
            None => None,
        };
        self.scroll.go(wanted.unwrap_or(0), self.rows.len(), page);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repositories() -> Vec<String> {
        ["app", "app-old", "team/api", "team/web"]
            .map(String::from)
            .to_vec()
    }

    #[test]
    fn a_repository_word_is_exact_when_the_store_has_that_repository_else_a_prefix() {
        let all = repositories();
        assert_eq!(
            terms("repo:app", &all),
            [Term::Repository {
                name: "app",
                exact: true
            }]
        );
        assert_eq!(
            terms("repo:team/", &all),
            [Term::Repository {
                name: "team/",
                exact: false
            }]
        );
    }

    #[test]
    fn every_word_must_match_and_a_digest_prefix_is_dropped() {
        assert_eq!(
            terms("repo:app  sha256:ab12 1.0", &repositories()),
            [
                Term::Repository {
                    name: "app",
                    exact: true
                },
                Term::Text("ab12"),
                Term::Text("1.0"),
            ]
        );
    }
}
