//! The headless commands: each is a thin function from arguments to a model query to text
//! or JSON, printed the way podman prints it.

mod change;
mod check;
mod contents;
mod demo;
mod diff;
mod docker_text;
mod files;
mod find;
mod gc;
mod generate;
mod history;
mod images;
mod layers;
mod lineage;
mod output;
mod store_args;
mod table;
mod text_tree;
mod tree;
mod verify;

use anyhow::{Context, Result};
use cairn_core::lookup::LookupError;
use cairn_core::visible::Visible;
use cairn_core::{Catalog, Rules};
use cairn_store::{Selection, Store};
use clap::{Parser, Subcommand};
use std::io::Write;
pub use store_args::StoreArgs;

/// Podman's exit code for errors of its own (as opposed to a container's).
pub const EXIT_ERROR: i32 = 125;

#[derive(Debug, Parser)]
#[command(
    name = "cairn",
    version,
    about = "Browse container images and their lineage"
)]
pub struct Cli {
    #[command(flatten)]
    pub store: StoreArgs,
    /// Without a command, cairn opens the full-screen browser on the store.
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List images, as `podman images`
    Images(images::Args),
    /// Show an image's layers, as `podman image tree`
    Tree(tree::Args),
    /// Show an image's build steps, as `podman history`
    History(history::Args),
    /// List the store's layers, or with --tree the forest their parents make
    Layers(layers::Args),
    /// Show an image's parents down to its root and the tree of its descendants
    Lineage(lineage::Args),
    /// Remove images, as `podman rmi`, or show what that would do with --dry-run
    Rm(change::RmArgs),
    /// Remove dangling images (all unused with --all), as `podman image prune -f`
    Prune(change::PruneArgs),
    /// Add names to an image, as `podman tag`
    Tag(change::TagArgs),
    /// Remove names from an image (all without names), as `podman untag`
    Untag(change::UntagArgs),
    /// Check that every blob of an OCI layout, archive or registry storage matches its digest
    Verify(verify::Args),
    /// List an image's files at a layer (the top by default), or only that layer's changes
    Files(files::Args),
    /// Show what one image's files have that another's have not, and what differs
    Diff(diff::Args),
    /// Check an image's wasted space against dive's CI rules (.dive-ci)
    Check(check::Args),
    /// Find which images hold a path matching a glob, and which layer put it there
    Find(find::Args),
    /// The demo's scratch copy, which `--store demo` opens: reset it, or print where it is
    Demo(demo::Args),
    /// Print the completion script for bash, zsh or fish
    Completions(generate::CompletionsArgs),
    /// Print cairn's man page (roff), or write one per command into a folder
    Man(generate::ManArgs),
    /// Show what a registry's next garbage collection deletes, as `registry garbage-collect --dry-run`
    Gc(gc::Args),
}

/// Runs cairn with the process's arguments and returns the exit code.
pub fn main() -> i32 {
    let cli = Cli::parse();
    if output::stdout_closed() {
        eprintln!("Error: standard output is closed: nothing cairn prints could be read");
        return EXIT_ERROR;
    }
    let json = cli.command.as_ref().is_some_and(Command::prints_json);
    let mut out = output::Output::new(std::io::stdout().lock(), json);
    let result = run(&cli, &mut out);
    let written = out.finish();
    // A reader that went away (`cairn images | head -1`) ends cairn as it ends podman and
    // coreutils: silently, by SIGPIPE.
    if written == Err(std::io::ErrorKind::BrokenPipe) {
        let _ = signal_hook::low_level::emulate_default_handler(signal_hook::consts::SIGPIPE);
        return 128 + signal_hook::consts::SIGPIPE;
    }
    // A failed write is the cause of whatever the command made of it.
    let result = match written {
        Err(kind) => Err(std::io::Error::from(kind)).context("writing the output"),
        Ok(()) => result,
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            // One line, whatever bytes of a store the message quotes.
            eprintln!("Error: {}", Visible(&format!("{e:#}")));
            // The docker CLI exits 1 on its errors; podman 125.
            match cli.store.selection().resolve().map(|store| store.rules()) {
                Ok(Rules::Docker) => 1,
                _ => EXIT_ERROR,
            }
        }
    }
}

