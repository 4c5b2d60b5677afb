//! What a planner changes, kept beside the snapshot instead of on a copy of it: planning the
//! removal or the new name of one image on a store of 10,000 must not start by copying every
//! image's names, since the browser plans again on every key of its dialogs.

use crate::{ImageIdx, Snapshot};
use std::collections::HashMap;

/// Every image's names as a plan changes them: an image the plan changed has its names here,
/// every other image the snapshot's.
#[derive(Debug)]
pub(crate) struct NameOverlay<'a> {
    snapshot: &'a Snapshot,
    changed: HashMap<ImageIdx, Vec<String>>,
}

impl<'a> NameOverlay<'a> {
    /// Nothing changed yet.
    pub(crate) fn new(snapshot: &'a Snapshot) -> Self {
        NameOverlay {
            snapshot,
            changed: HashMap::new(),
        }
    }

    /// The image's names now.
    pub(crate) fn get(&self, image: ImageIdx) -> &[String] {
        match self.changed.get(&image) {
            Some(names) => names,
            None => &self.snapshot.images[image].names,
        }
    }

    /// The image's names, to change: copied from the snapshot on the first change.
    pub(crate) fn get_mut(&mut self, image: ImageIdx) -> &mut Vec<String> {
        let snapshot = self.snapshot;
        (self.changed.entry(image)).or_insert_with(|| snapshot.images[image].names.clone())
    }

    /// The images that had one of `names` in the snapshot and still have it, in store order,
    /// each once: found through the snapshot's name index, not a pass over the store. The one
    /// image a tag plan gives names to is not among them unless it had them before; the
    /// planners leave it out anyway.
    pub(crate) fn holders(&self, names: &[String]) -> Vec<ImageIdx> {
        let mut holders: Vec<ImageIdx> = names
            .iter()
            .flat_map(|name| self.snapshot.images_named(name))
            .filter(|&image| self.get(image).iter().any(|n| names.contains(n)))
            .collect();
        holders.sort_unstable();
        holders.dedup();
        holders
    }
}

#[cfg(test)]
mod tests {
    use super::NameOverlay;
    use crate::testing::SnapshotBuilder;

    fn store() -> SnapshotBuilder {
        let mut store = SnapshotBuilder::podman();
        store
            .image("a")
            .name("localhost/a:1")
            .name("localhost/both:1");
        store.image("b").name("localhost/b:1");
        store.image("c").name("localhost/both:1");
        store
    }

    #[test]
    fn an_image_has_its_snapshot_names_until_the_plan_changes_them() {
        let store = store();
        let snapshot = store.snapshot();
        let mut names = NameOverlay::new(&snapshot);
        assert_eq!(
            names.get(store.idx("a")),
            ["localhost/a:1", "localhost/both:1"]
        );
        names
            .get_mut(store.idx("a"))
            .retain(|n| n != "localhost/a:1");
        assert_eq!(names.get(store.idx("a")), ["localhost/both:1"]);
        assert_eq!(names.get(store.idx("b")), ["localhost/b:1"]);
        assert_eq!(
            snapshot.images[store.idx("a")].names,
            ["localhost/a:1", "localhost/both:1"],
            "the snapshot is not changed"
        );
    }

    #[test]
    fn the_holders_of_a_name_are_every_image_that_still_has_it() {
        let store = store();
        let snapshot = store.snapshot();
        let mut names = NameOverlay::new(&snapshot);
        let both = ["localhost/both:1".to_string(), "localhost/b:1".to_string()];
        let (a, b, c) = (store.idx("a"), store.idx("b"), store.idx("c"));
        assert_eq!(names.holders(&both), [a, b, c]);
        names.get_mut(c).clear();
        assert_eq!(names.holders(&both), [a, b]);
        assert!(names.holders(&["localhost/none:1".to_string()]).is_empty());
    }
}
