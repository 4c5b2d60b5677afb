//! `cairn check IMAGE`: dive's CI rules on an image's wasted space. The rules come from the
//! flags, else from the `.dive-ci` file dive reads (`rules: {lowestEfficiency: ...}`), else
//! dive's defaults. Exit 0 when every rule passes, 1 when one fails, 125 when the rules or
//! the image cannot be read. The output is dive's `--ci` report.

use super::JsonFlag;
use super::contents::{Layers, text};
use anyhow::{Context, Result, bail};
use cairn_core::contents::ci::{self, Rule, Status, Verdict, human_bytes};
use cairn_core::contents::{Waste, WastePart, base_layer_count};
use cairn_core::visible::Visible;
use cairn_store::Selection;
use serde::Serialize;
use std::io::Write;
use std::path::{Path, PathBuf};
use yaml_rust2::{Yaml, YamlLoader};

/// The file dive reads its rules from, in the current directory.
const DEFAULT_CONFIG: &str = ".dive-ci";

#[derive(Debug, Clone, clap::Args)]
pub struct Args {
    /// the image: name, short name, ID, ID prefix or sha256: digest
    pub image: String,
    /// the rules file, as dive's --ci-config [default: .dive-ci, when it exists]
    #[arg(long = "ci-config", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// lowest allowable efficiency, a ratio 0-1, or "disabled"
    #[arg(long = "lowestEfficiency", value_name = "RATIO")]
    pub lowest_efficiency: Option<String>,
    /// highest allowable wasted bytes (20MB, 20MiB...), or "disabled"
    #[arg(long = "highestWastedBytes", value_name = "SIZE")]
    pub highest_wasted_bytes: Option<String>,
    /// highest allowable wasted bytes over the user layers' bytes, a ratio 0-1, or "disabled"
    #[arg(long = "highestUserWastedPercent", value_name = "RATIO")]
    pub highest_user_wasted_percent: Option<String>,
    #[command(flatten)]
    pub json: JsonFlag,
}

#[derive(Debug, Serialize)]
struct CheckJson<'a> {
    image: &'a str,
    efficiency: f64,
    wasted_bytes: u64,
    /// The user part's wasted bytes over its layers' bytes (null when infinite).
    user_wasted_percent: f64,
    image_bytes: u64,
    base: &'a WastePart,
    user: &'a WastePart,
    inefficient_files: Vec<FileJson>,
    rules: Vec<RuleJson<'a>>,
    pass: bool,
}

#[derive(Debug, Serialize)]
struct FileJson {
    file: String,
    count: u32,
    wasted_bytes: u64,
    total_bytes: u64,
}

#[derive(Debug, Serialize)]
struct RuleJson<'a> {
    rule: &'a str,
    status: &'a str,
    message: &'a str,
}

pub fn run(flags: &Selection, args: &Args, out: &mut dyn Write) -> Result<i32> {
    let rules = rules(args)?;
    let mut layers = Layers::open(flags)?;
    let image = layers.lookup(&args.image)?;
    let contents = layers.contents(image)?;
    let waste = contents.waste(base_layer_count(&layers.catalog, image));
    let mut verdicts: Vec<Verdict> = rules
        .iter()
        .map(|(rule, configured)| rule.judge(&waste, configured))
        .collect();
    verdicts.sort_by_key(|v| v.rule);
    let pass = verdicts.iter().all(|v| v.status != Status::Fail);
    if args.json.enabled() {
        let json = CheckJson {
            image: &layers.catalog.snapshot.images[image].id,
            efficiency: waste.efficiency,
            wasted_bytes: waste.wasted_bytes,
            user_wasted_percent: waste.user_wasted_ratio,
            image_bytes: waste.image_bytes,
            base: &waste.base,
            user: &waste.user,
            inefficient_files: waste
                .offenders
                .iter()
                .map(|o| FileJson {
                    file: text(&o.path),
                    count: o.copies,
                    wasted_bytes: o.wasted_bytes,
                    total_bytes: o.total_bytes,
                })
                .collect(),
            rules: verdicts
                .iter()
                .map(|v| RuleJson {
                    rule: v.rule,
                    status: v.status.word(),
                    message: &v.message,
                })
                .collect(),
            pass,
        };
        serde_json::to_writer_pretty(&mut *out, &json)?;
        writeln!(out)?;
    } else {
        out.write_all(report(&waste, &verdicts).as_bytes())?;
    }
    Ok(if pass { 0 } else { 1 })
}

