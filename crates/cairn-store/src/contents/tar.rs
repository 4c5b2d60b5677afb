//! A layer's tar read header by header, bodies skipped: ustar, PAX (local and global) and
//! GNU long names, each header's checksum checked, every variable-length part bounded, and
//! paths normalized to the contract of [`Entry`].
//!
//! The tar crate's `Archive` is not used for this: it reads a PAX header or a GNU long name
//! of any declared size into memory, so a lying header could make cairn allocate gigabytes;
//! here the same parsing pieces (`tar::Header`, `tar::PaxExtensions`) run under bounds.

use anyhow::{Result, anyhow, bail};
use cairn_core::contents::{Entry, EntryKind};
use std::io;

/// A tar block.
const BLOCK: usize = 512;

/// A PAX header or a GNU long name or link is one path and a few numbers: a megabyte is far
/// above any real one, and keeps a lying size from exhausting memory.
pub const META_LIMIT: u64 = 1 << 20;

/// More entries than any real layer has (the largest distribution layers hold a few hundred
/// thousand); at roughly 150 bytes each this bounds what one layer's listing can take.
pub const MAX_ENTRIES: usize = 10_000_000;

/// Where one layer's tar bytes come from: a blob (decompressed or not), or a tar-split that
/// holds the headers and only the sizes of the bodies.
pub trait TarStream {
    /// Fills `buf` whole; `Ok(false)` when the stream ends before its first byte.
    fn fill(&mut self, buf: &mut [u8]) -> io::Result<bool>;
    /// Passes over `n` bytes (an entry's body and padding) without keeping them.
    fn skip(&mut self, n: u64) -> io::Result<()>;
    /// Called once per entry after its header, with the size its header declares: the
    /// checksum of its contents the store recorded, if any.
    fn entry(&mut self, size: u64) -> Result<Option<Box<[u8]>>>;
}

/// Per-entry values a PAX header (local or global) or a GNU long name overrides.
#[derive(Debug, Default, Clone)]
struct Overrides {
    path: Option<Vec<u8>>,
    link: Option<Vec<u8>>,
    size: Option<u64>,
    uid: Option<u64>,
    gid: Option<u64>,
    mtime: Option<i64>,
}

impl Overrides {
    fn merge_pax(&mut self, body: &[u8]) -> Result<()> {
        for extension in tar::PaxExtensions::new(body) {
            let extension = extension.map_err(|e| anyhow!("a PAX header is malformed ({e})"))?;
            let value = extension.value_bytes();
            let number = || -> Result<u64> {
                std::str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.parse().ok())
                    .ok_or_else(|| {
                        anyhow!(
                            "a PAX header's {} is not a number",
                            String::from_utf8_lossy(extension.key_bytes())
                        )
                    })
            };
            match extension.key_bytes() {
                b"path" | b"GNU.sparse.name" => self.path = Some(value.to_vec()),
                b"linkpath" => self.link = Some(value.to_vec()),
                b"size" | b"GNU.sparse.realsize" | b"GNU.sparse.size" => {
                    self.size = Some(number()?);
                }
                b"uid" => self.uid = Some(number()?),
                b"gid" => self.gid = Some(number()?),
                b"mtime" => self.mtime = Some(pax_time(value)?),
                _ => {}
            }
        }
        Ok(())
    }
}

/// A PAX time (`1700000000.123456789`, possibly negative) in whole seconds.
fn pax_time(value: &[u8]) -> Result<i64> {
    let text = std::str::from_utf8(value).unwrap_or_default();
    let whole = text.split('.').next().unwrap_or_default();
    whole
        .parse()
        .map_err(|_| anyhow!("a PAX header's mtime {text:?} is not a time"))
}

/// Reads every entry of one layer's tar, in tar order. Errors say which header (by its place
/// and the path before it) and what is wrong; the caller names the layer.
pub fn read_entries(stream: &mut dyn TarStream) -> Result<Vec<Entry>> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut reader = Reader {
        stream,
        global: Overrides::default(),
        local: Overrides::default(),
        block: [0u8; BLOCK],
        zero_blocks: 0,
        ended: false,
    };
    let mut headers = 0usize;
    loop {
        let place = |entries: &[Entry]| match entries.last() {
            Some(last) => format!(
                "header {} (after {:?})",
                headers + 1,
                String::from_utf8_lossy(&last.path)
            ),
            None => format!("header {}", headers + 1),
        };
        match reader.next().map_err(|e| e.context(place(&entries)))? {
            Step::End => return Ok(entries),
            Step::Zero => {}
            Step::Header(None) => headers += 1,
            Step::Header(Some(entry)) => {
                headers += 1;
                if entries.len() == MAX_ENTRIES {
                    bail!("the layer holds more than {MAX_ENTRIES} entries: refused");
                }
                entries.push(entry);
            }
        }
    }
}

