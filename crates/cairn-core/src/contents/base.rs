//! Which of an image's layers are its base image's, for telling the waste a base image brings
//! from the waste the user's own layers add.
//!
//! dive takes layer 0 as the base. cairn knows the lineage: the base image is the nearest
//! ancestor with a name (what a `FROM` line names; the unnamed ancestors in between are the
//! build's own cached steps), and its layers are the base part. With no named ancestor, the
//! first layer is the base, as in dive.

use crate::lineage::Lineage;
use crate::{Catalog, ImageIdx, LayerIdx};

/// An image's layers, base first, as [`super::ImageContents::new`] takes their entries.
pub fn image_layers(catalog: &Catalog, image: ImageIdx) -> Vec<LayerIdx> {
    let Some(top) = catalog.tree.top_node(&catalog.snapshot, image) else {
        return Vec::new();
    };
    let mut layers: Vec<LayerIdx> = catalog.tree.chain(top).collect();
    layers.reverse();
    layers
}

/// How many of the image's first layers are its base image's (see the module's comment).
pub fn base_layer_count(catalog: &Catalog, image: ImageIdx) -> usize {
    base_layer_count_in(catalog, &catalog.lineage, image)
}

/// [`base_layer_count`] on a lineage kept apart from the catalog, as the browser keeps it
/// (it shows the list before the lineage is worked out).
pub fn base_layer_count_in(catalog: &Catalog, lineage: &Lineage, image: ImageIdx) -> usize {
    let own = image_layers(catalog, image);
    let named = lineage
        .ancestors(image)
        .into_iter()
        .find(|&a| !catalog.snapshot.images[a].names.is_empty());
    match named {
        Some(base) => {
            let base = image_layers(catalog, base);
            let shared = own.iter().zip(&base).take_while(|(a, b)| a == b).count();
            shared.min(own.len())
        }
        None => own.len().min(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SnapshotBuilder;

    #[test]
    fn the_base_is_the_nearest_named_ancestor() {
        let mut store = SnapshotBuilder::podman();
        store
            .image("base")
            .name("localhost/base:1")
            .layer("ADD rootfs /", 5)
            .layer("RUN apk", 3);
        store.image("step").from("base").layer("COPY a /a", 1);
        store
            .image("app")
            .from("step")
            .name("localhost/app:1")
            .layer("COPY b /b", 1);
        let catalog = store.catalog();
        let app = catalog.snapshot.image_named("localhost/app:1").unwrap();
        assert_eq!(image_layers(&catalog, app).len(), 4);
        assert_eq!(base_layer_count(&catalog, app), 2);
    }

    #[test]
    fn without_a_named_ancestor_the_base_is_the_first_layer() {
        let mut store = SnapshotBuilder::podman();
        store
            .image("app")
            .name("localhost/app:1")
            .layer("ADD rootfs /", 5)
            .layer("COPY b /b", 1);
        let catalog = store.catalog();
        let app = catalog.snapshot.image_named("localhost/app:1").unwrap();
        assert_eq!(base_layer_count(&catalog, app), 1);
    }
}
