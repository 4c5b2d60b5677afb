//! `cairn gc --dry-run`: what a registry's next `registry garbage-collect` deletes, per blob
//! with its size and in total, computed by the store (exactly on `registry-storage:`) and
//! printed as distribution's own dry run words it, with the sizes it leaves out.

use super::JsonFlag;
use anyhow::{Result, bail};
use cairn_core::gc::{GcPlan, StoredBlob};
use cairn_core::human::podman_size;
use cairn_core::visible::Visible;
use cairn_store::Selection;
use serde::Serialize;
use std::io::Write;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// only show what would be deleted (required: cairn never collects; the registry does)
    #[arg(long)]
    pub dry_run: bool,
    /// also delete manifests no tag points at, as `registry garbage-collect --delete-untagged`
    #[arg(long, short = 'm')]
    pub delete_untagged: bool,
    #[command(flatten)]
    pub json: JsonFlag,
}

/// The JSON of `cairn gc --dry-run --json`.
#[derive(Serialize)]
struct GcJson<'a> {
    /// Manifest digests deleted (with `--delete-untagged`), once per repository linking them.
    manifests: Vec<&'a str>,
    /// Every blob file deleted, manifests' own blobs included.
    blobs: &'a [StoredBlob],
    /// The blobs' sizes on disk, summed.
    reclaimed_bytes: u64,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    caveats: &'a [String],
}

pub fn run(flags: &Selection, args: &Args, out: &mut dyn Write) -> Result<i32> {
    if !args.dry_run {
        bail!(
            "cairn gc only previews a garbage collection: give --dry-run (the registry collects: registry garbage-collect CONFIG)"
        );
    }
    let plan = super::resolve(flags)?.garbage_collection(args.delete_untagged)?;
    if args.json.enabled() {
        let json = GcJson {
            manifests: plan.manifests.iter().map(|m| m.digest.as_str()).collect(),
            blobs: &plan.blobs,
            reclaimed_bytes: plan.reclaimed_bytes,
            caveats: &plan.caveats,
        };
        serde_json::to_writer_pretty(&mut *out, &json)?;
        writeln!(out)?;
    } else {
        write_text(&plan, out)?;
    }
    Ok(0)
}

/// Distribution's lines (`manifest eligible for deletion`, `blob eligible for deletion`),
/// each blob with its size, the manifests with their repository, and the total.
fn write_text(plan: &GcPlan, out: &mut dyn Write) -> Result<()> {
    for caveat in &plan.caveats {
        writeln!(out, "note: {}", Visible(caveat))?;
    }
    for manifest in &plan.manifests {
        writeln!(
            out,
            "manifest eligible for deletion: {} {}",
            Visible(&manifest.repository),
            Visible(&manifest.digest)
        )?;
    }
    for blob in &plan.blobs {
        writeln!(
            out,
            "blob eligible for deletion: {} {}",
            Visible(&blob.digest),
            podman_size(blob.size)
        )?;
    }
    writeln!(
        out,
        "{} blobs marked, {} blobs and {} manifests eligible for deletion, {} reclaimed",
        plan.marked,
        plan.blobs.len(),
        plan.manifests.len(),
        podman_size(plan.reclaimed_bytes)
    )?;
    Ok(())
}
