//! A registry's storage folder read by `--store registry-storage:PATH`, on a copy of the small
//! storage `scripts/make-registry-storage-fixture.sh` made with a real registry
//! (`tests/fixtures/registry-storage`): what it shows, and each kind of damage, which gives
//! one clear error naming the file or a problem on the image it hurts; never a panic, never a
//! file read outside the folder, nothing written.

use crate::common::{cairn, ok, stderr, stdout, tree_digest};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;

struct Storage {
    _dir: tempfile::TempDir,
    root: PathBuf,
    before: String,
}

impl Storage {
    /// A copy of the fixture, to break.
    fn copy() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("storage");
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/registry-storage");
        let status = std::process::Command::new("cp")
            .arg("-r")
            .arg(&fixture)
            .arg(&root)
            .status()
            .unwrap();
        assert!(status.success());
        let before = tree_digest(&root);
        Storage {
            _dir: dir,
            root,
            before,
        }
    }

    fn v2(&self) -> PathBuf {
        self.root.join("docker/registry/v2")
    }

    fn repository(&self, name: &str) -> PathBuf {
        self.v2().join("repositories").join(name)
    }

    fn blob(&self, digest: &str) -> PathBuf {
        crate::common::registry::blob_data(&self.v2(), digest)
    }

    /// What a tag's `current/link` holds.
    fn tag(&self, repository: &str, tag: &str) -> String {
        let link = self
            .repository(repository)
            .join("_manifests/tags")
            .join(tag)
            .join("current/link");
        std::fs::read_to_string(link).unwrap()
    }

    fn manifest(&self, digest: &str) -> Value {
        serde_json::from_slice(&std::fs::read(self.blob(digest)).unwrap()).unwrap()
    }

    /// Marks the copy as the new "before", once the test has broken it.
    fn broken(&mut self) {
        self.before = tree_digest(&self.root);
    }

    fn cairn(&self, rest: &[&str]) -> Output {
        let mut args = vec![
            "--store".to_string(),
            format!("registry-storage:{}", self.root.display()),
        ];
        args.extend(rest.iter().map(|s| s.to_string()));
        let out = cairn(&args);
        assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
        assert_eq!(
            tree_digest(&self.root),
            self.before,
            "cairn wrote to the storage"
        );
        out
    }

    fn listing(&self) -> Vec<Value> {
        let out = self.cairn(&["images", "--all", "--json"]);
        serde_json::from_str::<Value>(&ok(out, "cairn images"))
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    fn gc(&self, untagged: bool) -> Value {
        let mut args = vec!["gc", "--dry-run", "--json"];
        if untagged {
            args.push("--delete-untagged");
        }
        serde_json::from_str(&ok(self.cairn(&args), "cairn gc")).unwrap()
    }
}

fn image<'a>(listing: &'a [Value], digest: &str) -> &'a Value {
    listing
        .iter()
        .find(|i| i["Digest"] == digest)
        .unwrap_or_else(|| panic!("no image {digest} in {listing:#?}"))
}

fn problems(image: &Value) -> Vec<String> {
    image["Problems"]
        .as_array()
        .map(|p| p.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// cairn failed with exit 125 and said each of `needles`.
fn assert_error(out: &Output, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(125), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    for needle in needles {
        assert!(err.contains(needle), "{needle:?} not in: {err}");
    }
}

fn digests(values: &Value) -> Vec<String> {
    let mut out: Vec<String> = values
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.get("digest").unwrap_or(v).as_str().unwrap().to_string())
        .collect();
    out.sort();
    out
}

#[test]
fn the_fixture_reads_as_the_registry_that_wrote_it() {
    let storage = Storage::copy();
    let listing = storage.listing();
    assert_eq!(
        listing.len(),
        4,
        "base, tools, app and app's untagged revision"
    );
    let app = image(&listing, &storage.tag("app", "1"));
    assert_eq!(app["Names"], serde_json::json!(["app:1"]));
    assert!(problems(app).is_empty(), "{app:#}");
    let untagged: Vec<&Value> = listing
        .iter()
        .filter(|i| i["Names"].as_array().is_none_or(Vec::is_empty))
        .collect();
    assert_eq!(untagged.len(), 1);
    assert_eq!(untagged[0]["Dangling"], true);
    // The untagged revision alone holds its layer, config and manifest blobs.
    let plan = storage.gc(true);
    let revision = untagged[0]["Digest"].as_str().unwrap().to_string();
    assert_eq!(plan["manifests"], serde_json::json!([revision]));
    let manifest = storage.manifest(&revision);
    let mut expected = vec![
        revision.clone(),
        manifest["config"]["digest"].as_str().unwrap().to_string(),
        manifest["layers"][1]["digest"]
            .as_str()
            .unwrap()
            .to_string(),
    ];
    expected.sort();
    assert_eq!(digests(&plan["blobs"]), expected);
    let bytes: u64 = expected
        .iter()
        .map(|d| std::fs::metadata(storage.blob(d)).unwrap().len())
        .sum();
    assert_eq!(plan["reclaimed_bytes"], bytes);
    assert_eq!(storage.gc(false)["blobs"], serde_json::json!([]));
}

/// The image cairn lists for a tag that names no manifest.
fn broken_tag<'a>(listing: &'a [Value], name: &str) -> &'a Value {
    let tag = listing
        .iter()
        .find(|i| i["Names"] == serde_json::json!([name]))
        .unwrap_or_else(|| panic!("no image named {name} in {listing:#?}"));
    assert!(tag["Digest"].as_str().is_none_or(str::is_empty), "{tag:#}");
    tag
}

