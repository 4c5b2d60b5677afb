//! Finding the image a user means, in the order libimage's `LookupImage` tries: a full ID or
//! `sha256:` digest; the name expanded as podman expands short names (containers/image's
//! `shortnames.ResolveLocally`: the alias, `localhost/`, the unqualified-search registries,
//! then Docker Hub); the raw string as an ID prefix or stored name; a recorded manifest
//! digest; finally a tag whose repository ends in the given short name.

use super::reference::{self, ImageName};
use super::{ImageIdx, Rules, Snapshot};
use std::collections::BTreeMap;
use thiserror::Error;

/// How the machine's podman completes short names, from `registries.conf`, its drop-ins and
/// the short-name alias cache (read by the store crate; the model only uses it). The
/// default completes as a machine with no such files does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShortNames {
    /// `[aliases]`: a short name (a repository without registry, tag or digest) to the full
    /// repository it stands for (`docker.io/library/alpine`).
    pub aliases: BTreeMap<String, String>,
    /// `unqualified-search-registries`, in the order podman tries them.
    pub search_registries: Vec<String>,
    /// Why the files could not be used, when they could not: podman then knows no image by
    /// a short name (its `ResolveLocally` fails, and `LookupImage` says "image not known").
    pub broken: Option<String>,
}

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum LookupError {
    /// Podman: `<name>: image not known`.
    #[error("{0}: image not known")]
    NotKnown(String),
    /// Podman: `sha256:abc: invalid format: no 64-byte hexadecimal value`.
    #[error("{0}: invalid format: no 64-byte hexadecimal value")]
    NoHexValue(String),
    /// Not an image reference at all (`repository name must be lowercase`).
    #[error("{0}")]
    Syntax(String),
    /// Docker: `No such image: <name>`.
    #[error("No such image: {0}")]
    NoSuchImage(String),
}

fn is_full_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Resolves IMAGE as the store's tool does.
pub fn lookup(snapshot: &Snapshot, name: &str) -> Result<ImageIdx, LookupError> {
    if snapshot.rules == Rules::Docker {
        return lookup_docker_with(
            name,
            |id| snapshot.image_by_id(id),
            |familiar| snapshot.image_named(familiar),
            |prefix| snapshot.unique_id_prefix(prefix),
        );
    }
    lookup_resolved(snapshot, name).map(|(idx, _)| idx)
}

/// Docker's `GetImage`, over any view of the images (the removal planner asks about a
/// store it is changing): a full ID (64 hex digits, bare or `sha256:`) must be an image's
/// ID; anything else is a name (`app` meaning `app:latest`) and, when no image has that
/// reference, the argument as typed is an ID prefix that only one image has.
pub fn lookup_docker_with(
    arg: &str,
    by_id: impl Fn(&str) -> Option<ImageIdx>,
    by_reference: impl Fn(&str) -> Option<ImageIdx>,
    by_prefix: impl Fn(&str) -> Option<ImageIdx>,
) -> Result<ImageIdx, LookupError> {
    let not_known = || LookupError::NoSuchImage(arg.to_string());
    // The daemon answers an empty name as a missing image, not a bad reference.
    if arg.is_empty() {
        return Err(not_known());
    }
    let full_hex =
        |s: &str| s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    let hex = arg.strip_prefix("sha256:").unwrap_or(arg);
    if full_hex(hex) {
        return by_id(hex).ok_or_else(not_known);
    }
    let familiar = reference::docker_familiar(arg).map_err(|e| match e {
        reference::NameError::Invalid { reason, .. } => {
            LookupError::Syntax(reference::docker_reason(&reason))
        }
    })?;
    if let Some(idx) = by_reference(&familiar) {
        return Ok(idx);
    }
    if hex.is_empty() || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_known());
    }
    by_prefix(hex).ok_or_else(not_known)
}