impl Command {
    /// JSON output is passed as serde writes it; everything else is shown as a terminal
    /// can take it.
    fn prints_json(&self) -> bool {
        match self {
            Command::Images(args) => args.json.enabled(),
            Command::Tree(_) => false,
            Command::Layers(args) => args.json.enabled(),
            Command::History(args) => args.json.enabled(),
            Command::Lineage(args) => args.json.enabled(),
            Command::Rm(args) => args.preview.json.enabled(),
            Command::Prune(args) => args.preview.json.enabled(),
            Command::Tag(args) => args.preview.json.enabled(),
            Command::Untag(args) => args.preview.json.enabled(),
            Command::Verify(args) => args.json.enabled(),
            Command::Files(args) => args.json.enabled(),
            Command::Diff(args) => args.json.enabled(),
            Command::Check(args) => args.json.enabled(),
            Command::Find(args) => args.json.enabled(),
            Command::Demo(_) | Command::Completions(_) | Command::Man(_) => false,
            Command::Gc(args) => args.json.enabled(),
        }
    }
}

/// Runs one command, writing its output to `out`; returns podman's exit code.
pub fn run(cli: &Cli, out: &mut dyn Write) -> Result<i32> {
    let selection = cli.store.selection();
    let Some(command) = &cli.command else {
        return crate::tui::supervisor::open(&selection);
    };
    let now = jiff::Timestamp::now();
    match command {
        Command::Images(args) => read_as(&selection, images::from_listing, |c| {
            images::run(c, args, now, out)
        }),
        Command::Tree(args) => read(&selection, |c| tree::run(c, args, out)),
        Command::Layers(args) => read(&selection, |c| layers::run(c, args, out)),
        Command::History(args) => read(&selection, |c| history::run(c, args, now, out)),
        Command::Lineage(args) => read(&selection, |c| lineage::run(c, args, out)),
        Command::Rm(args) => change::rm(&selection, args, out),
        Command::Prune(args) => change::prune(&selection, args, out),
        Command::Tag(args) => change::tag(&selection, args, out),
        Command::Untag(args) => change::untag(&selection, args, out),
        Command::Verify(args) => verify::run(&selection, args, out),
        Command::Files(args) => files::run(&selection, args, out),
        Command::Diff(args) => diff::run(&selection, args, out),
        Command::Check(args) => check::run(&selection, args, out),
        Command::Find(args) => find::run(&selection, args, out),
        Command::Demo(args) => demo::run(args, out),
        Command::Completions(args) => generate::completions(args, out),
        Command::Man(args) => generate::man(args, out),
        Command::Gc(args) => gc::run(&selection, args, out),
    }
}

/// Runs a read-only command on the store's catalog. The process ends right after, so the
/// catalog is left to the operating system instead of being freed piece by piece (a tenth of
/// the run time on a store of 10,000 images).
fn read(flags: &Selection, command: impl FnOnce(&Catalog) -> Result<()>) -> Result<i32> {
    read_as(flags, |_| false, command)
}

/// [`read`], on the store's quicker list-first read ([`Store::open_list`]) when
/// `from_listing` says that what the command prints under the store's rules is all there.
fn read_as(
    flags: &Selection,
    from_listing: impl FnOnce(Rules) -> bool,
    command: impl FnOnce(&Catalog) -> Result<()>,
) -> Result<i32> {
    let store = resolve(flags)?;
    let opened = match from_listing(store.rules()) {
        true => store.open_list()?,
        false => store.open()?,
    };
    if let Some(at) = opened.cached_at() {
        eprintln!(
            "{}",
            Visible(&format!(
                "{}: as listed {}, from the cache (--cached): the registry was not asked",
                store.label(),
                cairn_core::human::ago(jiff::Timestamp::now(), jiff::Timestamp::try_from(at).ok())
                    .to_lowercase()
            ))
        );
    }
    // What the store could not show, said before the listing that lacks it.
    for note in opened.notes() {
        eprintln!("Warning: {}", Visible(note));
    }
    let result = command(&opened.catalog);
    std::mem::forget(opened);
    result.map(|()| 0)
}

/// The store the flags select; says so on stderr when it is the demo cairn fell back on.
fn resolve(flags: &Selection) -> Result<Store> {
    let store = flags.resolve()?;
    if let Some(notice) = store.notice() {
        eprintln!("{notice}");
    }
    Ok(store)
}

/// Resolves IMAGE as podman does, turning a miss into podman's message.
fn lookup(catalog: &Catalog, name: &str) -> Result<cairn_core::ImageIdx, LookupError> {
    cairn_core::lookup::lookup(&catalog.snapshot, name)
}

/// `--format json` is how podman users ask for JSON; `--json` is the short way.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct JsonFlag {
    /// print JSON
    #[arg(long)]
    pub json: bool,
    /// output format: only `json` is supported
    #[arg(long, value_name = "FORMAT", value_parser = ["json"])]
    pub format: Option<String>,
}

impl JsonFlag {
    pub fn enabled(&self) -> bool {
        self.json || self.format.is_some()
    }
}
