//! Image names under podman's rules: a name without a registry lives under `localhost/`, a
//! name without a tag or digest means `:latest`. Names are parsed by the distribution
//! grammar as podman's `reference.Parse` (containers/image `docker/reference`) applies it,
//! written out by hand: the grammar as one regex (oci-spec's) took about 20 ms to compile in
//! every process that parsed a name, and its Unicode `\w` took tags Go's ASCII `\w` refuses.

use thiserror::Error;

#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum NameError {
    #[error("normalizing name {name:?}: {reason}")]
    Invalid { name: String, reason: String },
}

/// podman's `reference.Parse` refusals, in its words (docker/reference and go-digest).
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum SyntaxError {
    #[error("repository name must have at least one component")]
    NameEmpty,
    #[error("repository name must be lowercase")]
    NameContainsUppercase,
    #[error("invalid reference format")]
    InvalidFormat,
    #[error("repository name must not be more than {NAME_TOTAL_LENGTH_MAX} characters")]
    NameTooLong,
    #[error("invalid checksum digest format")]
    DigestInvalidFormat,
    #[error("invalid checksum digest length")]
    DigestInvalidLength,
    #[error("unsupported digest algorithm")]
    DigestUnsupported,
}

/// docker/reference's `NameTotalLengthMax`, which podman checks on the whole name (registry
/// and path, without tag or digest).
const NAME_TOTAL_LENGTH_MAX: usize = 255;

/// A parsed image name: repository (with registry) and tag and/or digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageName {
    /// `registry/path`, e.g. `localhost/app` or `docker.io/library/alpine`.
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl ImageName {
    /// Parses a full name as stored in a store (no defaults added beyond `:latest`, and
    /// Docker Hub's `docker.io/library/` for names without a registry).
    pub fn parse(name: &str) -> Result<Self, NameError> {
        let parts = parse(name).map_err(|e| NameError::Invalid {
            name: name.to_string(),
            reason: e.to_string(),
        })?;
        let (domain, path) = split_docker_domain(parts.name);
        Ok(ImageName {
            repository: format!("{domain}/{path}"),
            tag: parts
                .tag
                .or(parts.digest.is_none().then_some("latest"))
                .map(str::to_string),
            digest: parts.digest.map(str::to_string),
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

/// A name split by the grammar: `name` is `[domain/]path`, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Parts<'a> {
    name: &'a str,
    tag: Option<&'a str>,
    digest: Option<&'a str>,
}

/// podman's `reference.Parse`: the grammar's match, then its checks in its order (an
/// unmatched name that matches in lower case is "must be lowercase"; the whole name's
/// length; the digest as go-digest validates it).
fn parse(s: &str) -> Result<Parts<'_>, SyntaxError> {
    let Some(parts) = match_reference(s) else {
        return Err(if s.is_empty() {
            SyntaxError::NameEmpty
        } else if match_reference(&s.to_lowercase()).is_some() {
            SyntaxError::NameContainsUppercase
        } else {
            SyntaxError::InvalidFormat
        });
    };
    if parts.name.len() > NAME_TOTAL_LENGTH_MAX {
        return Err(SyntaxError::NameTooLong);
    }
    if let Some(digest) = parts.digest {
        validate_digest(digest)?;
    }
    Ok(parts)
}

/// docker/reference's `ReferenceRegexp`, anchored: `name[:tag][@digest]`. No part holds an
/// `@`, no tag holds a `/` or `:`, and a domain is always followed by a `/`, so each
/// separator is found where it must be and every match is the only one.
fn match_reference(s: &str) -> Option<Parts<'_>> {
    let (rest, digest) = match s.split_once('@') {
        Some((rest, digest)) => (rest, Some(digest)),
        None => (s, None),
    };
    if digest.is_some_and(|d| !is_digest(d)) {
        return None;
    }
    let last = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last..].find(':') {
        Some(colon) => (&rest[..last + colon], Some(&rest[last + colon + 1..])),
        None => (rest, None),
    };
    if tag.is_some_and(|t| !is_tag(t)) || !is_name(name) {
        return None;
    }
    Some(Parts { name, tag, digest })
}

