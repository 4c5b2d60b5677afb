//! `tag` and `untag` on a registry: a tag is `PUT /v2/<name>/manifests/<tag>` of the image's
//! manifest (in another repository, its blobs are mounted there first), an untag is `DELETE
//! /v2/<name>/manifests/<tag>`, which only some registries allow (the store says which).
//! Names are the registry's: `[HOST/]REPOSITORY:TAG`, a name without the host meaning this
//! registry's, without a tag `:latest`, as podman completes them.

use super::NamesPlan;
use crate::lookup::lookup;
use crate::reference::{has_domain, split_tag};
use crate::removal::Step;
use crate::removal::registry::RegistryStep;
use crate::{Catalog, ImageIdx, Snapshot};

/// The `HOST[:PORT]` the snapshot's names carry, if they carry one.
pub fn host(snapshot: &Snapshot) -> Option<&str> {
    let name = snapshot.images.iter().flat_map(|i| &i.names).next()?;
    has_domain(name).then(|| name.split('/').next().unwrap_or_default())
}

/// The full name `name` stands for on this registry, or why it cannot be one.
pub fn full_name(snapshot: &Snapshot, name: &str) -> Result<String, String> {
    let host = host(snapshot);
    let (path, tag) = match (has_domain(name), host) {
        (true, Some(host)) => match name.strip_prefix(host).and_then(|r| r.strip_prefix('/')) {
            Some(rest) => split_tag(rest),
            None => {
                return Err(format!(
                    "{name}: not a name on {host}: cairn tags within the registry it reads"
                ));
            }
        },
        _ => split_tag(name),
    };
    if name.contains('@') {
        return Err(format!("{name}: tag by digest not supported"));
    }
    let tag = tag.unwrap_or("latest");
    if !is_repository(path) {
        return Err(format!(
            "{name}: {path:?} is not a repository name (lowercase letters and digits separated by . _ __ - and /)"
        ));
    }
    if !is_tag(tag) {
        return Err(format!(
            "{name}: {tag:?} is not a tag (letters, digits, _ . -; at most 128, not starting with . or -)"
        ));
    }
    Ok(match host {
        Some(host) => format!("{host}/{path}:{tag}"),
        None => format!("{path}:{tag}"),
    })
}

/// distribution's repository grammar: path components of `[a-z0-9]+` joined by `.`, `_`,
/// `__` or runs of `-`.
fn is_repository(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 255
        && path.split('/').all(|part| {
            let bytes = part.as_bytes();
            let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
            let (Some(first), Some(last)) = (bytes.first(), bytes.last()) else {
                return false;
            };
            alnum(first)
                && alnum(last)
                && !part.contains("..")
                && !part.contains("___")
                && !part.contains("._")
                && !part.contains("_.")
                && bytes
                    .iter()
                    .all(|b| alnum(b) || matches!(b, b'.' | b'_' | b'-'))
                && !bytes
                    .windows(2)
                    .any(|w| matches!((w[0], w[1]), (b'-', b'.' | b'_') | (b'.' | b'_', b'-')))
        })
}

/// distribution's tag grammar: `[\w][\w.-]{0,127}`.
fn is_tag(tag: &str) -> bool {
    let word = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_';
    let bytes = tag.as_bytes();
    bytes.first().is_some_and(word)
        && bytes.len() <= 128
        && bytes.iter().all(|b| word(b) || matches!(b, b'.' | b'-'))
}

/// A repository of the registry that holds the image: one of its tags', else its index's.
fn source(snapshot: &Snapshot, idx: ImageIdx, prefer: &str) -> Option<String> {
    let repositories = |idx: ImageIdx| -> Vec<String> {
        snapshot.images[idx]
            .names
            .iter()
            .map(|n| split_tag(n).0.to_string())
            .collect()
    };
    let mut found = repositories(idx);
    if found.is_empty()
        && let Some(list) = snapshot.list_of(idx)
    {
        found = repositories(list);
    }
    found
        .iter()
        .find(|r| r.as_str() == prefer)
        .or_else(|| found.first())
        .cloned()
}

fn start(catalog: &Catalog, image: &str) -> Result<(NamesPlan, ImageIdx), Box<NamesPlan>> {
    match lookup(&catalog.snapshot, image) {
        Ok(idx) => Ok((
            NamesPlan {
                image: catalog.snapshot.images[idx].id.clone(),
                ..NamesPlan::default()
            },
            idx,
        )),
        Err(e) => Err(Box::new(NamesPlan {
            errors: vec![e.to_string()],
            ..NamesPlan::default()
        })),
    }
}

