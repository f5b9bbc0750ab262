//! Recognising secrets: names that promise one, values that are one.
//!
//! Two questions, kept apart because they fail differently:
//! * [`is_secret_name`]: does a variable or key name say it holds a secret
//!   (`DB_PASSWORD`, `apiKey`)? Then a literal value is a committed secret unless
//!   the value is visibly not one (a reference, a path, a placeholder).
//! * [`find_credentials`]: does a value contain a credential with a known shape
//!   (an AWS access key id, a private key, a GitHub token), whatever it is called?

use std::sync::LazyLock;

use regex::Regex;

/// A credential with a recognisable shape, found in a value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SecretMatch {
    /// What kind of credential (`AWS access key id`, …).
    pub kind: &'static str,
    /// The matched text (never printed; used to redact).
    pub text: String,
}

struct Pattern {
    kind: &'static str,
    regex: Regex,
}

fn pattern(kind: &'static str, regex: &str) -> Option<Pattern> {
    Regex::new(regex).ok().map(|regex| Pattern { kind, regex })
}

static PATTERNS: LazyLock<Vec<Pattern>> =
    LazyLock::new(|| {
        [
        pattern("AWS access key id", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
        pattern(
            "private key",
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----",
        ),
        pattern("GitHub token", r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b"),
        pattern("GitHub fine-grained token", r"\bgithub_pat_[A-Za-z0-9_]{82}\b"),
        pattern("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20}\b"),
        pattern("Slack token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
        pattern("Stripe secret key", r"\b(?:sk|rk)_live_[A-Za-z0-9]{20,}\b"),
        pattern(
            "JSON Web Token",
            r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
        ),
        pattern(
            "password in a URL",
            r"\b[a-z][a-z0-9+.-]*://[^\s:/@]+:[^\s@/$]{3,}@[^\s/]+",
        ),
    ]
    .into_iter()
    .flatten()
    .collect()
    });

/// Credentials with a known shape in `text`.
pub fn find_credentials(text: &str) -> Vec<SecretMatch> {
    let mut found = Vec::new();
    for pattern in PATTERNS.iter() {
        for m in pattern.regex.find_iter(text) {
            let matched = m.as_str();
            if pattern.kind == "password in a URL" && url_password_is_placeholder(matched) {
                continue;
            }
            // AWS documents its sample keys with this suffix; they are not credentials.
            if pattern.kind == "AWS access key id" && matched.ends_with("EXAMPLE") {
                continue;
            }
            found.push(SecretMatch {
                kind: pattern.kind,
                text: matched.to_owned(),
            });
        }
    }
    found
}

fn url_password_is_placeholder(url: &str) -> bool {
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map_or("", |(_, password)| password);
    is_placeholder(password)
}

/// Words in a name that say the value is a secret.
static SECRET_NAME: LazyLock<Option<Regex>> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(pass(word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|private[_-]?key|credential|access[_-]?key|auth[_-]?key|signing[_-]?key|client[_-]?secret|encryption[_-]?key)",
    )
    .ok()
});

/// Name endings that say the value is about a secret, not the secret itself
/// (`DB_PASSWORD_FILE=/run/secrets/db`, `TOKEN_URL`, `SECRET_NAME`).
const NON_SECRET_SUFFIXES: &[&str] = &[
    "file",
    "path",
    "dir",
    "url",
    "uri",
    "endpoint",
    "host",
    "name",
    "ref",
    "arn",
    "id",
    "ids",
    "length",
    "ttl",
    "expiry",
    "expiration",
    "timeout",
    "enabled",
    "header",
    "version",
    "type",
    "policy",
    "rotation",
    "mount",
    "key_id",
    "keyid",
    "location",
    "region",
    "format",
    "prefix",
    "issuer",
    "audience",
    "scope",
    "scopes",
];

/// Whether a variable or key name says its value is a secret.
pub fn is_secret_name(name: &str) -> bool {
    let Some(regex) = SECRET_NAME.as_ref() else {
        return false;
    };
    if !regex.is_match(name) {
        return false;
    }
    let lower = name.to_ascii_lowercase();
    // Split camelCase and separators into words to look at the last one.
    let words = split_words(name);
    let last = words.last().map(String::as_str).unwrap_or_default();
    let last_two = match words.as_slice() {
        [.., a, b] => format!("{a}_{b}"),
        _ => String::new(),
    };
    if NON_SECRET_SUFFIXES.contains(&last) || NON_SECRET_SUFFIXES.contains(&last_two.as_str()) {
        return false;
    }
    // `passwordless`, `tokenizer`, `bypass` carry the word without meaning it.
    ![
        "passwordless",
        "tokenizer",
        "tokenize",
        "bypass",
        "passthrough",
        "compass",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

fn split_words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_ascii_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_ascii_lowercase() || c.is_ascii_digit();
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Whether a value under a secret-looking name is visibly not a secret: empty, a
/// reference to something resolved later, a path, a placeholder, a boolean.
pub fn is_placeholder(value: &str) -> bool {
    let value = value.trim();
    if value.len() < 4 {
        // Too short to be a credential anyone would use; also `""`, `-`, `0`.
        return true;
    }
    let lower = value.to_ascii_lowercase();
    let references = [
        "${",
        "$(",
        "{{",
        "%{",
        "#{",
        "<",
        "arn:aws:",
        "vault:",
        "ref+",
        "secretsmanager:",
        "ssm:",
    ];
    if references.iter().any(|r| lower.starts_with(r)) || value.starts_with('$') {
        return true;
    }
    if value.starts_with('/') || value.starts_with("./") || value.starts_with("file://") {
        return true;
    }
    if matches!(
        lower.as_str(),
        "true" | "false" | "null" | "none" | "changeme_in_vault"
    ) {
        return true;
    }
    let placeholder_words = [
        "placeholder",
        "example",
        "replace",
        "redacted",
        "your-",
        "your_",
        "dummy",
        "xxxx",
        "****",
        "<secret>",
        "todo",
        "fixme",
        "not-set",
        "notset",
        "unset",
    ];
    placeholder_words.iter().any(|w| lower.contains(w))
}

/// A literal secret assigned to a secret-looking name, or a credential with a
/// known shape in any value: what to report, or `None`.
pub fn secret_in_assignment(name: &str, value: &str) -> Option<SecretMatch> {
    if let Some(found) = find_credentials(value).into_iter().next() {
        return Some(found);
    }
    (is_secret_name(name) && !is_placeholder(value)).then(|| SecretMatch {
        kind: "literal secret",
        text: value.trim().to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_names() {
        for name in [
            "DB_PASSWORD",
            "apiKey",
            "API-KEY",
            "GITHUB_TOKEN",
            "client_secret",
            "PrivateKey",
            "AWS_SECRET_ACCESS_KEY",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "DB_PASSWORD_FILE",
            "TOKEN_URL",
            "SECRET_NAME",
            "tokenizerModel",
            "HOST",
            "AWS_ACCESS_KEY_ID",
            "passwordless",
            "jwtSecretRef",
            "TOKEN_TTL",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn placeholders_are_not_secrets() {
        for value in [
            "",
            "${DB_PASSWORD}",
            "$(cat /x)",
            "{{ .Values.pw }}",
            "/run/secrets/db",
            "true",
            "<your-password>",
            "REPLACE_ME",
        ] {
            assert!(is_placeholder(value), "{value}");
        }
        for value in ["hunter2hunter2", "s3cr3t-pa55"] {
            assert!(!is_placeholder(value), "{value}");
        }
    }

    #[test]
    fn credential_shapes() {
        let kinds = |text: &str| {
            find_credentials(text)
                .into_iter()
                .map(|m| m.kind)
                .collect::<Vec<_>>()
        };
        assert_eq!(kinds("key=AKIAZ7Q3EXJ2M5K8P4RW"), ["AWS access key id"]);
        assert!(kinds("key=AKIAIOSFODNN7EXAMPLE").is_empty());
        assert_eq!(
            kinds("-----BEGIN OPENSSH PRIVATE KEY-----"),
            ["private key"]
        );
        assert_eq!(
            kinds("ghp_0123456789abcdefghijklmnopqrstuvwxyz"),
            ["GitHub token"]
        );
        assert_eq!(
            kinds("postgres://app:s3cretpw@db:5432/x"),
            ["password in a URL"]
        );
        assert!(kinds("postgres://app:${PW}@db:5432/x").is_empty());
        assert!(kinds("AKIA-not-a-key").is_empty());
    }

    #[test]
    fn assignments() {
        assert_eq!(
            secret_in_assignment("DB_PASSWORD", "hunter2hunter2").map(|m| m.kind),
            Some("literal secret")
        );
        assert_eq!(secret_in_assignment("DB_PASSWORD", "${DB_PASSWORD}"), None);
        assert_eq!(secret_in_assignment("LOG_LEVEL", "debug"), None);
        assert_eq!(
            secret_in_assignment("CONFIG", "AKIAZ7Q3EXJ2M5K8P4RW").map(|m| m.kind),
            Some("AWS access key id")
        );
    }
}
