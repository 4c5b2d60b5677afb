//! dive's CI rules (`dive --ci`, `.dive-ci`), parsed and judged as dive does
//! (`cmd/dive/cli/internal/command/ci/rules.go`), on cairn's [`Waste`]:
//!
//! - `lowestEfficiency` (default `0.9`): fails when the efficiency is below it; a ratio 0..=1;
//! - `highestWastedBytes` (default `disabled`): fails when the wasted bytes are above it; a size
//!   as go-humanize's `ParseBytes` reads it (`20Mb` is 20,000,000 bytes, `20MiB` 20,971,520);
//! - `highestUserWastedPercent` (default `0.1`): fails when the user part's wasted bytes over
//!   the bytes its layers hold are above it; a ratio 0..=1.
//!
//! A value that is empty, `disabled`, `off` or `false` (any case, spaces around) disables
//! its rule. The numbers differ from dive's where cairn counts differently on purpose: waste
//! once per extra copy, and the user part's own waste rather than the whole image's.

use super::waste::Waste;

/// The three rules' names, as `.dive-ci` and dive's flags spell them.
pub const LOWEST_EFFICIENCY: &str = "lowestEfficiency";
pub const HIGHEST_WASTED_BYTES: &str = "highestWastedBytes";
pub const HIGHEST_USER_WASTED_PERCENT: &str = "highestUserWastedPercent";

/// dive's defaults, used for a rule neither the file nor a flag sets.
pub const DEFAULTS: [(&str, &str); 3] = [
    (LOWEST_EFFICIENCY, "0.9"),
    (HIGHEST_WASTED_BYTES, "disabled"),
    (HIGHEST_USER_WASTED_PERCENT, "0.1"),
];

/// One rule as configured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    Disabled(&'static str),
    LowestEfficiency(f64),
    HighestWastedBytes(u64),
    HighestUserWastedPercent(f64),
}

/// A rule's value that dive would refuse, with dive's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(pub String);

/// What a rule said about an image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub rule: &'static str,
    pub status: Status,
    /// dive's message: the reason for a failure, the configured value for a pass, `disabled`.
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pass,
    Fail,
    Skip,
}

impl Status {
    /// dive's word for it.
    pub fn word(self) -> &'static str {
        match self {
            Status::Pass => "PASS",
            Status::Fail => "FAIL",
            Status::Skip => "SKIP",
        }
    }
}

/// dive's `isRuleDisabled`.
fn is_disabled(value: &str) -> bool {
    matches!(
        value.trim().to_lowercase().as_str(),
        "" | "disabled" | "off" | "false"
    )
}

/// A ratio between 0 and 1, as dive's two ratio rules take it.
fn ratio(rule: &str, value: &str) -> Result<f64, RuleError> {
    let threshold: f64 = value.parse().map_err(|_| {
        RuleError(format!(
            "invalid {rule} config value, given {value:?}: strconv.ParseFloat: parsing {value:?}: invalid syntax"
        ))
    })?;
    if !(0.0..=1.0).contains(&threshold) && !threshold.is_nan() {
        return Err(RuleError(format!(
            "{rule} config value is outside allowed range (0-1), given '{threshold:.6}'"
        )));
    }
    Ok(threshold)
}

impl Rule {
    /// Parses one rule's value as dive does; `rule` is one of the three names.
    pub fn parse(rule: &str, value: &str) -> Result<Rule, RuleError> {
        let name = match rule {
            LOWEST_EFFICIENCY => LOWEST_EFFICIENCY,
            HIGHEST_WASTED_BYTES => HIGHEST_WASTED_BYTES,
            HIGHEST_USER_WASTED_PERCENT => HIGHEST_USER_WASTED_PERCENT,
            other => return Err(RuleError(format!("unknown rule {other:?}"))),
        };
        if is_disabled(value) {
            return Ok(Rule::Disabled(name));
        }
        match name {
            LOWEST_EFFICIENCY => ratio(name, value).map(Rule::LowestEfficiency),
            HIGHEST_USER_WASTED_PERCENT => ratio(name, value).map(Rule::HighestUserWastedPercent),
            _ => parse_bytes(value)
                .map(Rule::HighestWastedBytes)
                .map_err(|e| {
                    RuleError(format!(
                        "invalid highestWastedBytes config value, given {value:?}: {e}"
                    ))
                }),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Rule::Disabled(name) => name,
            Rule::LowestEfficiency(_) => LOWEST_EFFICIENCY,
            Rule::HighestWastedBytes(_) => HIGHEST_WASTED_BYTES,
            Rule::HighestUserWastedPercent(_) => HIGHEST_USER_WASTED_PERCENT,
        }
    }

