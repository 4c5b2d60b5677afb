//! Sizes and ages worded as podman words them (docker/go-units), so that cairn's output can
//! be compared with podman's character for character.

/// go-units `HumanSizeWithPrecision`: decimal units and Go's `%.*g`.
pub fn human_size_with_precision(size: f64, precision: usize) -> String {
    const UNITS: [&str; 9] = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    let mut size = size;
    let mut unit = 0;
    while size >= 1000.0 && unit < UNITS.len() - 1 {
        size /= 1000.0;
        unit += 1;
    }
    format!("{}{}", go_format_g(size, precision), UNITS[unit])
}

/// The size column of `podman images` and `podman history`: three digits, a space before
/// the unit (`1.54 kB`).
pub fn podman_size(bytes: u64) -> String {
    let s = human_size_with_precision(bytes as f64, 3);
    let split = s.rfind(|c: char| c.is_ascii_digit()).map_or(0, |i| i + 1);
    format!("{} {}", &s[..split], &s[split..])
}

/// Go's `%.*g`: `precision` significant digits, trailing zeros dropped, exponent form when
/// the exponent is below -4 or not below the precision.
pub fn go_format_g(value: f64, precision: usize) -> String {
    let precision = precision.max(1);
    let scientific = format!("{:.*e}", precision - 1, value);
    let (mantissa, exponent) = scientific.split_once('e').unwrap_or((&scientific, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    if exponent < -4 || exponent >= precision as i32 {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{}e{}{:02}", trim_fraction(mantissa), sign, exponent.abs())
    } else {
        let decimals = (precision as i32 - 1 - exponent).max(0) as usize;
        trim_fraction(&format!("{value:.decimals$}")).to_string()
    }
}

fn trim_fraction(number: &str) -> &str {
    if number.contains('.') {
        number.trim_end_matches('0').trim_end_matches('.')
    } else {
        number
    }
}

/// The longest age Go can tell: `time.Since` saturates at the largest `time.Duration`
/// (about 292 years), which is what podman shows for a missing date (Go's zero time).
const GO_MAX_DURATION_SECONDS: f64 = i64::MAX as f64 / 1e9;

/// `CREATED` as podman and docker word an age (`18 minutes ago`); a missing time is as old
/// as Go can say, "292 years ago".
pub fn ago(now: jiff::Timestamp, then: Option<jiff::Timestamp>) -> String {
    let seconds = then.map_or(GO_MAX_DURATION_SECONDS, |t| {
        ((now.as_nanosecond() - t.as_nanosecond()) as f64 / 1e9).min(GO_MAX_DURATION_SECONDS)
    });
    format!("{} ago", human_duration(seconds))
}

/// go-units `HumanDuration`, which podman follows with " ago".
pub fn human_duration(seconds: f64) -> String {
    let whole = seconds as i64;
    if whole < 1 {
        return "Less than a second".into();
    }
    if whole == 1 {
        return "1 second".into();
    }
    if whole < 60 {
        return format!("{whole} seconds");
    }
    let minutes = (seconds / 60.0) as i64;
    if minutes == 1 {
        return "About a minute".into();
    }
    if minutes < 60 {
        return format!("{minutes} minutes");
    }
    let hours = (seconds / 3600.0 + 0.5) as i64;
    if hours == 1 {
        return "About an hour".into();
    }
    if hours < 48 {
        return format!("{hours} hours");
    }
    if hours < 24 * 7 * 2 {
        return format!("{} days", hours / 24);
    }
    if hours < 24 * 30 * 2 {
        return format!("{} weeks", hours / 24 / 7);
    }
    if hours < 24 * 365 * 2 {
        return format!("{} months", hours / 24 / 30);
    }
    format!("{} years", (seconds / 3600.0) as i64 / 24 / 365)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_go_units() {
        assert_eq!(human_size_with_precision(0.0, 3), "0B");
        assert_eq!(human_size_with_precision(12.0, 3), "12B");
        assert_eq!(human_size_with_precision(1536.0, 3), "1.54kB");
        assert_eq!(human_size_with_precision(1000.0, 4), "1kB");
        assert_eq!(human_size_with_precision(2560.0, 4), "2.56kB");
        assert_eq!(human_size_with_precision(999_999.0, 3), "1e+03kB");
        assert_eq!(human_size_with_precision(123_456_789.0, 4), "123.5MB");
    }

    #[test]
    fn podman_size_puts_a_space_before_the_unit() {
        assert_eq!(podman_size(1536), "1.54 kB");
        assert_eq!(podman_size(0), "0 B");
    }

    #[test]
    fn durations_match_go_units() {
        assert_eq!(human_duration(0.4), "Less than a second");
        assert_eq!(human_duration(1.0), "1 second");
        assert_eq!(human_duration(59.9), "59 seconds");
        assert_eq!(human_duration(90.0), "About a minute");
        assert_eq!(human_duration(45.0 * 60.0), "45 minutes");
        assert_eq!(human_duration(3600.0 + 1700.0), "About an hour");
        assert_eq!(human_duration(47.0 * 3600.0), "47 hours");
        assert_eq!(human_duration(3.0 * 86400.0), "3 days");
        assert_eq!(human_duration(20.0 * 86400.0), "2 weeks");
        assert_eq!(human_duration(100.0 * 86400.0), "3 months");
        assert_eq!(human_duration(800.0 * 86400.0), "2 years");
    }
}
