//! The image list: one row per image with its marks, name, short ID, age and size. Only the
//! rows on screen are built.

use super::parts::{centered_message, fit, pane_block, scrollbar, spinner, title};
use crate::tui::app::App;
use crate::tui::data::{NO_NAME, StoreData, age};
use crate::tui::marks::Marks;
use crate::tui::pane::Pane;
use cairn_core::human::podman_size;
use cairn_core::visible;
use cairn_core::{Catalog, ImageIdx};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table};

/// Below this width the list drops the ID column, so names stay readable.
const NARROW: u16 = 64;

pub fn draw(app: &App, frame: &mut Frame, area: Rect) {
    let focused = app.focus == Pane::Images;
    let list = &app.panes.images;
    let mut extra = format!(
        "sort {} {}",
        list.sort.label(),
        if list.sort_reverse { "↑" } else { "↓" }
    );
    if list.show_all {
        extra.push_str(" · all");
    }
    let block = pane_block(app, focused, title(app, Pane::Images, extra));
    let block = match &app.store {
        Some(store) => block.title(
            Line::styled(
                format!(
                    " {} of {} ",
                    list.rows.len(),
                    store.catalog.snapshot.images.len()
                ),
                app.theme.dim(),
            )
            .right_aligned(),
        ),
        None => block,
    };
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let (list_area, filter_area) = if list.filter_line_shown() {
        let [list, filter] =
            Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
        (list, Some(filter))
    } else {
        (inner, None)
    };
    if let Some(filter_area) = filter_area {
        draw_filter(app, frame, filter_area);
    }

    let Some(store) = &app.store else {
        let line = match &app.load_error {
            Some(error) => Line::styled(visible::visible(error).into_owned(), app.theme.error()),
            None => Line::from(vec![
                Span::styled(spinner(app.spinner), app.theme.spinner()),
                Span::raw(" Loading store…"),
            ]),
        };
        centered_message(frame, list_area, line);
        return;
    };
    if list.rows.is_empty() {
        let text = if store.catalog.snapshot.images.is_empty() {
            "No images in this store".to_string()
        } else if !list.filter.is_empty() {
            format!("No image matches “{}”", visible::visible(&list.filter))
        } else {
            "Every image is intermediate: press a to show them".to_string()
        };
        centered_message(frame, list_area, Line::styled(text, app.theme.dim()));
        return;
    }

    let catalog = &store.catalog;
    let facts = &store.facts;
    let theme = &app.theme;
    let page = (list_area.height as usize).saturating_sub(1);
    let show_id = list_area.width >= NARROW;
    let id_width: u16 = if show_id { 12 } else { 0 };
    let name_width = list_area.width.saturating_sub(3 + id_width + 8 + 9 + 4) as usize;
    let visible = list
        .rows
        .iter()
        .enumerate()
        .skip(list.scroll.offset)
        .take(page);
    let marked = app.panes.diff.marked.as_ref();
    let rows: Vec<Row> = visible
        .map(|(position, &image)| {
            let img = &catalog.snapshot.images[image];
            let marks = Marks::of(catalog, app.lineage.as_ref(), image);
            let name = &facts.names[image];
            let more = facts.more_names[image];
            let more = if more > 0 && name != NO_NAME {
                format!(" +{more}")
            } else {
                String::new()
            };
            let name_cell = match platform_of(catalog, image) {
                // A list's platform image: its platform, hung under the list.
                Some(platform) => Line::from(vec![
                    Span::styled(" └ ", theme.dim()),
                    Span::raw(fit(
                        &visible::visible(platform),
                        name_width.saturating_sub(3),
                    )),
                ]),
                None => {
                    let shown = fit(
                        &visible::visible(name),
                        name_width.saturating_sub(more.len()),
                    );
                    let name_style = if name == NO_NAME {
                        theme.dim()
                    } else {
                        Style::new()
                    };
                    Line::from(vec![
                        Span::styled(shown, name_style),
                        Span::styled(more, theme.dim()),
                    ])
                }
            };
            let row = Row::new(vec![
                Cell::from(marks_line(app, &marks, marked == Some(&img.id))),
                Cell::from(name_cell),
                Cell::from(Span::styled(img.short_id().to_string(), theme.dim())),
                Cell::from(age(app.now, img.created)),
                Cell::from(size_cell(app, store, image)),
            ]);
            if position == list.scroll.cursor {
                row.style(theme.cursor(focused))
            } else {
                row
            }
        })
        .collect();
    let header = Row::new(vec![
        Cell::from(""),
        Cell::from("NAME"),
        Cell::from(if show_id { "ID" } else { "" }),
        Cell::from("CREATED"),
        Cell::from(Line::from("SIZE").right_aligned()),
    ])
    .style(theme.header());
    let widths = [
        Constraint::Length(3),
        Constraint::Fill(1),
        Constraint::Length(id_width),
        Constraint::Length(8),
        Constraint::Length(9),
    ];
    let table = Table::new(rows, widths).header(header).column_spacing(1);
    frame.render_widget(table, list_area);
    scrollbar(frame, area, list.rows.len(), list.scroll.offset, page);
}

/// An image's size; while its layers are still being read, a dim ellipsis.
fn size_cell(app: &App, store: &StoreData, image: ImageIdx) -> Line<'static> {
    let line = if store.without_layers {
        Line::styled("…", app.theme.dim())
    } else {
        Line::styled(
            podman_size(store.catalog.sizes.get(image).total),
            app.theme.size(),
        )
    };
    line.right_aligned()
}

/// The platform of a manifest list's platform image, as the list states it.
fn platform_of(catalog: &Catalog, image: ImageIdx) -> Option<&str> {
    let list = catalog.snapshot.list_of(image)?;
    let (_, platform) = catalog
        .snapshot
        .instances(list)
        .find(|&(i, _)| i == image)?;
    Some(if platform.is_empty() {
        "unknown platform"
    } else {
        platform
    })
}

/// The marks column: one colored letter per mark, the legend is in the help.
fn marks_line(app: &App, marks: &Marks, marked: bool) -> Line<'static> {
    let theme = &app.theme;
    let mut spans = Vec::new();
    let mut add = |on: bool, letter: &'static str, style: Style| {
        if on && spans.len() < 3 {
            spans.push(Span::styled(letter, style));
        }
    };
    add(marked, "Δ", theme.key());
    add(marks.corrupted, "!", theme.corrupted());
    add(marks.in_use, "c", theme.in_use());
    add(marks.read_only, "r", theme.read_only());
    add(marks.intermediate, "i", theme.intermediate());
    add(marks.dangling, "d", theme.dangling());
    Line::from(spans)
}

fn draw_filter(app: &App, frame: &mut Frame, area: Rect) {
    let theme = &app.theme;
    let mut spans = vec![
        Span::styled("/", theme.key()),
        Span::raw(visible::visible(&app.panes.images.filter).into_owned()),
    ];
    if app.panes.images.filtering {
        spans.push(Span::styled("▏", theme.key()));
        spans.push(Span::styled(
            "  name, ID, label, repo:NAME (Tab) · Enter keep · Esc clear",
            theme.dim(),
        ));
    }
    frame.render_widget(Line::from(spans), area);
}