/// Writes `text` as the `current/link` of `repository:tag`, making the tag if it is new.
fn write_tag(storage: &Storage, repository: &str, tag: &str, text: &str) -> PathBuf {
    let current = storage
        .repository(repository)
        .join("_manifests/tags")
        .join(tag)
        .join("current");
    std::fs::create_dir_all(&current).unwrap();
    let link = current.join("link");
    std::fs::write(&link, text).unwrap();
    link
}

#[test]
fn a_tag_link_that_is_not_a_digest_is_a_problem_of_that_tag_and_the_rest_loads() {
    let mut storage = Storage::copy();
    let app = storage.tag("app", "1");
    let link = write_tag(&storage, "app", "1", "not a digest\n");
    storage.broken();
    let listing = storage.listing();
    // The tag is listed with why, as the registry lists it (and answers 500 for it).
    let said = problems(broken_tag(&listing, "app:1")).join("\n");
    for needle in [
        &format!("tag app:1: {}", link.display()),
        "\"not a digest\\n\", not a digest",
        "damaged",
        "500",
    ] {
        assert!(said.contains(needle), "{needle:?} not in {said}");
    }
    // Everything else is there: app's manifest, now untagged, and the other repositories.
    assert_eq!(listing.len(), 5, "{listing:#?}");
    let untagged = &image(&listing, &app)["Names"];
    assert!(untagged.as_array().is_none_or(Vec::is_empty), "{untagged}");
    assert_eq!(
        image(&listing, &storage.tag("tools", "1"))["Names"],
        serde_json::json!(["tools:1"])
    );
    // The collector reads no tag without --delete-untagged, and stops on it with.
    assert_eq!(storage.gc(false)["blobs"], serde_json::json!([]));
    let out = storage.cairn(&["gc", "--dry-run", "--delete-untagged"]);
    assert_error(
        &out,
        &[
            "would fail while marking",
            "app: failed to retrieve tags for digest",
            &link.display().to_string(),
        ],
    );
}

#[test]
fn a_tag_naming_a_manifest_its_repository_does_not_link_is_a_problem_of_that_tag() {
    let mut storage = Storage::copy();
    let base = storage.tag("base", "1");
    // A digest stored nowhere, and base's manifest, which tools does not link.
    let nowhere = format!("sha256:{}", "0".repeat(64));
    let missing = write_tag(&storage, "app", "missing", &nowhere);
    let cross = write_tag(&storage, "tools", "cross", &base);
    storage.broken();
    let listing = storage.listing();
    assert_eq!(listing.len(), 6, "{listing:#?}");
    for (name, link, digest) in [
        ("app:missing", &missing, &nowhere),
        ("tools:cross", &cross, &base),
    ] {
        let said = problems(broken_tag(&listing, name)).join("\n");
        assert!(
            said.contains(&format!("{} names {digest}", link.display())),
            "{said}"
        );
        assert!(said.contains("404 MANIFEST_UNKNOWN"), "{said}");
    }
    assert_eq!(
        image(&listing, &base)["Names"],
        serde_json::json!(["base:1"])
    );
    // Neither changes what the collector keeps.
    assert_eq!(storage.gc(false)["blobs"], serde_json::json!([]));
    assert_eq!(storage.gc(true)["manifests"].as_array().unwrap().len(), 1);
}

