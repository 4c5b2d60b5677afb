//! What `podman tag` and `podman untag` would do (libimage `Tag`, `Untag`, and
//! containers/storage `SetNames`), or `docker tag` and untagging through `docker rmi`: the
//! names added, the names taken from other images, and the steps that apply it. Like the
//! tools, the first bad name stops the rest.

use super::Rules;
use super::lookup::lookup;
use super::overlay::NameOverlay;
use super::reference::{
    NameError, docker_familiar, docker_reason, is_ref_name, normalize, stored_name,
};
use super::removal::docker::Simulation;
use super::removal::{Blob, Step};
use super::{Catalog, ImageIdx};
use serde::Serialize;

/// The answer to "what would this tag or untag do?".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct NamesPlan {
    /// The image the names go to or come from.
    pub image: String,
    /// Names added to the image.
    pub tagged: Vec<String>,
    /// Names removed: from this image (untag), or from the images that had a new name (tag).
    pub untagged: Vec<String>,
    /// At most one: podman stops at the first name it cannot use.
    pub errors: Vec<String>,
    /// OCI layouts: the blobs no descriptor reaches once the names are changed, deleted as
    /// a removal deletes them (what a change deletes is always in its plan).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub blobs: Vec<Blob>,
    /// What the change does not do although it could seem to; it goes ahead.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    #[serde(skip)]
    pub steps: Vec<Step>,
    /// Whose rules made the plan, which decides the exit code.
    #[serde(skip)]
    pub rules: Rules,
}

impl NamesPlan {
    /// The exit code for any error: podman's 125, the docker CLI's 1.
    pub fn exit_code(&self) -> i32 {
        match (self.errors.is_empty(), self.rules) {
            (true, _) => 0,
            (false, Rules::Docker) => 1,
            (false, _) => 125,
        }
    }
}

/// Current names of every image while the plan is built.
struct Names<'a> {
    catalog: &'a Catalog,
    names: NameOverlay<'a>,
}

impl<'a> Names<'a> {
    fn new(catalog: &'a Catalog) -> Self {
        Names {
            catalog,
            names: NameOverlay::new(&catalog.snapshot),
        }
    }

    /// containers/storage `SetNames`: the image gets `names`; other images lose them.
    fn set(&mut self, image: ImageIdx, names: Vec<String>, plan: &mut NamesPlan) {
        let mut taken_from = Vec::new();
        for other in self.names.holders(&names) {
            if other != image {
                self.names.get_mut(other).retain(|n| {
                    let moved = names.contains(n);
                    if moved {
                        plan.untagged.push(n.clone());
                    }
                    !moved
                });
                taken_from.push(self.catalog.snapshot.images[other].id.clone());
            }
        }
        let mut deduped: Vec<String> = Vec::with_capacity(names.len());
        for name in names {
            if !deduped.contains(&name) {
                deduped.push(name);
            }
        }
        *self.names.get_mut(image) = deduped.clone();
        plan.steps.push(Step::SetNames {
            image: self.catalog.snapshot.images[image].id.clone(),
            names: deduped,
            taken_from,
        });
    }
}

/// Looks the image up as podman does; a miss is the plan's only error.
fn start<'a>(
    catalog: &'a Catalog,
    image: &str,
) -> Result<(NamesPlan, ImageIdx, Names<'a>), Box<NamesPlan>> {
    match lookup(&catalog.snapshot, image) {
        Ok(idx) => {
            let plan = NamesPlan {
                image: catalog.snapshot.images[idx].id.clone(),
                ..NamesPlan::default()
            };
            Ok((plan, idx, Names::new(catalog)))
        }
        Err(e) => Err(Box::new(NamesPlan {
            errors: vec![e.to_string()],
            ..NamesPlan::default()
        })),
    }
}

