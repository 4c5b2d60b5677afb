//! Whole stores' plans, pinned. Every image of a generated store (bases, builds on builds
//! that share layers, config-only steps, several names, a name two images hold, digest
//! names, containers running and stopped, a mounted layer, an ID-mapped top layer, a
//! read-only image, a manifest list, layers an interrupted removal left) and of the
//! conformance fixtures' mirrors, removed by ID and by name under each combination of force
//! and no-prune, images removed two at a time, prune and prune --all, rmi --all, and every
//! image tagged (with a new name and with another image's) and untagged, under podman's and
//! Docker's rules. One line a plan: its counts, and a digest of all of it.
//!
//! The snapshot was recorded by the planners that copied the store's state before replaying
//! a removal (main at dfba8a9); the planners that keep their changes beside the catalog must
//! give every plan exactly as they did.

use super::{RemoveOptions, Target, plan_removal};
use crate::tagging::{NamesPlan, plan_tag, plan_untag};
use crate::testing::{Random, SnapshotBuilder, fixtures, hex_id};
use crate::{Catalog, Rules};
use jiff::Timestamp;
use std::fmt::Write;

/// A name in the rules' form: podman's full names, Docker's familiar ones.
fn name(rules: Rules, repository: &str, tag: &str) -> String {
    match rules {
        Rules::Docker => format!("{repository}:{tag}"),
        _ => format!("localhost/{repository}:{tag}"),
    }
}

/// A store shaped like a build server's, small enough to plan every case on.
fn generated(rules: Rules, seed: u64) -> SnapshotBuilder {
    let mut random = Random(seed);
    let mut store = SnapshotBuilder::new(rules);
    let mut keys: Vec<String> = Vec::new();
    for base in 0..3 {
        let key = format!("base{base}");
        let image = store
            .image(&key)
            .name(&name(rules, &format!("base{base}"), "1"))
            .layer(&format!("ADD base{base} /"), 1000 + base);
        if base == 0 {
            image.layer("RUN setup", 300);
        }
        keys.push(key);
    }
    for n in 0..32 {
        let key = format!("img{n}");
        let from = keys[random.below(keys.len())].clone();
        let mut image = store.image(&key).from(&from);
        for _ in 0..1 + random.below(3) {
            // Few kinds of steps, so that the same step on the same parent makes one layer
            // two images share.
            let step = random.below(4);
            image = match random.chance(25) {
                true => image.config_step(&format!("ENV step={step}")),
                false => image.layer(&format!("RUN step {step}"), 10 + step as u64),
            };
        }
        if random.chance(65) {
            image = image.name(&name(rules, &format!("app{n}"), "1"));
            if random.chance(25) {
                image = image.name(&name(rules, &format!("app{n}"), "2"));
            }
            if rules == Rules::Docker && random.chance(30) {
                let digest = hex_id(&format!("manifest {n}"));
                image = image.digest_name(&format!("app{n}@sha256:{digest}"));
            }
        }
        image.big_data(100 + n);
        keys.push(key);
    }
    // Two images holding one name: a store and its additional store, or a damaged store.
    store.image("img3").name(&name(rules, "shared", "1"));
    store.image("img7").name(&name(rules, "shared", "1"));
    for c in 0..6 {
        let image = keys[3 + random.below(keys.len() - 3)].clone();
        let container = store.container(&format!("work{c}"), &image);
        if c % 2 == 0 {
            container.running();
        }
    }
    if rules != Rules::Docker {
        // A mounted layer, an ID-mapped top layer, a read-only image and a manifest list.
        let mounted = store.layers_of("img5")[0].clone();
        store.layer(&mounted).mounted();
        let top = store.layers_of("img9")[0].clone();
        store.layer("mapped-img9").parent(&top).size(7);
        store.image("img9").mapped_top_layer("mapped-img9");
        store
            .image("ro")
            .from("base1")
            .name(&name(rules, "ro", "1"))
            .layer("COPY ro /", 5)
            .read_only();
        store
            .image("arm")
            .from("base2")
            .layer("COPY arm /", 6)
            .arch("arm64");
        store.image("x86").from("base2").layer("COPY x86 /", 6);
        store
            .image("list")
            .name(&name(rules, "list", "1"))
            .list(&[("arm", "linux/arm64"), ("x86", "linux/amd64")]);
        // Removals interrupted after the record went: the layers are left.
        store.image("gone1").from("img2").layer("COPY gone1 /", 40);
        store
            .image("gone2")
            .from("base0")
            .layer("COPY gone2 /", 41)
            .layer("COPY gone2b /", 42);
        store.remove_image("gone1");
        store.remove_image("gone2");
    }
    store
}

/// Options with every layer old enough for podman's unreferenced-layer rule.
fn options(force: bool, no_prune: bool) -> RemoveOptions {
    RemoveOptions {
        force,
        no_prune,
        collect_unreferenced_at: Timestamp::from_second(1_900_000_000).ok(),
        ..RemoveOptions::default()
    }
}

