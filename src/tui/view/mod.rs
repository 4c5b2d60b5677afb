//! Drawing: one module per pane and overlay, each a function from the app's state to cells.
//! Nothing here changes the app; the only state is [`ViewState`], which is what widgets keep
//! between frames (the lineage tree's scroll position). Where things go is
//! [`layout`]'s, which the app reads too.

pub mod details;
pub mod diff;
pub mod files;
pub mod forest;
pub mod help;
pub mod history;
pub mod image_list;
pub mod layers;
pub mod lineage;
pub mod parts;
pub mod plan_tree;
pub mod prune_dialog;
pub mod remove_dialog;
pub mod status_bar;
pub mod tag_dialog;
pub mod untag_dialog;

use super::app::App;
use super::dialog::Dialog;
use super::layout::{self, tab_title, tab_titles};
use super::pane::Pane;
use cairn_core::visible::visible;
use parts::{fit, pane_block};
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

/// What widgets remember between frames.
#[derive(Debug, Default)]
pub struct ViewState {
    pub tree: lineage::TreeWindow,
}

/// Draws the whole screen.
pub fn draw(app: &App, view: &mut ViewState, frame: &mut Frame) {
    let areas = layout::areas(app.arrangement(), frame.area());
    if areas.images.height > 0 {
        image_list::draw(app, frame, areas.images);
    }
    if areas.lineage.height > 0 {
        if app.panes.forest.shown {
            forest::draw(app, frame, areas.lineage);
        } else {
            lineage::draw(app, &mut view.tree, frame, areas.lineage);
        }
    }
    if let Some(tab) = areas.tab {
        let block = inspector_block(app, tab);
        let inner = block.inner(areas.inspector);
        frame.render_widget(block, areas.inspector);
        match tab {
            // Every tab is about the selected image's layers or what the configs say.
            _ if app.store.as_ref().is_some_and(|s| s.without_layers) => {
                parts::centered_message(frame, inner, reading_layers(app));
            }
            Pane::Layers => layers::draw(app, frame, inner),
            Pane::History => history::draw(app, frame, inner),
            Pane::Files => files::draw(app, frame, inner),
            Pane::Diff => diff::draw(app, frame, inner),
            _ => details::draw(app, frame, inner),
        }
    }
    status_bar::draw(app, frame, areas.status, areas.footer);
    let area = frame.area();
    match &app.dialog {
        Some(Dialog::Help) => help::draw(app, frame, area),
        Some(Dialog::Tag(d)) => tag_dialog::draw(app, d, frame, area),
        Some(Dialog::Untag(d)) => untag_dialog::draw(app, d, frame, area),
        Some(Dialog::Remove(d)) => remove_dialog::draw(app, d, frame, area),
        Some(Dialog::Prune(d)) => prune_dialog::draw(app, d, frame, area),
        None => {}
    }
}

/// What a pane about layers shows while only the images are known.
pub fn reading_layers(app: &App) -> Line<'static> {
    Line::from(vec![
        Span::styled(parts::spinner(app.spinner), app.theme.spinner()),
        Span::raw(" reading layers…"),
    ])
}

/// The inspector's tab titles after their separators, styled by which is shown and focused.
fn tab_spans(app: &App) -> Vec<Span<'static>> {
    let shown = app.inspector_tab();
    let mut spans = Vec::new();
    for (separator, pane) in tab_titles() {
        spans.push(Span::styled(separator, app.theme.dim()));
        let text = tab_title(pane);
        let style = if pane == shown && app.focus == pane {
            app.theme.focused_border()
        } else if pane == shown {
            app.theme.header()
        } else {
            app.theme.dim()
        };
        spans.push(Span::styled(text, style));
    }
    spans.push(Span::raw(" "));
    spans
}

fn inspector_block(app: &App, tab: Pane) -> Block<'static> {
    let extra = match tab {
        Pane::Layers if app.panes.layers.whatrequires => "what requires the top layer".to_string(),
        Pane::Layers => "base first".to_string(),
        Pane::History => format!("{} steps", app.panes.history.rows.len()),
        Pane::Files => files_title(app),
        Pane::Diff => diff_title(app),
        _ => String::new(),
    };
    // The words go right of the tabs, and never over them.
    let tabs: usize = tab_titles()
        .iter()
        .map(|(separator, pane)| separator.chars().count() + tab_title(*pane).chars().count())
        .sum();
    let extra = fit(&extra, (areas_width(app) as usize).saturating_sub(tabs + 6));
    let mut block = pane_block(app, app.focus == tab, Line::from(tab_spans(app)));
    if !extra.is_empty() {
        block = block.title(Line::styled(format!(" {extra} "), app.theme.dim()).right_aligned());
    }
    block
}

fn areas_width(app: &App) -> u16 {
    app.areas().inspector.width
}

/// The Files pane's title words: which layer, which view, the changes and the sort.
fn files_title(app: &App) -> String {
    let files = &app.panes.files;
    let Some(subject) = &files.subject else {
        return String::new();
    };
    if subject.layers.is_empty() {
        return String::new();
    }
    let mut words = vec![
        format!("layer {}/{}", subject.at + 1, subject.layers.len()),
        if subject.layer_only {
            "its changes only".to_string()
        } else {
            "merged".to_string()
        },
    ];
    words.extend(files::tree_summary(files.contents.view()));
    words.join(" · ")
}

/// The Diff pane's title words: which two images, why the older one, the changes.
fn diff_title(app: &App) -> String {
    use super::state::diff::DiffBase;
    let (Some(subject), Some(store)) = (&app.panes.diff.subject, &app.store) else {
        return String::new();
    };
    let label = |image| visible(&store.facts.label(&store.catalog, image)).into_owned();
    let why = match subject.why {
        DiffBase::Parent => "parent",
        DiffBase::Marked => "marked",
        DiffBase::Step => "lineage step",
    };
    let mut words = vec![format!(
        "{} → {} ({why})",
        label(subject.from),
        label(subject.to)
    )];
    words.extend(files::tree_summary(app.panes.diff.contents.view()));
    words.join(" · ")
}