/// `podman tag IMAGE NAME...` (`docker tag` for Docker).
pub fn plan_tag(catalog: &Catalog, image: &str, names: &[String]) -> NamesPlan {
    let mut plan = match catalog.snapshot.rules {
        Rules::Docker => docker_tag(catalog, image, names),
        Rules::Podman | Rules::Layout => podman_tag(catalog, image, names),
        Rules::Registry => registry::plan_tag(catalog, image, names),
    };
    plan.rules = catalog.snapshot.rules;
    plan
}

/// `podman untag IMAGE [NAME...]`; without names, every name goes. For Docker, each name is
/// taken off as `docker rmi NAME` would, which Docker can do only while the image keeps a
/// name, a child or a running container: otherwise that would delete the image.
pub fn plan_untag(catalog: &Catalog, image: &str, names: &[String]) -> NamesPlan {
    let mut plan = match catalog.snapshot.rules {
        Rules::Docker => docker_untag(catalog, image, names),
        Rules::Podman | Rules::Layout => podman_untag(catalog, image, names),
        Rules::Registry => registry::plan_untag(catalog, image, names),
    };
    plan.rules = catalog.snapshot.rules;
    plan
}

fn podman_tag(catalog: &Catalog, image: &str, names: &[String]) -> NamesPlan {
    let (mut plan, idx, mut state) = match start(catalog, image) {
        Ok(started) => started,
        Err(plan) => return *plan,
    };
    for name in names {
        let full = match tag_name(catalog.snapshot.rules, name) {
            Ok(full) => full,
            Err(refused) => {
                plan.errors.push(refused.message);
                break;
            }
        };
        let mut new_names = state.names.get(idx).to_vec();
        new_names.push(full.clone());
        plan.tagged.push(full);
        state.set(idx, new_names, &mut plan);
    }
    plan
}

/// Why a name cannot be given to an image, in two wordings: `reason` without the name (the
/// tag dialog shows it under the name being typed) and `message`, the command's error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameRefused {
    pub reason: String,
    pub message: String,
}

/// The name an image is given when tagged `name`, or why it cannot be. libimage `Tag`'s
/// checks (no digests, podman's normalization); Docker's familiar form, without digests; a
/// layout's name is written as given, as `skopeo copy` and `umoci tag` write it, if the
/// image-spec allows it.
pub fn tag_name(rules: Rules, name: &str) -> Result<String, NameRefused> {
    const DIGEST: &str = "tag by digest not supported";
    let refused = |reason: &str, message: String| NameRefused {
        reason: reason.to_string(),
        message,
    };
    if rules == Rules::Docker {
        return match docker_familiar(name) {
            Ok(familiar) if familiar.contains('@') => Err(refused(
                DIGEST,
                "refusing to create a tag with a digest reference".into(),
            )),
            Ok(familiar) => Ok(familiar),
            Err(NameError::Invalid { reason, .. }) => Err(NameRefused {
                message: format!(
                    "Error parsing reference: {name:?} is not a valid repository/tag: {}",
                    docker_reason(&reason)
                ),
                reason,
            }),
        };
    }
    if name.starts_with("sha256:") {
        return Err(refused(DIGEST, format!("{name}: {DIGEST}")));
    }
    if matches!(rules, Rules::Layout | Rules::Registry) {
        return match is_ref_name(name) {
            true => Ok(name.to_string()),
            false => Err(refused(
                "not an OCI ref name (letters and digits joined by -._:@+)",
                format!(
                    "{name:?} is not a valid OCI ref name: letters and digits, separated by one of -._:@+ or --, in /-separated parts"
                ),
            )),
        };
    }
    let normalized = normalize(name).map_err(|e| {
        let NameError::Invalid { reason, .. } = &e;
        refused(reason, format!("normalizing name {name:?}: {e}"))
    })?;
    if normalized.digest.is_some() {
        return Err(refused(DIGEST, format!("{name}: {DIGEST}")));
    }
    Ok(normalized.to_string_full())
}

