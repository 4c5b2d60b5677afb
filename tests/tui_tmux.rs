//! End to end: the real `cairn` binary in a real terminal (tmux) on the fixture store built by
//! buildah and podman. Opens the browser, moves, filters, works the lineage tree, jumps via
//! the history, opens the help and quits, reading the screen after every step; then checks
//! that the terminal was given back (the shell prints again, canonical mode is on).
//!
//! Waits poll the screen with a generous deadline and never assert on timing.
#![cfg(feature = "conformance")]
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed step is a failed test

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(20);

/// A tmux server of our own (its own socket), killed when the test ends however it ends.
struct Tmux {
    socket: String,
    session: String,
}

impl Tmux {
    fn start(command: &str) -> Tmux {
        common::require("tmux");
        // One server per test: tests of this file run in parallel in one process.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let id = format!("cairn-test-{}-{n}", std::process::id());
        let tmux = Tmux {
            socket: id.clone(),
            session: id,
        };
        let status = Command::new("tmux")
            .args(["-L", &tmux.socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-s", &tmux.session, "-x", "120", "-y", "40"])
            .arg(command)
            .status()
            .expect("running tmux");
        assert!(status.success(), "tmux new-session failed");
        tmux
    }

    fn send(&self, keys: &[&str]) {
        let status = Command::new("tmux")
            .args(["-L", &self.socket, "send-keys", "-t", &self.session])
            .args(keys)
            .status()
            .expect("running tmux send-keys");
        assert!(status.success());
    }

    fn type_text(&self, text: &str) {
        self.send(&["-l", text]);
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args([
                "-L",
                &self.socket,
                "capture-pane",
                "-p",
                "-t",
                &self.session,
            ])
            .output()
            .expect("running tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the screen until `check` holds on a screen that stays the same for a moment (a
    /// capture can catch a frame half drawn), and returns that screen.
    fn wait_for(&self, what: &str, check: impl Fn(&str) -> bool) -> String {
        self.wait_for_within(what, DEADLINE, check)
    }

    /// [`Self::wait_for`] with a deadline of its own, for what comes only after the
    /// browser's own pauses (a registry's watch asks every 15 s, and again 30 s after a
    /// failure).
    fn wait_for_within(
        &self,
        what: &str,
        deadline: Duration,
        check: impl Fn(&str) -> bool,
    ) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if check(&screen) {
                std::thread::sleep(Duration::from_millis(100));
                if self.screen() == screen {
                    return screen;
                }
                continue;
            }
            if start.elapsed() > deadline {
                panic!("waited {deadline:?} for {what}; the screen is:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn wait_text(&self, text: &str) -> String {
        self.wait_for(&format!("{text:?}"), |s| s.contains(text))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .status();
    }
}

/// The lineage pane: the right part of the top half of the screen.
fn lineage_pane(screen: &str) -> String {
    screen
        .lines()
        .take(21)
        .map(|line| line.chars().skip(72).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The image list: the left part of the top half.
fn list_pane(screen: &str) -> String {
    screen
        .lines()
        .take(21)
        .map(|line| line.chars().take(72).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

fn shell_quote(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// The demo in a shell that says how cairn exited, with `home` as its home and its data and
/// config folders under it.
fn demo_command(home: &Path) -> String {
    format!(
        "env HOME={home} XDG_DATA_HOME={home}/data XDG_CONFIG_HOME={home}/.config {cairn} --store demo; echo \"cairn exited $?\"; sleep 600",
        home = shell_quote(home),
        cairn = shell_quote(Path::new(env!("CARGO_BIN_EXE_cairn"))),
    )
}

#[test]
fn browse_the_fixture_store_in_a_real_terminal() {
    common::require("tmux");
    let fixture = common::build_fixture();
    let command = format!(
        "{} --root {} --runroot {} --storage-driver vfs; \
         echo \"cairn exited $?\"; stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\?icanon'; sleep 600",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_cairn"))),
        shell_quote(&fixture.root()),
        shell_quote(&fixture.runroot()),
    );
    let tmux = Tmux::start(&command);

    // Open: the list, then the lineage filled in by the loader.
    let screen = tmux.wait_for("the list and the lineage", |s| {
        s.contains("1 Images") && s.contains("ancestors") && !s.contains("computing lineage")
    });
    assert!(screen.contains("localhost/app:1.0"), "{screen}");
    assert!(
        screen.contains("3 Layers │ 4 History │ 5 Details"),
        "{screen}"
    );
    assert!(
        screen.contains("? help"),
        "the footer hints at the help:\n{screen}"
    );
    // Newest first: mid-cfg is selected, and the details say so.
    tmux.wait_text("Names          localhost/mid-cfg:1");

    // Move: to the last row (the oldest image) and back.
    tmux.send(&["G"]);
    tmux.wait_text("Names          localhost/base:1");
    tmux.send(&["g"]);
    tmux.wait_text("Names          localhost/mid-cfg:1");
    tmux.send(&["j"]);
    tmux.wait_for("the second row", |s| {
        !s.contains("Names          localhost/mid-cfg:1")
    });

    // Filter incrementally, then keep the filter.
    tmux.send(&["/"]);
    tmux.type_text("app");
    let screen = tmux.wait_text("1 of 9");
    assert!(screen.contains("/app▏"), "{screen}");
    let list = list_pane(&screen);
    assert!(list.contains("localhost/app:1.0"), "{list}");
    assert!(!list.contains("localhost/base:1"), "{list}");
    tmux.send(&["Enter"]);
    tmux.wait_text("Names          localhost/app:1.0");

    // The lineage tree: collapse all, expand one level, expand all.
    tmux.send(&["Tab"]);
    tmux.wait_text("Enter select");
    let expanded = lineage_pane(&tmux.screen());
    assert!(expanded.contains("localhost/mid:1"), "{expanded}");
    tmux.send(&["c"]);
    let collapsed = tmux.wait_for("a collapsed tree", |s| {
        !lineage_pane(s).contains("localhost/mid:1")
    });
    assert!(
        lineage_pane(&collapsed).contains("▸ localhost/base:1"),
        "{collapsed}"
    );
    tmux.send(&["l"]);
    tmux.wait_for("base opened", |s| {
        lineage_pane(s).contains("▸ localhost/mid:1")
    });
    tmux.send(&["e"]);
    let screen = tmux.wait_for("the whole tree", |s| {
        lineage_pane(s).contains("localhost/app:1.0")
    });
    assert!(
        lineage_pane(&screen).contains("▾ localhost/mid:1"),
        "{screen}"
    );

    // Jump via the history: the oldest step is base's; Enter selects base, and the filter
    // that hid it goes.
    tmux.send(&["4"]);
    tmux.wait_text("CREATED BY");
    tmux.send(&["G", "Enter"]);
    let screen = tmux.wait_text("selected localhost/base:1");
    assert!(
        list_pane(&screen).contains("localhost/side:1"),
        "the filter was dropped:\n{screen}"
    );
    tmux.send(&["5"]);
    tmux.wait_text("Names          localhost/base:1");

    // Help lists every key, and Esc closes it.
    tmux.send(&["?"]);
    let screen = tmux.wait_text("show or hide this help");
    assert!(screen.contains("toggle the what-requires view"), "{screen}");
    tmux.send(&["Escape"]);
    tmux.wait_for("the help closed", |s| !s.contains("show or hide this help"));

    // Quit: cairn exits 0 and the shell gets a sane terminal back.
    tmux.send(&["q"]);
    let screen = tmux.wait_for("cairn's exit and the terminal mode", |s| {
        s.contains("cairn exited") && s.lines().any(|l| matches!(l.trim(), "icanon" | "-icanon"))
    });
    assert!(screen.contains("cairn exited 0"), "{screen}");
    assert!(
        !screen.contains("1 Images"),
        "the alternate screen was left:\n{screen}"
    );
    let canonical = screen.lines().any(|l| l.trim() == "icanon");
    assert!(canonical, "the terminal is still in raw mode:\n{screen}");
}

/// Removing an image from the browser: select it with the filter, preview with `d`, apply
/// with `y`, and see the status line and the list say so; then real podman agrees it is gone.
#[test]
fn remove_an_image_from_the_browser() {
    common::require("tmux");
    common::require("podman");
    let (_dir, store) = common::copy_store(common::shared_fixture());
    let (root, runroot) = (store.join("root"), store.join("run"));
    let flags = common::store_flags(&root, &runroot);
    let id = common::ok(
        common::podman(&common::args(
            &flags,
            &[
                "image",
                "inspect",
                "--format",
                "{{.Id}}",
                "localhost/side:1",
            ],
        )),
        "podman image inspect",
    )
    .trim()
    .to_string();
    assert_eq!(id.len(), 64, "{id}");

    let command = format!(
        "{} --root {} --runroot {} --storage-driver vfs; echo \"cairn exited $?\"; sleep 600",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_cairn"))),
        shell_quote(&root),
        shell_quote(&runroot),
    );
    let tmux = Tmux::start(&command);
    tmux.wait_for("the list", |s| {
        s.contains("1 Images") && !s.contains("computing lineage")
    });

    // Select side:1 through the filter.
    tmux.send(&["/"]);
    tmux.type_text("side");
    tmux.send(&["Enter"]);
    tmux.wait_text("Names          localhost/side:1");

    // The preview: the plan as a tree, and the keys.
    tmux.send(&["d"]);
    let screen = tmux.wait_text("Remove localhost/side:1");
    for wanted in [
        "Untagged (1)",
        "Deleted images (1)",
        "Layers (",
        "Containers (0)",
        "Reclaims ",
        "y/Enter apply · f force · n no-prune · Esc cancel",
    ] {
        assert!(
            screen.contains(wanted),
            "{wanted:?} is not shown:\n{screen}"
        );
    }
    assert!(!screen.contains("Blocked"), "{screen}");

    // Apply: the status line says what was done, and the list no longer has the image.
    tmux.send(&["y"]);
    let screen = tmux.wait_for("the removal reported and the list reloaded", |s| {
        s.contains("Removed 1 image") && !list_pane(s).contains("localhost/side:1")
    });
    assert!(
        !screen.contains("Remove localhost/side:1"),
        "the dialog closed:\n{screen}"
    );
    assert!(screen.contains("reclaimed"), "{screen}");
    tmux.send(&["Escape"]);
    tmux.wait_for("the filter dropped", |s| {
        list_pane(s).contains("localhost/app:1.0")
    });
    assert!(!list_pane(&tmux.screen()).contains("localhost/side:1"));

    // The prune preview, planned on the planner thread: it fills in, and so does `a`'s.
    tmux.send(&["p"]);
    let screen = tmux.wait_for("the prune planned", |s| {
        s.contains("Prune images") && s.contains("Reclaims ")
    });
    assert!(!screen.contains("Planning on"), "{screen}");
    assert!(
        screen.contains("y/Enter apply · a all · Esc cancel"),
        "{screen}"
    );
    tmux.send(&["a"]);
    let screen = tmux.wait_for("the prune --all planned", |s| {
        s.contains("every image no container uses") && s.contains("Reclaims ")
    });
    assert!(screen.contains("[x] all"), "{screen}");
    tmux.send(&["Escape"]);
    tmux.wait_for("the preview closed", |s| !s.contains("Prune images"));

    tmux.send(&["q"]);
    let screen = tmux.wait_text("cairn exited");
    assert!(screen.contains("cairn exited 0"), "{screen}");

    // Real podman sees the same store without it.
    let images = common::ok(
        common::podman(&common::args(&flags, &["images", "-a", "--no-trunc"])),
        "podman images -a",
    );
    assert!(!images.contains("localhost/side"), "{images}");
    assert!(!images.contains(&id), "{images}");
    assert!(
        images.contains("localhost/app"),
        "the rest stays:\n{images}"
    );
}

/// An OCI layout changed by umoci while the browser shows it: umoci takes no lock, so the
/// browser watches `index.json` itself and shows the new name on its own.
#[test]
fn a_layout_changed_by_umoci_is_reloaded() {
    common::require("tmux");
    common::require("umoci");
    let (_dir, layout) = common::demo_copy();
    let command = format!(
        "{} --store oci:{}",
        env!("CARGO_BIN_EXE_cairn"),
        shell_quote(&layout)
    );
    let tmux = Tmux::start(&command);
    tmux.wait_text("umoci-child");
    let out = Command::new("umoci")
        .arg("tag")
        .arg("--image")
        .arg(format!("{}:umoci-base", layout.display()))
        .arg("tagged-by-umoci")
        .output()
        .unwrap();
    common::ok(out, "umoci tag");
    let screen = tmux.wait_text("store changed: reloaded");
    // The image has a second name now.
    tmux.wait_for("the new name in the list", |s| {
        list_pane(s).contains("umoci-base +1")
    });
    assert!(!screen.contains("Error"), "{screen}");
}

/// The browser on a Docker Engine: a name added by the docker CLI shows up on its own (the
/// daemon's events are watched), and a removal previewed and confirmed in the browser is
/// what the daemon then has.
#[test]
fn browse_and_change_a_docker_engine() {
    common::require("tmux");
    let daemon = common::docker::Daemon::start(common::docker::docker_fixture());
    let command = format!(
        "{} --store docker:{}; echo \"cairn exited $?\"; sleep 600",
        shell_quote(Path::new(env!("CARGO_BIN_EXE_cairn"))),
        daemon.host(),
    );
    let tmux = Tmux::start(&command);
    tmux.wait_for("the list", |s| {
        list_pane(s).contains("mid-cfg:1") && !s.contains("computing lineage")
    });

    common::ok(
        daemon.docker(&["tag", "side:1", "side:outside"]),
        "docker tag",
    );
    tmux.wait_for("the new name", |s| list_pane(s).contains("side:1 +1"));

    tmux.send(&["/"]);
    tmux.type_text("mid-cfg");
    tmux.send(&["Enter"]);
    tmux.wait_text("Names          mid-cfg:1");
    tmux.send(&["d"]);
    let screen = tmux.wait_text("Remove mid-cfg:1");
    for wanted in ["Untagged (1)", "Deleted images (2)", "Layers (0)"] {
        assert!(
            screen.contains(wanted),
            "{wanted:?} is not shown:\n{screen}"
        );
    }
    assert!(!screen.contains("Blocked"), "{screen}");
    tmux.send(&["y"]);
    tmux.wait_for("the removal reported and the list reloaded", |s| {
        s.contains("Removed 2 images") && !list_pane(s).contains("mid-cfg:1")
    });
    tmux.send(&["q"]);
    let screen = tmux.wait_text("cairn exited");
    assert!(screen.contains("cairn exited 0"), "{screen}");

    let images = common::ok(
        daemon.docker(&["images", "-a", "--no-trunc"]),
        "docker images",
    );
    for gone in ["MID_CFG", "MID_CFG_LABEL_STEP"] {
        assert!(
            !images.contains(&daemon.ids()[gone]),
            "{gone} is gone:\n{images}"
        );
    }
    assert!(
        images.contains(&daemon.ids()["MID"]),
        "its parent mid:1 stays:\n{images}"
    );
}

/// A newcomer's first minutes in a real terminal: the demo's scratch copy opens (the status
/// bar says so), the keys of a config file are the ones the footer shows and that work, a
/// removal is applied there and the cursor stays on the next row; a config with a mistake is
/// one line naming the file and line, the browser keeps its default keys, and the whole line
/// is printed when it ends.
#[test]
fn the_demo_with_a_config_file_in_a_real_terminal() {
    common::require("tmux");
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join(".config/cairn/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, "[keys.normal]\nstart-remove = \"x\"\n").unwrap();
    let command = demo_command(home.path());
    let tmux = Tmux::start(&command);
    let screen = tmux.wait_for("the demo's list", |s| {
        s.contains("demo: scratch copy at")
            && s.contains("umoci-child")
            && !s.contains("computing lineage")
    });
    assert!(screen.contains("x remove"), "{screen}");
    assert!(!screen.contains("d remove"), "{screen}");
    // localhost/side:1 is the fourth row, localhost/multi:1 the fifth.
    tmux.send(&["j", "j", "j"]);
    tmux.wait_text("Names          localhost/side:1");
    tmux.send(&["x"]);
    let screen = tmux.wait_text("Remove localhost/side:1");
    assert!(screen.contains("y/Enter apply"), "{screen}");
    tmux.send(&["y"]);
    tmux.wait_text("Removed 1 image, 3 blobs");
    tmux.wait_text("Names          localhost/multi:1");
    tmux.send(&["q"]);
    tmux.wait_text("cairn exited 0");
    drop(tmux);

    std::fs::write(
        &config,
        "[keys.normal]\nstart-remove = \"x\"\n\n[keys.remove]\nremov = \"F\"\n",
    )
    .unwrap();
    let tmux = Tmux::start(&command);
    let screen = tmux.wait_text("config.toml line 5:");
    assert!(
        screen.contains(&format!("config {}", config.display())),
        "{screen}"
    );
    assert!(screen.contains("d remove"), "the default keys:\n{screen}");
    tmux.send(&["q"]);
    let screen = tmux.wait_text("cairn exited 0");
    assert!(
        screen.contains("no action \"remov\" in [keys.remove]: its actions are"),
        "{screen}"
    );
}

/// The browser on `registry` over plain HTTP, with its cache in `cache`; the shell says how
/// it exited.
fn registry_command(registry: &common::registry::TestRegistry, cache: &Path) -> String {
    format!(
        "XDG_CACHE_HOME={} {} --store registry:{} --tls-verify=false; echo \"cairn exited $?\"; sleep 600",
        shell_quote(cache),
        shell_quote(Path::new(env!("CARGO_BIN_EXE_cairn"))),
        registry.addr,
    )
}

/// A real registry (docker-registry 2.8.2 filled with skopeo) in the browser: untag is
/// refused with the registry's reason; the remove dialog names every tag of the digest in
/// every repository, the manifests deleted and the blobs the next garbage collection frees at
/// most; applying it leaves the registry without those tags, as skopeo sees it.
#[test]
fn remove_and_untag_on_a_registry_in_a_real_terminal() {
    let registry = common::registry::TestRegistry::filled();
    let cache = tempfile::tempdir().unwrap();
    let command = registry_command(&registry, cache.path());
    let tmux = Tmux::start(&command);
    tmux.wait_for("the list", |s| {
        s.contains("1 Images") && !s.contains("computing lineage")
    });
    tmux.send(&["/"]);
    tmux.type_text("app:1.0");
    tmux.send(&["Enter"]);
    let app = format!("{}/app:1.0", registry.addr);
    tmux.wait_text(&format!("Names          {app}"));

    tmux.send(&["u"]);
    let screen = tmux.wait_text("does not delete a tag on its own");
    assert!(
        screen.contains("400 Bad"),
        "the registry's answer:\n{screen}"
    );
    tmux.send(&["Escape"]);
    tmux.wait_for("the untag dialog closed", |s| !s.contains("Untag "));

    tmux.send(&["d"]);
    let screen = tmux.wait_text(&format!("Remove {app}"));
    for wanted in [
        "Untagged (3)".to_string(),
        format!("{}/app:latest", registry.addr),
        format!("{}/mirror/app:stable", registry.addr),
        "Manifests deleted (2)".to_string(),
        "frees, at most".to_string(),
        "y/Enter apply".to_string(),
    ] {
        assert!(
            screen.contains(&wanted),
            "{wanted:?} is not shown:\n{screen}"
        );
    }
    tmux.send(&["y"]);
    tmux.wait_for("the removal reported and the list reloaded", |s| {
        // The filter line still says app:1.0; no row does.
        s.contains("Deleted 2 manifests (3 tags)") && s.contains("No image selected")
    });
    tmux.send(&["q"]);
    let screen = tmux.wait_text("cairn exited");
    assert!(screen.contains("cairn exited 0"), "{screen}");

    for (repository, tag) in [("app", "latest"), ("mirror/app", "stable")] {
        let tags = registry.skopeo(&[
            "list-tags",
            "--tls-verify=false",
            &registry.reference(repository),
        ]);
        assert!(!tags.contains(&format!("\"{tag}\"")), "{tags}");
    }
}

/// A registry that stops answering while the browser shows it: the status line says so
/// (since when, the next try, the error) once the watch fails, and the message goes once
/// the registry answers again. Then the same at open: with the registry stopped, the
/// browser shows the listing it cached, says the registry is unreachable, and replaces the
/// listing once the registry is back.
#[test]
fn an_unreachable_registry_is_said_until_it_answers_in_a_real_terminal() {
    // The watch pauses 15 s between rounds and waits 30 s after a first failure.
    let patience = Duration::from_secs(180);
    let mut registry = common::registry::TestRegistry::filled();
    let cache = tempfile::tempdir().unwrap();
    let command = registry_command(&registry, cache.path());
    let listed = |s: &str| s.contains("1 Images") && !s.contains("computing lineage");
    let tmux = Tmux::start(&command);
    tmux.wait_for("the list", listed);
    registry.stop();
    let screen = tmux.wait_for_within("the registry said unreachable", patience, |s| {
        s.contains("unreachable since")
    });
    let status = screen.lines().nth(38).unwrap_or_default();
    assert!(
        status.contains("unreachable since") && status.contains(", next try in "),
        "{screen}"
    );
    assert!(listed(&screen), "the listing stays: {screen}");
    registry.restart();
    tmux.wait_for_within("the message gone", patience, |s| {
        !s.contains("unreachable") && listed(s)
    });
    tmux.send(&["q"]);
    let screen = tmux.wait_text("cairn exited");
    assert!(screen.contains("cairn exited 0"), "{screen}");
    drop(tmux);

    // Opened while the registry is down: the cached listing, and why it is not fresh.
    registry.stop();
    let tmux = Tmux::start(&command);
    // Its lineage too: nothing else comes until the registry answers.
    let screen = tmux.wait_for_within("the cached listing, unreachable", patience, |s| {
        s.contains("cached") && s.contains("unreachable since") && listed(s)
    });
    assert!(screen.contains(", next try in "), "{screen}");
    registry.restart();
    tmux.wait_for_within("the registry's own listing", patience, |s| {
        !s.contains("unreachable") && !s.contains("cached") && listed(s)
    });
    tmux.send(&["q"]);
    let screen = tmux.wait_text("cairn exited");
    assert!(screen.contains("cairn exited 0"), "{screen}");
}

/// The Files tab's path filter in a real terminal, on the demo: the filter worker's answer
/// reaches the screen through the event loop, and Esc gives back the tree, with the
/// directory of the file the cursor was on opened.
#[test]
fn the_files_filter_in_a_real_terminal() {
    common::require("tmux");
    let home = tempfile::tempdir().unwrap();
    let command = demo_command(home.path());
    let tmux = Tmux::start(&command);
    tmux.wait_for("the demo's list", |s| {
        s.contains("demo: scratch copy at") && !s.contains("computing lineage")
    });
    // The list's filter selects the app image; then its files.
    tmux.send(&["/"]);
    tmux.type_text("app:1.0");
    tmux.send(&["Enter"]);
    tmux.wait_text("Names          localhost/app:1.0");
    tmux.send(&["6"]);
    tmux.wait_for("the app's top-level files", |s| {
        s.contains("▸ app/") && s.contains("▸ etc/")
    });
    tmux.send(&["/"]);
    tmux.type_text("os-rel");
    let screen = tmux.wait_for("the filtered tree", |s| {
        s.contains("os-release") && !s.contains("filtering…")
    });
    assert!(screen.contains("/os-rel"), "{screen}");
    assert!(!screen.contains("app/"), "app/ does not match:\n{screen}");
    // Enter keeps the filter, ↓ goes to the file, Esc clears: the tree is back, etc/ open.
    tmux.send(&["Enter", "Down", "Escape"]);
    let screen = tmux.wait_for("the whole tree again", |s| {
        s.contains("▸ app/") && s.contains("▾ etc/") && s.contains("os-release")
    });
    assert!(!screen.contains("/os-rel"), "{screen}");
    tmux.send(&["q"]);
    tmux.wait_text("cairn exited 0");
}
