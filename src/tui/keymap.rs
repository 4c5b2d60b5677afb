//! Every key binding, in one table. [`KEYMAP`] holds the defaults; a [`Keymap`] is that table
//! with the user's config applied, and the dispatcher ([`Keymap::action_for`]), the help
//! overlay and the footer hints all read it, so what the help says is what the keys do.

use super::action::Action;
use super::mode::Mode;
use super::pane::Pane;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// One key, with the modifiers that matter (Shift is part of the character for letters).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

const fn key(code: KeyCode) -> Key {
    Key { code, ctrl: false }
}

const fn ch(c: char) -> Key {
    key(KeyCode::Char(c))
}

const fn ctrl(c: char) -> Key {
    Key {
        code: KeyCode::Char(c),
        ctrl: true,
    }
}

/// Where a binding belongs in the help overlay, and which pane's footer shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    General,
    Move,
    Images,
    Lineage,
    Layers,
    History,
    /// The Files and Diff panes' trees.
    Tree,
    /// The Files pane's own keys.
    Files,
    Filter,
    /// The keys that open the tag, untag, remove and prune dialogs.
    Changes,
    /// The keys inside those dialogs.
    Dialogs,
}

impl Section {
    pub fn title(self) -> &'static str {
        match self {
            Section::General => "General",
            Section::Move => "Moving",
            Section::Images => "Image list",
            Section::Lineage => "Lineage tree",
            Section::Layers => "Layers",
            Section::History => "History",
            Section::Tree => "Files and Diff",
            Section::Files => "Files",
            Section::Filter => "While filtering",
            Section::Changes => "Changing images",
            Section::Dialogs => "In the change dialogs",
        }
    }

    /// The panes whose footers show this section's hints; none for hints shown everywhere.
    fn panes(self) -> &'static [Pane] {
        match self {
            Section::Images => &[Pane::Images],
            Section::Lineage => &[Pane::Lineage],
            Section::Layers => &[Pane::Layers],
            Section::History => &[Pane::History],
            Section::Tree => &[Pane::Files, Pane::Diff],
            Section::Files => &[Pane::Files],
            _ => &[],
        }
    }
}

/// Pages of the help overlay: the keys no longer fit one screen.
pub const HELP_PAGES: usize = 2;

/// One row of the table: the keys, what they do, and the words the help shows for it.
#[derive(Debug, Clone)]
pub struct Binding {
    pub mode: Mode,
    pub section: Section,
    pub keys: &'static [Key],
    pub action: Action,
    pub description: &'static str,
    /// The short word shown in the footer, for the bindings worth a hint there.
    pub hint: Option<&'static str>,
}

const fn bind(
    mode: Mode,
    section: Section,
    keys: &'static [Key],
    action: Action,
    description: &'static str,
    hint: Option<&'static str>,
) -> Binding {
    Binding {
        mode,
        section,
        keys,
        action,
        description,
        hint,
    }
}

use Mode::{Filter, Help, Normal, Prune, Remove, Tag, Untag};
use Section as S;

