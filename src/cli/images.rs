//! `cairn images`: podman's `images` table, or its JSON.

use super::{JsonFlag, docker_text, table};
use anyhow::Result;
use cairn_core::human::{human_duration, podman_size};
use cairn_core::reference::{ImageName, repository_and_tag};
use cairn_core::visible::Visible;
use cairn_core::{Catalog, ImageIdx, Rules};
use jiff::Timestamp;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::io::Write;

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// show intermediate images too
    #[arg(short, long)]
    pub all: bool,
    #[command(flatten)]
    pub json: JsonFlag,
    /// print full image IDs
    #[arg(long)]
    pub no_trunc: bool,
    /// print no header line
    #[arg(short, long = "noheading")]
    pub noheading: bool,
    /// print image IDs only
    #[arg(short, long)]
    pub quiet: bool,
    /// sort by created, id, repository, size or tag
    #[arg(long, default_value = "created", value_parser = ["created", "id", "repository", "size", "tag"])]
    pub sort: String,
}

/// Whether the store's listing alone ([`cairn_store::Store::open_list`]) holds what this
/// `images` prints. A Docker Engine's does, as it does for `docker images`: names, dates,
/// sizes, and which untagged images have children (the parents Docker records); its JSON
/// is the listing's too. podman's lineage needs the configs.
pub fn from_listing(rules: Rules) -> bool {
    rules == Rules::Docker
}

/// The images podman lists: all of them with `--all`, else all but intermediates and the
/// platform images of manifest lists (parts of their list, as intermediates are parts of
/// their children).
pub fn listed(catalog: &Catalog, all: bool) -> Vec<ImageIdx> {
    let snapshot = &catalog.snapshot;
    snapshot
        .images
        .keys()
        .filter(|&i| {
            all || !(catalog.lineage.is_intermediate(snapshot, i) || snapshot.list_of(i).is_some())
        })
        .collect()
}

/// Moves the rows of a list's platform images right under their list's first row, so that
/// `--all` shows each list with its platforms.
fn group_instances(catalog: &Catalog, rows: Vec<Row>) -> Vec<Row> {
    let snapshot = &catalog.snapshot;
    let listed: HashSet<ImageIdx> = rows.iter().map(|r| r.image).collect();
    let (mut instances, others): (Vec<Row>, Vec<Row>) = rows.into_iter().partition(|r| {
        snapshot
            .list_of(r.image)
            .is_some_and(|l| listed.contains(&l))
    });
    let mut grouped = Vec::with_capacity(others.len() + instances.len());
    let mut placed = HashSet::new();
    for row in others {
        let image = row.image;
        grouped.push(row);
        if placed.insert(image) {
            for (instance, _) in snapshot.instances(image) {
                let (mine, rest) = instances.into_iter().partition(|r| r.image == instance);
                instances = rest;
                grouped.extend::<Vec<Row>>(mine);
            }
        }
    }
    grouped
}

/// One line of the table: an image under one of its names.
struct Row {
    image: ImageIdx,
    repository: String,
    tag: String,
}

/// One row per tagged name, or a single `<none>` row, as podman's `sortImages` does.
fn rows(catalog: &Catalog, images: &[ImageIdx]) -> Vec<Row> {
    let mut rows = Vec::new();
    for &image in images {
        let names = &catalog.snapshot.images[image].names;
        let split: Vec<(String, String)> = names.iter().map(|n| repository_and_tag(n)).collect();
        let tagged: Vec<_> = split.iter().filter(|(_, tag)| tag != "<none>").collect();
        if !tagged.is_empty() {
            rows.extend(tagged.into_iter().map(|(repository, tag)| Row {
                image,
                repository: repository.clone(),
                tag: tag.clone(),
            }));
        } else if let Some((repository, tag)) = split.first() {
            rows.push(Row {
                image,
                repository: repository.clone(),
                tag: tag.clone(),
            });
        } else {
            rows.push(Row {
                image,
                repository: "<none>".into(),
                tag: "<none>".into(),
            });
        }
    }
    rows
}

fn created_seconds(catalog: &Catalog, image: ImageIdx) -> i64 {
    catalog.snapshot.images[image]
        .created
        .map_or(0, |t| t.as_second())
}

fn sort_rows(catalog: &Catalog, rows: &mut [Row], key: &str) {
    let id = |r: &Row| catalog.snapshot.images[r.image].id.clone();
    match key {
        "id" => rows.sort_by_key(id),
        "repository" => rows.sort_by(|a, b| a.repository.cmp(&b.repository)),
        "tag" => rows.sort_by(|a, b| a.tag.cmp(&b.tag)),
        "size" => rows.sort_by_key(|r| catalog.sizes.get(r.image).total),
        _ => rows.sort_by_key(|r| std::cmp::Reverse(created_seconds(catalog, r.image))),
    }
}

