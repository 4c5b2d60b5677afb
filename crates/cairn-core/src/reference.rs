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
        if let Some(common) = parse_common(name) {
            return Ok(common);
        }
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

/// The shape nearly every stored name has, `domain/path[:tag]` with an explicit domain
/// other than Docker Hub's, parsed by hand. The distribution grammar is one large regex:
/// compiling it takes tens of milliseconds and matching ~5 µs a name, which on a store of
/// 10,000 images was a third of `cairn images`. Returns `None` for anything else (digests,
/// Docker Hub names, anything invalid), which then takes the full grammar, so that every
/// answer and every error message stays the grammar's. A name accepted here is one the
/// grammar accepts with the same parts (`fast_path_agrees_with_the_grammar` checks it).
fn parse_common(name: &str) -> Option<ImageName> {
    if name.contains('@') {
        return None;
    }
    let (domain, rest) = name.split_once('/')?;
    let explicit_domain = domain.contains('.') || domain.contains(':') || domain == "localhost";
    if !explicit_domain || domain == "docker.io" || domain == "index.docker.io" {
        return None;
    }
    let last = rest.rfind('/').map_or(0, |i| i + 1);
    let (path, tag) = match rest[last..].find(':') {
        Some(colon) => (&rest[..last + colon], Some(&rest[last + colon + 1..])),
        None => (rest, None),
    };
    let valid = is_domain(domain)
        && path.len() <= 255
        && path.split('/').all(is_path_component)
        && tag.is_none_or(is_tag);
    valid.then(|| ImageName {
        repository: format!("{domain}/{path}"),
        tag: Some(tag.unwrap_or("latest").to_string()),
        digest: None,
    })
}

