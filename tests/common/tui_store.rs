//! The podman fixture store of `scripts/make-fixture-store.sh`, rebuilt in memory for the
//! browser's snapshots: the same images, names, layers, sizes, build steps, labels and
//! containers, so every screen shows what it shows on the real store, but no buildah, no
//! root and no disk. IDs and digests are made up (a four-digit hex word repeated), so they
//! read as what they belong to and never change with a tool's version.

use cairn_core::{Catalog, Container, HistoryEntry, Image, ImageConfig, Layer, Snapshot};
use jiff::Timestamp;
use std::collections::BTreeMap;

/// A 64-digit hex ID: `word` (four hex digits) repeated.
pub fn hex(word: &str) -> String {
    word.repeat(16)
}

/// The time the fixture script gives a build step: `--timestamp`, seconds since the epoch.
fn at(seconds: i64) -> Option<Timestamp> {
    Timestamp::from_second(seconds).ok()
}

/// A layer of `size` bytes (`None`: a container's layer, never measured) on `parent`.
fn layer(word: &str, parent: Option<&str>, size: Option<u64>) -> Layer {
    Layer {
        id: hex(word),
        parent: parent.map(hex),
        diff_digest: size
            .map(|_| format!("sha256:{}", hex(&word.chars().rev().collect::<String>()))),
        diff_size: size,
        ..Layer::default()
    }
}

/// One build step: when, the command, the `FROM` comment buildah writes, and whether it
/// made no layer (a config-only step).
fn step(time: i64, created_by: &str, from: &str, empty_layer: bool) -> HistoryEntry {
    HistoryEntry {
        created: at(time),
        created_by: created_by.into(),
        comment: if from.is_empty() {
            String::new()
        } else {
            format!("FROM {from}")
        },
        empty_layer,
        ..HistoryEntry::default()
    }
}

/// What the fixture's images have in common; each image changes what it needs.
struct Build<'a> {
    word: &'a str,
    names: &'a [&'a str],
    /// Unnamed images keep buildah's temporary build name in their names history.
    history_name: Option<&'a str>,
    top: &'a str,
    layers: usize,
    created: i64,
    /// Bytes of the image's manifest, config and signatures.
    big_data: u64,
    steps: Vec<HistoryEntry>,
    read_only: bool,
}

impl Default for Build<'_> {
    fn default() -> Self {
        Build {
            word: "",
            names: &[],
            history_name: None,
            top: "",
            layers: 1,
            created: 0,
            big_data: 0,
            steps: Vec::new(),
            read_only: false,
        }
    }
}

fn image(build: Build<'_>) -> Image {
    let names: Vec<String> = build.names.iter().map(|n| n.to_string()).collect();
    let names_history = match build.history_name {
        Some(word) => vec![format!("docker.io/library/{}-tmp:latest", hex(word))],
        None => names.iter().rev().cloned().collect(),
    };
    let digest = format!(
        "sha256:{}",
        hex(&build.word.chars().rev().collect::<String>())
    );
    let mut labels = BTreeMap::new();
    labels.insert("io.buildah.version".to_string(), "1.28.2".to_string());
    Image {
        id: hex(build.word),
        digest: Some(digest.clone()),
        digests: vec![digest],
        names,
        names_history,
        top_layer: Some(hex(build.top)),
        created: at(build.created),
        big_data_size: build.big_data,
        read_only: build.read_only,
        config: Some(ImageConfig {
            created: at(build.created),
            architecture: "amd64".into(),
            os: "linux".into(),
            diff_ids: (0..build.layers)
                .map(|i| format!("sha256:{i:0>64}"))
                .collect(),
            history: build.steps,
            labels,
            ..ImageConfig::default()
        }),
        ..Image::default()
    }
}

