//! Where the headless commands' text meets the terminal.
//!
//! Each command shows the store text it prints through [`cairn_core::visible`] (the table
//! cells do so by themselves). [`TerminalSafe`] is the backstop under them all: it shows
//! every control character, escape sequence, bidi override and invalid byte that still
//! reaches standard output visibly, by the same rule, keeping only the newlines and tabs
//! that lay the text out. A new command that forgets to escape its store text can then
//! misplace a line, but never hand the terminal a sequence to obey.

use cairn_core::visible::visible_bytes;
use std::io::{self, BufWriter, Write};

/// Standard output as the commands write it: buffered (tables of thousands of lines go out
/// in one write per buffer), shown through [`TerminalSafe`] unless it is JSON, and watched,
/// so that the end of the run can tell a reader that went away from output that was lost.
pub struct Output<W: Write> {
    inner: BufWriter<Watched<W>>,
    escape: bool,
}

impl<W: Write> Output<W> {
    /// `json`: the command prints JSON, whose strings serde escapes; it is passed as it is.
    pub fn new(inner: W, json: bool) -> Self {
        Output {
            inner: BufWriter::new(Watched {
                inner,
                failed: None,
            }),
            escape: !json,
        }
    }

    /// Flushes what is left and says how writing to standard output went.
    pub fn finish(&mut self) -> Result<(), io::ErrorKind> {
        let flushed = self.inner.flush();
        match (self.inner.get_ref().failed, flushed) {
            (Some(kind), _) => Err(kind),
            (None, Err(e)) => Err(e.kind()),
            (None, Ok(())) => Ok(()),
        }
    }
}

impl<W: Write> Write for Output<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.escape {
            true => TerminalSafe::new(&mut self.inner).write(buf),
            false => self.inner.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// The real standard output, remembering the first way writing to it failed: the error a
/// command gets back is wrapped in its own context by then.
struct Watched<W: Write> {
    inner: W,
    failed: Option<io::ErrorKind>,
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let result = self.inner.write(buf);
        self.watch(result)
    }

    fn flush(&mut self) -> io::Result<()> {
        let result = self.inner.flush();
        self.watch(result)
    }
}

impl<W: Write> Watched<W> {
    fn watch<T>(&mut self, result: io::Result<T>) -> io::Result<T> {
        if let Err(e) = &result {
            self.failed.get_or_insert(e.kind());
        }
        result
    }
}

/// True when cairn was started with standard output closed (`>&-`). The standard library
/// puts /dev/null, opened read-write, on a closed descriptor before `main`, so that no file
/// opened later takes its place; a shell's `>/dev/null` opens it write-only. So /dev/null
/// open read-write on descriptor 1 is a closed standard output, and what a command prints
/// there is lost: cairn refuses to run rather than change a store and say nothing.
pub fn stdout_closed() -> bool {
    use rustix::fs::{OFlags, fcntl_getfl, fstat, stat};
    let stdout = io::stdout();
    let (Ok(null), Ok(out), Ok(flags)) = (stat("/dev/null"), fstat(&stdout), fcntl_getfl(&stdout))
    else {
        return false;
    };
    out.st_rdev == null.st_rdev
        && out.st_mode & 0o170000 == 0o020000
        && flags & OFlags::RWMODE == OFlags::RDWR
}

/// A writer that passes ordinary text through unchanged and shows anything a terminal
/// would act on as an escape. Each `write` call is taken as a whole: the commands write
/// whole strings, so no character is split across calls.
pub struct TerminalSafe<W: Write> {
    inner: W,
}

impl<W: Write> TerminalSafe<W> {
    pub fn new(inner: W) -> Self {
        TerminalSafe { inner }
    }
}

/// True for the bytes of plain ASCII text and its layout: nothing to look at closer.
fn plain(byte: u8) -> bool {
    matches!(byte, b' '..=b'~' | b'\n' | b'\t')
}

impl<W: Write> Write for TerminalSafe<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.iter().all(|&b| plain(b)) {
            return self.inner.write(buf);
        }
        // Layout stays; everything between it goes through the one rule.
        let mut rest = buf;
        while let Some(at) = rest.iter().position(|&b| b == b'\n' || b == b'\t') {
            self.inner
                .write_all(visible_bytes(&rest[..at]).as_bytes())?;
            self.inner.write_all(&rest[at..=at])?;
            rest = &rest[at + 1..];
        }
        self.inner.write_all(visible_bytes(rest).as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shown(bytes: &[u8]) -> String {
        let mut out = TerminalSafe::new(Vec::new());
        out.write_all(bytes).unwrap();
        String::from_utf8(out.inner).unwrap()
    }

    #[test]
    fn ordinary_text_and_its_layout_pass_unchanged() {
        let text = "REPOSITORY  TAG\nlocalhost/café  1\n\t* two errors\n";
        assert_eq!(shown(text.as_bytes()), text);
    }

    #[test]
    fn what_a_terminal_obeys_is_shown_escaped() {
        assert_eq!(
            shown(b"Error: \x1b]0;owned\x07\x1b[2J\xff\r\n\xe2\x80\xae!\n"),
            "Error: \\x1b]0;owned\\x07\\x1b[2J\\xff\\r\n\\u{202e}!\n"
        );
    }
}
