//! Which paths a user asked for: `cairn find GLOB` and the browser's path filter share this
//! one rule, so a pattern finds in one what it shows in the other.
//!
//! A glob without `/` matches a path's last component (`*.so` finds `/usr/lib/libc.so`, as
//! `find -name` does); one with `/` matches the whole absolute path (`/etc/*.conf`, the
//! leading `/` optional). `*` and `?` stay within a component, `**` crosses them, `[...]`
//! is a class. Names that are not UTF-8 are matched with their invalid bytes as U+FFFD.

use glob::{MatchOptions, Pattern};

/// A path filter: a substring, or a glob.
#[derive(Debug, Clone)]
pub enum PathFilter {
    /// Matches any path containing these bytes.
    Substring(Vec<u8>),
    Glob {
        pattern: Pattern,
        /// Whether the pattern names whole paths (it has a `/`) or last components.
        whole_path: bool,
    },
}

/// A glob that does not parse, with glob's reason.
#[derive(Debug, Clone, thiserror::Error)]
#[error("invalid pattern {pattern:?}: {reason}")]
pub struct FilterError {
    pub pattern: String,
    pub reason: String,
}

const OPTIONS: MatchOptions = MatchOptions {
    case_sensitive: true,
    require_literal_separator: true,
    require_literal_leading_dot: false,
};

impl PathFilter {
    /// A glob, as `cairn find` takes it.
    pub fn glob(text: &str) -> Result<PathFilter, FilterError> {
        let whole_path = text.contains('/');
        let anchored = match (whole_path, text.starts_with('/')) {
            (true, false) => format!("/{text}"),
            _ => text.to_string(),
        };
        let pattern = Pattern::new(&anchored).map_err(|e| FilterError {
            pattern: text.to_string(),
            reason: e.msg.to_string(),
        })?;
        Ok(PathFilter::Glob {
            pattern,
            whole_path,
        })
    }

    /// What a user typed in a filter box: a glob when it has `*`, `?` or `[`, else a
    /// substring.
    pub fn parse(text: &str) -> Result<PathFilter, FilterError> {
        if text.contains(['*', '?', '[']) {
            PathFilter::glob(text)
        } else {
            Ok(PathFilter::Substring(text.as_bytes().to_vec()))
        }
    }

    /// Whether an absolute path (`/etc/passwd`, raw) matches.
    pub fn matches(&self, path: &[u8]) -> bool {
        match self {
            PathFilter::Substring(needle) => {
                needle.is_empty() || path.windows(needle.len()).any(|w| w == needle.as_slice())
            }
            PathFilter::Glob {
                pattern,
                whole_path,
            } => {
                let subject = match whole_path {
                    true => path,
                    false => path.rsplit(|&b| b == b'/').next().unwrap_or(path),
                };
                pattern.matches_with(&String::from_utf8_lossy(subject), OPTIONS)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_glob_without_a_slash_matches_the_last_component() {
        let f = PathFilter::glob("*.so").unwrap();
        assert!(f.matches(b"/usr/lib/libc.so"));
        assert!(!f.matches(b"/usr/lib/libc.so.6"));
    }

    #[test]
    fn a_glob_with_a_slash_matches_the_whole_path_and_star_stays_in_a_component() {
        let f = PathFilter::glob("etc/*.conf").unwrap();
        assert!(f.matches(b"/etc/resolv.conf"));
        assert!(!f.matches(b"/etc/x/resolv.conf"));
        let deep = PathFilter::glob("/etc/**/*.conf").unwrap();
        assert!(deep.matches(b"/etc/x/y/resolv.conf"));
    }

    #[test]
    fn a_filter_without_glob_characters_is_a_substring() {
        let f = PathFilter::parse("bin/b").unwrap();
        assert!(f.matches(b"/usr/bin/busybox"));
        assert!(!f.matches(b"/usr/sbin"));
        assert!(PathFilter::parse("[").is_err());
    }

    #[test]
    fn names_that_are_not_utf8_still_match() {
        let f = PathFilter::glob("caf*").unwrap();
        assert!(f.matches(b"/srv/caf\xe9"));
    }
}
