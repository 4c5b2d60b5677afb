//! `cairn rm`, `prune`, `tag` and `untag`: plan, show, and unless `--dry-run` apply exactly
//! what was shown, re-planned under the store's locks.

use super::{JsonFlag, docker_text};
use anyhow::Result;
use cairn_core::human::podman_size;
use cairn_core::removal::{Blob, PlanError, RemovalPlan, RemoveOptions, Target, plan_removal};
use cairn_core::tagging::{NamesPlan, plan_tag, plan_untag};
use cairn_core::visible::Visible;
use cairn_core::{Catalog, Rules};
use cairn_store::Selection;
use std::io::Write;

/// What every change command takes: a dry run, and JSON output.
#[derive(Debug, Clone, clap::Args)]
pub struct Preview {
    /// show what would happen, change nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Clone, clap::Args)]
pub struct RmArgs {
    /// the images: names, short names, IDs, ID prefixes or sha256: digests
    pub images: Vec<String>,
    /// remove containers using the images, and images with several names by ID
    #[arg(short, long)]
    pub force: bool,
    /// keep parents left dangling
    #[arg(long)]
    pub no_prune: bool,
    /// ignore images that do not exist
    #[arg(short, long)]
    pub ignore: bool,
    /// remove every image
    #[arg(short, long)]
    pub all: bool,
    #[command(flatten)]
    pub preview: Preview,
}

#[derive(Debug, Clone, clap::Args)]
pub struct PruneArgs {
    /// remove every image no container uses, not only dangling ones
    #[arg(short, long)]
    pub all: bool,
    #[command(flatten)]
    pub preview: Preview,
}

#[derive(Debug, Clone, clap::Args)]
pub struct TagArgs {
    /// the image to name
    pub image: String,
    /// the names to add
    #[arg(required = true)]
    pub names: Vec<String>,
    #[command(flatten)]
    pub preview: Preview,
}

#[derive(Debug, Clone, clap::Args)]
pub struct UntagArgs {
    /// the image to unname
    pub image: String,
    /// the names to remove; all of them when none is given
    pub names: Vec<String>,
    #[command(flatten)]
    pub preview: Preview,
}

/// podman prints one error as it is and several as a multierror list.
fn joined_errors(errors: &[String]) -> Option<String> {
    match errors {
        [] => None,
        [one] => Some(one.clone()),
        many => {
            let points: Vec<String> = many.iter().map(|e| format!("* {e}")).collect();
            Some(format!(
                "{} errors occurred:\n\t{}",
                many.len(),
                points.join("\n\t")
            ))
        }
    }
}

fn print_errors(errors: &[String]) {
    let errors: Vec<String> = errors.iter().map(|e| Visible(e).to_string()).collect();
    if let Some(text) = joined_errors(&errors) {
        eprintln!("Error: {text}");
    }
}

fn messages(errors: &[PlanError]) -> Vec<String> {
    errors.iter().map(|e| e.message.clone()).collect()
}

/// Store text on one line of its own: shown visibly, so a name cannot forge a line.
fn line(out: &mut dyn Write, label: &str, text: &str) -> std::io::Result<()> {
    writeln!(out, "{label}{}", Visible(text))
}

/// A layout has no layers of its own to delete: what goes is the blobs no descriptor reaches
/// any more, listed by the dry run and the real run alike.
fn blob_lines(blobs: &[Blob], out: &mut dyn Write) -> Result<()> {
    for blob in blobs {
        writeln!(
            out,
            "Deleted blob: {} ({} bytes)",
            Visible(&blob.digest),
            blob.size
        )?;
    }
    Ok(())
}

/// What a change leaves undone although it could seem to, on stderr.
fn print_warnings(warnings: &[String]) {
    for warning in warnings {
        eprintln!("Warning: {}", Visible(warning));
    }
}

/// A registry deletes blobs only at its next garbage collection: the blobs it will free then,
/// exactly (from its storage) or at most (over its API).
fn freed_lines(plan: &RemovalPlan, out: &mut dyn Write) -> Result<()> {
    for blob in &plan.blobs {
        writeln!(
            out,
            "Freed by the next garbage collection: {} ({} bytes)",
            Visible(&blob.digest),
            blob.size
        )?;
    }
    Ok(())
}

/// What a registry removal's dry run adds: the tags that stay, each platform image of a
/// deleted index, and the total the next collection reclaims: the browser's preview in lines.
fn registry_summary(plan: &RemovalPlan, out: &mut dyn Write) -> Result<()> {
    let preview = plan.registry.clone().unwrap_or_default();
    for name in &preview.tags_kept {
        line(out, "Still tagged: ", name)?;
    }
    for child in &preview.index_children {
        let text = format!("{} {}", child.digest, child.platform);
        match &child.kept_because {
            None => line(out, "Platform image deleted: ", &text)?,
            Some(why) => line(out, "Platform image kept: ", &format!("{text} ({why})"))?,
        }
    }
    if let Some(already) = preview.unreferenced_already.filter(|u| u.blobs > 0) {
        writeln!(
            out,
            "Unreferenced already: {} blobs ({} bytes), which the collection deletes too",
            already.blobs, already.bytes
        )?;
    }
    let how = match preview.gc_exact {
        true => "exactly",
        false => "at most",
    };
    writeln!(
        out,
        "Reclaimed at the next garbage collection, {how}: {} ({} bytes)\nDry run: nothing was changed.",
        podman_size(plan.reclaimed_bytes),
        plan.reclaimed_bytes
    )?;
    Ok(())
}

fn dry_run_summary(plan: &RemovalPlan, out: &mut dyn Write) -> Result<()> {
    if plan.rules == Rules::Registry {
        return registry_summary(plan, out);
    }
    // Docker's own records already name the layers.
    if plan.rules != Rules::Docker {
        for layer in &plan.layers {
            line(out, "Deleted layer: ", layer)?;
        }
    }
    for container in &plan.containers {
        line(out, "Removed container: ", container)?;
    }
    let size = match plan.rules {
        Rules::Docker => docker_text::size(plan.reclaimed_bytes),
        Rules::Podman | Rules::Layout | Rules::Registry => podman_size(plan.reclaimed_bytes),
    };
    writeln!(
        out,
        "Reclaimed: {size} ({} bytes)\nDry run: nothing was changed.",
        plan.reclaimed_bytes
    )?;
    Ok(())
}

pub fn rm(flags: &Selection, args: &RmArgs, out: &mut dyn Write) -> Result<i32> {
    if args.images.is_empty() && !args.all {
        anyhow::bail!("image name or ID must be specified");
    }
    if !args.images.is_empty() && args.all {
        anyhow::bail!("when using the --all switch, you may not pass any images names or IDs");
    }
    let target = if args.all {
        Target::All
    } else {
        Target::References(args.images.clone())
    };
    let options = RemoveOptions {
        force: args.force,
        no_prune: args.no_prune,
        ignore: args.ignore,
        collect_unreferenced_at: Some(jiff::Timestamp::now()),
    };
    removal(flags, &target, options, &args.preview, out, rm_lines)
}

pub fn prune(flags: &Selection, args: &PruneArgs, out: &mut dyn Write) -> Result<i32> {
    let target = Target::Prune { all: args.all };
    let options = RemoveOptions {
        collect_unreferenced_at: Some(jiff::Timestamp::now()),
        ..RemoveOptions::default()
    };
    removal(flags, &target, options, &args.preview, out, prune_lines)
}

/// `podman rmi` and `docker rmi` print what became of each image.
fn rm_lines(plan: &RemovalPlan, out: &mut dyn Write) -> Result<()> {
    if plan.rules == Rules::Docker {
        return docker_text::removal(plan, out);
    }
    for name in &plan.untagged {
        line(out, "Untagged: ", name)?;
    }
    for id in &plan.deleted {
        line(out, "Deleted: ", id)?;
    }
    match plan.rules {
        Rules::Registry => freed_lines(plan, out),
        _ => blob_lines(&plan.blobs, out),
    }
}

/// `podman image prune` prints the IDs it deleted; `docker image prune` its own report.
fn prune_lines(plan: &RemovalPlan, out: &mut dyn Write) -> Result<()> {
    if plan.rules == Rules::Docker {
        return docker_text::prune(plan, out);
    }
    for id in &plan.records_deleted {
        line(out, "", id)?;
    }
    match plan.rules {
        Rules::Registry => freed_lines(plan, out),
        _ => blob_lines(&plan.blobs, out),
    }
}

/// `rm` and `prune`: plan in the store's terms, apply unless it is a dry run, then print the
/// plan as JSON or as the store's tool does (`lines`), and its errors on stderr.
fn removal(
    flags: &Selection,
    target: &Target,
    options: RemoveOptions,
    preview: &Preview,
    out: &mut dyn Write,
    lines: fn(&RemovalPlan, &mut dyn Write) -> Result<()>,
) -> Result<i32> {
    let store = super::resolve(flags)?;
    let opened = store.open()?;
    let plan = opened.plan_removal(target, options);
    if !preview.dry_run {
        store.apply(&plan.steps, &plan.blobs, &|now| {
            plan_removal(now, target, options).steps
        })?;
    }
    if preview.json.enabled() {
        serde_json::to_writer_pretty(&mut *out, &plan)?;
        writeln!(out)?;
        return Ok(plan.exit_code());
    }
    lines(&plan, out)?;
    if preview.dry_run {
        dry_run_summary(&plan, out)?;
    }
    out.flush()?;
    report_errors(&plan);
    Ok(plan.exit_code())
}

/// The plan's warnings and errors on stderr, as the store's tool prints them.
fn report_errors(plan: &RemovalPlan) {
    print_warnings(&plan.warnings);
    match plan.rules {
        Rules::Docker => {
            for error in &plan.errors {
                eprintln!("{}", docker_text::error_line(error));
            }
        }
        Rules::Podman | Rules::Layout | Rules::Registry => print_errors(&messages(&plan.errors)),
    }
}

fn names_change(
    flags: &Selection,
    preview: &Preview,
    out: &mut dyn Write,
    planner: impl Fn(&Catalog) -> NamesPlan,
) -> Result<i32> {
    let store = super::resolve(flags)?;
    let opened = store.open()?;
    let plan = opened.plan_names(planner(&opened.catalog));
    if !preview.dry_run {
        store.apply(&plan.steps, &plan.blobs, &|now| planner(now).steps)?;
    }
    if preview.json.enabled() {
        serde_json::to_writer_pretty(&mut *out, &plan)?;
        writeln!(out)?;
        return Ok(plan.exit_code());
    }
    if preview.dry_run {
        for name in &plan.tagged {
            line(out, "Tagged: ", name)?;
        }
        for name in &plan.untagged {
            line(out, "Untagged: ", name)?;
        }
    }
    blob_lines(&plan.blobs, out)?;
    if preview.dry_run {
        writeln!(out, "Dry run: nothing was changed.")?;
    }
    print_warnings(&plan.warnings);
    out.flush()?;
    match plan.rules {
        // The docker CLI checks a name itself; everything else is the daemon's answer.
        Rules::Docker => {
            for error in &plan.errors {
                let error = Visible(error);
                match error.0.starts_with("Error parsing reference") {
                    true => eprintln!("{error}"),
                    false => eprintln!("Error response from daemon: {error}"),
                }
            }
        }
        Rules::Podman | Rules::Layout | Rules::Registry => print_errors(&plan.errors),
    }
    Ok(plan.exit_code())
}

pub fn tag(flags: &Selection, args: &TagArgs, out: &mut dyn Write) -> Result<i32> {
    names_change(flags, &args.preview, out, |catalog| {
        plan_tag(catalog, &args.image, &args.names)
    })
}

pub fn untag(flags: &Selection, args: &UntagArgs, out: &mut dyn Write) -> Result<i32> {
    names_change(flags, &args.preview, out, |catalog| {
        plan_untag(catalog, &args.image, &args.names)
    })
}