/// `host[:port]`, the host being dot-separated `[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?`.
fn is_domain(domain: &str) -> bool {
    let (host, port) = match domain.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (domain, None),
    };
    let component = |c: &str| {
        let b = c.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|&x| x.is_ascii_alphanumeric() || x == b'-')
    };
    host.split('.').all(component)
        && port.is_none_or(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

/// `[a-z0-9]+` runs joined by `.`, `_`, `__` or any number of `-`.
fn is_path_component(component: &str) -> bool {
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    let b = component.as_bytes();
    if b.is_empty() || !alnum(b[0]) || !alnum(b[b.len() - 1]) {
        return false;
    }
    let mut separator = 0..0;
    for (i, &byte) in b.iter().enumerate() {
        if alnum(byte) {
            let sep = &b[separator.clone()];
            let valid = sep.is_empty()
                || sep == b"."
                || sep == b"_"
                || sep == b"__"
                || sep.iter().all(|&s| s == b'-');
            if !valid {
                return false;
            }
            separator = i + 1..i + 1;
        } else {
            separator.end = i + 1;
        }
    }
    true
}

/// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}` (the grammar's `\w` also takes other letters; those
/// names go the slow way).
fn is_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let b = tag.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b.iter().all(|&x| word(x) || x == b'.' || x == b'-')
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

/// Docker's `FamiliarString(TagNameOnly(ParseNormalizedNamed(name)))`: how Docker shows
/// and stores a name, `app` being `app:latest` and `docker.io/library/app:1` being `app:1`.
pub fn docker_familiar(name: &str) -> Result<String, NameError> {
    check_syntax(name).map_err(|reason| NameError::Invalid {
        name: name.to_string(),
        reason,
    })?;
    let parsed = ImageName::parse(name)?;
    let repository = parsed
        .repository
        .strip_prefix("docker.io/")
        .or_else(|| parsed.repository.strip_prefix("index.docker.io/"))
        .map(|path| match path.strip_prefix("library/") {
            Some(official) if !official.contains('/') => official,
            _ => path,
        })
        .unwrap_or(&parsed.repository);
    let mut out = repository.to_string();
    match (&parsed.tag, &parsed.digest) {
        (Some(tag), _) if has_explicit_tag(name) || parsed.digest.is_none() => {
            out.push(':');
            out.push_str(tag);
        }
        _ => {}
    }
    if let Some(digest) = &parsed.digest {
        out.push('@');
        out.push_str(digest);
    }
    Ok(out)
}

/// A name's repository and tag: the tag follows the last `:` of the last path component (a
/// registry's port is not one), before any `@digest`.
pub fn split_tag(name: &str) -> (&str, Option<&str>) {
    let name = name.split('@').next().unwrap_or(name);
    let last = name.rfind('/').map_or(0, |i| i + 1);
    match name[last..].rfind(':') {
        Some(colon) => (&name[..last + colon], Some(&name[last + colon + 1..])),
        None => (name, None),
    }
}

/// Docker words a bad name as `invalid reference format[: why]`.
pub fn docker_reason(reason: &str) -> String {
    match reason {
        "repository name must be lowercase" => {
            "invalid reference format: repository name must be lowercase".into()
        }
        other => other.to_string(),
    }
}

/// Docker's full form of a familiar name (`app:1` is `docker.io/library/app:1`): Docker
/// orders an image's references by it.
pub fn docker_full(familiar: &str) -> String {
    match ImageName::parse(familiar) {
        Ok(parsed) => {
            let mut out = parsed.repository;
            if let Some(tag) = parsed.tag.filter(|_| has_explicit_tag(familiar)) {
                out.push(':');
                out.push_str(&tag);
            }
            if let Some(digest) = parsed.digest {
                out.push('@');
                out.push_str(&digest);
            }
            out
        }
        Err(_) => familiar.to_string(),
    }
}

/// Which of an image's names `name` means: the name itself when the image has it as
/// written (an OCI layout's `umoci-base`), else podman's normalization of it.
pub fn stored_name(names: &[String], name: &str) -> Result<String, NameError> {
    if names.iter().any(|n| n == name) {
        return Ok(name.to_string());
    }
    normalize(name).map(|n| n.to_string_full())
}

/// The image-spec's grammar for `org.opencontainers.image.ref.name`: alphanumeric
/// components joined by one of `-._:@+` or `--`, in `/`-separated parts.
pub fn is_ref_name(name: &str) -> bool {
    let component = |c: &str| {
        let b = c.as_bytes();
        let sep = |x: u8| matches!(x, b'-' | b'.' | b'_' | b':' | b'@' | b'+');
        if b.is_empty() || !b[0].is_ascii_alphanumeric() || !b[b.len() - 1].is_ascii_alphanumeric()
        {
            return false;
        }
        let mut i = 0;
        while i < b.len() {
            if b[i].is_ascii_alphanumeric() {
                i += 1;
            } else if b[i] == b'-' && b.get(i + 1) == Some(&b'-') {
                i += 2;
                if !b.get(i).is_some_and(u8::is_ascii_alphanumeric) {
                    return false;
                }
            } else if sep(b[i]) {
                i += 1;
                if !b.get(i).is_some_and(u8::is_ascii_alphanumeric) {
                    return false;
                }
            } else {
                return false;
            }
        }
        true
    };
    !name.is_empty() && name.split('/').all(component)
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

    /// What `ImageName::parse` answers without the fast path.
    fn parse_by_grammar(name: &str) -> Option<ImageName> {
        let parsed: Reference = name.parse().ok()?;
        Some(ImageName {
            repository: format!("{}/{}", parsed.registry(), parsed.repository()),
            tag: parsed.tag().map(str::to_string),
            digest: parsed.digest().map(str::to_string),
        })
    }

    #[test]
    fn docker_shows_names_short_and_tagged() {
        let familiar = |n: &str| docker_familiar(n).unwrap();
        assert_eq!(familiar("app"), "app:latest");
        assert_eq!(familiar("app:1.0"), "app:1.0");
        assert_eq!(familiar("docker.io/library/app:1"), "app:1");
        assert_eq!(familiar("docker.io/example/app"), "example/app:latest");
        assert_eq!(familiar("example/app:stable"), "example/app:stable");
        assert_eq!(familiar("localhost/app"), "localhost/app:latest");
        assert_eq!(familiar("quay.io/a/b:2"), "quay.io/a/b:2");
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(
            familiar(&format!("alpine@{digest}")),
            format!("alpine@{digest}")
        );
        assert!(docker_familiar("Bad:Name").is_err());
        assert_eq!(docker_full("app:1.0"), "docker.io/library/app:1.0");
        assert_eq!(
            docker_full("example/app:stable"),
            "docker.io/example/app:stable"
        );
        assert!(docker_full("example/app:stable") < docker_full("app:1.0"));
    }

    #[test]
    fn the_tag_is_after_the_registry_port() {
        assert_eq!(split_tag("app:1.0"), ("app", Some("1.0")));
        assert_eq!(
            split_tag("localhost:5000/app:2"),
            ("localhost:5000/app", Some("2"))
        );
        assert_eq!(
            split_tag("localhost:5000/app"),
            ("localhost:5000/app", None)
        );
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(split_tag(&format!("a/b@{digest}")), ("a/b", None));
    }

    #[test]
    fn ref_names_follow_the_image_spec_grammar() {
        for good in [
            "umoci-base",
            "1.0",
            "localhost/app:1.0",
            "a--b",
            "v1+build.2",
            "a@b",
        ] {
            assert!(is_ref_name(good), "{good} is a ref name");
        }
        for bad in [
            "", "-a", "a-", "a---b", "a..b", "a/", "/a", "a b", "a/../b", "é",
        ] {
            assert!(!is_ref_name(bad), "{bad:?} is not a ref name");
        }
    }

    #[test]
    fn a_stored_name_is_matched_as_written_before_normalizing() {
        let names = vec!["umoci-base".to_string(), "localhost/app:1".to_string()];
        assert_eq!(stored_name(&names, "umoci-base").unwrap(), "umoci-base");
        assert_eq!(stored_name(&names, "app:1").unwrap(), "localhost/app:1");
        assert_eq!(stored_name(&[], "app").unwrap(), "localhost/app:latest");
    }

    #[test]
    fn fast_path_agrees_with_the_grammar() {
        let long = format!("localhost/{}:1", "a".repeat(256));
        let long_tag = format!("localhost/a:{}", "t".repeat(129));
        let names = [
            "localhost/app:1",
            "localhost/app",
            "localhost/team/app:1.2-rc_3",
            "quay.io/team-3/api-12:1.0",
            "quay.io:443/x/y:tag",
            "registry:5000/app",
            "Quay.IO/x:1",
            "my-registry.example.com/a.b/c_d/e__f/g---h:v",
            "localhost/a___b:1",
            "localhost/a_.b:1",
            "localhost/-a:1",
            "localhost/a-:1",
            "localhost/A:1",
            "localhost/app:",
            "localhost/app:-x",
            "localhost/app:.x",
            "localhost/app:_x",
            "localhost//app",
            "localhost/app/",
            "-bad.io/app",
            "bad-.io/app",
            "ba_d.io/app",
            "reg.io:/app",
            "reg.io:5x/app",
            "localhost/app:1:2",
            "docker.io/alpine",
            "index.docker.io/library/alpine:3",
            "LOCALHOST/app",
            "app:1",
            "team/app:1",
            "localhost/ap\u{e9}:1",
            "localhost/app:t\u{e9}",
            &long,
            &long_tag,
        ];
        for name in names {
            if let Some(fast) = parse_common(name) {
                assert_eq!(Some(fast), parse_by_grammar(name), "{name}");
            }
        }
        // Every short string over the characters that matter, behind two domains.
        let alphabet = b"a0._-:/A";
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut accepted = 0;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = 1 + (state % 9) as usize;
            let tail: String = (0..len)
                .map(|i| alphabet[((state >> (8 + 3 * i)) & 7) as usize] as char)
                .collect();
            for domain in ["localhost/", "r.io:5/"] {
                let name = format!("{domain}{tail}");
                if let Some(fast) = parse_common(&name) {
                    assert_eq!(Some(fast), parse_by_grammar(&name), "{name}");
                    accepted += 1;
                }
            }
        }
        assert!(
            accepted > 10_000,
            "the fast path took only {accepted} names"
        );
        assert!(parse_common("localhost/app:1").is_some());
        assert!(parse_common("quay.io/team-3/api-12:1.0").is_some());
    }

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
