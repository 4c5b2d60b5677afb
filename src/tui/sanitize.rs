//! Store text (names, labels, history commands) is written by whoever built an image. An ESC
//! or other control character in it would be obeyed by the terminal, so every piece of store
//! text goes through [`clean`] before it is drawn.

use std::borrow::Cow;

/// What a removed character is shown as: visible, one column wide, never a control.
const REPLACEMENT: char = '\u{FFFD}';

/// True for characters a terminal would act on rather than print: C0 and C1 controls, DEL,
/// and the bidirectional overrides that can make text read differently from what it is.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The text with line breaks and tabs turned into spaces (history commands span lines) and
/// every other control character replaced. Borrows when there is nothing to change, which
/// is almost always.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                '\n' | '\r' | '\t' => ' ',
                c if is_unsafe(c) => REPLACEMENT,
                c => c,
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(clean("localhost/app:1"), Cow::Borrowed(_)));
    }

    #[test]
    fn escape_sequences_never_reach_the_terminal() {
        let cleaned = clean("x\u{1b}[2Jy\u{7}\u{9b}31m");
        assert!(!cleaned.chars().any(|c| c.is_control()));
        assert_eq!(cleaned, "x\u{FFFD}[2Jy\u{FFFD}\u{FFFD}31m");
    }

    #[test]
    fn line_breaks_become_spaces() {
        assert_eq!(clean("RUN a &&\\\n\tb"), "RUN a &&\\  b");
    }

    #[test]
    fn bidi_overrides_are_replaced() {
        assert_eq!(clean("a\u{202E}b"), "a\u{FFFD}b");
    }
}
