//! `cairn verify`: checks an OCI layout or archive blob by blob and prints each mismatch.

use super::JsonFlag;
use anyhow::Result;
use cairn_core::visible::Visible;
use cairn_store::Selection;
use std::io::Write;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub json: JsonFlag,
}

/// Exit code 0 when everything matches, 1 when something does not (as `sha256sum -c`).
pub fn run(flags: &Selection, args: &Args, out: &mut dyn Write) -> Result<i32> {
    let report = super::resolve(flags)?.verify()?;
    if args.json.enabled() {
        serde_json::to_writer_pretty(&mut *out, &report)?;
        writeln!(out)?;
    } else {
        for mismatch in &report.mismatches {
            writeln!(out, "{}", Visible(&mismatch.to_string()))?;
        }
        writeln!(
            out,
            "{} blobs checked, {} mismatch{}",
            report.blobs_checked,
            report.mismatches.len(),
            if report.mismatches.len() == 1 {
                ""
            } else {
                "es"
            }
        )?;
    }
    Ok(if report.mismatches.is_empty() { 0 } else { 1 })
}
