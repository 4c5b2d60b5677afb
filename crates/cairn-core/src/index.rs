//! Typed positions into a snapshot's images, layers and containers.
//!
//! All three used to be `usize`, so an image's position type-checked where a layer's was
//! expected. Each is now its own type, and the snapshot's tables (and every per-image or
//! per-layer table derived from them) are [`TiVec`]s that accept only their own key.

pub use typed_index_collections::{TiSlice, TiVec};

macro_rules! index {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(pub usize);

        impl From<usize> for $name {
            fn from(position: usize) -> Self {
                $name(position)
            }
        }

        impl From<$name> for usize {
            fn from(index: $name) -> usize {
                index.0
            }
        }
    };
}

index!(
    /// Position of an image in [`Snapshot::images`](crate::Snapshot::images).
    ImageIdx
);
index!(
    /// Position of a layer in [`Snapshot::layers`](crate::Snapshot::layers).
    LayerIdx
);
index!(
    /// Position of a container in [`Snapshot::containers`](crate::Snapshot::containers).
    ContainerIdx
);
