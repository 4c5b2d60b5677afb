//! containers-storage's `<driver>-layers/<id>.tar-split.gz` and Docker's
//! `layerdb/sha256/<chain-id>/tar-split.json.gz`, written by vbatts/tar-split: one JSON
//! object a line, type 2 ("segment") holding raw tar bytes (headers, PAX records, padding)
//! in base64, type 1 ("file") standing for an entry's body by its size and CRC-64. Laid end
//! to end with each body as a hole of its size, they are the layer's tar, so the same header
//! reader as for blobs reads them, and no body is ever there to read.

use super::tar::{TarStream, read_entries};
use anyhow::{Result, bail};
use cairn_core::contents::Entry;
use serde::Deserialize;
use std::borrow::Cow;
use std::io::{self, BufRead, BufReader, Read};

/// One line of a tar-split. Unknown fields (`name`, `position`, `name_raw`) are not needed:
/// the headers in the segments say everything the entries need.
/// The payload's base64 is borrowed from the line as bytes (base64 has nothing to escape and
/// is ASCII, so it is neither copied nor checked as UTF-8 first; a payload with escapes,
/// which no tar-split writer makes, is copied). serde's own `Option<Cow<str>>` always
/// copies: it took a fifth of the parsing time on a layer of 10,000 files.
#[derive(Debug, Deserialize)]
struct Line<'a> {
    #[serde(rename = "type")]
    kind: u8,
    #[serde(default)]
    size: i64,
    #[serde(default, borrow, with = "serde_bytes")]
    payload: Option<Cow<'a, [u8]>>,
}

const FILE: u8 = 1;
const SEGMENT: u8 = 2;

/// A segment is a few headers and their padding; a line longer than this is no tar-split.
const LINE_LIMIT: u64 = 8 << 20;

/// The entries a gzip-compressed tar-split describes.
pub fn tar_split_entries(compressed: impl Read) -> Result<Vec<Entry>> {
    let lines = BufReader::with_capacity(
        128 << 10,
        flate2::read::MultiGzDecoder::new(BufReader::with_capacity(64 << 10, compressed)),
    );
    read_entries(&mut TarSplit {
        lines,
        line: Vec::new(),
        number: 0,
        segment: Vec::new(),
        at: 0,
        hole: 0,
    })
}

struct TarSplit<R: BufRead> {
    lines: R,
    /// A line that did not lie whole in `lines`' buffer, put together here.
    line: Vec<u8>,
    number: usize,
    /// The current segment's bytes, and how many of them were read.
    segment: Vec<u8>,
    at: usize,
    /// Bytes of the last entry's body still to pass over.
    hole: u64,
}

/// What one line holds: a segment (its bytes decoded into the reader's segment buffer), or
/// a file's size and checksum.
enum Record {
    Segment,
    File { size: i64, crc: Box<[u8]> },
}

/// Reads line `number` of a tar-split, a segment's bytes into `segment` (decoded from base64
/// with the CPU's vector instructions: most of a tar-split is base64).
fn record(line: &[u8], number: usize, segment: &mut Vec<u8>) -> io::Result<Record> {
    let parsed: Line<'_> = serde_json::from_slice(line)
        .map_err(|e| invalid(format!("line {number} is not a tar-split record ({e})")))?;
    let payload = parsed.payload.unwrap_or_default();
    match parsed.kind {
        SEGMENT => {
            segment.clear();
            base64_simd::STANDARD
                .decode_append(payload, segment)
                .map_err(|e| not_base64(number, &e))?;
            Ok(Record::Segment)
        }
        FILE => Ok(Record::File {
            size: parsed.size,
            crc: base64_simd::STANDARD
                .decode_to_vec(payload)
                .map_err(|e| not_base64(number, &e))?
                .into_boxed_slice(),
        }),
        other => Err(invalid(format!(
            "line {number} has record type {other}, which tar-split does not write"
        ))),
    }
}

impl<R: BufRead> TarSplit<R> {
    /// Reads the next line's record; `None` at the end. A line that lies whole in the
    /// buffer (nearly all) is parsed where it lies, without a copy.
    fn next_record(&mut self) -> io::Result<Option<Record>> {
        let available = self.lines.fill_buf()?;
        if available.is_empty() {
            return Ok(None);
        }
        self.number += 1;
        if let Some(end) = memchr::memchr(b'\n', available) {
            let record = record(&available[..end], self.number, &mut self.segment)?;
            self.lines.consume(end + 1);
            return Ok(Some(record));
        }
        self.line.clear();
        let read = (&mut self.lines)
            .take(LINE_LIMIT)
            .read_until(b'\n', &mut self.line)?;
        if read as u64 == LINE_LIMIT && self.line.last() != Some(&b'\n') {
            return Err(invalid(format!(
                "line {} is longer than {LINE_LIMIT} bytes",
                self.number
            )));
        }
        record(&self.line, self.number, &mut self.segment).map(Some)
    }

    /// Makes the next segment current (decoded into the same buffer each time); `false` at
    /// the end.
    fn next_segment(&mut self) -> io::Result<bool> {
        loop {
            match self.next_record()? {
                None => return Ok(false),
                Some(Record::File { .. }) => {
                    return Err(invalid(format!(
                        "line {} records a file where tar bytes should be",
                        self.number
                    )));
                }
                Some(Record::Segment) => {
                    self.at = 0;
                    if !self.segment.is_empty() {
                        return Ok(true);
                    }
                }
            }
        }
    }
}

fn not_base64(number: usize, e: &base64_simd::Error) -> io::Error {
    invalid(format!(
        "line {number} has a payload that is not base64 ({e})"
    ))
}

fn invalid(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

impl<R: BufRead> TarStream for TarSplit<R> {
    fn fill(&mut self, buf: &mut [u8]) -> io::Result<bool> {
        if self.hole > 0 {
            return Err(invalid(
                "an extended header's bytes are missing from the tar-split".into(),
            ));
        }
        let mut got = 0;
        while got < buf.len() {
            if self.at == self.segment.len() && !self.next_segment()? {
                return match got {
                    0 => Ok(false),
                    _ => Err(io::ErrorKind::UnexpectedEof.into()),
                };
            }
            let step = (buf.len() - got).min(self.segment.len() - self.at);
            buf[got..got + step].copy_from_slice(&self.segment[self.at..self.at + step]);
            self.at += step;
            got += step;
        }
        Ok(true)
    }

    fn skip(&mut self, mut n: u64) -> io::Result<()> {
        let hole = self.hole.min(n);
        self.hole -= hole;
        n -= hole;
        while n > 0 {
            if self.at == self.segment.len() && !self.next_segment()? {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let step = (self.segment.len() - self.at).min(usize::try_from(n).unwrap_or(usize::MAX));
            self.at += step;
            n -= step as u64;
        }
        Ok(())
    }

    fn entry(&mut self, size: u64) -> Result<Option<Box<[u8]>>> {
        if self.at != self.segment.len() {
            bail!(
                "line {} holds bytes past an entry's header: the tar-split is damaged",
                self.number
            );
        }
        let (recorded, crc) = match self.next_record()? {
            None => bail!("the tar-split ends before the file record of its last header"),
            Some(Record::Segment) => bail!(
                "line {} is no file record, where the last header's should be: the tar-split is damaged",
                self.number
            ),
            Some(Record::File { size, crc }) => (size, crc),
        };
        if u64::try_from(recorded).ok() != Some(size) {
            bail!(
                "line {} records {recorded} bytes for an entry whose header says {size}: the tar-split is damaged",
                self.number
            );
        }
        self.hole = size;
        Ok((!crc.is_empty()).then_some(crc))
    }
}