/// The key bindings. Order is the order of the help overlay and the footer.
pub static KEYMAP: &[Binding] = &[
    bind(
        Normal,
        S::General,
        &[ch('q'), ctrl('c')],
        Action::Quit,
        "quit",
        Some("quit"),
    ),
    bind(
        Normal,
        S::General,
        &[key(KeyCode::Esc)],
        Action::Back,
        "clear the filter, else quit",
        None,
    ),
    bind(
        Normal,
        S::General,
        &[ch('?')],
        Action::Help,
        "show or hide this help",
        Some("help"),
    ),
    bind(
        Normal,
        S::General,
        &[key(KeyCode::Tab)],
        Action::NextPane,
        "focus the next pane",
        Some("pane"),
    ),
    bind(
        Normal,
        S::General,
        &[key(KeyCode::BackTab)],
        Action::PrevPane,
        "focus the previous pane",
        None,
    ),
    bind(
        Normal,
        S::General,
        &[ch('1')],
        Action::FocusPane(Pane::Images),
        "focus the image list",
        None,
    ),
    bind(
        Normal,
        S::General,
        &[ch('2')],
        Action::FocusPane(Pane::Lineage),
        "focus the lineage tree",
        None,
    ),
    bind(
        Normal,
        S::General,
        &[ch('3')],
        Action::FocusPane(Pane::Layers),
        "focus the layers",
        None,
    ),
    bind(
        Normal,
        S::General,
        &[ch('4')],
        Action::FocusPane(Pane::History),
        "focus the history",
        None,
    ),
    bind(
        Normal,
        S::General,
        &[ch('5')],
        Action::FocusPane(Pane::Details),
        "focus the details",
        None,
    ),
    bind(
        Normal,
        S::General,
        &[ch('6')],
        Action::FocusPane(Pane::Files),
        "focus the files",
        None,
    ),
    bind(
        Normal,
        S::General,
        &[ch('7')],
        Action::FocusPane(Pane::Diff),
        "focus the diff",
        None,
    ),
    bind(
        Normal,
        S::General,
        &[ch('z')],
        Action::ToggleZoom,
        "zoom the focused pane",
        Some("zoom"),
    ),
    bind(
        Normal,
        S::General,
        &[ch('R'), ctrl('r')],
        Action::Reload,
        "reload the store now",
        None,
    ),
    bind(
        Normal,
        S::Move,
        &[key(KeyCode::Up), ch('k')],
        Action::Up,
        "up",
        None,
    ),
    bind(
        Normal,
        S::Move,
        &[key(KeyCode::Down), ch('j')],
        Action::Down,
        "down",
        None,
    ),
    bind(
        Normal,
        S::Move,
        &[key(KeyCode::PageUp), ctrl('u')],
        Action::PageUp,
        "one page up",
        None,
    ),
    bind(
        Normal,
        S::Move,
        &[key(KeyCode::PageDown), ctrl('d')],
        Action::PageDown,
        "one page down",
        None,
    ),
    bind(
        Normal,
        S::Move,
        &[ch('g'), key(KeyCode::Home)],
        Action::First,
        "first row",
        None,
    ),
    bind(
        Normal,
        S::Move,
        &[ch('G'), key(KeyCode::End)],
        Action::Last,
        "last row",
        None,
    ),
    bind(
        Normal,
        S::Images,
        &[ch('/')],
        Action::StartFilter,
        "filter: name, ID, label, repo:NAME",
        Some("filter"),
    ),
    bind(
        Normal,
        S::Images,
        &[ch('r')],
        Action::FilterRepository,
        "this image's repository only",
        Some("repository"),
    ),
    bind(
        Normal,
        S::Images,
        &[ch('s')],
        Action::CycleSort,
        "sort by created, size, name",
        Some("sort"),
    ),
    bind(
        Normal,
        S::Images,
        &[ch('S')],
        Action::ReverseSort,
        "reverse the sort order",
        None,
    ),
    bind(
        Normal,
        S::Images,
        &[ch('a')],
        Action::ToggleIntermediates,
        "show or hide intermediate images",
        Some("all"),
    ),
    bind(
        Normal,
        S::Images,
        &[ch('m')],
        Action::MarkForDiff,
        "mark for Diff to compare with",
        None,
    ),
    bind(
        Normal,
        S::Changes,
        &[ch('t')],
        Action::StartTag,
        "tag the selected image",
        Some("tag"),
    ),
    bind(
        Normal,
        S::Changes,
        &[ch('u')],
        Action::StartUntag,
        "untag: remove one of its names",
        None,
    ),
    bind(
        Normal,
        S::Changes,
        &[ch('d')],
        Action::StartRemove,
        "remove the selected image",
        Some("remove"),
    ),
    bind(
        Normal,
        S::Changes,
        &[ch('p')],
        Action::StartPrune,
        "prune unused images",
        None,
    ),
    bind(
        Normal,
        S::Lineage,
        &[key(KeyCode::Enter)],
        Action::Activate,
        "select the image in the list",
        Some("select"),
    ),
    bind(
        Normal,
        S::Lineage,
        &[key(KeyCode::Right), ch('l')],
        Action::Expand,
        "expand, or go to the first child",
        Some("expand"),
    ),
    bind(
        Normal,
        S::Lineage,
        &[key(KeyCode::Left), ch('h')],
        Action::Collapse,
        "collapse, or go to the parent",
        Some("collapse"),
    ),
    bind(
        Normal,
        S::Lineage,
        &[ch(' ')],
        Action::ToggleNode,
        "expand or collapse",
        None,
    ),
    bind(
        Normal,
        S::Lineage,
        &[ch('e')],
        Action::ExpandAll,
        "expand all",
        Some("all"),
    ),
    bind(
        Normal,
        S::Lineage,
        &[ch('c')],
        Action::CollapseAll,
        "collapse all",
        None,
    ),
    bind(
        Normal,
        S::Lineage,
        &[ch('D')],
        Action::DiffStep,
        "show what the step to it changed",
        Some("diff"),
    ),
    bind(
        Normal,
        S::Lineage,
        &[ch('L')],
        Action::ToggleForest,
        "show the layer forest or lineage",
        None,
    ),
    bind(
        Normal,
        S::Layers,
        &[ch('w')],
        Action::ToggleWhatRequires,
        "toggle the what-requires view",
        Some("whatrequires"),
    ),
    bind(
        Normal,
        S::Layers,
        &[key(KeyCode::Enter)],
        Action::Activate,
        "jump to the image the layer tops",
        Some("jump"),
    ),
    bind(
        Normal,
        S::Layers,
        &[ch('f')],
        Action::ShowLayerFiles,
        "show the layer's files",
        Some("files"),
    ),
    bind(
        Normal,
        S::History,
        &[key(KeyCode::Enter)],
        Action::Activate,
        "jump to the step's image",
        Some("jump"),
    ),
    bind(
        Normal,
        S::Tree,
        &[key(KeyCode::Enter)],
        Action::Activate,
        "open, or go to the file's layer",
        Some("open/jump"),
    ),
    bind(
        Normal,
        S::Tree,
        &[key(KeyCode::Right), ch('l')],
        Action::Expand,
        "expand, or go to the first entry",
        None,
    ),
    bind(
        Normal,
        S::Tree,
        &[key(KeyCode::Left), ch('h')],
        Action::Collapse,
        "collapse, or go to the directory",
        None,
    ),
    bind(
        Normal,
        S::Tree,
        &[ch(' ')],
        Action::ToggleNode,
        "expand or collapse",
        None,
    ),
    bind(
        Normal,
        S::Tree,
        &[ch('e')],
        Action::ExpandAll,
        "expand all",
        None,
    ),
    bind(
        Normal,
        S::Tree,
        &[ch('c')],
        Action::CollapseAll,
        "collapse all",
        None,
    ),
    bind(
        Normal,
        S::Tree,
        &[ch('o')],
        Action::ToggleChangedOnly,
        "only what changed, or all",
        Some("changed"),
    ),
    bind(
        Normal,
        S::Tree,
        &[ch('s')],
        Action::CycleSort,
        "sort by name or size",
        Some("sort"),
    ),
    bind(
        Normal,
        S::Tree,
        &[ch('/')],
        Action::StartFilter,
        "filter by path: text or *.so glob",
        Some("filter"),
    ),
    bind(
        Normal,
        S::Files,
        &[ch('[')],
        Action::LayerDown,
        "the layer below",
        Some("lower"),
    ),
    bind(
        Normal,
        S::Files,
        &[ch(']')],
        Action::LayerUp,
        "the layer above",
        Some("upper"),
    ),
    bind(
        Normal,
        S::Files,
        &[ch('v')],
        Action::ToggleLayerOnly,
        "the layer's changes, or merged",
        Some("layer only"),
    ),
    bind(
        Filter,
        S::Filter,
        &[key(KeyCode::Enter)],
        Action::FilterAccept,
        "keep the filter",
        Some("keep"),
    ),
    bind(
        Filter,
        S::Filter,
        &[key(KeyCode::Esc)],
        Action::FilterCancel,
        "drop the filter",
        Some("clear"),
    ),
    bind(
        Filter,
        S::Filter,
        &[key(KeyCode::Tab)],
        Action::FilterComplete,
        "complete a repo:NAME",
        None,
    ),
    bind(
        Filter,
        S::Filter,
        &[key(KeyCode::Backspace)],
        Action::FilterBackspace,
        "delete a character",
        None,
    ),
    bind(
        Filter,
        S::Filter,
        &[key(KeyCode::Up)],
        Action::Up,
        "up",
        None,
    ),
    bind(
        Filter,
        S::Filter,
        &[key(KeyCode::Down)],
        Action::Down,
        "down",
        None,
    ),
    bind(Filter, S::Filter, &[ctrl('c')], Action::Quit, "quit", None),
    bind(
        Help,
        S::General,
        &[
            key(KeyCode::Tab),
            key(KeyCode::Right),
            key(KeyCode::PageDown),
            ch(' '),
        ],
        Action::NextPane,
        "the next page of this help",
        None,
    ),
    bind(
        Help,
        S::General,
        &[
            key(KeyCode::BackTab),
            key(KeyCode::Left),
            key(KeyCode::PageUp),
        ],
        Action::PrevPane,
        "the previous page",
        None,
    ),
    bind(
        Help,
        S::General,
        &[key(KeyCode::Esc), ch('q'), ch('?')],
        Action::Back,
        "close the help",
        None,
    ),
    bind(Help, S::General, &[ctrl('c')], Action::Quit, "quit", None),
    // The tag dialog: every other key edits the name.
    bind(
        Tag,
        S::Dialogs,
        &[key(KeyCode::Enter)],
        Action::Confirm,
        "tag: add the name",
        Some("apply"),
    ),
    bind(
        Tag,
        S::Dialogs,
        &[key(KeyCode::Esc)],
        Action::Back,
        "cancel",
        Some("cancel"),
    ),
    bind(Tag, S::Dialogs, &[ctrl('c')], Action::Quit, "quit", None),
    bind(
        Untag,
        S::Dialogs,
        &[key(KeyCode::Up), ch('k')],
        Action::Up,
        "previous name, or scroll up",
        None,
    ),
    bind(
        Untag,
        S::Dialogs,
        &[key(KeyCode::Down), ch('j')],
        Action::Down,
        "next name, or scroll down",
        None,
    ),
    bind(
        Untag,
        S::Dialogs,
        &[ch('y'), key(KeyCode::Enter)],
        Action::Confirm,
        "apply what the dialog shows",
        Some("apply"),
    ),
    bind(
        Untag,
        S::Dialogs,
        &[key(KeyCode::Esc)],
        Action::Back,
        "cancel",
        Some("cancel"),
    ),
    bind(Untag, S::Dialogs, &[ctrl('c')], Action::Quit, "quit", None),
    bind(
        Remove,
        S::Dialogs,
        &[ch('y'), key(KeyCode::Enter)],
        Action::Confirm,
        "apply what the dialog shows",
        Some("apply"),
    ),
    bind(
        Remove,
        S::Dialogs,
        &[ch('f')],
        Action::ToggleForce,
        "force: containers too, any name",
        Some("force"),
    ),
    bind(
        Remove,
        S::Dialogs,
        &[ch('n')],
        Action::ToggleNoPrune,
        "no-prune: keep dangling parents",
        Some("no-prune"),
    ),
    bind(
        Remove,
        S::Dialogs,
        &[key(KeyCode::Esc)],
        Action::Back,
        "cancel",
        Some("cancel"),
    ),
    bind(
        Remove,
        S::Dialogs,
        &[key(KeyCode::Up), ch('k')],
        Action::Up,
        "previous name, or scroll up",
        None,
    ),
    bind(
        Remove,
        S::Dialogs,
        &[key(KeyCode::Down), ch('j')],
        Action::Down,
        "next name, or scroll down",
        None,
    ),
    bind(Remove, S::Dialogs, &[ctrl('c')], Action::Quit, "quit", None),
    bind(
        Prune,
        S::Dialogs,
        &[ch('y'), key(KeyCode::Enter)],
        Action::Confirm,
        "apply what the dialog shows",
        Some("apply"),
    ),
    bind(
        Prune,
        S::Dialogs,
        &[ch('a')],
        Action::TogglePruneAll,
        "all: not only dangling images",
        Some("all"),
    ),
    bind(
        Prune,
        S::Dialogs,
        &[key(KeyCode::Esc)],
        Action::Back,
        "cancel",
        Some("cancel"),
    ),
    bind(
        Prune,
        S::Dialogs,
        &[key(KeyCode::Up), ch('k')],
        Action::Up,
        "previous name, or scroll up",
        None,
    ),
    bind(
        Prune,
        S::Dialogs,
        &[key(KeyCode::Down), ch('j')],
        Action::Down,
        "next name, or scroll down",
        None,
    ),
    bind(Prune, S::Dialogs, &[ctrl('c')], Action::Quit, "quit", None),
];

