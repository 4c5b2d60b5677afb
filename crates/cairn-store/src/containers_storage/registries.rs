//! How podman completes short names on this machine: `unqualified-search-registries` and
//! `[aliases]` from `registries.conf` and its `registries.conf.d` drop-ins, and the aliases
//! podman recorded in its short-name alias cache, read in containers/image's order
//! (`pkg/sysregistriesv2`, v5.23 as podman 4.3 uses it) into the model's [`ShortNames`]:
//!
//! - the main file is `$CONTAINERS_REGISTRIES_CONF` when set (an error if missing), else
//!   `~/.config/containers/registries.conf` when it exists, else
//!   `/etc/containers/registries.conf` (no file is an empty one). containers/image takes the
//!   user's folder from the home (`$HOME`, else the password database's when it is unset or
//!   empty), never from `$XDG_CONFIG_HOME`, and so does cairn;
//! - then the `*.conf` drop-ins, in name order: those of `/etc/containers/registries.conf.d`
//!   and then `~/.config/containers/registries.conf.d`, except that a user's own
//!   `registries.conf` hides the system's drop-ins; each replaces the search registries when
//!   it names them, and adds to or replaces the aliases (an empty alias removes one);
//! - the alias cache (`/var/cache/containers/short-name-aliases.conf` for root, else
//!   `$XDG_CACHE_HOME` or `~/.cache`, `containers/short-name-aliases.conf`) comes before all.
//!
//! A file that cannot be read or parsed, or an alias that is not one, makes podman fail
//! every short-name lookup as "image not known"; the model does the same from
//! [`ShortNames::broken`].

use cairn_core::lookup::ShortNames;
use cairn_core::reference::{self, ImageName};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

/// Where the files are: the process's environment, or a test's folders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Places {
    /// `CONTAINERS_REGISTRIES_CONF` (or the older `REGISTRIES_CONFIG_PATH`).
    pub conf_override: Option<PathBuf>,
    /// `/etc/containers/registries.conf`.
    pub system_conf: PathBuf,
    /// `/etc/containers/registries.conf.d`.
    pub system_dir: PathBuf,
    /// The user's home: `$HOME`, else the password database's.
    pub home: Option<PathBuf>,
    /// The short-name alias cache podman writes when it pulls by a short name.
    pub alias_cache: Option<PathBuf>,
}

