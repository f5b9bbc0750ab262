/// A stable 64-bit FNV-1a hash of the parts, as 16 hex digits.
///
/// Fingerprints identify a finding across runs without depending on line numbers,
/// so a baseline survives edits elsewhere in the file and moving a resource within
/// it. The hash is fixed by this function, not by a library's version.
pub fn fingerprint(parts: &[&str]) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0x1f)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stable_and_part_sensitive() {
        assert_eq!(fingerprint(&["a", "b"]), fingerprint(&["a", "b"]));
        assert_ne!(fingerprint(&["ab", ""]), fingerprint(&["a", "b"]));
        // Pinned: changing the function invalidates every user's baseline.
        assert_eq!(fingerprint(&["PSS-001"]), "e9fb4850f2e7009c");
    }
}