/// The key table in force: [`KEYMAP`]'s bindings, each with the keys the user's config
/// gives it (its defaults unless remapped). The dispatcher, the help overlay and the footers
/// all read this one, so they show the keys as remapped.
#[derive(Debug, Clone, PartialEq)]
pub struct Keymap {
    /// The keys of each binding of [`KEYMAP`], by position.
    keys: Vec<Vec<Key>>,
}

impl Default for Keymap {
    fn default() -> Self {
        Keymap {
            keys: KEYMAP.iter().map(|b| b.keys.to_vec()).collect(),
        }
    }
}

impl Keymap {
    /// Every binding with its keys, in table order.
    pub fn bindings(&self) -> impl Iterator<Item = (&'static Binding, &[Key])> {
        KEYMAP.iter().zip(self.keys.iter().map(Vec::as_slice))
    }

    /// Gives `keys` to every binding of `action` in `mode` (an action may be listed in
    /// several sections, as Enter is). False when the mode has no such action.
    pub fn remap(&mut self, mode: Mode, action: &Action, keys: &[Key]) -> bool {
        let mut found = false;
        for (binding, bound) in KEYMAP.iter().zip(self.keys.iter_mut()) {
            if binding.mode == mode && binding.action == *action {
                *bound = keys.to_vec();
                found = true;
            }
        }
        found
    }

