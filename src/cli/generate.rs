//! `cairn completions SHELL` and `cairn man`: made from the same clap definitions that parse
//! the command line, so that they cannot fall behind it.

use super::Cli;
use anyhow::Result;
use clap::CommandFactory;
use clap_complete::Shell;
use std::io::Write;

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

/// The man page (roff): the commands, their options and the store options, as `--help` says.
pub fn man(out: &mut dyn Write) -> Result<i32> {
    clap_mangen::Man::new(Cli::command()).render(out)?;
    Ok(0)
}