/// The main store (base, mid, app with three names, side, an untagged intermediate and its
/// named child, a dangling image, `buildah build --layers`' config-only intermediate and
/// mid-cfg on mid's top layer, three containers) and the additional read-only store (ro and
/// ro-child), in the order the store lists them.
pub fn fixture_snapshot() -> Snapshot {
    let base = step(1_700_000_000, "COPY base.txt /base.txt", "", false);
    let mid = step(
        1_700_000_100,
        "COPY mid.txt /mid.txt",
        "localhost/base:1",
        false,
    );
    let side = step(
        1_700_000_300,
        "COPY side.txt /side.txt",
        "localhost/base:1",
        false,
    );
    let inter = step(
        1_700_000_400,
        "COPY inter.txt /inter.txt",
        "localhost/side:1",
        false,
    );
    let label = step(
        1_700_000_700,
        "/bin/sh -c #(nop) LABEL stage=cfg",
        "localhost/mid:1",
        true,
    );
    let ro = step(1_699_990_000, "COPY ro.txt /ro.txt", "", false);
    let mut app = image(Build {
        word: "a990",
        names: &[
            "localhost/app:1.0",
            "localhost/app:latest",
            "quay.io/example/app:stable",
        ],
        top: "1a99",
        layers: 3,
        created: 1_700_000_200,
        big_data: 2709,
        steps: vec![
            base.clone(),
            mid.clone(),
            HistoryEntry {
                author: "cairn".into(),
                ..step(1_700_000_200, "COPY app /app", "localhost/mid:1", false)
            },
        ],
        ..Build::default()
    });
    if let Some(config) = &mut app.config {
        config.author = "cairn".into();
        config.env = vec!["APP_MODE=production".into(), "PATH=/app:/bin".into()];
        config.entrypoint = vec!["/app/run.sh".into()];
        config.cmd = vec!["--serve".into(), "--port".into(), "8080".into()];
        config.working_dir = "/app".into();
        for (key, value) in [
            ("maintainer", "cairn fixtures"),
            ("org.opencontainers.image.title", "app"),
            ("org.opencontainers.image.version", "1.0"),
        ] {
            config.labels.insert(key.into(), value.into());
        }
    }
    let mut cfg_intermediate = image(Build {
        word: "cf90",
        history_name: Some("7e3b"),
        top: "1d1d",
        layers: 2,
        created: 1_700_000_700,
        big_data: 2190,
        steps: vec![base.clone(), mid.clone(), label.clone()],
        ..Build::default()
    });
    let mut mid_cfg = image(Build {
        word: "cf91",
        names: &["localhost/mid-cfg:1"],
        top: "1d1d",
        layers: 2,
        created: 1_700_000_700,
        big_data: 2331,
        steps: vec![
            base.clone(),
            mid.clone(),
            label,
            step(
                1_700_000_700,
                "/bin/sh -c #(nop) ENV MODE=cfg",
                &hex("cf90")[..12],
                true,
            ),
        ],
        ..Build::default()
    });
    const PATH: &str = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    for (image, env) in [
        (&mut cfg_intermediate, vec![PATH]),
        (&mut mid_cfg, vec![PATH, "MODE=cfg"]),
    ] {
        if let Some(config) = &mut image.config {
            config.labels.insert("stage".into(), "cfg".into());
            config.env = env.into_iter().map(String::from).collect();
        }
    }
    let images = vec![
        image(Build {
            word: "ba5e",
            names: &["localhost/base:1"],
            top: "1ba5",
            created: 1_700_000_000,
            big_data: 1312,
            steps: vec![base.clone()],
            ..Build::default()
        }),
        image(Build {
            word: "d1d0",
            names: &["localhost/mid:1"],
            top: "1d1d",
            layers: 2,
            created: 1_700_000_100,
            big_data: 1966,
            steps: vec![base.clone(), mid],
            ..Build::default()
        }),
        app,
        image(Build {
            word: "51de",
            names: &["localhost/side:1"],
            top: "151d",
            layers: 2,
            created: 1_700_000_300,
            big_data: 1968,
            steps: vec![base.clone(), side.clone()],
            ..Build::default()
        }),
        image(Build {
            word: "1e7e",
            history_name: Some("8dc6"),
            top: "11e7",
            layers: 3,
            created: 1_700_000_400,
            big_data: 2452,
            steps: vec![base.clone(), side.clone(), inter.clone()],
            ..Build::default()
        }),
        image(Build {
            word: "0a7e",
            names: &["localhost/on-untagged:1"],
            top: "10a7",
            layers: 4,
            created: 1_700_000_500,
            big_data: 2930,
            steps: vec![
                base.clone(),
                side,
                inter,
                step(
                    1_700_000_500,
                    "COPY leaf.txt /leaf.txt",
                    &hex("1e7e")[..12],
                    false,
                ),
            ],
            ..Build::default()
        }),
        image(Build {
            word: "da9e",
            history_name: Some("53fc"),
            top: "1da9",
            layers: 2,
            created: 1_700_000_600,
            big_data: 1976,
            steps: vec![
                base,
                step(
                    1_700_000_600,
                    "COPY dangling.txt /dangling.txt",
                    "localhost/base:1",
                    false,
                ),
            ],
            ..Build::default()
        }),
        cfg_intermediate,
        mid_cfg,
        image(Build {
            word: "4ead",
            names: &["localhost/ro:1"],
            top: "140d",
            created: 1_699_990_000,
            big_data: 1308,
            steps: vec![ro.clone()],
            read_only: true,
            ..Build::default()
        }),
        image(Build {
            word: "4ec1",
            names: &["localhost/ro-child:1"],
            top: "14c1",
            layers: 2,
            created: 1_699_990_100,
            big_data: 1966,
            steps: vec![
                ro,
                step(
                    1_699_990_100,
                    "COPY ro-child.txt /ro-child.txt",
                    "localhost/ro:1",
                    false,
                ),
            ],
            read_only: true,
            ..Build::default()
        }),
    ];
    let layers = vec![
        layer("1ba5", None, Some(2048)),
        layer("1d1d", Some("1ba5"), Some(2048)),
        layer("1a99", Some("1d1d"), Some(3584)),
        layer("151d", Some("1ba5"), Some(2048)),
        layer("11e7", Some("151d"), Some(2048)),
        layer("10a7", Some("11e7"), Some(2048)),
        layer("1da9", Some("1ba5"), Some(2048)),
        // The containers' own layers.
        layer("cc0a", Some("1a99"), None),
        layer("cc0b", Some("1ba5"), None),
        layer("cc0d", Some("1d1d"), None),
        layer("140d", None, Some(2048)),
        layer("14c1", Some("140d"), Some(2048)),
    ];
    let container = |word: &str, name: &str, image: &str, layer: &str| Container {
        id: hex(word),
        names: vec![name.into()],
        image: hex(image),
        layer: hex(layer),
        ..Container::default()
    };
    let containers = vec![
        container("c0a9", "app-work", "a990", "cc0a"),
        container("c0ba", "base-work", "ba5e", "cc0b"),
        container("c0d1", "mid-created", "d1d0", "cc0d"),
    ];
    Snapshot::new(images, layers, containers)
}

/// The fixture store with its sizes and lineage computed.
pub fn fixture_catalog() -> Catalog {
    Catalog::new(fixture_snapshot())
}