    /// A key bound to two actions in one mode, as (key, one action, the other), if any.
    pub fn conflict(&self) -> Option<(Mode, Key, Action, Action)> {
        let bindings: Vec<_> = self.bindings().collect();
        for (i, (a, a_keys)) in bindings.iter().enumerate() {
            for (b, b_keys) in &bindings[i + 1..] {
                if a.mode != b.mode || a.action == b.action {
                    continue;
                }
                if let Some(key) = a_keys.iter().find(|k| b_keys.contains(k)) {
                    return Some((a.mode, *key, a.action.clone(), b.action.clone()));
                }
            }
        }
        None
    }

    /// The action a key press means in a mode, if any. In the filter, printable characters
    /// that no binding claims are typed into the filter.
    pub fn action_for(&self, mode: Mode, event: &KeyEvent) -> Option<Action> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        let pressed = Key {
            code: event.code,
            ctrl: event.modifiers.contains(KeyModifiers::CONTROL),
        };
        let bound = self
            .bindings()
            .find(|(b, keys)| b.mode == mode && keys.contains(&pressed))
            .map(|(b, _)| b.action.clone());
        match (bound, mode, pressed) {
            (Some(action), _, _) => Some(action),
            (
                None,
                Mode::Filter,
                Key {
                    code: KeyCode::Char(c),
                    ctrl: false,
                },
            ) => Some(Action::FilterInput(c)),
            // Any other key closes the help, as a reader expects.
            (None, Mode::Help, _) => Some(Action::Back),
            // In the tag dialog, the name field takes the rest (tui-input's editing keys).
            (None, Mode::Tag, _) => {
                tui_input::backend::crossterm::to_input_request(&Event::Key(*event))
                    .map(Action::TagEdit)
            }
            _ => None,
        }
    }

    /// A dialog's own footer: its hinted bindings as `y/Enter apply`, in table order;
    /// without the apply key when the dialog's plan cannot be applied.
    pub fn dialog_hints(&self, mode: Mode, shown: &dyn Fn(&Action) -> bool) -> Vec<String> {
        self.bindings()
            .filter(|(b, keys)| b.mode == mode && !keys.is_empty())
            .filter(|(b, _)| shown(&b.action))
            .filter_map(|(b, keys)| {
                let keys: Vec<String> = keys.iter().map(key_label).collect();
                b.hint.map(|hint| format!("{} {hint}", keys.join("/")))
            })
            .collect()
    }

    /// The footer's hints for a mode and focused pane: the pane's own first, then the
    /// general ones, each as (first key, word); without the apply key when the open
    /// dialog's plan cannot be applied.
    pub fn hints(
        &self,
        mode: Mode,
        focus: Pane,
        shown: &dyn Fn(&Action) -> bool,
    ) -> Vec<(String, &'static str)> {
        let of = |want: Option<Pane>| {
            self.bindings()
                .filter(move |(b, _)| {
                    let panes = b.section.panes();
                    b.mode == mode
                        && match want {
                            Some(pane) => panes.contains(&pane),
                            None => panes.is_empty(),
                        }
                })
                .filter(move |(b, _)| shown(&b.action))
                .filter_map(|(b, keys)| Some((key_label(keys.first()?), b.hint?)))
        };
        if mode == Mode::Normal {
            of(Some(focus)).chain(of(None)).collect()
        } else {
            of(None).collect()
        }
    }

    /// The first key of `action` in `mode`, as the help writes it: what a dialog tells the
    /// user to press.
    pub fn key_for(&self, mode: Mode, action: &Action) -> Option<String> {
        self.bindings()
            .find(|(b, _)| b.mode == mode && b.action == *action)
            .and_then(|(_, keys)| keys.first())
            .map(key_label)
    }
}