/// Resolves IMAGE and says which name it matched: the full name a short name expanded to,
/// or what the user typed for IDs and digests. `podman rmi` decides from this whether to
/// untag or delete.
pub fn lookup_resolved(snapshot: &Snapshot, name: &str) -> Result<(ImageIdx, String), LookupError> {
    reference::check_syntax(name).map_err(LookupError::Syntax)?;
    let not_known = || LookupError::NotKnown(name.to_string());
    let typed = |idx| (idx, name.to_string());
    if let Some(hex) = name.strip_prefix("sha256:") {
        if !is_full_id(hex) {
            return Err(LookupError::NoHexValue(name.to_string()));
        }
        return snapshot
            .storage_lookup(hex)
            .map(typed)
            .ok_or_else(not_known);
    }
    if is_full_id(name) {
        return snapshot
            .storage_lookup(name)
            .map(typed)
            .ok_or_else(not_known);
    }
    if snapshot.short_names.broken.is_some() && reference::is_short_name(name) {
        return Err(not_known());
    }
    for candidate in candidates(name, &snapshot.short_names) {
        if let Some(idx) = snapshot.storage_lookup(&candidate) {
            return Ok((idx, candidate));
        }
    }
    if let Some(idx) = snapshot.storage_lookup(name) {
        return Ok(typed(idx));
    }
    by_digest_or_repo_tag(snapshot, name).ok_or_else(not_known)
}

/// Full names to try for `name`: for a short name its alias, `localhost/NAME`, NAME under
/// each unqualified-search registry, then Docker Hub's `docker.io/library/NAME`; else the
/// name itself. `:latest` is added when neither tag nor digest is given.
fn candidates(name: &str, short_names: &ShortNames) -> Vec<String> {
    let mut out = Vec::new();
    if !reference::is_short_name(name) {
        if let Ok(full) = ImageName::parse(name) {
            out.push(full.to_string_full());
        }
        return out;
    }
    let Ok(typed) = ImageName::parse(name) else {
        return out;
    };
    // The alias is looked up by the repository as typed, without its tag or digest, and
    // keeps them.
    let (repository, suffix) = split_reference(name);
    if let Some(alias) = short_names.aliases.get(repository)
        && let Ok(full) = ImageName::parse(&format!("{alias}{suffix}"))
    {
        out.push(full.to_string_full());
    }
    if let Ok(local) = reference::normalize(name) {
        out.push(local.to_string_full());
    }
    for registry in &short_names.search_registries {
        if let Ok(full) = ImageName::parse(&format!("{registry}/{name}")) {
            out.push(full.to_string_full());
        }
    }
    out.push(typed.to_string_full());
    out
}

/// `app:1` is (`app`, `:1`), `app@sha256:..` is (`app`, `@sha256:..`): the repository and
/// what follows it. A `:` after the last `/` starts the tag.
fn split_reference(name: &str) -> (&str, &str) {
    let end = name.find('@').unwrap_or(name.len());
    let path_end = name[..end].rfind('/').map_or(0, |slash| slash + 1);
    let end = name[path_end..end]
        .find(':')
        .map_or(end, |colon| path_end + colon);
    name.split_at(end)
}

fn by_digest_or_repo_tag(snapshot: &Snapshot, name: &str) -> Option<(ImageIdx, String)> {
    let wanted = ImageName::parse(name).ok()?;
    if let Some(digest) = &wanted.digest {
        return snapshot
            .images
            .position(|image| image.digests.iter().any(|d| d == digest))
            .map(|idx| (idx, name.to_string()));
    }
    if !reference::is_short_name(name) {
        return None;
    }
    // podman parses without normalizing here, so the repository is what the user typed.
    let path = name.split(':').next().unwrap_or(name);
    let tag = wanted.tag.as_deref().unwrap_or("latest");
    snapshot.images.iter_enumerated().find_map(|(idx, image)| {
        image
            .names
            .iter()
            .find(|stored| {
                let (repository, stored_tag) = reference::repository_and_tag(stored);
                stored_tag == tag
                    && repository.ends_with(path)
                    && (repository.len() == path.len()
                        || repository.as_bytes()[repository.len() - path.len() - 1] == b'/')
            })
            .map(|stored| (idx, stored.clone()))
    })
}

#[cfg(test)]
mod tests;