    /// Judges an image's waste; `configured` is the value as written, which dive shows for a
    /// rule that passes.
    pub fn judge(&self, waste: &Waste, configured: &str) -> Verdict {
        let (status, message) = match *self {
            Rule::Disabled(_) => (Status::Skip, "disabled".to_string()),
            Rule::LowestEfficiency(threshold) if threshold > waste.efficiency => (
                Status::Fail,
                format!(
                    "image efficiency is too low (efficiency={:.2} < threshold={threshold})",
                    waste.efficiency
                ),
            ),
            Rule::HighestWastedBytes(threshold) if waste.wasted_bytes > threshold => (
                Status::Fail,
                format!(
                    "too many bytes wasted (wasted-bytes={} > threshold={threshold})",
                    waste.wasted_bytes
                ),
            ),
            Rule::HighestUserWastedPercent(threshold) if waste.user_wasted_ratio > threshold => (
                Status::Fail,
                format!(
                    "too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes={:.2} > threshold={threshold})",
                    waste.user_wasted_ratio
                ),
            ),
            _ => (Status::Pass, configured.to_string()),
        };
        Verdict {
            rule: self.name(),
            status,
            message,
        }
    }
}

/// go-humanize's `ParseBytes`: a number (digits, `.` and `,`, which is dropped) then an
/// optional unit, case-insensitive, spaces around it ignored: `b`, `k`/`kb` (1000), `ki`/`kib`
/// (1024), and so on up to `e`/`eb` and `ei`/`eib`.
pub fn parse_bytes(text: &str) -> Result<u64, String> {
    let digits = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == ','))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: f64 = number
        .replace(',', "")
        .parse()
        .map_err(|_| format!("strconv.ParseFloat: parsing {number:?}: invalid syntax"))?;
    let unit = unit.trim().to_lowercase();
    let (si, power) = match unit.as_str() {
        "" | "b" => (true, 0),
        "k" | "kb" => (true, 1),
        "ki" | "kib" => (false, 1),
        "m" | "mb" => (true, 2),
        "mi" | "mib" => (false, 2),
        "g" | "gb" => (true, 3),
        "gi" | "gib" => (false, 3),
        "t" | "tb" => (true, 4),
        "ti" | "tib" => (false, 4),
        "p" | "pb" => (true, 5),
        "pi" | "pib" => (false, 5),
        "e" | "eb" => (true, 6),
        "ei" | "eib" => (false, 6),
        _ => return Err(format!("unhandled size name: {unit}")),
    };
    let base: u64 = if si { 1000 } else { 1024 };
    let bytes = number * base.pow(power) as f64;
    if bytes >= u64::MAX as f64 {
        return Err(format!("too large: {text}"));
    }
    // Go's float-to-unsigned conversion truncates, as `as` does.
    Ok(bytes as u64)
}