pub fn run(catalog: &Catalog, args: &Args, now: Timestamp, out: &mut dyn Write) -> Result<()> {
    let images = listed(catalog, args.all);
    if catalog.snapshot.rules == Rules::Docker {
        let format = docker_text::ImagesFormat {
            json: args.json.enabled(),
            quiet: args.quiet,
            no_trunc: args.no_trunc,
            noheading: args.noheading,
        };
        return docker_text::images(catalog, &images, &format, now, out);
    }
    let mut rows = rows(catalog, &images);
    sort_rows(catalog, &mut rows, &args.sort);
    let rows = group_instances(catalog, rows);
    if args.json.enabled() {
        let mut seen = std::collections::HashSet::new();
        let mut images = Vec::new();
        for row in &rows {
            if seen.insert(row.image) {
                images.push(row.image);
            }
        }
        let json: Vec<ImageJson> = images.iter().map(|&i| image_json(catalog, i)).collect();
        serde_json::to_writer_pretty(&mut *out, &json)?;
        writeln!(out)?;
        return Ok(());
    }
    let id = |image: ImageIdx| {
        let full = &catalog.snapshot.images[image].id;
        if args.no_trunc {
            format!("sha256:{full}")
        } else {
            cairn_core::image::short_id(full).to_string()
        }
    };
    if args.quiet {
        let mut printed = std::collections::HashSet::new();
        for row in &rows {
            if printed.insert(row.image) {
                writeln!(out, "{}", Visible(&id(row.image)))?;
            }
        }
        return Ok(());
    }
    let read_only = images.iter().any(|&i| catalog.snapshot.images[i].read_only);
    let mut lines = Vec::new();
    if !args.noheading {
        let mut header = vec!["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"];
        if read_only {
            header.push("R/O");
        }
        lines.push(header.into_iter().map(String::from).collect());
    }
    for row in &rows {
        let created = catalog.snapshot.images[row.image]
            .created
            .map_or(0, |t| t.as_second());
        let age = (now.as_second() - created) as f64;
        let mut line = vec![
            row.repository.clone(),
            row.tag.clone(),
            id(row.image),
            format!("{} ago", human_duration(age)),
            podman_size(catalog.sizes.get(row.image).total),
        ];
        if read_only {
            line.push(catalog.snapshot.images[row.image].read_only.to_string());
        }
        lines.push(line);
    }
    table::write(out, &lines)?;
    Ok(())
}

/// `podman images --format json`, field for field, plus what only cairn knows.
#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ImageJson {
    #[serde(rename = "Id")]
    pub id: String,
    pub parent_id: String,
    pub repo_tags: Option<Vec<String>>,
    pub repo_digests: Vec<String>,
    pub size: u64,
    pub shared_size: u64,
    pub virtual_size: u64,
    pub labels: Option<BTreeMap<String, String>>,
    pub containers: usize,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub read_only: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub dangling: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub names: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub digest: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<String>,
    pub created: i64,
    pub created_at: String,
    /// cairn: bytes no other image uses.
    pub unique_size: u64,
    /// cairn: an untagged image with children.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub intermediate: bool,
    /// cairn: a manifest list's platform images.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<InstanceJson>,
    /// cairn: the manifest list a platform image belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_of: Option<String>,
    /// cairn: why the image cannot be read whole.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct InstanceJson {
    #[serde(rename = "Id")]
    pub id: String,
    pub platform: String,
}

pub fn image_json(catalog: &Catalog, idx: ImageIdx) -> ImageJson {
    let snapshot = &catalog.snapshot;
    let image = &snapshot.images[idx];
    let size = catalog.sizes.get(idx);
    let created = image.created.map_or(0, |t| t.as_second());
    ImageJson {
        id: image.id.clone(),
        parent_id: catalog
            .lineage
            .parent(idx)
            .map(|p| snapshot.images[p].id.clone())
            .unwrap_or_default(),
        repo_tags: None,
        repo_digests: repo_digests(&image.names, &image.digests),
        size: size.total,
        shared_size: size.shared,
        virtual_size: size.total,
        labels: image
            .config
            .as_ref()
            .map(|c| c.labels.clone())
            .filter(|l| !l.is_empty()),
        containers: snapshot.containers_of(idx).count(),
        read_only: image.read_only,
        dangling: catalog.lineage.is_dangling(snapshot, idx),
        names: image.names.clone(),
        digest: image.digest.clone().unwrap_or_default(),
        history: image.names_history.clone(),
        created,
        created_at: Timestamp::from_second(created)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        unique_size: size.unique,
        intermediate: catalog.lineage.is_intermediate(snapshot, idx),
        instances: image
            .instances
            .iter()
            .map(|i| InstanceJson {
                id: i.id.clone(),
                platform: i.platform.clone(),
            })
            .collect(),
        instance_of: snapshot.list_of(idx).map(|l| snapshot.images[l].id.clone()),
        problems: image.problems.clone(),
    }
}

/// `repository@digest` for every name and every manifest digest, sorted (podman `RepoDigests`).
pub fn repo_digests(names: &[String], digests: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let Ok(parsed) = ImageName::parse(name) else {
            continue;
        };
        for digest in digests {
            let canonical = format!("{}@{}", parsed.repository, digest);
            if !out.contains(&canonical) {
                out.push(canonical);
            }
        }
    }
    out.sort();
    out
}
