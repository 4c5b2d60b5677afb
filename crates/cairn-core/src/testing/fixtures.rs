//! The conformance tier's fixture stores, rebuilt in memory with the same shape: the same
//! images, names, layer chains, build steps and containers, in the same store order (IDs
//! differ). The hermetic tests assert on them what the conformance tests check against the
//! real tools, so a rule can be tested without root, and the two tiers mirror each other.

use super::SnapshotBuilder;

/// `scripts/make-fixture-store.sh`'s store as podman sees it, in `images.json`'s order; with
/// `additional`, also the read-only image store that its `storage.conf` adds.
///
/// Image keys: `base`, `mid`, `app` (three names), `side`, `inter` (untagged, has a child),
/// `on-untagged`, `dangling`, `cfg-inter` (untagged LABEL step on mid's top layer),
/// `mid-cfg` (ENV step on it), and with `additional` `ro` and `ro-child`. Containers:
/// `app-work` (on app), `base-work` (on base), `mid-created` (on mid).
pub fn podman(additional: bool) -> SnapshotBuilder {
    let mut store = SnapshotBuilder::podman();
    store
        .image("base")
        .name("localhost/base:1")
        .layer("COPY base.txt /base.txt", 2048)
        .big_data(1312);
    store
        .image("mid")
        .from("base")
        .name("localhost/mid:1")
        .layer("COPY mid.txt /mid.txt", 2048)
        .big_data(1960);
    store
        .image("app")
        .from("mid")
        .name("localhost/app:1.0")
        .name("localhost/app:latest")
        .name("quay.io/example/app:stable")
        .layer("COPY app /app", 3584)
        .label("org.opencontainers.image.title", "app")
        .label("org.opencontainers.image.version", "1.0")
        .label("maintainer", "cairn fixtures")
        .digest("sha256:dc34df5d5c6808b8aab9c81b4a95a7df384d53dff203255f80f37193df5408fa")
        .big_data(2789);
    store
        .image("side")
        .from("base")
        .name("localhost/side:1")
        .layer("COPY side.txt /side.txt", 2048)
        .big_data(1960);
    store
        .image("inter")
        .from("side")
        .layer("COPY inter.txt /inter.txt", 2048)
        .big_data(2505);
    store
        .image("on-untagged")
        .from("inter")
        .name("localhost/on-untagged:1")
        .layer("COPY leaf.txt /leaf.txt", 2048)
        .big_data(2999);
    store
        .image("dangling")
        .from("base")
        .layer("COPY dangling.txt /dangling.txt", 2048)
        .big_data(1975);
    store
        .image("cfg-inter")
        .from("mid")
        .config_step("/bin/sh -c #(nop) LABEL stage=cfg")
        .label("stage", "cfg")
        .big_data(2189);
    store
        .image("mid-cfg")
        .from("cfg-inter")
        .name("localhost/mid-cfg:1")
        .config_step("/bin/sh -c #(nop) ENV MODE=cfg")
        .big_data(2327);
    store.container("app-work", "app");
    store.container("base-work", "base");
    store.container("mid-created", "mid");
    if additional {
        store
            .image("ro")
            .name("localhost/ro:1")
            .layer("COPY ro.txt /ro.txt", 2048)
            .read_only();
        store
            .image("ro-child")
            .from("ro")
            .name("localhost/ro-child:1")
            .layer("COPY ro-child.txt /ro-child.txt", 2048)
            .read_only();
    }
    store
}

