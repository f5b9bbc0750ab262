/// Redacts a secret for display: at most the first four characters of a long value
/// survive, so a reader can recognise which credential is meant without learning it.
///
/// ```
/// assert_eq!(rampart_source::redact("AKIAIOSFODNN7EXAMPLE"), "AKIA****************");
/// assert_eq!(rampart_source::redact("hunter2"), "*******");
/// ```
pub fn redact(secret: &str) -> String {
    let len = secret.chars().count();
    let shown = match len {
        0..=11 => 0,
        _ => 4,
    };
    secret
        .chars()
        .enumerate()
        .map(|(i, c)| if i < shown { c } else { '*' })
        .collect()
}

/// Replaces every occurrence of `secret` in `text` with its redacted form.
pub fn redact_in(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_owned();
    }
    text.replace(secret, &redact(secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_secrets_are_fully_hidden() {
        assert_eq!(redact("pw"), "**");
        assert_eq!(redact("hunter2hunt"), "***********");
    }

    #[test]
    fn long_secrets_keep_a_recognisable_prefix() {
        assert_eq!(redact("ghp_0123456789abcdef"), "ghp_****************");
    }

    #[test]
    fn redact_in_replaces_every_occurrence() {
        assert_eq!(
            redact_in("a=hunter2 b=hunter2", "hunter2"),
            "a=******* b=*******"
        );
    }
}

/// A detected secret. It is kept only to redact it wherever text from its file is
/// printed; its `Debug` form never shows it, so logging a finding cannot leak it.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Secret(String);

impl Secret {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// The secret itself, for redaction only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secret({})", redact(&self.0))
    }
}

#[cfg(test)]
mod secret_tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let secret = Secret::new("hunter2hunter2");
        assert_eq!(format!("{secret:?}"), "Secret(hunt**********)");
        assert_eq!(secret.expose(), "hunter2hunter2");
    }
}
