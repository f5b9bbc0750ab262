//! Where images come from and whether a reference names one immutable image (P-IIIB2).

use rampart_model::ImageRef;

use crate::engine::Rule;

mod image_not_pinned_by_digest;
mod mutable_image_tag;
mod unapproved_registry;

pub(crate) static RULES: &[&Rule] = &[
    &mutable_image_tag::RULE,
    &image_not_pinned_by_digest::RULE,
    &unapproved_registry::RULE,
];

/// Whether a digest is one a runtime accepts as a content address: `sha256:`
/// followed by 64 lower-case hex digits (or `sha512:` and 128). Anything else
/// (`sha256:abc`, upper-case hex) is rejected when the image is pulled, so it
/// pins nothing.
pub(crate) fn is_valid_digest(digest: &str) -> bool {
    let hex_of = |len: usize, hex: &str| {
        hex.len() == len
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    match digest.split_once(':') {
        Some(("sha256", hex)) => hex_of(64, hex),
        Some(("sha512", hex)) => hex_of(128, hex),
        _ => false,
    }
}

/// Whether the reference names exactly one image: it carries a valid digest,
/// which the runtime uses whatever the tag says.
pub(crate) fn is_pinned(image: &ImageRef) -> bool {
    image.digest.as_deref().is_some_and(is_valid_digest)
}

/// Why a reference is mutable in the sense of IMG-001 (no tag and no valid
/// digest, or `latest` without a valid digest), as a clause for a message, or
/// `None`.
pub(crate) fn mutable_reason(image: &ImageRef) -> Option<String> {
    if is_pinned(image) {
        return None;
    }
    let digest = image
        .digest
        .as_deref()
        .map(|d| format!(", and its digest `{d}` is malformed, so it pins nothing"))
        .unwrap_or_default();
    match image.tag.as_deref() {
        None => Some(format!("has no tag, so the runtime pulls `latest`{digest}")),
        Some(tag) if tag.eq_ignore_ascii_case("latest") => Some(format!(
            "uses the `{tag}` tag, which moves with every push{digest}"
        )),
        Some(_) => None,
    }
}

/// What a valid digest looks like, for messages about malformed ones.
pub(crate) const DIGEST_SHAPE: &str = "a digest is `sha256:` followed by 64 lower-case hex digits";

#[cfg(test)]
mod tests {
    use super::*;

    fn r(text: &str) -> ImageRef {
        ImageRef::parse(text).unwrap_or_else(|| panic!("{text}"))
    }

    const DIGEST: &str = "sha256:0b2b5c6a8f5c4d1e9a7b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f";

    #[test]
    fn digests() {
        assert!(is_valid_digest(DIGEST));
        assert!(!is_valid_digest("sha256:abc"));
        assert!(!is_valid_digest(&DIGEST.to_ascii_uppercase()));
        assert!(!is_valid_digest("md5:0b2b5c6a8f5c4d1e9a7b3c2d1e0f9a8b"));
        assert!(is_valid_digest(&format!("sha512:{}", "a".repeat(128))));
    }

    #[test]
    fn mutability() {
        assert!(mutable_reason(&r("nginx")).is_some());
        assert!(mutable_reason(&r("nginx:latest")).is_some());
        assert!(mutable_reason(&r("nginx:LATEST")).is_some());
        assert!(mutable_reason(&r("nginx:1.27")).is_none());
        assert!(mutable_reason(&r(&format!("nginx@{DIGEST}"))).is_none());
        assert!(mutable_reason(&r(&format!("nginx:latest@{DIGEST}"))).is_none());
        // A malformed digest pins nothing.
        assert!(mutable_reason(&r("nginx:latest@sha256:abc")).is_some());
        assert!(mutable_reason(&r("nginx@sha256:abc")).is_some());
        assert!(mutable_reason(&r("registry.local:5000/team/app")).is_some());
    }
}
