//! The browser's remove dialog on a real registry (docker-registry 2.8.2 filled with skopeo):
//! what the dialog says goes is what goes. The dialog on the registry's storage names the
//! tags and counts the blobs the next garbage collection frees exactly; the same removal is
//! then applied through the API with cairn, skopeo lists the tags left, and after the real
//! `docker-registry garbage-collect` the blobs gone are the ones the dialog listed plus the
//! ones nothing referenced before (which it counted apart).

use super::registry_api::tags_by_skopeo;
use crate::common::ok;
use crate::common::registry::{TestRegistry, cairn_api};
use cairn::tui::action::Action;
use cairn::tui::app::App;
use cairn::tui::dialog::Dialog;
use cairn::tui::theme::Theme;
use cairn_core::removal::RemovalPlan;
use cairn_store::Selection;
use ratatui::layout::Rect;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Output;

/// cairn on a registry's storage.
fn cairn_storage(registry: &TestRegistry, args: &[&str]) -> Output {
    let mut all = vec![format!(
        "--store=registry-storage:{}",
        registry.storage().display()
    )];
    all.extend(args.iter().map(|a| a.to_string()));
    crate::common::cairn(&all)
}

/// The remove dialog's plan for the first image the list shows under `filter`, on the
/// registry's storage, as the browser's loader opens it.
fn storage_dialog(registry: &TestRegistry, filter: &str) -> RemovalPlan {
    let selection = Selection {
        store: Some(format!("registry-storage:{}", registry.storage().display())),
        ..Selection::default()
    };
    let mut app = App::with_loaded(
        "registry-storage",
        jiff::Timestamp::now(),
        Rect::new(0, 0, 120, 40),
        Theme::monochrome(),
        selection.resolve().unwrap().load().unwrap(),
    );
    crate::common::tui::filter(&mut app, filter);
    app.update(Action::StartRemove);
    match &app.dialog {
        Some(Dialog::Remove(dialog)) => dialog.plan.clone(),
        other => panic!("no remove dialog: {other:?}"),
    }
}

fn digests(values: &Value) -> BTreeSet<String> {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["digest"].as_str().unwrap().to_string())
        .collect()
}

fn what_the_dialog_said_goes_is_what_went(filter: &str) {
    let mut registry = TestRegistry::filled();
    let cache = tempfile::tempdir().unwrap();
    let plan = storage_dialog(&registry, filter);
    let preview = plan.registry.clone().expect("a registry preview");
    assert!(preview.gc_exact && preview.read_only, "{preview:?}");
    assert!(plan.errors.is_empty(), "{:?}", plan.errors);
    let id = plan
        .records_deleted
        .first()
        .expect("an image deleted")
        .clone();
    let digest = format!("sha256:{id}");

    // The API's preview of the same removal: the same tags, the blobs at most.
    let dry_run: Value = serde_json::from_str(&ok(
        cairn_api(
            &registry.addr,
            cache.path(),
            &["rm", "--dry-run", "--json", &digest],
        ),
        "cairn rm --dry-run --json",
    ))
    .unwrap();
    let host = |name: &String| format!("{}/{name}", registry.addr);
    let said: BTreeSet<String> = plan.untagged.iter().map(host).collect();
    let api_said: BTreeSet<String> = dry_run["untagged"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n.as_str().unwrap().to_string())
        .collect();
    assert_eq!(api_said, said);
    assert_eq!(dry_run["registry"]["gc_exact"], false);
    // The bound holds what the storage's exact count frees.
    let exact: BTreeSet<String> = plan.blobs.iter().map(|b| b.digest.clone()).collect();
    let bound = digests(&dry_run["blobs"]);
    assert!(
        bound.is_superset(&exact),
        "{bound:?} does not hold {exact:?}"
    );

    // What the next collection deletes anyway, which the dialog counted apart.
    let garbage: Value = serde_json::from_str(&ok(
        cairn_storage(&registry, &["gc", "--dry-run", "--json"]),
        "cairn gc --dry-run --json",
    ))
    .unwrap();
    let garbage = digests(&garbage["blobs"]);
    let already = preview
        .unreferenced_already
        .expect("counted on the storage");
    assert_eq!(already.blobs, garbage.len());

    let tags_before = tags_by_skopeo(&registry);
    let blobs_before: BTreeSet<String> = registry.blobs().into_iter().collect();
    ok(
        cairn_api(&registry.addr, cache.path(), &["rm", &digest]),
        "cairn rm",
    );
    let tags_after = tags_by_skopeo(&registry);
    let tags_gone: BTreeSet<String> = tags_before
        .keys()
        .filter(|name| !tags_after.contains_key(*name))
        .cloned()
        .collect();
    assert_eq!(tags_gone, said, "the tags that went");

    registry.stop();
    let collected = registry.garbage_collect(false, false);
    assert!(
        collected.status.success(),
        "{}",
        String::from_utf8_lossy(&collected.stderr)
    );
    let blobs_after: BTreeSet<String> = registry.blobs().into_iter().collect();
    let blobs_gone: BTreeSet<String> = blobs_before.difference(&blobs_after).cloned().collect();
    assert!(!exact.is_empty());
    assert_eq!(
        blobs_gone,
        exact.union(&garbage).cloned().collect::<BTreeSet<_>>(),
        "the blobs that went"
    );
    let bytes: u64 = plan.blobs.iter().map(|b| b.size).sum();
    assert_eq!(plan.reclaimed_bytes, bytes);
}

#[test]
fn registry_remove_dialog_on_an_image_tagged_in_two_repositories_says_what_goes() {
    // app:1.0, app:latest and mirror/app:stable; app's untagged revision keeps the layers
    // it shares.
    what_the_dialog_said_goes_is_what_went("app:1.0");
}

#[test]
fn registry_remove_dialog_on_an_index_says_what_goes_with_its_platform_images() {
    what_the_dialog_said_goes_is_what_went("multi:1");
}