impl Places {
    /// The places podman would read, from the process's environment.
    pub fn from_process() -> Self {
        let var = |name: &str| {
            std::env::var_os(name)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        let home = crate::home::user_home();
        let alias_cache = match rustix::process::geteuid().is_root() {
            true => Some(PathBuf::from("/var/cache")),
            false => var("XDG_CACHE_HOME").or_else(|| home.as_ref().map(|h| h.join(".cache"))),
        }
        .map(|cache| cache.join("containers/short-name-aliases.conf"));
        Places {
            conf_override: var("CONTAINERS_REGISTRIES_CONF")
                .or_else(|| var("REGISTRIES_CONFIG_PATH")),
            system_conf: PathBuf::from("/etc/containers/registries.conf"),
            system_dir: PathBuf::from("/etc/containers/registries.conf.d"),
            home,
            alias_cache,
        }
    }
}

/// The short-name rules the files at `places` give; what went wrong, if anything, in
/// [`ShortNames::broken`].
pub fn short_names(places: &Places) -> ShortNames {
    read(places).unwrap_or_else(|broken| ShortNames {
        broken: Some(broken),
        ..ShortNames::default()
    })
}

/// One file's settings; what containers/image does not use here is ignored, as it ignores
/// keys it does not know.
#[derive(Debug, Default, Deserialize)]
struct ConfFile {
    #[serde(rename = "unqualified-search-registries")]
    unqualified_search_registries: Option<Vec<String>>,
    #[serde(default)]
    aliases: BTreeMap<String, String>,
    /// The v1 format's `[registries.search] registries = [...]`.
    registries: Option<V1Registries>,
    /// The v2 format's `[[registry]]` tables and other settings, only to tell v1 from v2.
    registry: Option<Vec<toml::Value>>,
    #[serde(rename = "credential-helpers")]
    credential_helpers: Option<Vec<String>>,
    #[serde(rename = "short-name-mode")]
    short_name_mode: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct V1Registries {
    search: Option<V1List>,
    insecure: Option<V1List>,
    block: Option<V1List>,
}

#[derive(Debug, Default, Deserialize)]
struct V1List {
    #[serde(default)]
    registries: Vec<String>,
}

fn read(places: &Places) -> Result<ShortNames, String> {
    let user_conf = places
        .home
        .as_ref()
        .map(|h| h.join(".config/containers/registries.conf"));
    let user_dir = places
        .home
        .as_ref()
        .map(|h| h.join(".config/containers/registries.conf.d"));
    let (main, must_exist, dirs) = match (&places.conf_override, &user_conf) {
        (Some(conf), _) => (
            conf.clone(),
            true,
            vec![Some(places.system_dir.clone()), user_dir],
        ),
        (None, Some(user)) if user.exists() => (user.clone(), false, vec![user_dir]),
        (None, _) => (
            places.system_conf.clone(),
            false,
            vec![Some(places.system_dir.clone()), user_dir],
        ),
    };
    let mut search: Option<Vec<String>> = None;
    let mut aliases: BTreeMap<String, Option<String>> = BTreeMap::new();
    match load(&main, false)? {
        Some(file) => merge(&mut search, &mut aliases, file),
        None if must_exist => {
            return Err(format!(
                "loading registries configuration {:?}: no such file",
                main.display().to_string()
            ));
        }
        None => {}
    }
    for dir in dirs.into_iter().flatten() {
        for path in drop_ins(&dir)? {
            if let Some(file) = load(&path, true)? {
                merge(&mut search, &mut aliases, file);
            }
        }
    }
    if let Some(cache) = &places.alias_cache
        && let Some(file) = load(cache, true)?
    {
        aliases.extend(file.aliases);
    }
    Ok(ShortNames {
        aliases: aliases
            .into_iter()
            .filter_map(|(name, value)| Some((name, value?)))
            .collect(),
        search_registries: search.unwrap_or_default(),
        broken: None,
    })
}

/// A later file's settings over the earlier ones'.
fn merge(
    search: &mut Option<Vec<String>>,
    aliases: &mut BTreeMap<String, Option<String>>,
    file: Checked,
) {
    if file.search.is_some() {
        *search = file.search;
    }
    aliases.extend(file.aliases);
}

/// A file's settings, checked: its search registries if it names them, and its aliases
/// normalized (`None`: the alias is reset).
struct Checked {
    search: Option<Vec<String>>,
    aliases: BTreeMap<String, Option<String>>,
}

/// Reads and checks one file; `None` when it does not exist. `v2_only`: the drop-ins and the
/// alias cache must not use the v1 format.
fn load(path: &Path, v2_only: bool) -> Result<Option<Checked>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("reading {}: {e}", path.display())),
    };
    let file: ConfFile = toml::from_str(&text)
        .map_err(|e| format!("loading registries configuration {}: {e}", path.display()))?;
    // Each format's `Nonempty`: a list counts when it has entries.
    let listed = |list: &Option<V1List>| list.as_ref().is_some_and(|l| !l.registries.is_empty());
    let v1 = file
        .registries
        .as_ref()
        .is_some_and(|r| listed(&r.search) || listed(&r.insecure) || listed(&r.block));
    let has = |list: Option<usize>| list.is_some_and(|n| n > 0);
    let v2 = has(file.unqualified_search_registries.as_ref().map(Vec::len))
        || has(file.registry.as_ref().map(Vec::len))
        || has(file.credential_helpers.as_ref().map(Vec::len))
        || file.short_name_mode.as_ref().is_some_and(|m| !m.is_empty())
        || !file.aliases.is_empty();
    let search = match (v1, v2, v2_only) {
        (true, _, true) => {
            return Err(format!(
                "{}: registry must be in v2 format but is in v1",
                path.display()
            ));
        }
        (true, true, _) => {
            return Err(format!(
                "{}: mixing sysregistry v1/v2 is not supported",
                path.display()
            ));
        }
        (true, false, _) => file.registries.and_then(|r| r.search).map(|s| s.registries),
        (false, _, _) => file.unqualified_search_registries,
    };
    let mut aliases = BTreeMap::new();
    for (name, value) in file.aliases {
        check_short_name(&name).map_err(|e| format!("{}: {e}", path.display()))?;
        let value = match value.as_str() {
            "" => None,
            value => Some(alias_value(value).map_err(|e| format!("{}: {e}", path.display()))?),
        };
        aliases.insert(name, value);
    }
    Ok(Some(Checked { search, aliases }))
}

