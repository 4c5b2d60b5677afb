//! Letting go of big values without stalling a key: below the app and the panes, so that
//! both use it without importing each other.

/// Frees a replaced store on a thread of its own: the last reference to 10,000 images and
/// 30,000 layers takes a few hundred thousand frees, which would stall a keypress on the UI
/// thread (the loader has let go of it by then). Should no thread start, it is freed here.
/// The file trees a pane lets go of are freed the same way.
pub fn free_elsewhere<T: Send + 'static>(old: T) {
    let _ = std::thread::Builder::new()
        .name("cairn-free".into())
        .spawn(move || drop(old));
}