/// What one step of the reader found.
enum Step {
    End,
    /// A zero block: the first of the two that end the archive.
    Zero,
    /// A header, and the entry it makes (none for extended headers, the root, volume
    /// labels).
    Header(Option<Entry>),
}

struct Reader<'a> {
    stream: &'a mut dyn TarStream,
    global: Overrides,
    local: Overrides,
    block: [u8; BLOCK],
    zero_blocks: u8,
    /// The stream ended where an entry's padding should have been.
    ended: bool,
}

fn truncated(e: io::Error) -> anyhow::Error {
    match e.kind() {
        io::ErrorKind::UnexpectedEof => anyhow!("the tar ends inside it: truncated"),
        _ => anyhow::Error::new(e),
    }
}

impl Reader<'_> {
    fn next(&mut self) -> Result<Step> {
        if self.ended || !self.stream.fill(&mut self.block).map_err(truncated)? {
            // No end-of-archive blocks: Go's archive/tar and GNU tar accept this too.
            return Ok(Step::End);
        }
        if self.block.iter().all(|&b| b == 0) {
            self.zero_blocks += 1;
            return Ok(match self.zero_blocks {
                2 => Step::End,
                _ => Step::Zero,
            });
        }
        if self.zero_blocks > 0 {
            bail!("it follows a zero block: the tar is damaged");
        }
        let header = tar::Header::from_byte_slice(&self.block);
        check_sum(header)?;
        let field = |what: &str, e: io::Error| anyhow!("its {what} is unreadable ({e})");
        let declared =
            octal(&header.as_old().size, || header.entry_size()).map_err(|e| field("size", e))?;
        let padded = declared
            .checked_next_multiple_of(BLOCK as u64)
            .ok_or_else(|| anyhow!("its size {declared} is impossible"))?;
        let kind = header.entry_type();
        if let b'x' | b'g' | b'L' | b'K' = kind.as_byte() {
            if declared > META_LIMIT {
                bail!(
                    "its extended header claims {declared} bytes (at most {META_LIMIT} are read): refused"
                );
            }
            let mut body = vec![0u8; declared as usize];
            if !self.stream.fill(&mut body).map_err(truncated)? && declared > 0 {
                return Err(truncated(io::ErrorKind::UnexpectedEof.into()));
            }
            self.skip_body(0, padded - declared)?;
            match kind.as_byte() {
                b'x' => self.local.merge_pax(&body)?,
                b'g' => {
                    self.global.merge_pax(&body)?;
                    // Go's archive/tar hands a global header out as an entry, so a
                    // tar-split records one for it.
                    self.stream.entry(0)?;
                }
                b'L' => self.local.path = Some(until_nul(&body)),
                _ => self.local.link = Some(until_nul(&body)),
            }
            return Ok(Step::Header(None));
        }
        let over = std::mem::take(&mut self.local);
        let global = &self.global;
        let size = over.size.or(global.size).unwrap_or(declared);
        let checksum = self.stream.entry(declared)?;
        let header = tar::Header::from_byte_slice(&self.block);
        let Some(kind) = entry_kind(kind) else {
            self.skip_body(declared, padded)?;
            return Ok(Step::Header(None));
        };
        let raw_path = over
            .path
            .or_else(|| global.path.clone())
            .unwrap_or_else(|| header.path_bytes().into_owned());
        let shown = |raw: &[u8]| String::from_utf8_lossy(raw).into_owned();
        let path = match normalize(&raw_path) {
            Ok(Some(path)) => path,
            // `./` itself: the image's root, which every layer has.
            Ok(None) => {
                self.skip_body(declared, padded)?;
                return Ok(Step::Header(None));
            }
            Err(why) => bail!("entry {:?} {why}: refused", shown(&raw_path)),
        };
        let raw_link = over
            .link
            .or_else(|| header.link_name_bytes().map(|l| l.into_owned()));
        let link = match (kind, raw_link) {
            (EntryKind::Hardlink, Some(target)) => match normalize(&target) {
                Ok(Some(target)) => Some(target),
                Ok(None) => bail!(
                    "hard link {:?} points at the image's root: refused",
                    shown(&path)
                ),
                Err(why) => bail!(
                    "hard link {:?} to {:?}: the target {why}: refused",
                    shown(&path),
                    shown(&target)
                ),
            },
            (EntryKind::Symlink, Some(target)) => Some(target.into_boxed_slice()),
            _ => None,
        };
        let old = header.as_old();
        let mtime = match over.mtime.or(global.mtime) {
            Some(t) => t,
            None => {
                let t = numeric(&old.mtime, || header.mtime()).map_err(|e| field("mtime", e))?;
                i64::try_from(t).unwrap_or(i64::MAX)
            }
        };
        let mode =
            numeric(&old.mode, || header.mode().map(u64::from)).map_err(|e| field("mode", e))?;
        let entry = Entry {
            path,
            kind,
            mode: (mode & 0o7777) as u32,
            uid: match over.uid.or(global.uid) {
                Some(uid) => uid,
                None => numeric(&old.uid, || header.uid()).map_err(|e| field("uid", e))?,
            },
            gid: match over.gid.or(global.gid) {
                Some(gid) => gid,
                None => numeric(&old.gid, || header.gid()).map_err(|e| field("gid", e))?,
            },
            size: if kind == EntryKind::File { size } else { 0 },
            link,
            mtime,
            checksum,
        };
        self.skip_body(declared, padded)?;
        Ok(Step::Header(Some(entry)))
    }

    /// Passes over an entry's body and its padding. A tar that ends right after the last
    /// body, without padding or end blocks, ends there: Go's archive/tar reads it so (and
    /// `umoci insert` writes such layers), so podman and skopeo take it.
    fn skip_body(&mut self, declared: u64, padded: u64) -> Result<()> {
        self.stream.skip(declared).map_err(truncated)?;
        let mut padding = [0u8; BLOCK];
        let padding = &mut padding[..(padded - declared) as usize];
        if !padding.is_empty() && !self.stream.fill(padding).map_err(truncated)? {
            self.ended = true;
        }
        Ok(())
    }
}