/// The four combinations of force and no-prune, as `rm` spells them.
const SWITCHES: [(&str, bool, bool); 4] = [
    ("", false, false),
    (" -f", true, false),
    (" --no-prune", false, true),
    (" -f --no-prune", true, true),
];

/// A line for each combination of the switches.
fn removal_lines(out: &mut String, catalog: &Catalog, label: &str, target: Target) {
    for (switches, force, no_prune) in SWITCHES {
        let plan = plan_removal(catalog, &target, options(force, no_prune));
        let _ = writeln!(
            out,
            "{label}{switches}: untagged {} deleted {} records {} layers {} containers {} errors {} steps {} bytes {} · {}",
            plan.untagged.len(),
            plan.deleted.len(),
            plan.records_deleted.len(),
            plan.layers.len(),
            plan.containers.len(),
            plan.errors.len() + plan.silenced.len(),
            plan.steps.len(),
            plan.reclaimed_bytes,
            &hex_id(&format!("{plan:?}"))[..16],
        );
    }
}

/// A line for a tag or untag plan.
fn names_line(out: &mut String, label: &str, plan: &NamesPlan) {
    let _ = writeln!(
        out,
        "{label}: tagged {} untagged {} errors {} steps {} · {}",
        plan.tagged.len(),
        plan.untagged.len(),
        plan.errors.len(),
        plan.steps.len(),
        &hex_id(&format!("{plan:?}"))[..16],
    );
}

/// Every case on one store, a line each.
fn every_plan(catalog: &Catalog) -> String {
    let snapshot = &catalog.snapshot;
    let mut out = String::new();
    let short = |id: &str| id[..8].to_string();
    for image in snapshot.images.iter() {
        let id = short(&image.id);
        let by_id = Target::References(vec![image.id.clone()]);
        removal_lines(&mut out, catalog, &format!("rm {id}"), by_id);
        for name in image.names.iter().chain(&image.digest_names) {
            let by_name = Target::References(vec![name.clone()]);
            removal_lines(&mut out, catalog, &format!("rm {name}"), by_name);
        }
    }
    let images: Vec<_> = snapshot.images.iter().collect();
    for (i, image) in images.iter().enumerate().step_by(3) {
        let other = images[(i + 5) % images.len()];
        let both = Target::References(vec![image.id.clone(), other.id.clone()]);
        let label = format!("rm {} {}", short(&image.id), short(&other.id));
        removal_lines(&mut out, catalog, &label, both);
    }
    removal_lines(
        &mut out,
        catalog,
        "rm nosuch",
        Target::References(vec!["nosuch".into()]),
    );
    removal_lines(&mut out, catalog, "prune", Target::Prune { all: false });
    removal_lines(&mut out, catalog, "prune -a", Target::Prune { all: true });
    removal_lines(&mut out, catalog, "rm -a", Target::All);
    let tag = |n: &str| match snapshot.rules {
        Rules::Docker => format!("new:{n}"),
        _ => format!("localhost/new:{n}"),
    };
    for (i, image) in images.iter().enumerate() {
        let id = &image.id;
        let new = tag(&i.to_string());
        names_line(
            &mut out,
            &format!("tag {} {new}", short(id)),
            &plan_tag(catalog, id, std::slice::from_ref(&new)),
        );
        let other = images[(i + 1) % images.len()];
        if let Some(taken) = other.names.first() {
            let plan = plan_tag(catalog, id, &[new, taken.clone()]);
            names_line(&mut out, &format!("tag {} {taken}", short(id)), &plan);
        }
        for name in image.names.iter().chain(&image.digest_names) {
            let plan = plan_untag(catalog, id, std::slice::from_ref(name));
            names_line(&mut out, &format!("untag {} {name}", short(id)), &plan);
        }
        names_line(
            &mut out,
            &format!("untag {}", short(id)),
            &plan_untag(catalog, id, &[]),
        );
    }
    out
}

#[test]
fn a_generated_podman_store_plans_as_recorded() {
    let mut out = String::new();
    for seed in [1, 2, 3] {
        let _ = writeln!(out, "# seed {seed}");
        out.push_str(&every_plan(&generated(Rules::Podman, seed).catalog()));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn a_generated_docker_store_plans_as_recorded() {
    let mut out = String::new();
    for seed in [1, 2, 3] {
        let _ = writeln!(out, "# seed {seed}");
        out.push_str(&every_plan(&generated(Rules::Docker, seed).catalog()));
    }
    insta::assert_snapshot!(out);
}

#[test]
fn the_fixtures_plan_as_recorded() {
    let mut out = String::new();
    for (label, store) in [
        ("podman", fixtures::podman(false)),
        ("podman with an additional store", fixtures::podman(true)),
        ("docker", fixtures::docker()),
    ] {
        let _ = writeln!(out, "# {label}");
        out.push_str(&every_plan(&store.catalog()));
    }
    insta::assert_snapshot!(out);
}
