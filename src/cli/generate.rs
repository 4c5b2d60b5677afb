//! `cairn completions SHELL` and `cairn man`: made from the same clap definitions that parse
//! the command line, so that they cannot fall behind it.

use super::Cli;
use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_complete::Shell;
use std::io::Write;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct CompletionsArgs {
    /// the shell to complete for
    #[arg(value_parser = ["bash", "zsh", "fish"])]
    pub shell: String,
}

pub fn completions(args: &CompletionsArgs, out: &mut dyn Write) -> Result<i32> {
    let shell = match args.shell.as_str() {
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        _ => Shell::Bash,
    };
    clap_complete::generate(shell, &mut Cli::command(), "cairn", out);
    Ok(0)
}

#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// write cairn.1 and a page per command (cairn-rm.1, ...) into DIR instead of printing
    /// cairn.1
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// The man pages (roff): the commands, their options and the store options, as `--help`
/// says them.
pub fn man(args: &ManArgs, out: &mut dyn Write) -> Result<i32> {
    match &args.dir {
        None => clap_mangen::Man::new(Cli::command()).render(out)?,
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .and_then(|()| clap_mangen::generate_to(Cli::command(), dir))
                .with_context(|| format!("writing the man pages into {}", dir.display()))?;
            writeln!(out, "man pages written into {}", dir.display())?;
        }
    }
    Ok(0)
}