/// go-humanize's `Bytes`: SI units, two significant digits (`131 B`, `1.5 kB`, `20 MB`).
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 7] = ["B", "kB", "MB", "GB", "TB", "PB", "EB"];
    if bytes < 10 {
        return format!("{bytes} B");
    }
    let mut exponent = 0;
    let mut scale = 1u64;
    while exponent + 1 < UNITS.len() && bytes / scale >= 1000 {
        scale *= 1000;
        exponent += 1;
    }
    let value = ((bytes as f64 / scale as f64) * 10.0 + 0.5).floor() / 10.0;
    if value < 10.0 {
        format!("{value:.1} {}", UNITS[exponent])
    } else {
        format!("{value:.0} {}", UNITS[exponent])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contents::WastePart;

    fn waste(efficiency: f64, wasted_bytes: u64, user_wasted_ratio: f64) -> Waste {
        Waste {
            efficiency,
            image_bytes: 0,
            copies_bytes: 0,
            wasted_bytes,
            base: WastePart::default(),
            user: WastePart::default(),
            user_wasted_ratio,
            offenders: Vec::new(),
        }
    }

    #[test]
    fn lowest_efficiency_fails_below_its_threshold() {
        let rule = Rule::parse(LOWEST_EFFICIENCY, "0.95").unwrap();
        let verdict = rule.judge(&waste(0.9, 0, 0.0), "0.95");
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.message,
            "image efficiency is too low (efficiency=0.90 < threshold=0.95)"
        );
        let verdict = rule.judge(&waste(0.95, 0, 0.0), "0.95");
        assert_eq!(
            (verdict.status, verdict.message.as_str()),
            (Status::Pass, "0.95")
        );
    }

    #[test]
    fn highest_wasted_bytes_fails_above_its_threshold_in_go_humanize_units() {
        let rule = Rule::parse(HIGHEST_WASTED_BYTES, "20Mb").unwrap();
        assert_eq!(rule, Rule::HighestWastedBytes(20_000_000));
        assert_eq!(
            rule.judge(&waste(1.0, 20_000_000, 0.0), "20Mb").status,
            Status::Pass
        );
        let verdict = rule.judge(&waste(1.0, 20_000_001, 0.0), "20Mb");
        assert_eq!(
            verdict.message,
            "too many bytes wasted (wasted-bytes=20000001 > threshold=20000000)"
        );
    }

    #[test]
    fn highest_user_wasted_percent_fails_above_its_threshold() {
        let rule = Rule::parse(HIGHEST_USER_WASTED_PERCENT, "0.1").unwrap();
        let verdict = rule.judge(&waste(1.0, 0, 0.72), "0.1");
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(
            verdict.message,
            "too many bytes wasted, relative to the user bytes added (%-user-wasted-bytes=0.72 > threshold=0.1)"
        );
        assert_eq!(rule.judge(&waste(1.0, 0, 0.1), "0.1").status, Status::Pass);
        // A layer of only whiteouts wastes without adding bytes: an infinite ratio fails.
        assert_eq!(
            rule.judge(&waste(1.0, 0, f64::INFINITY), "0.1").status,
            Status::Fail
        );
    }

    #[test]
    fn a_rule_is_disabled_by_empty_disabled_off_or_false() {
        for value in ["", "disabled", " OFF ", "False"] {
            let rule = Rule::parse(LOWEST_EFFICIENCY, value).unwrap();
            let verdict = rule.judge(&waste(0.0, 0, 0.0), value);
            assert_eq!(
                (verdict.status, verdict.message.as_str()),
                (Status::Skip, "disabled")
            );
        }
    }

    #[test]
    fn ratios_outside_zero_to_one_and_bad_numbers_are_refused_with_dives_words() {
        assert_eq!(
            Rule::parse(LOWEST_EFFICIENCY, "1.5").unwrap_err().0,
            "lowestEfficiency config value is outside allowed range (0-1), given '1.500000'"
        );
        assert!(
            Rule::parse(HIGHEST_USER_WASTED_PERCENT, "ten")
                .unwrap_err()
                .0
                .starts_with("invalid highestUserWastedPercent config value, given \"ten\"")
        );
        assert!(Rule::parse(HIGHEST_WASTED_BYTES, "20 parsecs").is_err());
    }

    #[test]
    fn sizes_parse_as_go_humanize_parses_them() {
        for (text, bytes) in [
            ("42", 42),
            ("42 MB", 42_000_000),
            ("42 mib", 44_040_192),
            ("1,000k", 1_000_000),
            ("1.5KiB", 1536),
            ("20Mb", 20_000_000),
            ("3 E", 3_000_000_000_000_000_000),
        ] {
            assert_eq!(parse_bytes(text), Ok(bytes), "{text}");
        }
        assert!(parse_bytes("20 EB").is_err());
        assert!(parse_bytes("MB").is_err());
    }

    #[test]
    fn sizes_are_shown_as_go_humanize_shows_them() {
        for (bytes, text) in [
            (9, "9 B"),
            (131, "131 B"),
            (1_500, "1.5 kB"),
            (82_854_982, "83 MB"),
            (u64::MAX, "18 EB"),
        ] {
            assert_eq!(human_bytes(bytes), text);
        }
    }
}