/// containers/image's `validateShortName`: a repository with neither registry, tag nor
/// digest.
fn check_short_name(name: &str) -> Result<(), String> {
    reference::check_syntax(name).map_err(|e| format!("cannot parse short name: {name:?}: {e}"))?;
    if name.contains('@') {
        return Err(format!(
            "invalid short name {name:?}: must not contain digest"
        ));
    }
    if name.contains(':') && !reference::has_domain(name) {
        return Err(format!("invalid short name {name:?}: must not contain tag"));
    }
    if reference::has_domain(name) {
        return Err(format!(
            "invalid short name {name:?}: must not contain registry"
        ));
    }
    Ok(())
}

/// containers/image's `parseShortNameValue`: a repository with its registry, neither tag
/// nor digest, normalized (`docker.io/alpine` is `docker.io/library/alpine`).
fn alias_value(value: &str) -> Result<String, String> {
    reference::check_syntax(value).map_err(|e| format!("parsing alias {value:?}: {e}"))?;
    if value.contains('@') {
        return Err(format!("invalid alias {value:?}: must not contain digest"));
    }
    let last = value.rsplit('/').next().unwrap_or(value);
    if last.contains(':') {
        return Err(format!("invalid alias {value:?}: must not contain tag"));
    }
    if !reference::has_domain(value) {
        return Err(format!(
            "invalid alias {value:?}: must contain registry and repository"
        ));
    }
    ImageName::parse(value)
        .map(|name| name.repository)
        .map_err(|e| format!("parsing alias {value:?}: {e}"))
}

