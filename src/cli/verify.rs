//! `cairn verify`: checks an OCI layout or archive blob by blob and prints each mismatch.

use super::JsonFlag;
use anyhow::{Result, bail};
use cairn_core::visible::Visible;
use cairn_store::oci::verify::verify;
use cairn_store::{Selection, StoreSpec};
use std::io::Write;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub json: JsonFlag,
}

/// Exit code 0 when everything matches, 1 when something does not (as `sha256sum -c`).
pub fn run(flags: &Selection, args: &Args, out: &mut dyn Write) -> Result<i32> {
    let spec = super::resolve(flags)?;
    let StoreSpec::Oci(store) = spec else {
        bail!(
            "cairn verify checks OCI layouts and archives: give --store oci:DIR, oci-archive:FILE or docker-archive:FILE"
        );
    };
    let source = store.open_source(true)?;
    let report = verify(source.as_ref())?;
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