/// Each rule with the value it was configured with: a flag, else the file, else dive's
/// default.
fn rules(args: &Args) -> Result<Vec<(Rule, String)>> {
    let file = match &args.config {
        Some(path) => Some(read_config(path)?),
        None if Path::new(DEFAULT_CONFIG).is_file() => {
            Some(read_config(Path::new(DEFAULT_CONFIG))?)
        }
        None => None,
    };
    let flags = [
        &args.lowest_efficiency,
        &args.highest_wasted_bytes,
        &args.highest_user_wasted_percent,
    ];
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    for ((name, default), flag) in ci::DEFAULTS.into_iter().zip(flags) {
        let from_file = file.as_ref().and_then(|rules| value(&rules[name]));
        let configured = flag
            .clone()
            .or(from_file)
            .unwrap_or_else(|| default.to_string());
        match Rule::parse(name, &configured) {
            Ok(rule) => rules.push((rule, configured)),
            Err(e) => errors.push(e.to_string()),
        }
    }
    if !errors.is_empty() {
        bail!("{}", Visible(&errors.join("; ")));
    }
    Ok(rules)
}

/// The `rules` mapping of a `.dive-ci` file.
fn read_config(path: &Path) -> Result<Yaml> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read CI config file {}", path.display()))?;
    let docs = YamlLoader::load_from_str(&text).map_err(|e| {
        anyhow::anyhow!("failed to unmarshal CI config file {}: {e}", path.display())
    })?;
    let rules = docs.first().map_or(Yaml::Null, |doc| doc["rules"].clone());
    match rules {
        Yaml::Hash(_) | Yaml::Null | Yaml::BadValue => Ok(rules),
        _ => bail!(
            "failed to unmarshal CI config file {}: rules is not a mapping",
            path.display()
        ),
    }
}

/// A rule's value as dive's YAML decoder puts a scalar into a string; none for a key that is
/// absent or null (dive keeps the default then).
fn value(yaml: &Yaml) -> Option<String> {
    match yaml {
        Yaml::Real(text) | Yaml::String(text) => Some(text.clone()),
        Yaml::Integer(n) => Some(n.to_string()),
        Yaml::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}

/// dive's report: the analysis, the inefficient files, one line per rule, the summary.
fn report(waste: &Waste, verdicts: &[Verdict]) -> String {
    let mut out = String::from("Analysis:\n");
    let row = |out: &mut String, key: &str, value: String| {
        out.push_str(&format!("  {:<18} {value}\n", format!("{key}:")));
    };
    row(
        &mut out,
        "efficiency",
        format!("{:.2} %", waste.efficiency * 100.0),
    );
    let human = match waste.wasted_bytes {
        0 => String::new(),
        n => format!(" ({})", human_bytes(n)),
    };
    row(
        &mut out,
        "wastedBytes",
        format!("{} bytes{human}", waste.wasted_bytes),
    );
    let percent = match waste.wasted_bytes {
        0 => "0 %".to_string(),
        _ => format!("{:.2} %", waste.user_wasted_ratio * 100.0),
    };
    row(&mut out, "userWastedPercent", percent);
    for (key, part) in [("baseLayers", &waste.base), ("userLayers", &waste.user)] {
        row(
            &mut out,
            key,
            format!(
                "{} ({} bytes, {} wasted)",
                part.layers, part.size_bytes, part.wasted_bytes
            ),
        );
    }
    out.push_str("\nInefficient Files:");
    if waste.offenders.is_empty() {
        out.push_str(" (None)\n");
    } else {
        out.push_str(&format!(
            "\n  {:<5}  {:<12}  File Path\n",
            "Count", "Wasted Space"
        ));
        for o in &waste.offenders {
            out.push_str(&format!(
                "  {:<5}  {:<12}  {}\n",
                o.copies,
                human_bytes(o.wasted_bytes),
                Visible(&text(&o.path))
            ));
        }
    }
    out.push_str("\nEvaluation:\n");
    for v in verdicts {
        out.push_str(&format!(
            "  {}  {} ({})\n",
            v.status.word(),
            v.rule,
            v.message
        ));
    }
    let count = |status| verdicts.iter().filter(|v| v.status == status).count();
    let tally: Vec<String> = [
        ("pass", Status::Pass),
        ("fail", Status::Fail),
        ("skip", Status::Skip),
    ]
    .into_iter()
    .filter(|&(_, s)| count(s) > 0)
    .map(|(name, s)| format!("{name}:{}", count(s)))
    .collect();
    let status = match count(Status::Fail) {
        0 => "PASS",
        _ => "FAIL",
    };
    out.push_str(&format!("\n{status} [{}]\n", tally.join(" ")));
    out
}