/// The `*.conf` files directly in `dir`, in name order, as `filepath.WalkDir` lists them;
/// none when the folder does not exist.
fn drop_ins(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("reading registries.conf.d: {}: {e}", dir.display())),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| format!("reading registries.conf.d: {}: {e}", dir.display()))?;
        let is_dir = entry.file_type().is_ok_and(|t| t.is_dir());
        let name = entry.file_name();
        if !is_dir && name.to_string_lossy().ends_with(".conf") {
            files.push(entry.path());
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    struct Machine {
        _dir: tempfile::TempDir,
        places: Places,
    }

    impl Machine {
        fn new() -> Self {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().to_path_buf();
            std::fs::create_dir_all(root.join("etc")).unwrap();
            std::fs::create_dir_all(root.join("home")).unwrap();
            Machine {
                places: Places {
                    conf_override: None,
                    system_conf: root.join("etc/registries.conf"),
                    system_dir: root.join("etc/registries.conf.d"),
                    home: Some(root.join("home")),
                    alias_cache: Some(root.join("cache/short-name-aliases.conf")),
                },
                _dir: dir,
            }
        }

        fn write(&self, path: &Path, text: &str) {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }

        fn system(&self, text: &str) {
            self.write(&self.places.system_conf, text);
        }

        fn system_drop_in(&self, name: &str, text: &str) {
            self.write(&self.places.system_dir.join(name), text);
        }

        fn user(&self, rel: &str, text: &str) {
            let home = self.places.home.clone().unwrap();
            self.write(&home.join(".config/containers").join(rel), text);
        }

        fn read(&self) -> ShortNames {
            short_names(&self.places)
        }
    }

    fn aliases(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn no_files_complete_nothing() {
        assert_eq!(Machine::new().read(), ShortNames::default());
    }

    #[test]
    fn drop_ins_replace_the_search_list_and_merge_aliases_in_name_order() {
        let m = Machine::new();
        m.system(
            "unqualified-search-registries = [\"a.example\"]\n[aliases]\n\"one\" = \"a.example/one\"\n\"two\" = \"a.example/two\"\n",
        );
        m.system_drop_in(
            "20-b.conf",
            "unqualified-search-registries = [\"b.example\"]\n",
        );
        m.system_drop_in(
            "10-a.conf",
            "[aliases]\n\"two\" = \"\"\n\"alpine\" = \"docker.io/alpine\"\n",
        );
        m.system_drop_in(
            "30.conf.disabled",
            "unqualified-search-registries = [\"no\"]\n",
        );
        m.user(
            "registries.conf.d/99.conf",
            "[aliases]\n\"three\" = \"c.example:5000/three\"\n",
        );
        let names = m.read();
        assert_eq!(names.search_registries, ["b.example"]);
        assert_eq!(
            names.aliases,
            aliases(&[
                ("alpine", "docker.io/library/alpine"),
                ("one", "a.example/one"),
                ("three", "c.example:5000/three"),
            ])
        );
        assert_eq!(names.broken, None);
    }

    #[test]
    fn a_users_registries_conf_hides_the_system_files() {
        let m = Machine::new();
        m.system("unqualified-search-registries = [\"system.example\"]\n");
        m.system_drop_in("a.conf", "[aliases]\n\"sys\" = \"system.example/sys\"\n");
        m.user(
            "registries.conf",
            "unqualified-search-registries = [\"user.example\"]\n",
        );
        m.user(
            "registries.conf.d/a.conf",
            "[aliases]\n\"mine\" = \"user.example/mine\"\n",
        );
        let names = m.read();
        assert_eq!(names.search_registries, ["user.example"]);
        assert_eq!(names.aliases, aliases(&[("mine", "user.example/mine")]));
    }

    #[test]
    fn the_environments_file_replaces_the_main_one_and_must_exist() {
        let mut m = Machine::new();
        m.system("unqualified-search-registries = [\"system.example\"]\n");
        m.system_drop_in("a.conf", "[aliases]\n\"sys\" = \"system.example/sys\"\n");
        let chosen = m.places.system_dir.parent().unwrap().join("chosen.conf");
        m.write(
            &chosen,
            "unqualified-search-registries = [\"chosen.example\"]\n",
        );
        m.places.conf_override = Some(chosen.clone());
        let names = m.read();
        assert_eq!(names.search_registries, ["chosen.example"]);
        assert_eq!(names.aliases, aliases(&[("sys", "system.example/sys")]));
        std::fs::remove_file(&chosen).unwrap();
        assert!(m.read().broken.unwrap().contains("no such file"));
    }

    #[test]
    fn the_alias_cache_comes_first() {
        let m = Machine::new();
        m.system("[aliases]\n\"tool\" = \"a.example/tool\"\n\"gone\" = \"a.example/gone\"\n");
        m.write(
            m.places.alias_cache.as_ref().unwrap(),
            "[aliases]\n  tool = \"quay.io/tool\"\n  gone = \"\"\n",
        );
        assert_eq!(m.read().aliases, aliases(&[("tool", "quay.io/tool")]));
    }

    #[test]
    fn the_v1_format_gives_its_search_list_but_not_in_a_drop_in() {
        let m = Machine::new();
        m.system("[registries.search]\nregistries = [\"v1.example\"]\n[registries.insecure]\nregistries = []\n");
        assert_eq!(m.read().search_registries, ["v1.example"]);
        m.system_drop_in(
            "a.conf",
            "[registries.search]\nregistries = [\"v1.example\"]\n",
        );
        assert!(m.read().broken.unwrap().contains("must be in v2 format"));
    }

    #[test]
    fn bad_files_and_bad_aliases_break_short_names() {
        let cases = [
            (
                "unqualified-search-registries = [\"a\"",
                "loading registries configuration",
            ),
            (
                "unqualified-search-registries = \"a\"",
                "loading registries configuration",
            ),
            (
                "[aliases]\n\"app:1\" = \"a.example/app\"\n",
                "must not contain tag",
            ),
            (
                "[aliases]\n\"quay.io/app\" = \"a.example/app\"\n",
                "must not contain registry",
            ),
            (
                "[aliases]\n\"app\" = \"app\"\n",
                "must contain registry and repository",
            ),
            (
                "[aliases]\n\"app\" = \"a.example/app:1\"\n",
                "must not contain tag",
            ),
            (
                "unqualified-search-registries = [\"a.example\"]\n[registries.search]\nregistries = [\"b.example\"]\n",
                "mixing",
            ),
        ];
        for (text, why) in cases {
            let m = Machine::new();
            m.system(text);
            let names = m.read();
            let broken = names.broken.unwrap_or_default();
            assert!(broken.contains(why), "{text:?}: {broken}");
            assert!(names.aliases.is_empty() && names.search_registries.is_empty());
        }
    }
}
