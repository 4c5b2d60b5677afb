//! distribution 2.8's mark and sweep, one test per rule.

use super::*;

fn revision(digest: &str, tagged: bool, references: &[&str]) -> Revision {
    Revision {
        digest: digest.into(),
        tagged,
        references: Ok(references.iter().map(|r| r.to_string()).collect()),
    }
}

fn repository(name: &str, revisions: Vec<Revision>) -> Repository {
    Repository {
        name: name.into(),
        tags_listable: true,
        tags_error: None,
        walk_error: None,
        revisions,
    }
}

fn blobs(names: &[&str]) -> Vec<StoredBlob> {
    names
        .iter()
        .enumerate()
        .map(|(i, d)| StoredBlob {
            digest: d.to_string(),
            size: 10 * (i as u64 + 1),
        })
        .collect()
}

fn deleted(plan: &GcPlan) -> Vec<&str> {
    plan.blobs.iter().map(|b| b.digest.as_str()).collect()
}

/// app:1 (m-app: config c-app, layers base and app) and an untagged revision m-old
/// (c-old, base and old) in `app`; base:1 (m-base: c-base, base) in `base`; a blob
/// nothing links (orphan).
fn storage() -> Storage {
    Storage {
        repositories: vec![
            repository(
                "app",
                vec![
                    revision("m-app", true, &["c-app", "base", "app"]),
                    revision("m-old", false, &["c-old", "base", "old"]),
                ],
            ),
            repository("base", vec![revision("m-base", true, &["c-base", "base"])]),
        ],
        blobs: blobs(&[
            "m-app", "c-app", "base", "app", "m-old", "c-old", "old", "m-base", "c-base", "orphan",
        ]),
        blobs_error: None,
    }
}

#[test]
fn a_blob_no_revision_references_is_deleted() {
    let plan = mark_and_sweep(&storage(), false).unwrap();
    assert_eq!(deleted(&plan), ["orphan"]);
    assert_eq!(plan.reclaimed_bytes, 100);
    assert!(plan.manifests.is_empty());
    assert_eq!(plan.marked, 9);
}

#[test]
fn untagged_revisions_keep_their_blobs_unless_delete_untagged() {
    let plan = mark_and_sweep(&storage(), true).unwrap();
    assert_eq!(
        plan.manifests,
        [ManifestDeletion {
            repository: "app".into(),
            digest: "m-old".into()
        }]
    );
    // Its own blob, config and layer go; the base layer stays for the tagged images.
    assert_eq!(deleted(&plan), ["m-old", "c-old", "old", "orphan"]);
    assert_eq!(plan.reclaimed_bytes, 50 + 60 + 70 + 100);
}

#[test]
fn a_revision_in_any_repository_keeps_a_blob() {
    let mut storage = storage();
    // The old revision is tagged in another repository: its blobs stay, though `app`'s
    // link to it goes.
    storage.repositories.push(repository(
        "mirror",
        vec![revision("m-old", true, &["c-old", "base", "old"])],
    ));
    let plan = mark_and_sweep(&storage, true).unwrap();
    assert_eq!(plan.manifests.len(), 1);
    assert_eq!(deleted(&plan), ["orphan"]);
}

#[test]
fn an_index_marks_its_manifests_one_level_only() {
    let storage = Storage {
        repositories: vec![repository(
            "multi",
            vec![
                revision("index", true, &["m-amd", "m-arm"]),
                revision("m-amd", false, &["c-amd", "l-amd"]),
                revision("m-arm", false, &["c-arm", "l-arm"]),
            ],
        )],
        blobs: blobs(&[
            "index", "m-amd", "c-amd", "l-amd", "m-arm", "c-arm", "l-arm",
        ]),
        blobs_error: None,
    };
    assert!(deleted(&mark_and_sweep(&storage, false).unwrap()).is_empty());
    let plan = mark_and_sweep(&storage, true).unwrap();
    assert_eq!(
        plan.manifests.len(),
        2,
        "the platform manifests are untagged"
    );
    // The index keeps its manifests' own blobs, not their configs and layers.
    assert_eq!(deleted(&plan), ["c-amd", "l-amd", "c-arm", "l-arm"]);
}

#[test]
fn an_unreadable_manifest_fails_the_collection_when_it_is_marked() {
    let mut storage = storage();
    storage.repositories[0].revisions[1].references = Err("invalid JSON".into());
    let error = mark_and_sweep(&storage, false).unwrap_err();
    assert_eq!(
        error.to_string(),
        "garbage collection would fail while marking: app: failed to retrieve manifest for digest m-old: invalid JSON"
    );
    // Untagged and deleted unread, it fails nothing.
    assert!(mark_and_sweep(&storage, true).is_ok());
}

