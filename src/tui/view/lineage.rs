//! The lineage pane: the selected image's ancestors down to it, then its descendants, in
//! tui-tree-widget's tree. Which nodes are open is the app's; the widget's `TreeState` is
//! refreshed from it every frame and keeps only the scroll position.

use super::parts::{centered_message, pane_block, spinner, title};
use crate::tui::app::App;
use crate::tui::data::StoreData;
use crate::tui::marks::Marks;
use crate::tui::pane::Pane;
use cairn_core::ImageIdx;
use cairn_core::lineage::Lineage;
use cairn_core::visible::visible;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use tui_tree_widget::{Tree, TreeItem, TreeState};

/// The identifier of the stand-in child of a closed node: the widget draws a closed arrow
/// only for nodes with children, and building the real ones would cost as much as opening it.
pub const PLACEHOLDER: ImageIdx = ImageIdx(usize::MAX);

pub fn draw(app: &App, state: &mut TreeState<ImageIdx>, frame: &mut Frame, area: Rect) {
    let focused = app.focus == Pane::Lineage;
    let extra = match (&app.lineage, app.selected()) {
        (Some(lineage), Some(image)) => format!(
            "{} ancestors · {} children",
            app.panes.lineage.chain.len().saturating_sub(1),
            lineage.children(image).len()
        ),
        _ => String::new(),
    };
    let block = pane_block(app, focused, title(app, Pane::Lineage, extra));
    let inner = block.inner(area);
    let (Some(store), Some(lineage)) = (&app.store, &app.lineage) else {
        frame.render_widget(block, area);
        if app.store.is_some() || app.load_error.is_none() {
            let line = Line::from(vec![
                Span::styled(spinner(app.spinner), app.theme.spinner()),
                Span::raw(" computing lineage…"),
            ]);
            centered_message(frame, inner, line);
        }
        return;
    };
    if app.panes.lineage.rows.is_empty() {
        frame.render_widget(block, area);
        centered_message(
            frame,
            inner,
            Line::styled("No image selected", app.theme.dim()),
        );
        return;
    }
    let Some(&root) = app.panes.lineage.chain.first() else {
        return;
    };
    let items = vec![item(app, store, lineage, vec![root])];
    state.close_all();
    for path in &app.panes.lineage.open {
        state.open(path.clone());
    }
    state.select(app.panes.lineage.selected.clone());
    let highlight = app.theme.cursor(focused);
    match Tree::new(&items) {
        Ok(tree) => {
            let tree = tree
                .block(block)
                .highlight_style(highlight)
                .node_open_symbol("▾ ")
                .node_closed_symbol("▸ ")
                .node_no_children_symbol("  ");
            frame.render_stateful_widget(tree, area, state);
        }
        Err(_) => frame.render_widget(block, area),
    }
}

/// The tree item of a node and, when it is open, of everything visible below it.
fn item(
    app: &App,
    store: &StoreData,
    lineage: &Lineage,
    path: Vec<ImageIdx>,
) -> TreeItem<'static, ImageIdx> {
    let Some(&image) = path.last() else {
        return TreeItem::new_leaf(PLACEHOLDER, String::new());
    };
    let text = node_line(app, store, lineage, image);
    let children = app.panes.lineage.children(lineage, &path);
    let kids: Vec<TreeItem<'static, ImageIdx>> = if children.is_empty() {
        Vec::new()
    } else if app.panes.lineage.open.contains(&path) {
        children
            .into_iter()
            .map(|child| {
                let mut next = path.clone();
                next.push(child);
                item(app, store, lineage, next)
            })
            .collect()
    } else {
        vec![TreeItem::new_leaf(PLACEHOLDER, "")]
    };
    TreeItem::new(image, text.clone(), kids).unwrap_or_else(|_| TreeItem::new_leaf(image, text))
}

/// A node's text: name, short ID, and a marker on the image selected in the list.
fn node_line(app: &App, store: &StoreData, lineage: &Lineage, image: ImageIdx) -> Line<'static> {
    let catalog = &store.catalog;
    let theme = &app.theme;
    let img = &catalog.snapshot.images[image];
    let current = app.panes.lineage.chain.last() == Some(&image);
    let name = visible(&store.facts.names[image]).into_owned();
    let name_style = if current {
        theme.current()
    } else if img.names.is_empty() {
        theme.dim()
    } else {
        ratatui::style::Style::new()
    };
    let mut spans = vec![
        Span::styled(name, name_style),
        Span::raw(" "),
        Span::styled(img.short_id().to_string(), theme.dim()),
    ];
    let marks = Marks::of(catalog, Some(lineage), image);
    if marks.in_use {
        spans.push(Span::styled(" c", theme.in_use()));
    }
    if marks.corrupted {
        spans.push(Span::styled(" !", theme.corrupted()));
    }
    if current {
        spans.push(Span::styled(" ◀", theme.current()));
    }
    Line::from(spans)
}
