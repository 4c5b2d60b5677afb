//! `cairn history`: an image's build steps, as `podman history` prints them.

use super::{JsonFlag, docker_text, table};
use anyhow::{Result, bail};
use cairn_core::history::{HistoryRow, history};
use cairn_core::human::{ago, podman_size};
use cairn_core::image::short_id;
use cairn_core::visible::Visible;
use cairn_core::{Catalog, Rules};
use jiff::Timestamp;
use serde::Serialize;
use std::io::Write;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// the image: name, short name, ID, ID prefix or sha256: digest
    pub image: String,
    #[command(flatten)]
    pub json: JsonFlag,
    /// print full IDs and commands
    #[arg(long)]
    pub no_trunc: bool,
    /// print IDs only
    #[arg(short, long)]
    pub quiet: bool,
    /// print sizes and dates for humans
    #[arg(short = 'H', long, default_value_t = true, action = clap::ArgAction::Set)]
    pub human: bool,
}

/// A row of `podman history --format json`.
#[derive(Debug, Serialize)]
pub struct RowJson {
    pub id: String,
    pub created: String,
    #[serde(rename = "CreatedBy", skip_serializing_if = "String::is_empty")]
    pub created_by: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    pub size: u64,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub comment: String,
    #[serde(rename = "Created")]
    pub created_seconds: String,
}

/// Go's zero time, which podman prints for steps without a date.
const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

fn rfc3339_nano(t: Option<Timestamp>) -> String {
    t.map_or_else(|| GO_ZERO_TIME.to_string(), |t| t.to_string())
}

fn rfc3339(t: Option<Timestamp>) -> String {
    t.map_or_else(
        || GO_ZERO_TIME.to_string(),
        |t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

pub fn row_json(row: &HistoryRow) -> RowJson {
    RowJson {
        id: row.id.clone(),
        created: rfc3339_nano(row.created),
        created_by: row.created_by.clone(),
        tags: row.tags.clone(),
        size: row.size,
        comment: row.comment.clone(),
        created_seconds: rfc3339(row.created),
    }
}

/// podman cuts CREATED BY to 45 characters unless `--no-trunc`.
fn truncate_created_by(text: &str) -> String {
    if text.len() <= 45 {
        return text.to_string();
    }
    let mut end = 42;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}...", &text[..end])
}

pub fn run(catalog: &Catalog, args: &Args, now: Timestamp, out: &mut dyn Write) -> Result<()> {
    let image = super::lookup(catalog, &args.image)?;
    if let Some(problem) = catalog.snapshot.images[image].problems.first() {
        bail!("{problem}");
    }
    let rows = history(&catalog.snapshot, &catalog.tree, image);
    if catalog.snapshot.rules == Rules::Docker && !args.json.enabled() {
        let format = docker_text::HistoryFormat {
            quiet: args.quiet,
            no_trunc: args.no_trunc,
            human: args.human,
        };
        return docker_text::history(&rows, &format, now, out);
    }
    if args.json.enabled() {
        let json: Vec<RowJson> = rows.iter().map(row_json).collect();
        serde_json::to_writer(&mut *out, &json)?;
        writeln!(out)?;
        return Ok(());
    }
    let id = |row: &HistoryRow| {
        if args.no_trunc {
            row.id.clone()
        } else {
            short_id(&row.id).to_string()
        }
    };
    if args.quiet {
        for row in &rows {
            writeln!(out, "{}", Visible(&id(row)))?;
        }
        return Ok(());
    }
    let mut lines = vec![
        ["ID", "CREATED", "CREATED BY", "SIZE", "COMMENT"]
            .into_iter()
            .map(String::from)
            .collect::<Vec<_>>(),
    ];
    for row in &rows {
        let created = if args.human {
            ago(now, row.created)
        } else {
            rfc3339(row.created)
        };
        let created_by = if args.no_trunc {
            row.created_by.clone()
        } else {
            truncate_created_by(&row.created_by)
        };
        lines.push(vec![
            id(row),
            created,
            created_by,
            podman_size(row.size),
            row.comment.clone(),
        ]);
    }
    table::write(out, &lines)?;
    Ok(())
}
