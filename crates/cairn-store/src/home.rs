//! The user's home as podman finds it (containers/storage's `homedir.Get`): `$HOME`, unless
//! it is unset or empty, else the home the password database gives the effective user. Every
//! reader of a file under the home asks here (registries.conf, auth files, Docker's
//! `config.json`, certificate folders, the rootless store, storage.conf, cairn's config,
//! cache and demo), so that they agree with podman, and with each other, in an environment
//! without `HOME` (a service, `env -i`, `sudo` with a reset environment).

use std::ffi::OsString;
use std::path::PathBuf;

/// The user's home: `$HOME`, else the password database's entry for the effective user;
/// `None` when neither gives one.
pub fn user_home() -> Option<PathBuf> {
    home_from(std::env::var_os("HOME"), password_database_home)
}

/// [`user_home`] on the given `HOME` and password-database lookup.
fn home_from(
    home: Option<OsString>,
    password_database: impl FnOnce() -> Option<PathBuf>,
) -> Option<PathBuf> {
    match home.filter(|h| !h.is_empty()) {
        Some(home) => Some(PathBuf::from(home)),
        None => password_database(),
    }
}

/// The effective user's home in the password database (`getpwuid_r`, through NSS, as Go's
/// `user.LookupId` with cgo does for podman).
fn password_database_home() -> Option<PathBuf> {
    let user = nix::unistd::User::from_uid(nix::unistd::Uid::effective()).ok()??;
    Some(user.dir).filter(|dir| !dir.as_os_str().is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_is_the_variable_unless_it_is_unset_or_empty() {
        let database = || Some(PathBuf::from("/home/from-passwd"));
        assert_eq!(
            home_from(Some("/home/u".into()), database),
            Some(PathBuf::from("/home/u"))
        );
        assert_eq!(home_from(None, database), database());
        assert_eq!(home_from(Some(OsString::new()), database), database());
        assert_eq!(home_from(None, || None), None);
    }
}
