//! `cairn demo`: the demo's scratch copy (`--store demo`), put back as it came.

use anyhow::Result;
use cairn_store::containers_storage::config::Environment;
use std::io::Write;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// Put the demo's scratch copy back as it came with cairn, undoing every change made to it
    Reset,
    /// Print where the demo's scratch copy lives (it is made on first use)
    Path,
}

pub fn run(args: &Args, out: &mut dyn Write) -> Result<i32> {
    let path = cairn_store::demo::location(&Environment::from_process())?;
    match args.action {
        Action::Reset => {
            cairn_store::demo::reset(&path)?;
            writeln!(
                out,
                "the demo at {} is as it came with cairn",
                path.display()
            )?;
        }
        Action::Path => writeln!(out, "{}", path.display())?,
    }
    Ok(0)
}
