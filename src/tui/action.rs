//! Everything the user can ask for, as data. Keys and mouse events become `Action`s (see
//! `keymap`), and `App::update` is the only place that gives them meaning, so tests can drive
//! the app without a terminal.

/// One thing to do. Movement actions apply to the focused pane.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Quit,
    /// Esc: closes what is open (help, filter), and quits when nothing is.
    Back,
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
    NextPane,
    PrevPane,
    /// Focus one pane directly (the digit keys).
    FocusPane(super::pane::Pane),
    /// Enter: the focused pane's main action (jump to the image in lineage, layers, history).
    Activate,
    /// Lineage: open the node, or go to its first child when it is open.
    Expand,
    /// Lineage: close the node, or go to its parent when it is closed.
    Collapse,
    ToggleNode,
    /// `f`: the lineage pane shows the store's layer forest, or the image lineage again.
    ToggleForest,
    ExpandAll,
    CollapseAll,
    CycleSort,
    ReverseSort,
    ToggleIntermediates,
    ToggleWhatRequires,
    /// Files: show the layer above (`]`) or below (`[`) the one shown.
    LayerUp,
    LayerDown,
    /// Files: the merged tree at the layer, or only the layer's changes.
    ToggleLayerOnly,
    /// Files and Diff: only the paths that changed.
    ToggleChangedOnly,
    /// Layers: show the files of the layer under the cursor.
    ShowLayerFiles,
    /// Image list: mark the selected image as the one the Diff pane compares against.
    MarkForDiff,
    /// Lineage: show in the Diff pane what the step from the node's parent changed.
    DiffStep,
    ToggleZoom,
    /// Starts editing the filter.
    StartFilter,
    FilterInput(char),
    FilterBackspace,
    /// Enter in the filter: keep the filter and go back to the list.
    FilterAccept,
    /// Esc in the filter: drop it.
    FilterCancel,
    /// Tab in the filter: complete the `repo:` term being typed to a repository's name.
    FilterComplete,
    /// `r`: list only the selected image's repository (again: every repository).
    FilterRepository,
    Help,
    Reload,
    /// `t`: name the selected image.
    StartTag,
    /// `u`: remove one of the selected image's names.
    StartUntag,
    /// `d`: preview removing the selected image.
    StartRemove,
    /// `p`: preview pruning the store.
    StartPrune,
    /// A key typed into the tag dialog's field.
    TagEdit(tui_input::InputRequest),
    /// Removal preview: switch `--force`.
    ToggleForce,
    /// Removal preview: switch `--no-prune`.
    ToggleNoPrune,
    /// Prune preview: switch `--all`.
    TogglePruneAll,
    /// y or Enter in a dialog: apply what it shows.
    Confirm,
    /// A left click at a terminal cell.
    Click {
        column: u16,
        row: u16,
    },
    /// A click on a lineage tree node, found through the tree widget's last render.
    ClickTreeNode(Vec<cairn_core::ImageIdx>),
    ScrollUp {
        column: u16,
        row: u16,
    },
    ScrollDown {
        column: u16,
        row: u16,
    },
    Resize {
        width: u16,
        height: u16,
    },
    /// Advances the loading spinner.
    Tick,
}