/// The header's checksum, as tar computes it (unsigned, or signed as some old tars did).
fn check_sum(header: &tar::Header) -> Result<()> {
    let bytes = header.as_bytes();
    let recorded = octal(&header.as_old().cksum, || header.cksum().map(u64::from))
        .map_err(|_| anyhow!("its checksum field is not a number: not a tar header"))?;
    // The whole block's sum less the checksum field's, which counts as eight spaces: plain
    // sums over a whole slice, which the compiler vectorizes (a chained iterator it does
    // not, and this ran once per entry). 512 bytes cannot overflow either sum.
    let field = &bytes[148..156];
    let spaces = 8 * i32::from(b' ');
    let unsigned = sum_unsigned(bytes) - sum_unsigned(field) + spaces;
    let signed = sum_signed(bytes) - sum_signed(field) + spaces;
    if i32::try_from(recorded).is_ok_and(|r| r == unsigned || r == signed) {
        Ok(())
    } else {
        bail!("its checksum does not match: the tar is damaged")
    }
}

fn sum_unsigned(bytes: &[u8]) -> i32 {
    bytes.iter().map(|&b| i32::from(b)).sum()
}

fn sum_signed(bytes: &[u8]) -> i32 {
    bytes.iter().map(|&b| i32::from(b as i8)).sum()
}

/// A numeric field; one left empty (all NULs or spaces) is 0, as Go's archive/tar (which
/// wrote most layers and reads them in podman) takes it.
fn numeric(raw: &[u8], parse: impl FnOnce() -> io::Result<u64>) -> io::Result<u64> {
    match raw.iter().all(|&b| b == 0 || b == b' ') {
        true => Ok(0),
        false => octal(raw, parse),
    }
}

