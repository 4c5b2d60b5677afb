//! Store text made safe to show on a terminal, by the CLI and the browser alike.
//!
//! Names, labels, history commands and the bytes an error quotes are written by whoever
//! built an image. A terminal obeys what it is sent: an ESC sets its title or clears it, a
//! newline in a name forges another output line, a bidi override makes text read as
//! something else. So every piece of store text is shown through [`visible`] (or
//! [`Visible`] in a format string), which writes each such character as an escape a person
//! can read (`\x1b`, `\n`, `\u{202e}`) instead of dropping it: the user sees that something
//! odd is there. Ordinary text comes out unchanged, byte for byte, so output stays what
//! podman and docker print. JSON is not shown through this: serde escapes it.
//!
//! This is presentation, not model, but it is pure and both front ends need the one rule,
//! as they share [`crate::human`]'s sizes and ages.

use std::borrow::Cow;
use std::fmt::{self, Write};

/// True for characters a terminal acts on rather than prints: C0 and C1 controls, DEL,
/// and the bidirectional marks, embeddings, overrides and isolates that reorder text.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Writes one unsafe character as its visible escape: the usual short forms, `\xNN` for
/// the other ASCII controls, `\u{...}` for the rest.
fn escape(c: char, out: &mut impl Write) -> fmt::Result {
    match c {
        '\n' => out.write_str("\\n"),
        '\r' => out.write_str("\\r"),
        '\t' => out.write_str("\\t"),
        c if c.is_ascii() => write!(out, "\\x{:02x}", u32::from(c)),
        c => write!(out, "\\u{{{:x}}}", u32::from(c)),
    }
}

/// Store text to put in a format string: `format!("Untagged: {}", Visible(name))`.
#[derive(Debug, Clone, Copy)]
pub struct Visible<'a>(pub &'a str);

impl fmt::Display for Visible<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some((at, c)) = rest.char_indices().find(|&(_, c)| is_unsafe(c)) {
            f.write_str(&rest[..at])?;
            escape(c, f)?;
            rest = &rest[at + c.len_utf8()..];
        }
        f.write_str(rest)
    }
}

/// The text with every unsafe character escaped; borrowed when there is none, which is
/// almost always.
pub fn visible(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(Visible(text).to_string())
}

/// Bytes read from a store (a tar header, a file that should have been JSON) as text: valid
/// UTF-8 shown through [`visible`], every byte that is not shown as `\xNN`.
pub fn visible_bytes(bytes: &[u8]) -> Cow<'_, str> {
    if let Ok(text) = std::str::from_utf8(bytes) {
        return visible(text);
    }
    let mut out = String::with_capacity(bytes.len() + 16);
    for chunk in bytes.utf8_chunks() {
        out.push_str(&visible(chunk.valid()));
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for text in [
            "localhost/app:1",
            "RUN apk add \\ curl # café ✓",
            "日本語 <none>",
        ] {
            assert!(matches!(visible(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn escape_sequences_are_shown_not_obeyed() {
        assert_eq!(
            visible("x\u{1b}]0;owned\u{7}\u{1b}[2Jy\u{9b}31m\u{7f}"),
            "x\\x1b]0;owned\\x07\\x1b[2Jy\\u{9b}31m\\x7f"
        );
    }

    #[test]
    fn line_breaks_and_tabs_are_shown_so_no_line_is_forged() {
        assert_eq!(
            visible("app:1\nDeleted: 0000\r\tx"),
            "app:1\\nDeleted: 0000\\r\\tx"
        );
    }

    #[test]
    fn bidi_overrides_and_isolates_are_shown() {
        assert_eq!(
            visible("a\u{202E}b\u{2066}c\u{200F}"),
            "a\\u{202e}b\\u{2066}c\\u{200f}"
        );
    }

    #[test]
    fn nothing_unsafe_survives_escaping() {
        let all: String = (0u32..0x2070).filter_map(char::from_u32).collect();
        assert!(!visible(&all).chars().any(is_unsafe));
    }

    #[test]
    fn invalid_utf8_is_shown_byte_by_byte() {
        assert_eq!(visible_bytes(b"ok"), "ok");
        assert_eq!(
            visible_bytes(b"\x1f\x8b\x08\x00gz\xff\x1b[2J"),
            "\\x1f\\x8b\\x08\\x00gz\\xff\\x1b[2J"
        );
    }
}