#[test]
fn a_dot_dot_digest_in_a_tag_link_is_a_problem_without_reading_outside() {
    let mut storage = Storage::copy();
    let link = write_tag(
        &storage,
        "base",
        "escape",
        "sha256:../../../../../../etc/passwd",
    );
    storage.broken();
    let listing = storage.listing();
    let said = problems(broken_tag(&listing, "base:escape")).join("\n");
    assert!(
        said.contains(&format!(
            "{} holds \"sha256:../../../../../../etc/passwd\", not a digest",
            link.display()
        )),
        "{said}"
    );
    assert!(!said.contains("root:"), "{said}");
    assert_eq!(listing.len(), 5, "{listing:#?}");
}

#[test]
fn a_dot_dot_digest_in_a_revision_link_is_a_problem_of_its_image_and_stops_the_collection() {
    let mut storage = Storage::copy();
    let app = storage.tag("app", "1");
    let hex = app.trim_start_matches("sha256:");
    let link = storage
        .repository("app")
        .join("_manifests/revisions/sha256")
        .join(hex)
        .join("link");
    std::fs::write(&link, "sha256:../../../../../../etc/passwd").unwrap();
    storage.broken();
    let listing = storage.listing();
    assert_eq!(listing.len(), 4, "{listing:#?}");
    let said = problems(image(&listing, &app)).join("\n");
    assert!(
        said.contains(&format!(
            "revision {app} of app: {} holds \"sha256:../../../../../../etc/passwd\", not a digest",
            link.display()
        )),
        "{said}"
    );
    assert_eq!(image(&listing, &app)["Names"], serde_json::json!(["app:1"]));
    // distribution's walk of app's revisions stops on the link, flags or not.
    for args in [&["gc", "--dry-run"][..], &["gc", "--dry-run", "-m"]] {
        let out = storage.cairn(args);
        assert_error(
            &out,
            &["would fail while marking", &link.display().to_string()],
        );
    }
}

#[test]
fn a_dot_dot_digest_in_a_manifest_is_a_problem_of_its_image() {
    let mut storage = Storage::copy();
    // A manifest naming its config `sha256:../…`, stored under its true digest, tagged.
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": "sha256:../../../../../../../etc/passwd", "size": 10},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": "sha256:../../x", "size": 1}]
    });
    let bytes = serde_json::to_vec(&manifest).unwrap();
    let digest = {
        use sha2::Digest as _;
        let hash = sha2::Sha256::digest(&bytes);
        format!(
            "sha256:{}",
            hash.iter().map(|b| format!("{b:02x}")).collect::<String>()
        )
    };
    let blob = storage.blob(&digest);
    std::fs::create_dir_all(blob.parent().unwrap()).unwrap();
    std::fs::write(&blob, &bytes).unwrap();
    let hex = digest.trim_start_matches("sha256:");
    let revision = storage
        .repository("app")
        .join("_manifests/revisions/sha256")
        .join(hex);
    std::fs::create_dir_all(&revision).unwrap();
    std::fs::write(revision.join("link"), &digest).unwrap();
    let tag = storage
        .repository("app")
        .join("_manifests/tags/evil/current");
    std::fs::create_dir_all(&tag).unwrap();
    std::fs::write(tag.join("link"), &digest).unwrap();
    storage.broken();
    let listing = storage.listing();
    let evil = image(&listing, &digest);
    assert_eq!(evil["Names"], serde_json::json!(["app:evil"]));
    let said = problems(evil).join("\n");
    assert!(
        said.contains("invalid blob digest \"sha256:../../../../../../../etc/passwd\""),
        "{said}"
    );
    assert!(
        said.contains("layer blob sha256:../../x is not in the registry"),
        "{said}"
    );
    // The collector marks what the manifest names as names only: nothing else changes.
    let plan = storage.gc(false);
    assert_eq!(plan["blobs"], serde_json::json!([]));
}