/// A field in plain octal (digits, spaces around them, ended by a NUL or the field's end),
/// as nearly every field is, read here; anything else (base-256, a field that is no number)
/// goes to `parse`, the tar crate's reader. The tar crate checks each field as UTF-8 and
/// trims it as a string first: with six fields a header, that was a tenth of reading a
/// tar-split.
fn octal(raw: &[u8], parse: impl FnOnce() -> io::Result<u64>) -> io::Result<u64> {
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    let digits = raw[..end].trim_ascii_start();
    let digits = digits
        .iter()
        .rposition(|&b| b != b' ')
        .map_or(&digits[..0], |last| &digits[..=last]);
    // 21 octal digits are 63 bits: no overflow.
    if digits.is_empty() || digits.len() > 21 || !digits.iter().all(|b| (b'0'..=b'7').contains(b)) {
        return parse();
    }
    Ok(digits
        .iter()
        .fold(0u64, |n, &d| (n << 3) | u64::from(d - b'0')))
}

fn until_nul(body: &[u8]) -> Vec<u8> {
    let end = body.iter().position(|&b| b == 0).unwrap_or(body.len());
    body[..end].to_vec()
}

/// What an entry makes; `None` for those that make nothing (volume labels, multi-volume
/// continuations, unknown types).
fn entry_kind(kind: tar::EntryType) -> Option<EntryKind> {
    Some(match kind.as_byte() {
        b'0' | b'\0' | b'7' | b'S' => EntryKind::File,
        b'1' => EntryKind::Hardlink,
        b'2' => EntryKind::Symlink,
        b'3' => EntryKind::Char,
        b'4' => EntryKind::Block,
        b'5' => EntryKind::Dir,
        b'6' => EntryKind::Fifo,
        _ => return None,
    })
}

/// An entry's path as the contract has it: no leading `./`, no trailing `/`, no empty or `.`
/// parts; `None` for the root itself. A path that leads out of the image (`..`) or starts at
/// `/` is refused, with why.
pub fn normalize(raw: &[u8]) -> Result<Option<Box<[u8]>>, &'static str> {
    if raw.first() == Some(&b'/') {
        return Err("is an absolute path");
    }
    let mut path = Vec::with_capacity(raw.len());
    for part in raw.split(|&b| b == b'/') {
        match part {
            b"" | b"." => {}
            b".." => return Err("leads out of the image through .."),
            part => {
                if !path.is_empty() {
                    path.push(b'/');
                }
                path.extend_from_slice(part);
            }
        }
    }
    Ok((!path.is_empty()).then(|| path.into_boxed_slice()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_lose_dot_slash_and_trailing_slash_and_keep_their_bytes() {
        assert_eq!(normalize(b"./etc/").unwrap().unwrap().as_ref(), b"etc");
        assert_eq!(normalize(b"a//b/./c").unwrap().unwrap().as_ref(), b"a/b/c");
        assert_eq!(
            normalize(b"d/.wh..wh..opq").unwrap().unwrap().as_ref(),
            b"d/.wh..wh..opq"
        );
        assert_eq!(
            normalize(b"\xff\xfe").unwrap().unwrap().as_ref(),
            b"\xff\xfe"
        );
        assert!(normalize(b"./").unwrap().is_none());
        assert!(normalize(b"a/../../b").is_err());
        assert!(normalize(b"/etc/passwd").is_err());
    }

    #[test]
    fn octal_fields_read_as_the_tar_crate_reads_them() {
        let tar_crate = |raw: &[u8]| {
            let mut header = tar::Header::new_old();
            header.as_old_mut().size.copy_from_slice(raw);
            header.entry_size().ok()
        };
        for raw in [
            b"00000000144\0",
            b"  144      \0",
            b"144\0garbage!",
            b"77777777777\0",
            b"0000000000 \0",
            b"12 34\0\0\0\0\0\0\0",
            b"00000009\0\0\0\0",
            b"+1\0\0\0\0\0\0\0\0\0\0",
            b"\x80\0\0\0\0\0\0\0\x01\0\0\0",
        ] {
            assert_eq!(
                octal(raw, || tar_crate(raw)
                    .ok_or(io::ErrorKind::InvalidData.into()))
                .ok(),
                tar_crate(raw),
                "{:?}",
                String::from_utf8_lossy(raw)
            );
        }
    }

    #[test]
    fn pax_times_keep_whole_seconds() {
        assert_eq!(pax_time(b"1700000000.5").unwrap(), 1_700_000_000);
        assert_eq!(pax_time(b"-3.25").unwrap(), -3);
        assert!(pax_time(b"soon").is_err());
    }
}