/// `[domain/]component(/component)*`.
fn is_name(name: &str) -> bool {
    let all_paths = |path: &str| path.split('/').all(is_path_component);
    all_paths(name)
        || name
            .split_once('/')
            .is_some_and(|(domain, path)| is_domain(domain) && all_paths(path))
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

/// `[\w][\w.-]{0,127}`, `\w` being Go's: `[A-Za-z0-9_]`.
fn is_tag(tag: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let b = tag.as_bytes();
    !b.is_empty()
        && b.len() <= 128
        && word(b[0])
        && b.iter().all(|&x| word(x) || x == b'.' || x == b'-')
}

/// The grammar's digest: `algorithm:hex`, the algorithm `[A-Za-z][A-Za-z0-9]*` parts
/// joined by one of `-_+.`, and at least 32 hex digits of either case.
fn is_digest(digest: &str) -> bool {
    let Some((algorithm, hex)) = digest.split_once(':') else {
        return false;
    };
    let part = |p: &str| {
        let b = p.as_bytes();
        !b.is_empty() && b[0].is_ascii_alphabetic() && b.iter().all(u8::is_ascii_alphanumeric)
    };
    algorithm.split(['-', '_', '+', '.']).all(part)
        && hex.len() >= 32
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
}

/// go-digest's `Digest.Validate` on a digest the grammar took: a known algorithm needs
/// exactly its length of lower-case hex; an unknown one is "unsupported" when it is
/// otherwise well formed (`[a-z0-9]+([.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+`).
fn validate_digest(digest: &str) -> Result<(), SyntaxError> {
    let (algorithm, encoded) = digest
        .split_once(':')
        .ok_or(SyntaxError::DigestInvalidFormat)?;
    let length = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => {
            let part = |p: &str| {
                !p.is_empty()
                    && p.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            };
            let well_formed = algorithm.split(['.', '+', '_', '-']).all(part)
                && encoded
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b'_' | b'-'));
            return Err(if well_formed {
                SyntaxError::DigestUnsupported
            } else {
                SyntaxError::DigestInvalidFormat
            });
        }
    };
    if encoded.len() != length {
        return Err(SyntaxError::DigestInvalidLength);
    }
    if !encoded
        .bytes()
        .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    {
        return Err(SyntaxError::DigestInvalidFormat);
    }
    Ok(())
}

/// docker/reference's `splitDockerDomain`: the first component is a registry when it looks
/// like one (see [`has_domain`]); else the name is Docker Hub's, where a one-component path
/// is an official image under `library/`. `index.docker.io` is `docker.io`.
fn split_docker_domain(name: &str) -> (&str, std::borrow::Cow<'_, str>) {
    let (domain, path) = match name.split_once('/') {
        Some((first, rest)) if has_domain(name) => (first, rest),
        _ => ("docker.io", name),
    };
    let domain = if domain == "index.docker.io" {
        "docker.io"
    } else {
        domain
    };
    if domain == "docker.io" && !path.contains('/') {
        (domain, format!("library/{path}").into())
    } else {
        (domain, path.into())
    }
}

