//! Image names under podman's rules: a name without a registry lives under `localhost/`, a
//! name without a tag or digest means `:latest`. Parsing and validation are the OCI
//! distribution grammar from `oci-spec`; only podman's defaults are added here.

use oci_spec::distribution::Reference;
use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum NameError {
    #[error("normalizing name {name:?}: {reason}")]
    Invalid { name: String, reason: String },
}

/// A parsed image name: repository (with registry) and tag and/or digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageName {
    /// `registry/path`, e.g. `localhost/app` or `docker.io/library/alpine`.
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageName {
    /// Parses a full name as stored in a store (no defaults added beyond `:latest`).
    pub fn parse(name: &str) -> Result<Self, NameError> {
        let parsed: Reference = name
            .parse()
            .map_err(|e: oci_spec::distribution::ParseError| NameError::Invalid {
                name: name.to_string(),
                reason: e.to_string(),
            })?;
        let explicit_tag = has_explicit_tag(name);
        Ok(ImageName {
            repository: format!("{}/{}", parsed.registry(), parsed.repository()),
            tag: if explicit_tag || parsed.digest().is_none() {
                parsed.tag().map(str::to_string)
            } else {
                None
            },
            digest: parsed.digest().map(str::to_string),
        })
    }

    /// `repository:tag`, or `repository@digest` for digest-only names.
    pub fn to_string_full(&self) -> String {
        let mut out = self.repository.clone();
        if let Some(tag) = &self.tag {
            out.push(':');
            out.push_str(tag);
        }
        if let Some(digest) = &self.digest {
            out.push('@');
            out.push_str(digest);
        }
        out
    }
}

/// Docker's `reference.Parse` verdict, with its messages: podman checks every IMAGE with it
/// before looking anything up.
pub fn check_syntax(name: &str) -> Result<(), String> {
    match name.parse::<Reference>() {
        Ok(_) => Ok(()),
        Err(oci_spec::distribution::ParseError::ReferenceInvalidFormat)
            if name.to_lowercase().parse::<Reference>().is_ok() =>
        {
            Err(oci_spec::distribution::ParseError::NameContainsUppercase.to_string())
        }
        Err(e) => Err(e.to_string()),
    }
}

/// Whether the part of `name` after its last `/` carries a `:tag` (before any `@digest`).
fn has_explicit_tag(name: &str) -> bool {
    let without_digest = name.split('@').next().unwrap_or(name);
    let last = without_digest.rsplit('/').next().unwrap_or(without_digest);
    last.contains(':')
}

/// Docker's rule for whether the first path component is a registry.
pub fn has_domain(name: &str) -> bool {
    match name.split_once('/') {
        Some((first, _)) => first.contains('.') || first.contains(':') || first == "localhost",
        None => false,
    }
}

/// True for names podman expands through `localhost/` and the search registries.
pub fn is_short_name(name: &str) -> bool {
    !has_domain(name)
}

/// podman's `NormalizeName`: `app` becomes `localhost/app:latest`, `docker.io/alpine`
/// becomes `docker.io/library/alpine:latest`.
pub fn normalize(name: &str) -> Result<ImageName, NameError> {
    check_syntax(name).map_err(|reason| NameError::Invalid {
        name: name.to_string(),
        reason,
    })?;
    if has_domain(name) {
        ImageName::parse(name)
    } else {
        ImageName::parse(&format!("localhost/{name}"))
    }
}

/// The names of an image that carry a tag, in the image's order (podman's `RepoTags`).
pub fn repo_tags(names: &[String]) -> Vec<String> {
    names
        .iter()
        .filter(|name| {
            ImageName::parse(name).is_ok_and(|n| n.tag.is_some() && has_explicit_tag(name))
        })
        .cloned()
        .collect()
}

/// Splits a stored name into the REPOSITORY and TAG columns of `podman images`.
pub fn repository_and_tag(name: &str) -> (String, String) {
    let none = || "<none>".to_string();
    match ImageName::parse(name) {
        Ok(parsed) => {
            let repository = name
                .split('@')
                .next()
                .map(|n| match (&parsed.tag, has_explicit_tag(name)) {
                    (Some(tag), true) => n[..n.len() - tag.len() - 1].to_string(),
                    _ => n.to_string(),
                })
                .unwrap_or_else(none);
            let tag = match (&parsed.tag, has_explicit_tag(name)) {
                (Some(tag), true) => tag.clone(),
                _ => none(),
            };
            (repository, tag)
        }
        Err(_) => (none(), none()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_go_to_localhost_with_latest() {
        let name = normalize("app").unwrap();
        assert_eq!(name.to_string_full(), "localhost/app:latest");
        assert_eq!(
            normalize("team/app:2").unwrap().to_string_full(),
            "localhost/team/app:2"
        );
    }

    #[test]
    fn docker_io_names_get_library() {
        let name = normalize("docker.io/alpine").unwrap();
        assert_eq!(name.to_string_full(), "docker.io/library/alpine:latest");
    }

    #[test]
    fn registries_with_ports_are_domains() {
        let name = normalize("registry:5000/app:1").unwrap();
        assert_eq!(name.repository, "registry:5000/app");
        assert_eq!(name.tag.as_deref(), Some("1"));
    }

    #[test]
    fn uppercase_and_empty_names_are_rejected() {
        assert!(normalize("App").is_err());
        assert!(normalize("").is_err());
        assert!(normalize("a:b:c").is_err());
    }

    #[test]
    fn repository_and_tag_split_like_podman_images() {
        assert_eq!(
            repository_and_tag("localhost/app:1"),
            ("localhost/app".to_string(), "1".to_string())
        );
        let digest = format!("quay.io/x/app@sha256:{}", "a".repeat(64));
        assert_eq!(
            repository_and_tag(&digest),
            ("quay.io/x/app".to_string(), "<none>".to_string())
        );
    }

    #[test]
    fn repo_tags_skip_digest_names() {
        let names = vec![
            "localhost/app:1".to_string(),
            format!("localhost/app@sha256:{}", "b".repeat(64)),
        ];
        assert_eq!(repo_tags(&names), vec!["localhost/app:1".to_string()]);
    }
}
