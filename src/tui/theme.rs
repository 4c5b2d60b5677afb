//! Colors and emphasis. Every default color is one of the 16 the user's terminal theme defines,
//! never white or black text, so it reads on dark and light backgrounds alike; selection and
//! focus are shown with reverse video and bold, which need no color at all. With `NO_COLOR`
//! set, only those modifiers remain (<https://no-color.org>). A config file's `[theme]` may
//! set other colors (see `config.rs`).

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// Whether colors are used at all.
    pub color: bool,
    /// The colors, when they are used: the defaults, or the user's config's.
    pub palette: Palette,
}

/// The few colors everything is drawn with, each named for what it marks; a config file's
/// `[theme]` sets them by these names (see [`Palette::set`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Palette {
    /// The focused pane's border and title, keys, shared layers.
    pub accent: Color,
    /// Labels and the group titles of a plan.
    pub label: Color,
    /// Errors, blocked plans, corrupted images.
    pub error: Color,
    /// Passed checks, switches that are on, images in use, the current image.
    pub ok: Color,
    /// Images of a read-only store.
    pub read_only: Color,
    /// Dangling images.
    pub dangling: Color,
    /// The loading and applying spinner.
    pub spinner: Color,
}

impl Default for Palette {
    fn default() -> Self {
        Palette {
            accent: Color::Cyan,
            label: Color::Blue,
            error: Color::Red,
            ok: Color::Green,
            read_only: Color::Blue,
            dangling: Color::Magenta,
            spinner: Color::Magenta,
        }
    }
}

impl Palette {
    /// The names a config file uses, in the order the README lists them.
    pub const NAMES: [&str; 7] = [
        "accent",
        "label",
        "error",
        "ok",
        "read-only",
        "dangling",
        "spinner",
    ];

    /// Sets the color named `name`; false when no color has that name.
    pub fn set(&mut self, name: &str, color: Color) -> bool {
        let slot = match name {
            "accent" => &mut self.accent,
            "label" => &mut self.label,
            "error" => &mut self.error,
            "ok" => &mut self.ok,
            "read-only" => &mut self.read_only,
            "dangling" => &mut self.dangling,
            "spinner" => &mut self.spinner,
            _ => return false,
        };
        *slot = color;
        true
    }
}

impl Theme {
    /// The theme the environment asks for: no colors when `NO_COLOR` is set to anything but "".
    pub fn from_env() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme {
            color: !no_color,
            palette: Palette::default(),
        }
    }

    pub fn colored() -> Self {
        Theme {
            color: true,
            palette: Palette::default(),
        }
    }

    pub fn monochrome() -> Self {
        Theme {
            color: false,
            palette: Palette::default(),
        }
    }

    fn fg(&self, color: Color) -> Style {
        if self.color {
            Style::new().fg(color)
        } else {
            Style::new()
        }
    }

    /// The border and title of the pane that has the keyboard.
    pub fn focused_border(&self) -> Style {
        self.fg(self.palette.accent).add_modifier(Modifier::BOLD)
    }

    pub fn border(&self) -> Style {
        if self.color {
            Style::new().add_modifier(Modifier::DIM)
        } else {
            Style::new()
        }
    }

    /// The selected row of the focused pane.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    /// The selected row of a pane without the keyboard: visible, but quieter.
    pub fn selected_unfocused(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    /// The cursor's row of a pane, loud when the pane has the keyboard.
    pub fn cursor(&self, focused: bool) -> Style {
        if focused {
            self.selected()
        } else {
            self.selected_unfocused()
        }
    }

    pub fn header(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    /// Secondary text: IDs, ages, `<none>`.
    pub fn dim(&self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    pub fn key(&self) -> Style {
        self.fg(self.palette.accent).add_modifier(Modifier::BOLD)
    }

    pub fn label(&self) -> Style {
        self.fg(self.palette.label).add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        self.fg(self.palette.error).add_modifier(Modifier::BOLD)
    }

    pub fn corrupted(&self) -> Style {
        self.error()
    }

    pub fn in_use(&self) -> Style {
        self.fg(self.palette.ok).add_modifier(Modifier::BOLD)
    }

    pub fn read_only(&self) -> Style {
        self.fg(self.palette.read_only)
    }

    pub fn dangling(&self) -> Style {
        self.fg(self.palette.dangling)
    }

    pub fn intermediate(&self) -> Style {
        self.dim()
    }

    /// Layers other images use too, and the current image in the lineage tree.
    pub fn shared(&self) -> Style {
        self.fg(self.palette.accent).add_modifier(Modifier::BOLD)
    }

    pub fn current(&self) -> Style {
        self.fg(self.palette.ok).add_modifier(Modifier::BOLD)
    }

    /// Sizes stay in the terminal's own text color: yellow vanishes on light backgrounds.
    pub fn size(&self) -> Style {
        Style::new()
    }

    /// A check that passed: a valid name, a switch that is on.
    pub fn ok(&self) -> Style {
        self.fg(self.palette.ok).add_modifier(Modifier::BOLD)
    }

    /// A text field being edited.
    pub fn input(&self) -> Style {
        Style::new().add_modifier(Modifier::UNDERLINED)
    }

    /// A path a layer added; every change also has a symbol, so the marks read without color.
    pub fn added(&self) -> Style {
        self.fg(Color::Green)
    }

    pub fn modified(&self) -> Style {
        self.fg(Color::Blue)
    }

    /// A removed path is struck through as well: it is not in the image any more.
    pub fn removed(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::CROSSED_OUT)
    }

    pub fn type_changed(&self) -> Style {
        self.fg(Color::Magenta)
    }

    pub fn spinner(&self) -> Style {
        self.fg(self.palette.spinner).add_modifier(Modifier::BOLD)
    }
}
