//! Digests: blob names validated before they name a file (a digest comes from a file that
//! anyone may have written, and `sha256:../../etc/passwd` must never reach `Path::join`),
//! and the ChainIDs that identify a stack of layers in OCI layouts and in Docker.

use sha2::{Digest as _, Sha256, Sha512};
use std::fmt;

/// A digest that is safe to turn into `blobs/<alg>/<encoded>`: a registered algorithm
/// (sha256 or sha512) and exactly its number of lowercase hex digits, nothing else.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest {
    text: String,
    colon: usize,
}

/// Why a digest was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid blob digest {0:?}: expected sha256:<64 hex digits> or sha512:<128 hex digits>")]
pub struct InvalidDigest(pub String);

impl Digest {
    pub fn parse(text: &str) -> Result<Self, InvalidDigest> {
        let invalid = || InvalidDigest(text.to_string());
        let (alg, encoded) = text.split_once(':').ok_or_else(invalid)?;
        let len = match alg {
            "sha256" => 64,
            "sha512" => 128,
            _ => return Err(invalid()),
        };
        let hex = encoded.len() == len
            && encoded
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !hex {
            return Err(invalid());
        }
        Ok(Digest {
            text: text.to_string(),
            colon: alg.len(),
        })
    }

    /// The digest of `bytes` with sha256, the algorithm every tool here writes.
    pub fn sha256_of(bytes: &[u8]) -> Self {
        Digest {
            text: format!("sha256:{}", hex(&Sha256::digest(bytes))),
            colon: 6,
        }
    }

    pub fn algorithm(&self) -> &str {
        &self.text[..self.colon]
    }

    /// The hex part, which is also the image ID of a config digest.
    pub fn hex(&self) -> &str {
        &self.text[self.colon + 1..]
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// `blobs/<alg>/<hex>`, relative to the layout: safe by construction.
    pub fn blob_path(&self) -> String {
        format!("blobs/{}/{}", self.algorithm(), self.hex())
    }

    /// A hasher of this digest's algorithm, to check a blob's content against it.
    pub fn hasher(&self) -> Hasher {
        match self.algorithm() {
            "sha512" => Hasher::Sha512(Sha512::new()),
            _ => Hasher::Sha256(Sha256::new()),
        }
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Hashes a stream with the algorithm a digest names.
pub enum Hasher {
    Sha256(Sha256),
    Sha512(Sha512),
}

impl Hasher {
    pub fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }

    /// The hex of what was hashed.
    pub fn finish(self) -> String {
        match self {
            Hasher::Sha256(h) => hex(&h.finalize()),
            Hasher::Sha512(h) => hex(&h.finalize()),
        }
    }
}

pub fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// The OCI ChainID of a layer stack (image-spec `config.md`): the first DiffID itself, then
/// `sha256(parent ChainID + " " + DiffID)`. Two images share a layer node in cairn's layer
/// tree exactly when their stacks up to it are the same, as podman's layer IDs do.
pub fn chain_ids(diff_ids: &[String]) -> Vec<String> {
    let mut chains: Vec<String> = Vec::with_capacity(diff_ids.len());
    for diff_id in diff_ids {
        let next = match chains.last() {
            None => diff_id.clone(),
            Some(parent) => {
                let mut hasher = Sha256::new();
                hasher.update(parent.as_bytes());
                hasher.update(b" ");
                hasher.update(diff_id.as_bytes());
                format!("sha256:{}", hex(&hasher.finalize()))
            }
        };
        chains.push(next);
    }
    chains
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_that_could_leave_the_blobs_folder_are_refused() {
        for bad in [
            "sha256:../../etc/passwd",
            "sha256:/etc/passwd",
            "../sha256:aa",
            "sha256:",
            "md5:d41d8cd98f00b204e9800998ecf8427e",
            &format!("sha256:{}", "A".repeat(64)),
            &format!("sha256:{}/x", "a".repeat(62)),
        ] {
            assert!(Digest::parse(bad).is_err(), "{bad} accepted");
        }
        let good = format!("sha256:{}", "ab".repeat(32));
        let digest = Digest::parse(&good).unwrap();
        assert_eq!(
            digest.blob_path(),
            format!("blobs/sha256/{}", "ab".repeat(32))
        );
    }

    #[test]
    fn chain_ids_follow_the_image_spec() {
        // The example of image-spec config.md: ChainID(A|B) = sha256(A + " " + B).
        let a = format!("sha256:{}", "a".repeat(64));
        let b = format!("sha256:{}", "b".repeat(64));
        let chains = chain_ids(&[a.clone(), b.clone()]);
        assert_eq!(chains[0], a);
        assert_eq!(
            chains[1],
            Digest::sha256_of(format!("{a} {b}").as_bytes()).as_str()
        );
    }
}
