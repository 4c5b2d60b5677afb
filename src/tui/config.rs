//! The user's config file, `$XDG_CONFIG_HOME/cairn/config.toml` (else
//! `~/.config/cairn/config.toml`): keys remapped per mode and the theme's colors, as yazi,
//! gitui and oxker let their users do. A file that cannot be used is one clear line naming
//! the file and the line, and the browser starts with its defaults: a typo in a config never
//! keeps anyone from their images.
//!
//! ```toml
//! [keys.normal]
//! start-remove = "x"            # one key
//! down = ["j", "down", "ctrl-n"] # or several; they replace the defaults
//!
//! [keys.remove]
//! toggle-force = "F"
//!
//! [theme]
//! color = true                  # false: no colors, as NO_COLOR
//! accent = "magenta"            # names, "#rrggbb" or 0-255
//! ```

use super::keymap::{Keymap, actions_of, parse_key};
use super::mode::Mode;
use super::theme::{Palette, Theme};
use ratatui::style::Color;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// What a config file sets: the keys and the theme the browser starts with.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub keymap: Keymap,
    pub theme: Theme,
}

/// The file as written. Every value keeps where it was, so that a mistake is told by its line.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    keys: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<Keys>>>,
    #[serde(default)]
    theme: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

/// One key or several.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Keys {
    One(String),
    Many(Vec<String>),
}

/// Where the config file is: `$XDG_CONFIG_HOME/cairn/config.toml`, else under `~/.config`
/// (a relative `XDG_CONFIG_HOME` is ignored, as the XDG rules say).
pub fn location(xdg_config_home: Option<&Path>, home: Option<&Path>) -> Option<PathBuf> {
    let base = match (xdg_config_home, home) {
        (Some(config), _) if config.is_absolute() => config.to_path_buf(),
        (_, Some(home)) => home.join(".config"),
        _ => return None,
    };
    Some(base.join("cairn").join("config.toml"))
}

/// The config the browser starts with: the file's, or the defaults (`theme`) with the line
/// that says why the file was not used. No file is no message.
pub fn load(path: Option<&Path>, theme: Theme) -> (Config, Option<String>) {
    let defaults = Config {
        keymap: Keymap::default(),
        theme: theme.clone(),
    };
    let Some(path) = path else {
        return (defaults, None);
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (defaults, None),
        Err(e) => {
            let why = format!(
                "config {}: {e}; started with the default keys and colors",
                path.display()
            );
            return (defaults, Some(why));
        }
    };
    match parse(&text, theme) {
        Ok(config) => (config, None),
        Err(e) => {
            let why = format!(
                "config {} {e}; started with the default keys and colors",
                path.display()
            );
            (defaults, Some(why))
        }
    }
}

