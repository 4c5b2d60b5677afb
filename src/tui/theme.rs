//! Colors and emphasis. Every color here is one of the 16 the user's terminal theme defines,
//! never white or black text, so it reads on dark and light backgrounds alike; selection and
//! focus are shown with reverse video and bold, which need no color at all. With `NO_COLOR`
//! set, only those modifiers remain (<https://no-color.org>).

use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// Whether colors are used at all.
    pub color: bool,
}

impl Theme {
    /// The theme the environment asks for: no colors when `NO_COLOR` is set to anything but "".
    pub fn from_env() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { color: !no_color }
    }

    pub fn colored() -> Self {
        Theme { color: true }
    }

    pub fn monochrome() -> Self {
        Theme { color: false }
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
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
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

    pub fn header(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    /// Secondary text: IDs, ages, `<none>`.
    pub fn dim(&self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn label(&self) -> Style {
        self.fg(Color::Blue).add_modifier(Modifier::BOLD)
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn corrupted(&self) -> Style {
        self.error()
    }

    pub fn in_use(&self) -> Style {
        self.fg(Color::Green).add_modifier(Modifier::BOLD)
    }

    pub fn read_only(&self) -> Style {
        self.fg(Color::Blue)
    }

    pub fn dangling(&self) -> Style {
        self.fg(Color::Magenta)
    }

    pub fn intermediate(&self) -> Style {
        self.dim()
    }

    /// Layers other images use too, and the current image in the lineage tree.
    pub fn shared(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn current(&self) -> Style {
        self.fg(Color::Green).add_modifier(Modifier::BOLD)
    }

    /// Sizes stay in the terminal's own text color: yellow vanishes on light backgrounds.
    pub fn size(&self) -> Style {
        Style::new()
    }

    /// A check that passed: a valid name, a switch that is on.
    pub fn ok(&self) -> Style {
        self.fg(Color::Green).add_modifier(Modifier::BOLD)
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
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }
}