/// `tag IMAGE NAME...` on a registry: each name is pointed at the image's manifest; a name
/// that pointed at another image moves (that image loses it). The first bad name stops.
pub fn plan_tag(catalog: &Catalog, image: &str, names: &[String]) -> NamesPlan {
    let snapshot = &catalog.snapshot;
    let (mut plan, idx) = match start(catalog, image) {
        Ok(started) => started,
        Err(plan) => return *plan,
    };
    let digest = format!("sha256:{}", snapshot.images[idx].id);
    for name in names {
        let full = match full_name(snapshot, name) {
            Ok(full) => full,
            Err(error) => {
                plan.errors.push(error);
                break;
            }
        };
        let current = snapshot.image_named(&full);
        if current == Some(idx) || plan.tagged.contains(&full) {
            continue;
        }
        let repository = split_tag(&full).0;
        let Some(from) = source(snapshot, idx, repository) else {
            plan.errors.push(format!(
                "{digest}: no repository of the registry names it, so there is nothing to tag from"
            ));
            break;
        };
        if current.is_some() {
            plan.untagged.push(full.clone());
        }
        plan.tagged.push(full.clone());
        plan.steps.push(Step::Registry(RegistryStep::Tag {
            name: full,
            digest: digest.clone(),
            from,
            replaces: current.map(|c| format!("sha256:{}", snapshot.images[c].id)),
        }));
    }
    plan
}

/// `untag IMAGE [NAME...]` on a registry: each tag is deleted on its own (every tag of the
/// image when none is named).
pub fn plan_untag(catalog: &Catalog, image: &str, names: &[String]) -> NamesPlan {
    let snapshot = &catalog.snapshot;
    let (mut plan, idx) = match start(catalog, image) {
        Ok(started) => started,
        Err(plan) => return *plan,
    };
    let own = &snapshot.images[idx].names;
    let names: Vec<String> = if names.is_empty() {
        own.clone()
    } else {
        names.to_vec()
    };
    let digest = format!("sha256:{}", snapshot.images[idx].id);
    for name in &names {
        let full = match full_name(snapshot, name) {
            Ok(full) => full,
            Err(error) => {
                plan.errors.push(error);
                break;
            }
        };
        if !own.contains(&full) {
            plan.errors.push(format!("{full}: tag not known"));
            break;
        }
        if plan.untagged.contains(&full) {
            continue;
        }
        plan.untagged.push(full.clone());
        plan.steps.push(Step::Registry(RegistryStep::Untag {
            name: full,
            digest: digest.clone(),
        }));
    }
    plan
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::SnapshotBuilder;

    fn registry() -> SnapshotBuilder {
        let mut store = SnapshotBuilder::registry();
        store
            .image("base")
            .name("r:5000/base:1")
            .layer("COPY / /", 5);
        store
            .image("app")
            .name("r:5000/app:1")
            .layer("COPY app /", 7);
        store
    }

    #[test]
    fn a_name_without_the_host_is_this_registrys_and_without_a_tag_latest() {
        let store = registry();
        let plan = plan_tag(&store.catalog(), "app:1", &["copies/app".into()]);
        assert_eq!(plan.tagged, ["r:5000/copies/app:latest"]);
        assert_eq!(
            plan.steps,
            [Step::Registry(RegistryStep::Tag {
                name: "r:5000/copies/app:latest".into(),
                digest: format!("sha256:{}", store.id("app")),
                from: "r:5000/app".into(),
                replaces: None,
            })]
        );
        let elsewhere = plan_tag(&store.catalog(), "app:1", &["other:1/app:2".into()]);
        assert!(elsewhere.steps.is_empty());
        assert!(elsewhere.errors[0].contains("not a name on r:5000"));
    }

    #[test]
    fn a_tag_that_points_elsewhere_moves_and_says_so() {
        let store = registry();
        let plan = plan_tag(&store.catalog(), "app:1", &["base:1".into()]);
        assert_eq!(plan.untagged, ["r:5000/base:1"]);
        let Step::Registry(RegistryStep::Tag { replaces, .. }) = &plan.steps[0] else {
            panic!("{:?}", plan.steps);
        };
        assert_eq!(replaces, &Some(format!("sha256:{}", store.id("base"))));
    }

    #[test]
    fn untag_deletes_each_tag_and_refuses_a_tag_the_image_lacks() {
        let store = registry();
        let plan = plan_untag(&store.catalog(), "app:1", &[]);
        assert_eq!(
            plan.steps,
            [Step::Registry(RegistryStep::Untag {
                name: "r:5000/app:1".into(),
                digest: format!("sha256:{}", store.id("app")),
            })]
        );
        let plan = plan_untag(&store.catalog(), "app:1", &["base:1".into()]);
        assert!(plan.steps.is_empty());
        assert_eq!(plan.errors, ["r:5000/base:1: tag not known"]);
    }

    #[test]
    fn repository_and_tag_names_follow_distributions_grammar() {
        for good in ["a", "a/b", "a.b_c__d--e", "x0/y-1"] {
            assert!(is_repository(good), "{good}");
        }
        for bad in ["", "A", "a//b", "-a", "a-", "a.-b", "a___b", "a..b", "/a"] {
            assert!(!is_repository(bad), "{bad}");
        }
        assert!(is_tag("v1.0-rc_2"));
        assert!(is_tag("_x"));
        for bad in ["", ".x", "-x", "a/b", &"a".repeat(129)] {
            assert!(!is_tag(bad), "{bad}");
        }
    }
}
