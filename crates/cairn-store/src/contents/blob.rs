//! A layer blob (gzip, zstd or plain tar) read for its headers: decompressed as a stream,
//! bodies skipped (seeked over when the blob is a plain tar), never written anywhere, and
//! bounded against decompression bombs.

use super::tar::{TarStream, read_entries};
use anyhow::{Result, anyhow, bail};
use cairn_core::contents::Entry;
use std::io::{self, BufRead, BufReader, Read, Seek};

/// How a blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Plain,
    Gzip,
    Zstd,
}

impl Compression {
    /// What the blob's first bytes say (anything else is taken for a plain tar, whose
    /// headers are then checked).
    pub fn sniff(start: &[u8]) -> Self {
        if start.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if start.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::Plain
        }
    }

    /// What a layer media type says (OCI's `+gzip`/`+zstd`, Docker's `.tar.gzip`); `None`
    /// when it names no compression.
    pub fn of_media_type(media_type: &str) -> Option<Self> {
        if media_type.ends_with("gzip") {
            Some(Compression::Gzip)
        } else if media_type.ends_with("zstd") {
            Some(Compression::Zstd)
        } else {
            None
        }
    }

    fn name(self) -> &'static str {
        match self {
            Compression::Plain => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Zstd => "zstd",
        }
    }
}

/// gzip cannot expand more than about 1032 times; a blob that expands far more is a zstd
/// bomb (or a layer no real build makes), and reading it would take minutes for nothing.
pub const MAX_RATIO: u64 = 1100;

/// The least a compressed blob may always expand to, whatever its size: small layers of
/// sparse or repetitive files compress better than [`MAX_RATIO`].
pub const MIN_EXPANSION: u64 = 64 << 20;

/// Anything a blob can be read from and moved about in.
pub trait BlobRead: Read + Seek + Send {}
impl<T: Read + Seek + Send> BlobRead for T {}

/// The entries of one layer blob of `size` bytes. The magic decides how it is decompressed,
/// as podman decides; a media type that names a compression the blob does not have is an
/// error, so that a mislabelled or damaged blob is said to be one.
pub fn blob_entries(mut blob: impl BlobRead, size: u64, media_type: &str) -> Result<Vec<Entry>> {
    let mut start = [0u8; 4];
    let mut got = 0;
    while got < start.len() {
        match blob.read(&mut start[got..])? {
            0 => break,
            n => got += n,
        }
    }
    blob.rewind()?;
    let found = Compression::sniff(&start[..got]);
    if let Some(said) = Compression::of_media_type(media_type)
        && said != found
    {
        bail!(
            "its media type {media_type} says {} but its bytes are {}: the blob is damaged or mislabelled",
            said.name(),
            found.name()
        );
    }
    let limit = size.saturating_mul(MAX_RATIO).max(MIN_EXPANSION);
    match found {
        Compression::Plain => read_entries(&mut SeekStream {
            inner: BufReader::with_capacity(64 << 10, blob),
            at: 0,
            len: size,
        }),
        Compression::Gzip => {
            let decoder = flate2::bufread::MultiGzDecoder::new(BufReader::with_capacity(
                64 << 10,
                blob,
            ));
            read_entries(&mut ReadStream::new(decoder, limit))
        }
        Compression::Zstd => {
            let decoder = zstd::stream::read::Decoder::new(blob)
                .map_err(|e| anyhow!("starting zstd: {e}"))?;
            read_entries(&mut ReadStream::new(decoder, limit))
        }
    }
    .map_err(|e| match bomb(&e) {
        true => anyhow!(
            "it decompresses to more than {limit} bytes ({MAX_RATIO} times its {size}): refused as a decompression bomb"
        ),
        false => e,
    })
}

/// The entries of an uncompressed layer tar of `size` bytes read from a stream that cannot
/// seek (`docker save`), bodies read and dropped.
pub fn stream_entries(stream: impl Read, size: u64) -> Result<Vec<Entry>> {
    read_entries(&mut ReadStream::new(stream, size))
}

/// The error [`ReadStream`] raises when a stream expands past its bound.
#[derive(Debug)]
struct Bomb;

impl std::fmt::Display for Bomb {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("decompression bound exceeded")
    }
}

impl std::error::Error for Bomb {}

fn bomb(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .and_then(|io| io.get_ref())
            .is_some_and(|inner| inner.is::<Bomb>())
    })
}

/// A decompressed stream, its bodies read and dropped, at most `limit` bytes of it.
struct ReadStream<R: Read> {
    inner: BufReader<R>,
    read: u64,
    limit: u64,
}

impl<R: Read> ReadStream<R> {
    fn new(inner: R, limit: u64) -> Self {
        ReadStream {
            inner: BufReader::with_capacity(128 << 10, inner),
            read: 0,
            limit,
        }
    }

    fn count(&mut self, n: u64) -> io::Result<()> {
        self.read += n;
        match self.read > self.limit {
            true => Err(io::Error::other(Bomb)),
            false => Ok(()),
        }
    }
}

impl<R: Read> TarStream for ReadStream<R> {
    fn fill(&mut self, buf: &mut [u8]) -> io::Result<bool> {
        let mut got = 0;
        while got < buf.len() {
            match self.inner.read(&mut buf[got..])? {
                0 if got == 0 => return Ok(false),
                0 => return Err(io::ErrorKind::UnexpectedEof.into()),
                n => got += n,
            }
        }
        self.count(got as u64)?;
        Ok(true)
    }

    fn skip(&mut self, mut n: u64) -> io::Result<()> {
        while n > 0 {
            let available = self.inner.fill_buf()?;
            if available.is_empty() {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            let step = available
                .len()
                .min(usize::try_from(n).unwrap_or(usize::MAX));
            self.inner.consume(step);
            self.count(step as u64)?;
            n -= step as u64;
        }
        Ok(())
    }

    fn entry(&mut self, _: u64) -> Result<Option<Box<[u8]>>> {
        Ok(None)
    }
}

/// A plain tar of known length: bodies are seeked over, and a body said to go past the end
/// is caught at once.
struct SeekStream<R: Read + Seek> {
    inner: BufReader<R>,
    at: u64,
    len: u64,
}

impl<R: Read + Seek> TarStream for SeekStream<R> {
    fn fill(&mut self, buf: &mut [u8]) -> io::Result<bool> {
        if self.at >= self.len && !buf.is_empty() {
            return Ok(false);
        }
        self.inner.read_exact(buf)?;
        self.at += buf.len() as u64;
        Ok(true)
    }

    fn skip(&mut self, n: u64) -> io::Result<()> {
        let to = self
            .at
            .checked_add(n)
            .filter(|&to| to <= self.len)
            .ok_or(io::ErrorKind::UnexpectedEof)?;
        let step = i64::try_from(n).map_err(|_| io::ErrorKind::UnexpectedEof)?;
        self.inner.seek_relative(step)?;
        self.at = to;
        Ok(())
    }

    fn entry(&mut self, _: u64) -> Result<Option<Box<[u8]>>> {
        Ok(None)
    }
}