#[test]
fn a_symbolic_link_out_of_the_storage_is_refused() {
    let mut storage = Storage::copy();
    let config = storage.manifest(&storage.tag("base", "1"))["config"]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let data = storage.blob(&config);
    std::fs::remove_file(&data).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", &data).unwrap();
    storage.broken();
    let out = storage.cairn(&["images"]);
    assert_error(
        &out,
        &[
            &data.display().to_string(),
            "symbolic link",
            "outside the registry storage: refused",
        ],
    );
}

#[test]
fn a_missing_layer_blob_is_a_problem_of_every_image_using_it() {
    let mut storage = Storage::copy();
    let base = storage.tag("base", "1");
    let layer = storage.manifest(&base)["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::remove_dir_all(storage.blob(&layer).parent().unwrap()).unwrap();
    storage.broken();
    let listing = storage.listing();
    for tagged in [base, storage.tag("tools", "1"), storage.tag("app", "1")] {
        assert_eq!(
            problems(image(&listing, &tagged)),
            [format!("layer blob {layer} is not in the registry")]
        );
    }
    // The collector does not need the layer: the plan is the same as before.
    assert_eq!(storage.gc(false)["blobs"], serde_json::json!([]));
}

#[test]
fn a_missing_manifest_blob_is_a_problem_and_the_collector_skips_its_revision() {
    let mut storage = Storage::copy();
    let tools = storage.tag("tools", "1");
    let config = storage.manifest(&tools)["config"]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::remove_dir_all(storage.blob(&tools).parent().unwrap()).unwrap();
    storage.broken();
    let listing = storage.listing();
    assert_eq!(
        problems(image(&listing, &tools)),
        [format!("manifest {tools} is not in the registry")]
    );
    // distribution enumerates only revisions whose blob is there: tools' config goes.
    let plan = storage.gc(false);
    assert!(digests(&plan["blobs"]).contains(&config), "{plan:#}");
}

#[test]
fn a_blob_that_does_not_match_its_digest_is_a_problem_and_stops_the_collection() {
    let mut storage = Storage::copy();
    let app = storage.tag("app", "1");
    let config = storage.manifest(&app)["config"]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::write(storage.blob(&config), b"{\"architecture\":\"amd64\"}").unwrap();
    storage.broken();
    let listing = storage.listing();
    let said = problems(image(&listing, &app)).join("\n");
    assert!(said.contains("does not match its digest"), "{said}");
    // The manifest itself is fine: the collector marks it as distribution would.
    assert_eq!(storage.gc(false)["blobs"], serde_json::json!([]));
    std::fs::write(storage.blob(&app), b"{}").unwrap();
    storage.broken();
    let out = storage.cairn(&["gc", "--dry-run"]);
    assert_error(
        &out,
        &[
            "would fail while marking",
            &app,
            "does not match its digest",
        ],
    );
}

#[test]
fn a_folder_that_is_not_a_registry_storage_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("registry-storage:{}", dir.path().display());
    let out = cairn(&["--store".into(), store.clone(), "images".into()]);
    assert_error(
        &out,
        &[
            "has no docker/registry/v2",
            "not the storage folder of a registry",
        ],
    );
    let missing = format!("registry-storage:{}", dir.path().join("none").display());
    let out = cairn(&["--store".into(), missing, "images".into()]);
    assert_error(&out, &["registry storage", "does not exist"]);
}

#[test]
fn gc_on_a_store_without_one_says_so() {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/demo");
    let out = cairn(&[
        "--store".into(),
        format!("oci:{}", demo.display()),
        "gc".into(),
        "--dry-run".into(),
    ]);
    assert_error(
        &out,
        &["has no garbage collection", "registry-storage:PATH"],
    );
    let storage = Storage::copy();
    let out = storage.cairn(&["gc"]);
    assert_error(&out, &["give --dry-run"]);
}