/// The name a config file gives an action: its variant in kebab case (`StartRemove` is
/// `start-remove`, `FocusPane(Images)` is `focus-pane-images`).
pub fn action_name(action: &Action) -> String {
    let debug = format!("{action:?}");
    let mut name = String::new();
    for c in debug.chars() {
        if c.is_ascii_uppercase() {
            if !name.is_empty() && !name.ends_with('-') {
                name.push('-');
            }
            name.push(c.to_ascii_lowercase());
        } else if c.is_ascii_alphanumeric() {
            name.push(c);
        } else if !name.ends_with('-') {
            name.push('-');
        }
    }
    name.trim_end_matches('-').to_string()
}

/// The actions a config file may bind in `mode`, by name, in table order.
pub fn actions_of(mode: Mode) -> Vec<(String, Action)> {
    let mut out: Vec<(String, Action)> = Vec::new();
    for binding in KEYMAP.iter().filter(|b| b.mode == mode) {
        if !out.iter().any(|(_, a)| *a == binding.action) {
            out.push((action_name(&binding.action), binding.action.clone()));
        }
    }
    out
}

/// A key as a config file writes it: a character (`x`, `G`, `?`), `ctrl-` and a character,
/// or a named key (`enter`, `esc`, `tab`, `shift-tab`, `space`, `backspace`, `up`, `down`,
/// `left`, `right`, `pageup`, `pagedown`, `home`, `end`, `delete`, `insert`, `f1`..`f12`).
pub fn parse_key(text: &str) -> Option<Key> {
    if let Some(rest) = text.strip_prefix("ctrl-") {
        let mut chars = rest.chars();
        return match (chars.next(), chars.next()) {
            (Some(c), None) if c.is_ascii_alphanumeric() => Some(ctrl(c.to_ascii_lowercase())),
            _ => None,
        };
    }
    let mut chars = text.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return (!c.is_control()).then_some(ch(c));
    }
    let code = match text.to_ascii_lowercase().as_str() {
        "enter" | "return" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "shift-tab" | "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "backspace" => KeyCode::Backspace,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pageup" | "pgup" => KeyCode::PageUp,
        "pagedown" | "pgdn" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        "delete" | "del" => KeyCode::Delete,
        "insert" | "ins" => KeyCode::Insert,
        other => match other.strip_prefix('f').and_then(|n| n.parse::<u8>().ok()) {
            Some(n @ 1..=12) => KeyCode::F(n),
            _ => return None,
        },
    };
    Some(key(code))
}

