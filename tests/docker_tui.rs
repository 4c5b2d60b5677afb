//! The browser on a Docker Engine's images, built in code (a daemon's image IDs change with
//! every fixture build, snapshots must not): the list hides the classic builder's steps, the
//! lineage follows Docker's recorded parents, and the remove preview gives Docker's answers,
//! which differ from podman's.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod common;

use cairn::tui::action::Action;
use cairn::tui::app::App;
use cairn::tui::dialog::Dialog;
use cairn::tui::pane::Pane;
use cairn::tui::theme::Theme;
use cairn_core::{Catalog, Container, HistoryEntry, Image, ImageConfig, Layer, Rules, Snapshot};
use jiff::Timestamp;
use ratatui::layout::Rect;

use common::tui::{HEIGHT, WIDTH, screen};
const T0: i64 = 1_700_000_000;

fn id(c: char) -> String {
    c.to_string().repeat(64)
}

fn layer(n: usize, parent: Option<usize>, size: u64) -> Layer {
    Layer {
        id: format!("{n:0>64}"),
        parent: parent.map(|p| format!("{p:0>64}")),
        diff_digest: Some(format!("sha256:{n:0>64}")),
        diff_size: Some(size),
        ..Layer::default()
    }
}

/// An image committed on `parent`, on the layers `layers` (base first), with one build step
/// per entry of `steps` (`true`: it made a layer).
fn image(c: char, names: &[&str], parent: Option<char>, layers: &[usize], steps: &[bool]) -> Image {
    let history = steps
        .iter()
        .enumerate()
        .map(|(i, &made_layer)| HistoryEntry {
            created: Timestamp::from_second(T0 + i as i64).ok(),
            created_by: match made_layer {
                true => format!("/bin/sh -c #(nop) COPY file:{i} in /f{i} "),
                false => format!("/bin/sh -c #(nop)  ENV STEP={i}"),
            },
            empty_layer: !made_layer,
            ..HistoryEntry::default()
        })
        .collect();
    Image {
        id: id(c),
        names: names.iter().map(|s| s.to_string()).collect(),
        parent: parent.map(id),
        top_layer: layers.last().map(|l| format!("{l:0>64}")),
        created: Timestamp::from_second(T0 + steps.len() as i64).ok(),
        config: Some(ImageConfig {
            architecture: "amd64".into(),
            os: "linux".into(),
            diff_ids: layers.iter().map(|l| format!("sha256:{l:0>64}")).collect(),
            history,
            ..ImageConfig::default()
        }),
        ..Image::default()
    }
}

/// base:1 ← [untagged COPY step] ← app:1.0, app:latest (an ENV step on top, a running
/// container); base:1 ← tool:1 (a stopped container).
fn docker_app() -> App {
    let layers = vec![
        layer(1, None, 5),
        layer(2, Some(1), 14),
        layer(3, Some(1), 9),
    ];
    let images = vec![
        image(
            'c',
            &["app:1.0", "app:latest"],
            Some('b'),
            &[1, 2],
            &[true, true, false],
        ),
        image('b', &[], Some('a'), &[1, 2], &[true, true]),
        image('d', &["tool:1"], Some('a'), &[1, 3], &[true, true]),
        image('a', &["base:1"], None, &[1], &[true]),
    ];
    let containers = vec![
        Container {
            id: id('e'),
            names: vec!["web".into()],
            image: id('c'),
            running: true,
            ..Container::default()
        },
        Container {
            id: id('f'),
            names: vec!["job".into()],
            image: id('d'),
            ..Container::default()
        },
    ];
    let snapshot = Snapshot::new(images, layers, containers).with_rules(Rules::Docker);
    App::with_catalog(
        "docker unix:///var/run/docker.sock",
        Timestamp::from_second(T0 + 3600).unwrap(),
        Rect::new(0, 0, WIDTH, HEIGHT),
        Theme::colored(),
        Catalog::new(snapshot),
    )
}

/// What the open remove dialog's plan says is blocked.
fn blocked(app: &App) -> Vec<String> {
    match &app.dialog {
        Some(Dialog::Remove(dialog)) => dialog
            .plan
            .errors
            .iter()
            .map(|e| e.message.clone())
            .collect(),
        other => panic!("no remove dialog: {other:?}"),
    }
}

fn select(app: &mut App, filter: &str) {
    app.update(Action::StartFilter);
    for c in filter.chars() {
        app.update(Action::FilterInput(c));
    }
    app.update(Action::FilterAccept);
}

#[test]
fn docker_list_and_lineage_from_recorded_parents() {
    let mut app = docker_app();
    select(&mut app, "app");
    app.update(Action::FocusPane(Pane::Lineage));
    let text = screen(&app);
    assert!(
        text.contains("1 ancestors") || text.contains("2 ancestors"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}

#[test]
fn docker_remove_preview_refuses_an_image_a_running_container_uses() {
    let mut app = docker_app();
    select(&mut app, "app");
    app.update(Action::StartRemove);
    app.update(Action::ToggleForce);
    assert_eq!(
        blocked(&app),
        [
            "conflict: unable to delete cccccccccccc (cannot be forced) - image is being used by running container eeeeeeeeeeee"
        ]
    );
    insta::assert_snapshot!(screen(&app));
}

#[test]
fn docker_remove_preview_forced_leaves_the_stopped_container() {
    let mut app = docker_app();
    select(&mut app, "tool");
    app.update(Action::StartRemove);
    assert_eq!(
        blocked(&app),
        [
            "conflict: unable to delete dddddddddddd (must be forced) - image is being used by stopped container ffffffffffff"
        ]
    );
    app.update(Action::ToggleForce);
    assert!(blocked(&app).is_empty());
    let text = screen(&app);
    assert!(text.contains("Deleted images (1)"), "{text}");
    assert!(
        !text.contains("Containers ("),
        "Docker removes no container:\n{text}"
    );
    insta::assert_snapshot!(text);
}