/// Docker's `reference.Parse` verdict, with its messages: podman checks every IMAGE with it
/// before looking anything up.
pub fn check_syntax(name: &str) -> Result<(), String> {
    parse(name).map(|_| ()).map_err(|e| e.to_string())
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

    /// docker/reference's `ReferenceRegexp` as Go compiles it (ASCII `\w`), assembled from
    /// its parts as regexp.go assembles them: the hand-written parser must match exactly
    /// what it matches, with the same captures.
    fn go_reference_regex() -> regex::Regex {
        let alpha_numeric = "[a-z0-9]+";
        let separator = "(?:[._]|__|[-]*)";
        let name_component = format!("{alpha_numeric}(?:(?:{separator}{alpha_numeric})+)?");
        let domain_component = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
        let domain = format!("{domain_component}(?:(?:\\.{domain_component})+)?(?::[0-9]+)?");
        let name = format!("(?:{domain}/)?{name_component}(?:(?:/{name_component})+)?");
        let tag = r"(?-u:[\w][\w.-]{0,127})";
        let digest = "[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][[:xdigit:]]{32,}";
        regex::Regex::new(&format!("^({name})(?::({tag}))?(?:@({digest}))?$")).unwrap()
    }

    #[test]
    fn the_parser_matches_exactly_what_the_grammar_matches() {
        let grammar = go_reference_regex();
        let check = |name: &str| {
            let ours = match_reference(name);
            let theirs = grammar.captures(name).map(|c| Parts {
                name: c.get(1).map_or("", |m| m.as_str()),
                tag: c.get(2).map(|m| m.as_str()),
                digest: c.get(3).map(|m| m.as_str()),
            });
            assert_eq!(ours, theirs, "{name:?}");
            ours.is_some()
        };
        let digest = format!("sha256:{}", "a".repeat(64));
        let long = format!("localhost/{}:1", "a".repeat(256));
        let long_tag = format!("localhost/a:{}", "t".repeat(129));
        let tag_128 = format!("localhost/a:{}", "t".repeat(128));
        for name in [
            "localhost/app:1",
            "quay.io:443/x/y:tag",
            "registry:5000/app",
            "Quay.IO/x:1",
            "Uppercase/lowercase:tag",
            "my-registry.example.com/a.b/c_d/e__f/g---h:v",
            "localhost/a___b:1",
            "localhost/a_.b:1",
            "localhost//app",
            "-bad.io/app",
            "reg.io:/app",
            "test.com:5000",
            "a:b:c",
            "app@",
            "app:@x",
            &format!("app@{digest}"),
            &format!("app:1@{digest}"),
            &format!("app@@{digest}"),
            &format!("app@x-y_z+w.v:{}", "F".repeat(32)),
            &format!("app@9x:{}", "f".repeat(32)),
            &format!("app@x:{}", "f".repeat(31)),
            "localhost/ap\u{e9}:1",
            "localhost/app:t\u{e9}",
            "localhost/app:\u{212a}",
            &long,
            &long_tag,
            &tag_128,
        ] {
            check(name);
        }
        // Short strings over every character that matters, alone and behind two domains.
        let alphabet = b"a0._-:/A@f";
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut matched = 0;
        for _ in 0..100_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = 1 + (state % 12) as usize;
            let tail: String = (0..len)
                .map(|i| alphabet[((state >> (8 + 4 * i)) % 10) as usize] as char)
                .collect();
            for prefix in ["", "localhost/", "r.io:5/", "a-b.C/"] {
                matched += usize::from(check(&format!("{prefix}{tail}")));
                matched += usize::from(check(&format!("{prefix}{tail}@sha256:{}", "0".repeat(32))));
            }
        }
        assert!(matched > 20_000, "only {matched} names matched");
    }

    #[test]
    fn refusals_are_in_podmans_words_and_order() {
        let error = |name: &str| parse(name).err();
        assert_eq!(error(""), Some(SyntaxError::NameEmpty));
        assert_eq!(error("Upper:1"), Some(SyntaxError::NameContainsUppercase));
        assert_eq!(error("a:b:c"), Some(SyntaxError::InvalidFormat));
        // Go's `\w` is ASCII.
        assert_eq!(error("app:t\u{e9}"), Some(SyntaxError::InvalidFormat));
        // The whole name counts, registry included, and not the tag.
        let path = "a".repeat(245);
        assert_eq!(error(&format!("localhost/{path}")), None);
        assert_eq!(
            error(&format!("localhost/{path}a")),
            Some(SyntaxError::NameTooLong)
        );
        assert_eq!(error(&format!("{path}:{}", "t".repeat(128))), None);
        // go-digest: the length of a known algorithm, then lower-case hex; an unknown one.
        let sha = |hex: &str| format!("app@sha256:{hex}");
        assert_eq!(error(&sha(&"0".repeat(64))), None);
        assert_eq!(
            error(&sha(&"0".repeat(63))),
            Some(SyntaxError::DigestInvalidLength)
        );
        assert_eq!(
            error(&sha(&"A".repeat(64))),
            Some(SyntaxError::DigestInvalidFormat)
        );
        let other = |algorithm: &str| error(&format!("app@{algorithm}:{}", "0".repeat(32)));
        assert_eq!(other("md5"), Some(SyntaxError::DigestUnsupported));
        assert_eq!(other("Md5"), Some(SyntaxError::DigestInvalidFormat));
        assert_eq!(error(&format!("app@sha512:{}", "f".repeat(128))), None);
    }

    #[test]
    fn docker_hub_names_get_their_registry_and_library() {
        let parsed = |name: &str| ImageName::parse(name).unwrap().to_string_full();
        assert_eq!(parsed("busybox"), "docker.io/library/busybox:latest");
        assert_eq!(parsed("test.com:tag"), "docker.io/library/test.com:tag");
        assert_eq!(parsed("foo/bar"), "docker.io/foo/bar:latest");
        assert_eq!(parsed("index.docker.io/x"), "docker.io/library/x:latest");
        assert_eq!(
            parsed("Uppercase/lowercase:tag"),
            "docker.io/Uppercase/lowercase:tag"
        );
        assert_eq!(parsed("test:5000/repo"), "test:5000/repo:latest");
        let digest = format!("sha256:{}", "f".repeat(64));
        assert_eq!(
            parsed(&format!("a/b@{digest}")),
            format!("docker.io/a/b@{digest}")
        );
        assert_eq!(
            parsed(&format!("localhost/b:1@{digest}")),
            format!("localhost/b:1@{digest}")
        );
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
