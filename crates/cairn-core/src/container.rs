//! Containers, which keep the images they were made from alive.

/// A container record: podman refuses to remove an image while one of these uses it.
#[derive(Debug, Clone, Default)]
pub struct Container {
    pub id: String,
    pub names: Vec<String>,
    /// The image ID; empty for containers made from no image.
    pub image: String,
    /// The container's own read-write layer, a child of the image's top layer.
    pub layer: String,
    /// Running (or paused) now: Docker refuses to remove its image even with force.
    /// containers-storage does not know, and leaves it false.
    pub running: bool,
}