fn podman_untag(catalog: &Catalog, image: &str, names: &[String]) -> NamesPlan {
    let (mut plan, idx, mut state) = match start(catalog, image) {
        Ok(started) => started,
        Err(plan) => return *plan,
    };
    let names: Vec<String> = if names.is_empty() {
        state.names.get(idx).to_vec()
    } else {
        names.to_vec()
    };
    for name in &names {
        if name.starts_with("sha256:") {
            plan.errors
                .push(format!("{name}: untag by digest not supported"));
            break;
        }
        let full = match stored_name(state.names.get(idx), name) {
            Ok(full) => full,
            Err(e) => {
                plan.errors.push(format!("normalizing name {name:?}: {e}"));
                break;
            }
        };
        if !state.names.get(idx).contains(&full) {
            plan.errors.push(format!("{full}: tag not known"));
            break;
        }
        let remaining: Vec<String> = (state.names.get(idx).iter())
            .filter(|n| **n != full)
            .cloned()
            .collect();
        plan.untagged.push(full);
        state.set(idx, remaining, &mut plan);
    }
    plan
}

/// `docker tag IMAGE NAME...`: each name in Docker's familiar form, taken from any image that
/// had it; a name the image already has changes nothing.
fn docker_tag(catalog: &Catalog, image: &str, names: &[String]) -> NamesPlan {
    let (mut plan, idx, mut state) = match start(catalog, image) {
        Ok(started) => started,
        Err(plan) => return *plan,
    };
    let id = catalog.snapshot.images[idx].id.clone();
    for name in names {
        let familiar = match tag_name(Rules::Docker, name) {
            Ok(familiar) => familiar,
            Err(refused) => {
                plan.errors.push(refused.message);
                break;
            }
        };
        if state.names.get(idx).contains(&familiar) {
            continue;
        }
        let holders = state.names.holders(std::slice::from_ref(&familiar));
        for other in holders.into_iter().filter(|&other| other != idx) {
            state.names.get_mut(other).retain(|n| *n != familiar);
            plan.untagged.push(familiar.clone());
        }
        state.names.get_mut(idx).push(familiar.clone());
        plan.tagged.push(familiar.clone());
        plan.steps.push(Step::DockerTag {
            image: id.clone(),
            name: familiar,
        });
    }
    plan
}

fn docker_untag(catalog: &Catalog, image: &str, names: &[String]) -> NamesPlan {
    let (mut plan, idx, _) = match start(catalog, image) {
        Ok(started) => started,
        Err(plan) => return *plan,
    };
    let img = &catalog.snapshot.images[idx];
    let names: Vec<String> = if names.is_empty() {
        img.names.iter().chain(&img.digest_names).cloned().collect()
    } else {
        names.to_vec()
    };
    let mut sim = Simulation::new(catalog);
    for name in &names {
        let familiar = match docker_familiar(name) {
            Ok(familiar) => familiar,
            Err(NameError::Invalid { reason, .. }) => {
                plan.errors.push(docker_reason(&reason));
                break;
            }
        };
        let has = sim.plan.untagged.iter().all(|u| *u != familiar)
            && (img.names.contains(&familiar) || img.digest_names.contains(&familiar));
        if !has {
            plan.errors.push(format!(
                "{familiar} is not a name of image {}",
                img.short_id()
            ));
            break;
        }
        if let Err(refusal) = sim.image_delete(&familiar, false, false) {
            plan.errors.push(refusal.message().to_string());
            break;
        }
        if !sim.plan.deleted.is_empty() {
            plan.errors.push(format!(
                "Docker deletes image {} with its last name {familiar}: remove it with `cairn rm {familiar}`",
                img.short_id()
            ));
            break;
        }
    }
    if plan.errors.is_empty() {
        plan.untagged = sim.plan.untagged;
        plan.steps = sim.plan.steps;
    }
    plan
}

pub mod registry;

#[cfg(test)]
mod tests;