/// How a key is written in the help and the footer.
pub fn key_label(key: &Key) -> String {
    let base = match key.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Up => "↑".into(),
        KeyCode::Down => "↓".into(),
        KeyCode::Left => "←".into(),
        KeyCode::Right => "→".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::BackTab => "S-Tab".into(),
        KeyCode::Backspace => "Bksp".into(),
        KeyCode::Delete => "Del".into(),
        KeyCode::Insert => "Ins".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    if key.ctrl {
        format!("^{}", base.to_uppercase())
    } else {
        base
    }
}

/// All keys of a binding, as `↑ k`.
pub fn keys_label(keys: &[Key]) -> String {
    keys.iter().map(key_label).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    /// A key means one action per mode whatever pane has the focus, so two panes' keys may
    /// not share a key for different actions: one of them would never be reached.
    #[test]
    fn no_key_of_the_default_table_means_two_actions() {
        assert_eq!(Keymap::default().conflict(), None);
    }

    fn action_for(mode: Mode, event: &KeyEvent) -> Option<Action> {
        Keymap::default().action_for(mode, event)
    }

    #[test]
    fn vim_keys_and_arrows_mean_the_same() {
        assert_eq!(
            action_for(Mode::Normal, &press(KeyCode::Char('j'))),
            Some(Action::Down)
        );
        assert_eq!(
            action_for(Mode::Normal, &press(KeyCode::Down)),
            Some(Action::Down)
        );
    }

    #[test]
    fn shifted_letters_arrive_with_shift_and_still_match() {
        let g = KeyEvent::new(KeyCode::Char('G'), KeyModifiers::SHIFT);
        assert_eq!(action_for(Mode::Normal, &g), Some(Action::Last));
    }

    #[test]
    fn letters_are_typed_into_the_filter() {
        assert_eq!(
            action_for(Mode::Filter, &press(KeyCode::Char('q'))),
            Some(Action::FilterInput('q'))
        );
    }

    #[test]
    fn no_key_is_bound_twice_in_a_mode() {
        assert_eq!(Keymap::default().conflict(), None);
    }

    #[test]
    fn actions_are_named_in_kebab_case() {
        assert_eq!(action_name(&Action::StartRemove), "start-remove");
        assert_eq!(action_name(&Action::Quit), "quit");
        assert_eq!(
            action_name(&Action::FocusPane(Pane::Images)),
            "focus-pane-images"
        );
        let names: Vec<String> = actions_of(Mode::Remove)
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(
            names,
            [
                "confirm",
                "toggle-force",
                "toggle-no-prune",
                "back",
                "up",
                "down",
                "quit"
            ]
        );
    }

    #[test]
    fn keys_are_written_as_characters_ctrl_or_names() {
        assert_eq!(parse_key("x"), Some(ch('x')));
        assert_eq!(parse_key("G"), Some(ch('G')));
        assert_eq!(parse_key("ctrl-n"), Some(ctrl('n')));
        assert_eq!(parse_key("shift-tab"), Some(key(KeyCode::BackTab)));
        assert_eq!(parse_key("f5"), Some(key(KeyCode::F(5))));
        assert_eq!(parse_key("PageDown"), Some(key(KeyCode::PageDown)));
        assert_eq!(parse_key("ctrl-"), None);
        assert_eq!(parse_key("hyper-x"), None);
        assert_eq!(parse_key("f13"), None);
    }

    #[test]
    fn a_remapped_key_is_what_dispatches_and_what_the_hints_show() {
        let mut keymap = Keymap::default();
        assert!(keymap.remap(Mode::Normal, &Action::StartRemove, &[ch('x')]));
        assert_eq!(
            keymap.action_for(Mode::Normal, &press(KeyCode::Char('x'))),
            Some(Action::StartRemove)
        );
        assert_eq!(
            keymap.action_for(Mode::Normal, &press(KeyCode::Char('d'))),
            None
        );
        assert!(
            keymap
                .hints(Mode::Normal, Pane::Images, &|_| true)
                .contains(&("x".to_string(), "remove"))
        );
        assert!(!keymap.remap(Mode::Normal, &Action::ToggleForce, &[ch('x')]));
        keymap.remap(Mode::Normal, &Action::Down, &[ch('x')]);
        assert_eq!(
            keymap.conflict(),
            Some((Mode::Normal, ch('x'), Action::Down, Action::StartRemove))
        );
    }
}