#[test]
fn an_untagged_revision_without_a_tags_folder_fails_delete_untagged() {
    let mut storage = storage();
    storage.repositories[0].tags_listable = false;
    storage.repositories[0].revisions[0].tagged = false;
    assert!(mark_and_sweep(&storage, false).is_ok());
    let error = mark_and_sweep(&storage, true).unwrap_err();
    assert!(
        error.to_string().contains("app: failed to retrieve tags"),
        "{error}"
    );
}

#[test]
fn a_repository_name_that_is_no_reference_fails_the_collection() {
    let mut storage = storage();
    storage.repositories[1].name = "Base".into();
    let error = mark_and_sweep(&storage, false).unwrap_err();
    assert!(
        error.to_string().contains("failed to parse repo name Base"),
        "{error}"
    );
}

#[test]
fn a_tag_that_cannot_be_read_fails_delete_untagged_at_any_revision() {
    let mut storage = storage();
    storage.repositories[1].tags_error = Some("invalid checksum digest format".into());
    // Without --delete-untagged no tag is read.
    assert!(mark_and_sweep(&storage, false).is_ok());
    // With it, every revision's tags are looked up, tagged or not.
    let error = mark_and_sweep(&storage, true).unwrap_err();
    assert_eq!(
        error.to_string(),
        "garbage collection would fail while marking: base: failed to retrieve tags for digest m-base: invalid checksum digest format"
    );
    // A repository with no revision looks nothing up.
    storage.repositories[1].revisions.clear();
    assert!(mark_and_sweep(&storage, true).is_ok());
}

#[test]
fn a_revision_link_that_cannot_be_read_fails_the_collection() {
    let mut storage = storage();
    storage.repositories[0].walk_error = Some("bad link".into());
    for delete_untagged in [false, true] {
        let error = mark_and_sweep(&storage, delete_untagged).unwrap_err();
        assert!(error.to_string().contains("app: bad link"), "{error}");
    }
}

fn deletion(repository: &str, digest: &str) -> ManifestDeletion {
    ManifestDeletion {
        repository: repository.into(),
        digest: digest.into(),
    }
}

fn digests(blobs: &[StoredBlob]) -> Vec<&str> {
    blobs.iter().map(|b| b.digest.as_str()).collect()
}

#[test]
fn a_deletion_frees_what_no_revision_left_references_and_not_what_was_garbage_already() {
    let freed = freed_by(&storage(), &[deletion("base", "m-base")]).unwrap();
    // The base layer stays for app's revisions; the orphan was garbage before.
    assert_eq!(digests(&freed.blobs), ["m-base", "c-base"]);
    assert_eq!(freed.reclaimed_bytes, 80 + 90);
    assert_eq!(
        (freed.unreferenced_already, freed.unreferenced_already_bytes),
        (1, 100)
    );
}

#[test]
fn an_untagged_revision_keeps_the_blobs_a_deletion_would_free() {
    // app:1 goes, but its untagged revision m-old still references base (and base:1 too).
    let freed = freed_by(&storage(), &[deletion("app", "m-app")]).unwrap();
    assert_eq!(digests(&freed.blobs), ["m-app", "c-app", "app"]);
}

#[test]
fn a_deletion_in_one_repository_leaves_the_revision_of_another() {
    let mut storage = storage();
    storage.repositories.push(repository(
        "mirror",
        vec![revision("m-app", true, &["c-app", "base", "app"])],
    ));
    let freed = freed_by(&storage, &[deletion("app", "m-app")]).unwrap();
    assert!(freed.blobs.is_empty(), "{freed:?}");
}

#[test]
fn a_blob_no_digest_names_fails_the_sweep_after_the_mark() {
    let mut damaged = storage();
    damaged.blobs_error = Some("blobs/sha256/zz/x is not named by a digest".into());
    let error = mark_and_sweep(&damaged, false).unwrap_err().to_string();
    assert!(
        error.contains("while sweeping: error enumerating blobs"),
        "{error}"
    );
    // A failing mark is reported first, as distribution marks before it sweeps.
    damaged.repositories[0].walk_error = Some("bad revision link".into());
    let error = mark_and_sweep(&damaged, false).unwrap_err().to_string();
    assert!(error.contains("while marking"), "{error}");
}
