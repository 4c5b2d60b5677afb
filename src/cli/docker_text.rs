//! The headless commands on a snapshot under Docker's rules, worded as the docker CLI (20.10)
//! words them: `docker images`, `docker history`, `docker rmi` and `docker image prune`, so
//! that scripts written for docker read cairn's output unchanged. Tables are Go's tabwriter
//! as the docker CLI sets it (minimum width 10, padding 3); sizes are go-units' with no space
//! (`9B`).

use super::table::{self, Style};
use anyhow::Result;
use cairn_core::history::{HistoryRow, MISSING};
use cairn_core::human::{ago, human_size_with_precision};
use cairn_core::image::short_id;
use cairn_core::reference::split_tag;
use cairn_core::removal::{ErrorKind, PlanError, Record, RemovalPlan};
use cairn_core::visible::Visible;
use cairn_core::{Catalog, ImageIdx};
use jiff::Timestamp;
use serde::Serialize;
use std::io::Write;

/// The docker CLI's sizes: three digits, decimal units, no space (`1.56kB`).
pub fn size(bytes: u64) -> String {
    human_size_with_precision(bytes as f64, 3)
}

/// One row of `docker images`: an image under one repository and tag.
pub struct ImageRow {
    pub image: ImageIdx,
    pub repository: String,
    pub tag: String,
}

/// The rows `docker images` prints for each image, in the daemon's order: one per tag, one
/// per repository known only by digest, or `<none> <none>` for an image without names.
pub fn image_rows(catalog: &Catalog, images: &[ImageIdx]) -> Vec<ImageRow> {
    let mut rows = Vec::new();
    for &image in images {
        let img = &catalog.snapshot.images[image];
        let before = rows.len();
        for name in &img.names {
            let (repository, tag) = split_tag(name);
            rows.push(ImageRow {
                image,
                repository: repository.to_string(),
                tag: tag.unwrap_or("<none>").to_string(),
            });
        }
        let mut digest_only: Vec<&str> = Vec::new();
        for name in &img.digest_names {
            let (repository, _) = split_tag(name);
            let tagged = rows[before..].iter().any(|r| r.repository == repository);
            if !tagged && !digest_only.contains(&repository) {
                digest_only.push(repository);
            }
        }
        for repository in digest_only {
            rows.push(ImageRow {
                image,
                repository: repository.to_string(),
                tag: "<none>".into(),
            });
        }
        if rows.len() == before {
            rows.push(ImageRow {
                image,
                repository: "<none>".into(),
                tag: "<none>".into(),
            });
        }
    }
    rows
}

/// `docker images --format '{{json .}}'`, one object per line, fields as the CLI names them
/// and from where it takes them: the daemon's `/images/json` alone. That listing leaves
/// `Containers` and `SharedSize` at -1 (only `/system/df` counts them), which the CLI prints
/// as `N/A`, and `UniqueSize` with them.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ImageLine {
    containers: String,
    created_at: String,
    created_since: String,
    digest: String,
    #[serde(rename = "ID")]
    id: String,
    repository: String,
    shared_size: String,
    size: String,
    tag: String,
    unique_size: String,
    virtual_size: String,
}

/// How `docker images` was asked to print.
pub struct ImagesFormat {
    pub json: bool,
    pub quiet: bool,
    pub no_trunc: bool,
    pub noheading: bool,
}

pub fn images(
    catalog: &Catalog,
    images: &[ImageIdx],
    format: &ImagesFormat,
    now: Timestamp,
    out: &mut dyn Write,
) -> Result<()> {
    let rows = image_rows(catalog, images);
    let id = |image: ImageIdx| {
        let full = &catalog.snapshot.images[image].id;
        match format.no_trunc {
            true => format!("sha256:{full}"),
            false => short_id(full).to_string(),
        }
    };
    if format.quiet {
        for row in &rows {
            writeln!(out, "{}", Visible(&id(row.image)))?;
        }
        return Ok(());
    }
    let total = |image: ImageIdx| size(catalog.sizes.get(image).total);
    if format.json {
        let not_counted = || "N/A".to_string();
        for row in &rows {
            let img = &catalog.snapshot.images[row.image];
            let line = ImageLine {
                containers: not_counted(),
                created_at: img
                    .created
                    .map(|t| format!("{} +0000 UTC", t.strftime("%Y-%m-%d %H:%M:%S")))
                    .unwrap_or_default(),
                created_since: ago(now, img.created),
                digest: "<none>".into(),
                id: id(row.image),
                repository: row.repository.clone(),
                shared_size: not_counted(),
                size: total(row.image),
                tag: row.tag.clone(),
                unique_size: not_counted(),
                virtual_size: human_size_with_precision(
                    catalog.sizes.get(row.image).total as f64,
                    4,
                ),
            };
            serde_json::to_writer(&mut *out, &line)?;
            writeln!(out)?;
        }
        return Ok(());
    }
    let mut lines: Vec<Vec<String>> = Vec::new();
    if !format.noheading {
        lines.push(
            ["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"]
                .map(String::from)
                .to_vec(),
        );
    }
    for row in &rows {
        let img = &catalog.snapshot.images[row.image];
        lines.push(vec![
            row.repository.clone(),
            row.tag.clone(),
            id(row.image),
            ago(now, img.created),
            total(row.image),
        ]);
    }
    table::write_styled(out, &lines, Style::DOCKER)?;
    Ok(())
}