#[test]
fn verify_names_each_blob_whose_content_differs_from_its_digest() {
    let mut storage = Storage::copy();
    let out = storage.cairn(&["verify"]);
    assert_eq!(ok(out, "cairn verify"), "12 blobs checked, 0 mismatches\n");
    let app = storage.tag("app", "1");
    std::fs::write(storage.blob(&app), b"{}").unwrap();
    storage.broken();
    let out = storage.cairn(&["verify"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        format!(
            "blob {app}: its content has digest sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\n12 blobs checked, 1 mismatch\n"
        )
    );
}

#[test]
fn a_layer_lists_the_entries_of_its_blob() {
    let mut storage = Storage::copy();
    let selection = cairn_store::Selection {
        store: Some(format!("registry-storage:{}", storage.root.display())),
        ..cairn_store::Selection::default()
    };
    let store = selection.resolve().unwrap();
    let snapshot = store.load().unwrap().snapshot;
    let app = snapshot.image_named("app:1").unwrap();
    let top = snapshot.images[app].top_layer.clone().unwrap();
    let top = snapshot.layer_by_id(&top).unwrap();
    let listed = store.layer_entries(&snapshot, top).unwrap();
    let paths: Vec<String> = listed
        .entries
        .iter()
        .map(|e| String::from_utf8_lossy(&e.path).into_owned())
        .collect();
    assert_eq!(paths, ["side.txt"]);
    assert_eq!(listed.entries[0].size, "a side branch\n".len() as u64);
    // A blob that is gone is said to be, naming the layer and the store.
    let blob = snapshot.layers[top].blob.clone().unwrap();
    std::fs::remove_dir_all(storage.blob(&blob).parent().unwrap()).unwrap();
    storage.broken();
    let error = store.layer_entries(&snapshot, top).unwrap_err().to_string();
    assert!(
        error.contains(&format!("its blob {blob} is not in the registry")),
        "{error}"
    );
    assert!(error.contains("cannot list layer"), "{error}");
}

#[test]
fn rm_dry_run_previews_the_requests_with_the_blobs_gc_frees_exactly_and_rm_changes_nothing() {
    let storage = Storage::copy();
    let out = storage.cairn(&["rm", "--dry-run", "app:1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "Untagged: app:1");
    assert!(lines[1].starts_with("Deleted: 12477ca09902"), "{text}");
    // The manifest's own blob, its config and its one layer of its own; base's stay.
    let freed: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with("Freed by the next garbage collection: sha256:"))
        .collect();
    assert_eq!(freed.len(), 3, "{text}");
    assert!(
        text.contains(
            "Reclaimed at the next garbage collection, exactly: 1.35 kB (1350 bytes)\nDry run: nothing was changed."
        ),
        "{text}"
    );
    let err = stderr(&out);
    assert!(
        err.contains("Warning: nothing is freed until `registry garbage-collect` runs"),
        "{err}"
    );
    assert!(err.contains("storage is only read"), "{err}");

    let json: Value = serde_json::from_str(&stdout(&storage.cairn(&[
        "rm",
        "--dry-run",
        "--json",
        "app:1",
    ])))
    .unwrap();
    assert_eq!(json["registry"]["gc_exact"], true);
    assert_eq!(json["registry"]["read_only"], true);
    assert_eq!(json["registry"]["deletes"][0]["repository"], "app");
    assert_eq!(json["reclaimed_bytes"], 1350);
    assert_eq!(json["blobs"].as_array().unwrap().len(), 3);

    // Applying is refused, by the store, before anything is written.
    assert_error(&storage.cairn(&["rm", "app:1"]), &["never writes it"]);
}

impl Storage {
    /// The `_layers` link of `digest` in `repository`.
    fn layer_link(&self, repository: &str, digest: &str) -> PathBuf {
        self.repository(repository)
            .join("_layers/sha256")
            .join(digest.trim_start_matches("sha256:"))
            .join("link")
    }

    /// `tree`, `rm --dry-run` and both collections' plans: what a damaged link must leave
    /// as it was.
    fn plans(&self, image: &str) -> [String; 4] {
        [
            ok(self.cairn(&["tree", image]), "cairn tree"),
            ok(
                self.cairn(&["rm", "--dry-run", image]),
                "cairn rm --dry-run",
            ),
            self.gc(false).to_string(),
            self.gc(true).to_string(),
        ]
    }
}

/// Every image's digest and problems, by digest.
fn problems_by_digest(listing: &[Value]) -> std::collections::BTreeMap<String, Vec<String>> {
    listing
        .iter()
        .map(|i| (i["Digest"].as_str().unwrap().to_string(), problems(i)))
        .collect()
}

/// A `_layers` link that holds no digest (empty, garbage, `../`, more bytes than any digest)
/// is what the registry makes of it: it answers 500 for that blob of that repository, and
/// serves the rest. So the images of that repository that use the blob each have a problem
/// naming the link; every other image, `tree`, `rm --dry-run` and the collection (which
/// reads no `_layers`) are as before.
#[test]
fn a_layer_link_that_holds_no_digest_is_a_problem_of_the_images_pulling_it_and_the_rest_loads() {
    let clean = Storage::copy();
    let app = clean.tag("app", "1");
    let plans = clean.plans("app:1");
    let listing = clean.listing();
    let untagged = listing
        .iter()
        .find(|i| i["Names"].as_array().is_none_or(Vec::is_empty))
        .unwrap()["Digest"]
        .as_str()
        .unwrap()
        .to_string();
    let layer = clean.manifest(&app)["layers"][0]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let long = "x".repeat(4000);
    for text in [
        "",
        "not a digest\n",
        "sha256:../../../../../../etc/passwd",
        &long,
    ] {
        let mut storage = Storage::copy();
        let link = storage.layer_link("app", &layer);
        std::fs::write(&link, text).unwrap();
        storage.broken();
        let listing = storage.listing();
        assert_eq!(listing.len(), 4, "{listing:#?}");
        for (digest, said) in problems_by_digest(&listing) {
            if digest == app || digest == untagged {
                assert_eq!(said.len(), 1, "{said:?}");
                let said = &said[0];
                for needle in [
                    &format!("blob {layer} of app: {}", link.display()),
                    "not a digest",
                    "damaged",
                    "the registry answers 500 for it",
                ] {
                    assert!(said.contains(needle), "{needle:?} not in {said}");
                }
                assert!(!said.contains("root:"), "{said}");
            } else {
                assert!(said.is_empty(), "{digest}: {said:?}");
            }
        }
        assert_eq!(storage.plans("app:1"), plans, "{text:?}");
    }
}

/// A `_layers` link naming a blob the registry does not store is a 404 for that blob, one
/// naming another stored blob serves that blob's bytes (which no client accepts), and a
/// blob the repository does not link at all is a 404: each a problem of the images of that
/// repository using the blob; the collection is as before.
#[test]
fn a_layer_link_naming_a_missing_or_other_blob_or_none_is_a_problem_of_the_images_using_it() {
    let clean = Storage::copy();
    let tools = clean.tag("tools", "1");
    let plans = clean.plans("tools:1");
    let manifest = clean.manifest(&tools);
    let layer = manifest["layers"][1]["digest"]
        .as_str()
        .unwrap()
        .to_string();
    let config = manifest["config"]["digest"].as_str().unwrap().to_string();
    let nowhere = format!("sha256:{}", "0".repeat(64));
    let cases: [(&str, &str, Option<&str>, &str); 3] = [
        (
            "missing target",
            &layer,
            Some(&nowhere),
            "which is not in the registry: the registry answers 404 BLOB_UNKNOWN for it",
        ),
        (
            "other blob",
            &layer,
            Some(&config),
            "the registry serves that blob's content for it, which no client accepts",
        ),
        (
            "no link",
            &config,
            None,
            "is not linked in tools: the registry answers 404 BLOB_UNKNOWN for it",
        ),
    ];
    for (case, blob, text, needle) in cases {
        let mut storage = Storage::copy();
        let link = storage.layer_link("tools", blob);
        match text {
            Some(text) => std::fs::write(&link, text).unwrap(),
            None => std::fs::remove_file(&link).unwrap(),
        }
        storage.broken();
        let listing = storage.listing();
        assert_eq!(listing.len(), 4, "{case}: {listing:#?}");
        for (digest, said) in problems_by_digest(&listing) {
            if digest == tools {
                assert_eq!(said.len(), 1, "{case}: {said:?}");
                assert!(said[0].contains(blob), "{case}: {said:?}");
                assert!(said[0].contains(needle), "{case}: {said:?}");
                // The link file, or where it would be.
                let named = match text {
                    Some(_) => link.display().to_string(),
                    None => link
                        .strip_prefix(storage.v2())
                        .unwrap()
                        .display()
                        .to_string(),
                };
                assert!(said[0].contains(&named), "{case}: {said:?}");
            } else {
                assert!(said.is_empty(), "{case}: {digest}: {said:?}");
            }
        }
        assert_eq!(storage.plans("tools:1"), plans, "{case}");
    }
}

/// A truncated layer blob is served as it is, and refused by every client: a problem of each
/// image using it, naming both sizes. The collection does not read layers.
#[test]
fn a_truncated_layer_blob_is_a_problem_of_every_image_using_it() {
    let mut storage = Storage::copy();
    let base = storage.tag("base", "1");
    let plans = storage.plans("base:1");
    let layer = &storage.manifest(&base)["layers"][0];
    let (digest, size) = (
        layer["digest"].as_str().unwrap().to_string(),
        layer["size"].as_u64().unwrap(),
    );
    let data = storage.blob(&digest);
    let bytes = std::fs::read(&data).unwrap();
    std::fs::write(&data, &bytes[..bytes.len() / 2]).unwrap();
    storage.broken();
    let listing = storage.listing();
    let expected = format!(
        "blob {digest} is {} bytes in the registry, but its manifest says {size}: it is damaged",
        bytes.len() / 2
    );
    for (digest, said) in problems_by_digest(&listing) {
        assert_eq!(said, std::slice::from_ref(&expected), "{digest}");
    }
    assert_eq!(storage.plans("base:1")[2..], plans[2..]);
}

/// Links distribution neither serves nor collects by (a tag's `index`, an upload in
/// `_uploads`), and a blob folder without `data` or with a folder for it, change nothing.
#[test]
fn links_the_registry_reads_neither_to_serve_nor_to_collect_change_nothing() {
    let clean = Storage::copy();
    let app = clean.tag("app", "1");
    let plans = clean.plans("app:1");
    let listing = clean.listing();
    let mut storage = Storage::copy();
    let index = storage
        .repository("app")
        .join("_manifests/tags/1/index/sha256")
        .join(app.trim_start_matches("sha256:"))
        .join("link");
    std::fs::write(&index, "sha256:../../../etc/passwd").unwrap();
    let upload = storage.repository("app").join("_uploads/6f0c-not-a-uuid");
    std::fs::create_dir_all(&upload).unwrap();
    std::fs::write(upload.join("startedat"), "garbage").unwrap();
    std::fs::write(upload.join("data"), "half a layer").unwrap();
    let hashstates = upload.join("hashstates/sha256");
    std::fs::create_dir_all(&hashstates).unwrap();
    std::fs::write(hashstates.join("12"), "").unwrap();
    let empty = storage.v2().join("blobs/sha256/ab").join("ab".repeat(32));
    std::fs::create_dir_all(&empty).unwrap();
    let folder = storage.v2().join("blobs/sha256/cd").join("cd".repeat(32));
    std::fs::create_dir_all(folder.join("data")).unwrap();
    storage.broken();
    assert_eq!(storage.listing(), listing);
    assert_eq!(storage.plans("app:1"), plans);
}

/// A blob folder no digest names, holding `data`, is never served; distribution's collector
/// stops on it when it walks the blobs, after marking, with or without -m.
#[test]
fn a_blob_no_digest_names_loads_and_stops_the_collection() {
    let clean = Storage::copy();
    let listing = clean.listing();
    let mut storage = Storage::copy();
    let folder = storage.v2().join("blobs/sha256/zz/not-a-digest");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("data"), "x").unwrap();
    storage.broken();
    assert_eq!(storage.listing(), listing);
    for args in [&["gc", "--dry-run"][..], &["gc", "--dry-run", "-m"]] {
        assert_error(
            &storage.cairn(args),
            &[
                "would fail while sweeping: error enumerating blobs",
                &folder.display().to_string(),
                "not named by a digest",
            ],
        );
    }
}

/// A revision link in a folder no digest names, holding no digest, is never served, but the
/// collector's walk of the revisions reads it and stops, with or without -m.
#[test]
fn a_revision_link_no_digest_names_loads_and_stops_the_collection() {
    let clean = Storage::copy();
    let listing = clean.listing();
    let mut storage = Storage::copy();
    let folder = storage
        .repository("tools")
        .join("_manifests/revisions/sha256/not-a-digest");
    std::fs::create_dir_all(&folder).unwrap();
    let link = folder.join("link");
    std::fs::write(&link, "garbage").unwrap();
    storage.broken();
    assert_eq!(storage.listing(), listing);
    for args in [&["gc", "--dry-run"][..], &["gc", "--dry-run", "-m"]] {
        assert_error(
            &storage.cairn(args),
            &[
                "would fail while marking",
                "tools",
                &link.display().to_string(),
            ],
        );
    }
}
