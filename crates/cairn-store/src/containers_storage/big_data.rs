//! Where containers-storage keeps an image's "big data" (manifests, config, signatures).

use base64::Engine;

/// The file name of a big-data key: the key itself when every byte is in `[a-z0-9.]`,
/// else `=` and the key in standard base64 (containers/storage `makeBigDataBaseName`).
pub fn file_name(key: &str) -> String {
    if !key.is_empty()
        && key
            .bytes()
            .all(|b| b == b'.' || b.is_ascii_digit() || b.is_ascii_lowercase())
    {
        key.to_string()
    } else {
        format!("={}", base64::engine::general_purpose::STANDARD.encode(key))
    }
}

/// Keys under which containers/image stores manifests.
pub fn is_manifest_key(key: &str) -> bool {
    key == "manifest" || key.starts_with("manifest-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_keys_keep_their_name() {
        assert_eq!(file_name("manifest"), "manifest");
        assert_eq!(file_name("signatures"), "signatures");
    }

    #[test]
    fn other_keys_are_base64() {
        assert_eq!(file_name("sha256:ab"), "=c2hhMjU2OmFi");
        assert_eq!(file_name("manifest-sha256:ab"), "=bWFuaWZlc3Qtc2hhMjU2OmFi");
        assert_eq!(file_name("../x"), "=Li4veA==");
    }
}