/// How `docker history` was asked to print.
pub struct HistoryFormat {
    pub quiet: bool,
    pub no_trunc: bool,
    pub human: bool,
}

pub fn history(
    rows: &[HistoryRow],
    format: &HistoryFormat,
    now: Timestamp,
    out: &mut dyn Write,
) -> Result<()> {
    let id = |row: &HistoryRow| match (row.id.as_str(), format.no_trunc) {
        (MISSING, _) => MISSING.to_string(),
        (id, true) => format!("sha256:{id}"),
        (id, false) => short_id(id).to_string(),
    };
    if format.quiet {
        for row in rows {
            writeln!(out, "{}", Visible(&id(row)))?;
        }
        return Ok(());
    }
    let created_header = if format.human {
        "CREATED"
    } else {
        "CREATED AT"
    };
    let mut lines = vec![
        ["IMAGE", created_header, "CREATED BY", "SIZE", "COMMENT"]
            .map(String::from)
            .to_vec(),
    ];
    for row in rows {
        let created_by = row.created_by.replace('\t', " ");
        lines.push(vec![
            id(row),
            match format.human {
                true => ago(now, row.created),
                false => row
                    .created
                    .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
                    .unwrap_or_default(),
            },
            match format.no_trunc {
                true => created_by,
                false => ellipsis(&created_by, 45),
            },
            match format.human {
                true => size(row.size),
                false => row.size.to_string(),
            },
            row.comment.clone(),
        ]);
    }
    table::write_styled(out, &lines, Style::DOCKER)?;
    Ok(())
}

/// docker's `stringutils.Ellipsis`: at most `max` characters, the last one `…` when cut.
fn ellipsis(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max - 1).collect();
    cut.push('…');
    cut
}

/// `docker rmi`: what the daemon answered, as it comes (`Untagged:` and `Deleted:` lines).
/// The errors go to stderr after it all ([`error_line`]).
pub fn removal(plan: &RemovalPlan, out: &mut dyn Write) -> Result<()> {
    for record in &plan.records {
        match record {
            Record::Untagged(name) => writeln!(out, "Untagged: {}", Visible(name))?,
            Record::Deleted(id) => writeln!(out, "Deleted: {}", Visible(id))?,
        }
    }
    Ok(())
}

/// How the docker CLI prints an error: a missing image in its own words, anything else as
/// the daemon's.
pub fn error_line(error: &PlanError) -> String {
    match error.kind {
        ErrorKind::Unknown => format!("Error: No such image: {}", Visible(&error.reference)),
        _ => format!("Error response from daemon: {}", Visible(&error.message)),
    }
}

/// `docker image prune -f`: the records in lowercase under `Deleted Images:`, then the
/// bytes the freed layers took.
pub fn prune(plan: &RemovalPlan, out: &mut dyn Write) -> Result<()> {
    if !plan.records.is_empty() {
        writeln!(out, "Deleted Images:")?;
        for record in &plan.records {
            match record {
                Record::Untagged(name) => writeln!(out, "untagged: {}", Visible(name))?,
                Record::Deleted(id) => writeln!(out, "deleted: {}", Visible(id))?,
            }
        }
        writeln!(out)?;
    }
    // go-units' `HumanSize`: four digits here, where the tables show three.
    writeln!(
        out,
        "Total reclaimed space: {}",
        human_size_with_precision(plan.reclaimed_bytes as f64, 4)
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_by_is_cut_with_an_ellipsis() {
        let long = "/bin/sh -c #(nop)  LABEL org.opencontainers.image.title=app";
        assert_eq!(
            ellipsis(long, 45),
            "/bin/sh -c #(nop)  LABEL org.opencontainers.…"
        );
        assert_eq!(ellipsis("short", 45), "short");
        assert_eq!(size(9), "9B");
        assert_eq!(size(1560), "1.56kB");
    }
}