/// A mistake in a config file, at its line (1-based) when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub line: Option<usize>,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Reads a config file's text over the defaults (`theme` is the one the environment asks
/// for: a file's `color` overrides `NO_COLOR`).
pub fn parse(text: &str, theme: Theme) -> Result<Config, ConfigError> {
    let at = |span: Range<usize>, message: String| ConfigError {
        line: Some(line_of(text, span.start)),
        message,
    };
    let file: File = toml::from_str(text).map_err(|e| ConfigError {
        line: e.span().map(|span| line_of(text, span.start)),
        message: e.message().trim_end().to_string(),
    })?;
    let mut keymap = Keymap::default();
    for (mode_name, actions) in &file.keys {
        let Some(mode) = mode_named(mode_name.get_ref()) else {
            return Err(at(
                mode_name.span(),
                format!(
                    "no mode {:?} in [keys]: the modes are {}",
                    mode_name.get_ref(),
                    MODES.map(|(name, _)| name).join(", ")
                ),
            ));
        };
        let known = actions_of(mode);
        for (action_name, keys) in actions {
            let Some((_, action)) = known.iter().find(|(name, _)| name == action_name.get_ref())
            else {
                let names: Vec<&str> = known.iter().map(|(n, _)| n.as_str()).collect();
                return Err(at(
                    action_name.span(),
                    format!(
                        "no action {:?} in [keys.{}]: its actions are {}",
                        action_name.get_ref(),
                        mode_name.get_ref(),
                        names.join(", ")
                    ),
                ));
            };
            let texts = match keys.get_ref() {
                Keys::One(one) => std::slice::from_ref(one),
                Keys::Many(many) => many.as_slice(),
            };
            let mut parsed = Vec::new();
            for text in texts {
                let key = parse_key(text).ok_or_else(|| {
                    at(
                        keys.span(),
                        format!(
                            "{text:?} is not a key: write a character (\"x\"), \"ctrl-x\", or a name such as \"enter\", \"esc\", \"tab\", \"space\", \"up\", \"pagedown\", \"f5\""
                        ),
                    )
                })?;
                parsed.push(key);
            }
            keymap.remap(mode, action, &parsed);
        }
    }
    if let Some((mode, key, a, b)) = keymap.conflict() {
        let mode_name = MODES
            .iter()
            .find(|(_, m)| *m == mode)
            .map_or("", |(name, _)| name);
        // The line of the remapping that made the clash, else of [keys].
        let span = file
            .keys
            .iter()
            .filter(|(name, _)| name.get_ref() == mode_name)
            .flat_map(|(_, actions)| actions.iter())
            .find(|(name, _)| {
                [&a, &b]
                    .iter()
                    .any(|action| super::keymap::action_name(action) == *name.get_ref())
            })
            .map_or(0..0, |(name, _)| name.span());
        return Err(at(
            span,
            format!(
                "key {} is bound to both {} and {} in [keys.{mode_name}]",
                super::keymap::key_label(&key),
                super::keymap::action_name(&a),
                super::keymap::action_name(&b)
            ),
        ));
    }
    let mut theme = theme;
    let mut palette = Palette::default();
    for (name, value) in &file.theme {
        match (name.get_ref().as_str(), value.get_ref()) {
            ("color", toml::Value::Boolean(on)) => theme.color = *on,
            ("color", _) => {
                return Err(at(value.span(), "color is true or false".into()));
            }
            (name, toml::Value::String(text)) if Palette::NAMES.contains(&name) => {
                let color: Color = text.parse().map_err(|_| {
                    at(
                        value.span(),
                        format!(
                            "{text:?} is not a color: write a name (\"magenta\", \"lightblue\"), \"#rrggbb\" or a number 0-255"
                        ),
                    )
                })?;
                palette.set(name, color);
            }
            (other, _) if Palette::NAMES.contains(&other) => {
                return Err(at(value.span(), format!("{other} is a color, in quotes")));
            }
            (other, _) => {
                return Err(at(
                    name.span(),
                    format!(
                        "no setting {other:?} in [theme]: its settings are color, {}",
                        Palette::NAMES.join(", ")
                    ),
                ));
            }
        }
    }
    theme.palette = palette;
    Ok(Config { keymap, theme })
}

/// The modes by the names a config file gives them.
const MODES: [(&str, Mode); 7] = [
    ("normal", Mode::Normal),
    ("filter", Mode::Filter),
    ("help", Mode::Help),
    ("tag", Mode::Tag),
    ("untag", Mode::Untag),
    ("remove", Mode::Remove),
    ("prune", Mode::Prune),
];

fn mode_named(name: &str) -> Option<Mode> {
    MODES.iter().find(|(n, _)| *n == name).map(|(_, m)| *m)
}

