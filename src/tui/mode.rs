//! Which key table is in force: the app derives it from what is open, the key table is
//! indexed by it, and the views pick the hints to show with it.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    Filter,
    Help,
    /// The tag dialog's name field.
    Tag,
    Untag,
    Remove,
    Prune,
}
