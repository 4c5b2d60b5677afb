//! What the `cairn` binary says about itself: every command's help with the store flags under
//! their own heading, shell completions and man pages made from the same definitions.

use crate::common::{stderr, stdout};
use std::process::{Command, Output};

fn cairn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cairn"))
        .args(args)
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = cairn(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    stdout(&out)
}

/// Every command, as `cairn --help` lists them.
fn commands() -> Vec<String> {
    let help = ok(&["--help"]);
    let listed = help
        .split("Commands:\n")
        .nth(1)
        .and_then(|rest| rest.split("\n\n").next())
        .unwrap_or_default();
    listed
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

const STORE_FLAGS: [&str; 4] = ["--root", "--runroot", "--storage-driver", "--store"];

/// Splits a help text into its headed sections: (heading, lines).
fn sections(help: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in help.lines() {
        if !line.starts_with(' ') && line.ends_with(':') {
            out.push((line.trim_end_matches(':').to_string(), String::new()));
        } else if let Some((_, body)) = out.last_mut() {
            body.push_str(line);
            body.push('\n');
        }
    }
    out
}

#[test]
fn every_commands_help_puts_the_store_flags_under_their_own_heading() {
    let commands = commands();
    for expected in [
        "images",
        "rm",
        "prune",
        "tag",
        "untag",
        "demo",
        "completions",
        "man",
    ] {
        assert!(commands.iter().any(|c| c == expected), "{commands:?}");
    }
    let mut helps = vec![vec![]];
    helps.extend(commands.iter().map(|c| vec![c.as_str()]));
    helps.push(vec!["demo", "reset"]);
    for command in helps {
        let mut args = command.clone();
        args.push("--help");
        let help = ok(&args);
        let sections = sections(&help);
        let body = |name: &str| {
            sections
                .iter()
                .find(|(heading, _)| heading == name)
                .map(|(_, body)| body.clone())
                .unwrap_or_else(|| panic!("{command:?}: no {name:?} heading in\n{help}"))
        };
        let store = body("Store options");
        let own = body("Options");
        for flag in STORE_FLAGS {
            assert!(store.contains(&format!("{flag} <")), "{command:?}: {help}");
            assert!(!own.contains(&format!("{flag} <")), "{command:?}: {help}");
        }
        assert!(own.contains("--help"), "{command:?}: {help}");
    }
}

#[test]
fn completions_for_bash_zsh_and_fish_know_the_commands_and_flags() {
    let bash = ok(&["completions", "bash"]);
    assert!(bash.contains("complete -F _cairn"), "{bash}");
    let zsh = ok(&["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef cairn\n"), "{zsh}");
    let fish = ok(&["completions", "fish"]);
    assert!(fish.contains("complete -c cairn"), "{fish}");
    for script in [&bash, &zsh, &fish] {
        for word in [
            "rm",
            "prune",
            "untag",
            "storage-driver",
            "no-prune",
            "dry-run",
        ] {
            assert!(script.contains(word), "{word} missing from\n{script}");
        }
    }
    // bash itself reads the script without a syntax error.
    let checked = Command::new("bash")
        .args(["-n", "-c", &bash])
        .output()
        .unwrap();
    assert!(checked.status.success(), "{}", stderr(&checked));
    let out = cairn(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("[possible values: bash, zsh, fish]"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_man_page_has_every_command_and_the_store_options() {
    let page = ok(&["man"]);
    assert!(page.contains(".TH cairn 1"), "{page}");
    assert!(page.contains(".SH \"STORE OPTIONS\""), "{page}");
    for command in commands() {
        assert!(
            page.contains(&format!("cairn\\-{}", command.replace('-', "\\-"))),
            "{command}: {page}"
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("man1");
    let said = ok(&["man", "--dir", folder.to_str().unwrap()]);
    assert_eq!(
        said,
        format!("man pages written into {}\n", folder.display())
    );
    let rm = std::fs::read_to_string(folder.join("cairn-rm.1")).unwrap();
    assert!(rm.contains(".TH cairn-rm 1"), "{rm}");
    assert!(rm.contains("\\-\\-no\\-prune"), "{rm}");
    assert!(folder.join("cairn.1").is_file());
    assert!(folder.join("cairn-demo-reset.1").is_file());
}

#[test]
fn the_store_flags_help_names_every_kind_the_parser_accepts() {
    let refused = cairn(&["--store", "bogus:x", "images"]);
    assert!(!refused.status.success());
    let message = stderr(&refused);
    let kinds = message
        .split("expected ")
        .nth(1)
        .unwrap_or_else(|| panic!("no list of kinds in: {message}"));
    let kinds: Vec<&str> = kinds
        .trim()
        .split([',', ' '])
        .filter(|word| !word.is_empty() && *word != "or")
        .collect();
    assert!(kinds.len() >= 8, "{kinds:?}");
    let help = ok(&["images", "--help"]).replace('\n', " ");
    for kind in kinds {
        assert!(
            [":", "[", " "]
                .iter()
                .any(|after| help.contains(&format!(" {kind}{after}"))),
            "--store's help does not name {kind}: {help}"
        );
    }
}