/// The line (1-based) of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .unwrap_or(text)
        .bytes()
        .filter(|&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use crate::tui::action::Action;
    use crate::tui::pane::Pane;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn err(text: &str) -> String {
        parse(text, Theme::colored()).unwrap_err().to_string()
    }

    fn press(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    #[test]
    fn keys_are_remapped_per_mode() {
        let config = parse(
            "[keys.normal]\nstart-remove = \"x\"\ndown = [\"j\", \"down\", \"ctrl-n\"]\n\n[keys.remove]\ntoggle-force = \"F\"\n",
            Theme::colored(),
        )
        .unwrap();
        let keys = &config.keymap;
        assert_eq!(
            keys.action_for(Mode::Normal, &press('x')),
            Some(Action::StartRemove)
        );
        assert_eq!(keys.action_for(Mode::Normal, &press('d')), None);
        let ctrl_n = KeyEvent::new(KeyCode::Char('n'), KeyModifiers::CONTROL);
        assert_eq!(keys.action_for(Mode::Normal, &ctrl_n), Some(Action::Down));
        assert_eq!(
            keys.action_for(Mode::Remove, &press('F')),
            Some(Action::ToggleForce)
        );
        assert!(
            keys.hints(Mode::Normal, Pane::Images, &|_| true)
                .contains(&("x".to_string(), "remove"))
        );
        assert_eq!(
            keys.dialog_hints(Mode::Remove, &|_| true).join(" · "),
            "y/Enter apply · F force · n no-prune · Esc cancel"
        );
    }

    #[test]
    fn the_theme_sets_colors_by_name_and_color_overrides_no_color() {
        let config = parse(
            "[theme]\ncolor = true\naccent = \"magenta\"\nerror = \"#ff8800\"\nok = \"82\"\n",
            Theme::monochrome(),
        )
        .unwrap();
        assert!(config.theme.color);
        assert_eq!(config.theme.palette.accent, Color::Magenta);
        assert_eq!(config.theme.palette.error, Color::Rgb(0xff, 0x88, 0x00));
        assert_eq!(config.theme.palette.ok, Color::Indexed(82));
        assert_eq!(config.theme.palette.label, Palette::default().label);
        let plain = parse("[theme]\ncolor = false\n", Theme::colored()).unwrap();
        assert!(!plain.theme.color);
        assert_eq!(
            parse("", Theme::colored()).unwrap().keymap,
            Keymap::default()
        );
    }

    #[test]
    fn a_toml_syntax_error_names_its_line() {
        assert_eq!(
            err("[keys.normal]\nquit = \"q\"\ndown = [\"j\"\n"),
            "line 3: unclosed array, expected `]`"
        );
    }

    #[test]
    fn an_unknown_table_names_its_line() {
        let e = err("\n[colours]\naccent = \"red\"\n");
        assert!(e.starts_with("line 2: unknown field `colours`"), "{e}");
    }

    #[test]
    fn an_unknown_mode_action_or_key_names_its_line_and_the_choices() {
        assert_eq!(
            err("[keys.nromal]\nquit = \"q\"\n"),
            "line 1: no mode \"nromal\" in [keys]: the modes are normal, filter, help, tag, untag, remove, prune"
        );
        let e = err("[keys.remove]\n\nremov = \"x\"\n");
        assert_eq!(
            e,
            "line 3: no action \"remov\" in [keys.remove]: its actions are confirm, toggle-force, toggle-no-prune, back, up, down, quit"
        );
        let e = err("[keys.normal]\nquit = [\"q\", \"hyper-q\"]\n");
        assert!(e.starts_with("line 2: \"hyper-q\" is not a key"), "{e}");
        let e = err("[keys.normal]\nquit = 5\n");
        assert!(e.starts_with("line 2: "), "{e}");
    }

    #[test]
    fn a_key_bound_twice_names_the_line_that_did_it() {
        assert_eq!(
            err("[keys.normal]\nquit = \"q\"\ndown = \"d\"\n"),
            "line 3: key d is bound to both down and start-remove in [keys.normal]"
        );
    }

    #[test]
    fn a_bad_color_names_its_line() {
        let e = err("[theme]\naccent = \"blurple\"\n");
        assert!(e.starts_with("line 2: \"blurple\" is not a color"), "{e}");
        let e = err("[theme]\naccent = 3\n");
        assert_eq!(e, "line 2: accent is a color, in quotes");
        let e = err("[theme]\n\nbackground = \"red\"\n");
        assert!(
            e.starts_with("line 3: no setting \"background\" in [theme]"),
            "{e}"
        );
    }

    #[test]
    fn a_bad_file_leaves_the_defaults_with_one_line_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "[keys.normal]\nquit = \"hyper-q\"\n").unwrap();
        let (config, message) = load(Some(&path), Theme::colored());
        assert_eq!(config.keymap, Keymap::default());
        assert_eq!(config.theme, Theme::colored());
        let message = message.unwrap();
        assert!(
            message.starts_with(&format!("config {} line 2: ", path.display())),
            "{message}"
        );
        assert!(message.ends_with("; started with the default keys and colors"));
        let (_, none) = load(Some(&dir.path().join("missing.toml")), Theme::colored());
        assert_eq!(none, None, "no file is no message");
    }

    #[test]
    fn the_file_is_under_xdg_config_home_else_dot_config() {
        let at = |config: Option<&str>, home: Option<&str>| {
            location(config.map(Path::new), home.map(Path::new))
        };
        assert_eq!(
            at(Some("/c"), Some("/h")),
            Some(PathBuf::from("/c/cairn/config.toml"))
        );
        assert_eq!(
            at(Some("rel"), Some("/h")),
            Some(PathBuf::from("/h/.config/cairn/config.toml"))
        );
        assert_eq!(at(None, None), None);
    }
}