/// `scripts/make-docker-fixture.sh`'s daemon (docs/research/docker-20.10.md), in the order
/// the daemon lists its images, with the classic builder's recorded parents and its
/// untagged intermediate steps; `bb` (`bb:1`, `bb:2`) is the image the running-container
/// scenarios start a container on.
///
/// Image keys: `mid-cfg`, `cfg-label` (its untagged LABEL step), `dangling`, `on-untagged`,
/// `inter` (untagged, has a child), `side`, `app` (`example/app:stable`, `app:1.0`,
/// `app:latest`), `app-copy` and `app-env` (app's untagged COPY and ENV steps), `mid`,
/// `base`, `bb`. Containers, all stopped: `app-created`, `base-created`, `mid-created`,
/// `leaf-created` (on on-untagged).
pub fn docker() -> SnapshotBuilder {
    let mut store = SnapshotBuilder::docker();
    for key in [
        "mid-cfg",
        "cfg-label",
        "dangling",
        "on-untagged",
        "inter",
        "side",
        "app",
        "app-copy",
        "app-env",
        "mid",
        "base",
        "bb",
    ] {
        store.image(key);
    }
    store
        .image("base")
        .name("base:1")
        .layer("/bin/sh -c #(nop) COPY file:base in /base.txt", 5);
    store
        .image("mid")
        .from("base")
        .name("mid:1")
        .layer("/bin/sh -c #(nop) COPY file:mid in /mid.txt", 4);
    store
        .image("app-copy")
        .from("mid")
        .layer("/bin/sh -c #(nop) COPY dir:app in /app/", 14);
    store
        .image("app-env")
        .from("app-copy")
        .config_step("/bin/sh -c #(nop)  ENV APP_MODE=production PATH=/app:/bin");
    store
        .image("app")
        .from("app-env")
        .name("example/app:stable")
        .name("app:1.0")
        .name("app:latest")
        .config_step("/bin/sh -c #(nop)  LABEL org.opencontainers.image.title=app");
    store
        .image("side")
        .from("base")
        .name("side:1")
        .layer("/bin/sh -c #(nop) COPY file:side in /side.txt", 5);
    store
        .image("inter")
        .from("side")
        .layer("/bin/sh -c #(nop) COPY file:inter in /inter.txt", 13);
    store
        .image("on-untagged")
        .from("inter")
        .name("on-untagged:1")
        .layer("/bin/sh -c #(nop) COPY file:leaf in /leaf.txt", 5);
    store
        .image("dangling")
        .from("base")
        .layer("/bin/sh -c #(nop) COPY file:dangling in /dangling.txt", 9);
    store
        .image("cfg-label")
        .from("mid")
        .config_step("/bin/sh -c #(nop)  LABEL stage=cfg");
    store
        .image("mid-cfg")
        .from("cfg-label")
        .name("mid-cfg:1")
        .config_step("/bin/sh -c #(nop)  ENV MODE=cfg");
    store
        .image("bb")
        .name("bb:1")
        .name("bb:2")
        .layer("/bin/sh -c #(nop) COPY file:busybox in /busybox", 1_000_000);
    store.container("app-created", "app");
    store.container("base-created", "base");
    store.container("mid-created", "mid");
    store.container("leaf-created", "on-untagged");
    store
}

/// Where [`registry`] says its registry listens, as names carry it.
pub const REGISTRY: &str = "127.0.0.1:5000";

/// `scripts/fill-registry.sh`'s registry as its API lists it (so without the untagged
/// revisions of `app`): names `HOST:PORT/REPOSITORY:TAG`, every layer a blob of its own.
///
/// Image keys: `base` (`base:1`, `library/base:1`), `tools` (on base), `app` (`app:1.0`,
/// `app:latest`, `mirror/app:stable`; on tools through a step never pushed), `side` (on
/// base), `multi` (an index of `amd64` and `arm64`, untagged) and `multi-docker` (the same
/// platform images as a Docker manifest list).
pub fn registry() -> SnapshotBuilder {
    let name = |short: &str| format!("{REGISTRY}/{short}");
    let mut store = SnapshotBuilder::registry();
    store
        .image("base")
        .name(&name("base:1"))
        .name(&name("library/base:1"))
        .layer("COPY os-release /etc/os-release", 131)
        .big_data(822);
    store
        .image("tools")
        .from("base")
        .name(&name("tools:1"))
        .layer("COPY tool /usr/bin/tool", 125)
        .big_data(1021);
    store
        .image("app")
        .from("tools")
        .name(&name("app:1.0"))
        .name(&name("app:latest"))
        .name(&name("mirror/app:stable"))
        .layer("COPY lib.txt /app/lib.txt", 128)
        .layer("COPY main.txt /app/main.txt", 126)
        .label("org.opencontainers.image.title", "app")
        .big_data(1350);
    store
        .image("side")
        .from("base")
        .name(&name("side:1"))
        .layer("COPY side.txt /side.txt", 130)
        .big_data(1003);
    store
        .image("amd64")
        .layer("COPY arch.txt /arch.txt", 119)
        .big_data(640);
    store
        .image("arm64")
        .layer("COPY arch.txt /arch.txt", 119)
        .arch("arm64")
        .big_data(640);
    store
        .image("multi")
        .name(&name("multi:1"))
        .list(&[("amd64", "linux/amd64"), ("arm64", "linux/arm64")])
        .big_data(500);
    store
        .image("multi-docker")
        .name(&name("multi-docker:1"))
        .list(&[("amd64", "linux/amd64"), ("arm64", "linux/arm64")])
        .big_data(480);
    let layers: Vec<String> = ["base", "tools", "app", "side", "amd64", "arm64"]
        .iter()
        .flat_map(|key| store.layers_of(key))
        .collect();
    for layer in layers {
        store.layer(&layer).blob(&format!("sha256:{layer}"));
    }
    store
}
