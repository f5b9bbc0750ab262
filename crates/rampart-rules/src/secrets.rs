//! Recognising secrets: names that promise one, values that are one.
//!
//! Two questions, kept apart because they fail differently:
//! * [`is_secret_name`]: does a variable or key name say it holds a secret
//!   (`DB_PASSWORD`, `apiKey`)? Then a literal value is a committed secret unless
//!   the value is visibly not one (a reference, a path, a placeholder).
//! * [`find_credentials`]: does a value contain a credential with a known shape
//!   (an AWS access key id, a private key, a GitHub token), whatever it is called?

use std::sync::{LazyLock, OnceLock};

use aho_corasick::AhoCorasick;
use regex::{Regex, RegexSet};

use crate::literals::required_literals;

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
    source: &'static str,
    /// Compiled the first time a text may match it: most scans never need
    /// most patterns on their own, only [`PATTERN_SET`].
    regex: OnceLock<Option<Regex>>,
}

impl Pattern {
    const fn new(kind: &'static str, source: &'static str) -> Self {
        Self {
            kind,
            source,
            regex: OnceLock::new(),
        }
    }

    fn regex(&self) -> Option<&Regex> {
        self.regex
            .get_or_init(|| Regex::new(self.source).ok())
            .as_ref()
    }
}

static PATTERNS: [Pattern; 18] = [
    Pattern::new(
        "AWS access key id",
        r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b",
    ),
    // A key's header ends its line (the material follows on the next one, or
    // after an escaped newline, or on the same line); a header followed by
    // prose is documentation.
    Pattern::new(
        "private key",
        r"(?m)-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP )?PRIVATE KEY(?: BLOCK)?-----(?:[ \t]*\r?$|\\[rn]|\s*[A-Za-z0-9+/]{16,})",
    ),
    Pattern::new(
        "GitHub token",
        r"\b(?:ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9]{36}\b",
    ),
    Pattern::new(
        "GitHub fine-grained token",
        r"\bgithub_pat_[A-Za-z0-9_]{82}\b",
    ),
    Pattern::new("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20}\b"),
    Pattern::new("Slack token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    Pattern::new("Stripe secret key", r"\b(?:sk|rk)_live_[A-Za-z0-9]{20,}\b"),
    // OpenAI keys carry `T3BlbkFJ` ("OpenAI" in base64) in the middle.
    Pattern::new(
        "OpenAI API key",
        r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{16,}T3BlbkFJ[A-Za-z0-9_-]{16,}",
    ),
    Pattern::new(
        "Anthropic API key",
        r"\bsk-ant-(?:api|admin|oat)[0-9]{2}-[A-Za-z0-9_-]{80,}",
    ),
    Pattern::new("Hugging Face token", r"\bhf_[A-Za-z0-9]{34,40}\b"),
    Pattern::new("Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    Pattern::new("npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    Pattern::new("PyPI token", r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
    Pattern::new(
        "SendGrid API key",
        r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b",
    ),
    Pattern::new(
        "Slack webhook URL",
        r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]{6,}/B[A-Za-z0-9_]{6,}/[A-Za-z0-9_]{20,}",
    ),
    Pattern::new(
        "JSON Web Token",
        r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    ),
    // The user may be empty (`redis://:password@host`).
    Pattern::new(
        "password in a URL",
        r"\b[a-z][a-z0-9+.-]*://[^\s:/@]*:[^\s@/$]{3,}@[^\s/]+",
    ),
    // Redis configuration (`redis.conf`, or `redis-server --requirepass`)
    // writes its passwords without `=`, quoted or not.
    Pattern::new(
        "Redis password",
        r#"(?m)(?:^[ \t]*|--)(?:requirepass|masterauth)[ \t=]+["']?[^\s#$"'<]{4,}"#,
    ),
];

/// All patterns at once, in the order of [`PATTERNS`].
static PATTERN_SET: LazyLock<Option<RegexSet>> =
    LazyLock::new(|| RegexSet::new(PATTERNS.iter().map(|p| p.source)).ok());

/// The literals one of which every match of every pattern contains
/// ([`required_literals`]: `AKIA`, `ghp_`, `://`, `.eyJ`, `requirepass`, …),
/// found with one search of packed SIMD instructions. A text with none of them
/// holds no credential, and the patterns' lazy automaton, whose tables miss
/// the cache at most steps, does not run over it: most values of manifests
/// hold none (in the benchmarks' trees, only one manifest in six holds `://`,
/// and none holds another). `None` if a pattern required no literal (a test
/// checks that each does), or where there is no packed search (it needs
/// SSSE3 or NEON): every text is then searched.
static REQUIRED_LITERALS: LazyLock<Option<aho_corasick::packed::Searcher>> = LazyLock::new(|| {
    let mut literals = Vec::new();
    for pattern in &PATTERNS {
        let hir = regex_syntax::parse(pattern.source).ok()?;
        literals.extend(required_literals(&hir)?);
    }
    literals.sort();
    literals.dedup();
    let mut builder = aho_corasick::packed::Config::new().builder();
    builder.extend(&literals);
    builder.build()
});

/// Whether `text` holds one of [`REQUIRED_LITERALS`], as every credential
/// does.
fn has_required_literal(text: &str) -> bool {
    (REQUIRED_LITERALS.as_ref()).is_none_or(|literals| literals.find(text).is_some())
}

/// The shortest text any pattern can match (10 bytes, a password in a URL):
/// most values of a manifest are shorter and are not searched at all.
static SHORTEST_MATCH: LazyLock<usize> = LazyLock::new(|| {
    PATTERNS
        .iter()
        .map(|p| {
            regex_syntax::parse(p.source)
                .ok()
                .and_then(|hir| hir.properties().minimum_len())
                .unwrap_or(0)
        })
        .min()
        .unwrap_or(0)
});

/// Compiles now what every search for credentials compiles first (the set of
/// all patterns, about a millisecond, most of what evaluating a small project
/// costs), so that a caller can do it early, on a thread that would be idle.
///
/// Never required: a search compiles whatever is not compiled yet. The
/// patterns on their own are left to compile when a text may match them.
pub fn compile_credential_patterns() {
    LazyLock::force(&PATTERN_SET);
    LazyLock::force(&SHORTEST_MATCH);
    LazyLock::force(&REQUIRED_LITERALS);
}

/// Whether any of `texts` may hold a credential with a known shape: when
/// `false`, [`find_credentials`] finds nothing in any of them (or in any of
/// their lines). One search over the texts joined by newlines replaces a
/// search per text, which cost more than the searching itself on the many
/// short values of a manifest. Exact, not a guess: every match inside one text
/// is a match of the joined text, because a newline on either side reads to
/// every pattern as the text's start or end does (`\b`, and `^`/`$`, which
/// the patterns only use in multi-line mode); texts shorter than any match are
/// left out.
pub(crate) fn may_contain_credentials<'t>(texts: impl IntoIterator<Item = &'t str>) -> bool {
    let Some(set) = PATTERN_SET.as_ref() else {
        return true;
    };
    thread_local! {
        // Reused from one call to the next: grown once to the largest
        // object's text instead of grown again for every object. Taken out
        // while in use, so that nothing borrowed is held while `texts` runs.
        static JOINED: std::cell::Cell<String> = const { std::cell::Cell::new(String::new()) };
    }
    /// Bounds what each thread keeps after one huge object: the objects of
    /// manifests are far smaller.
    const KEPT_CAPACITY: usize = 1 << 20;
    let shortest = *SHORTEST_MATCH;
    let mut joined = JOINED.take();
    joined.clear();
    for text in texts {
        if text.len() >= shortest {
            joined.push_str(text);
            joined.push('\n');
        }
    }
    let found = !joined.is_empty() && has_required_literal(&joined) && set.is_match(&joined);
    if joined.capacity() <= KEPT_CAPACITY {
        JOINED.set(joined);
    }
    found
}

/// Credentials with a known shape in `text`.
pub fn find_credentials(text: &str) -> Vec<SecretMatch> {
    let mut found = Vec::new();
    if text.len() < *SHORTEST_MATCH {
        return found;
    }
    // One pass over the text says which patterns can match at all; most strings
    // of a manifest match none, and asking whether any does is the cheaper
    // search.
    let candidates = match PATTERN_SET.as_ref() {
        Some(set) if !has_required_literal(text) || !set.is_match(text) => return found,
        Some(set) => set.matches(text).into_iter().collect::<Vec<_>>(),
        None => (0..PATTERNS.len()).collect(),
    };
    for pattern in candidates.into_iter().filter_map(|i| PATTERNS.get(i)) {
        let Some(regex) = pattern.regex() else {
            continue;
        };
        for m in regex.find_iter(text) {
            let matched = m.as_str();
            if pattern.kind == "password in a URL" && url_password_is_placeholder(matched) {
                continue;
            }
            // AWS documents its sample keys with this suffix; they are not credentials.
            if pattern.kind == "AWS access key id" && matched.ends_with("EXAMPLE") {
                continue;
            }
            // The sample token of jwt.io, quoted in countless docs and CRD schemas.
            if pattern.kind == "JSON Web Token"
                && matched.ends_with("SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
            {
                continue;
            }
            found.push(SecretMatch {
                kind: pattern.kind,
                text: matched.to_owned(),
            });
        }
    }
    // A URL whose password is a token with a known shape is one credential:
    // keep the precise finding, not the URL around it.
    let specific: Vec<String> = found
        .iter()
        .filter(|m| m.kind != "password in a URL")
        .map(|m| m.text.clone())
        .collect();
    found.retain(|m| {
        m.kind != "password in a URL" || !specific.iter().any(|s| m.text.contains(s.as_str()))
    });
    found
}

/// The whole PEM block of a private key whose header starts at byte `start` of
/// `text`: through its `-----END … -----` line, or to the end of the text when
/// there is none. Rules that find the header on one line record the whole block,
/// so that every line of the key is redacted wherever it is printed.
pub fn private_key_block(text: &str, start: usize) -> &str {
    let Some(rest) = text.get(start..) else {
        return "";
    };
    match rest.find("-----END ") {
        Some(end) => {
            let after = &rest[end + "-----END ".len()..];
            let close = after
                .find("-----")
                .map_or(after.len(), |i| i + "-----".len());
            &rest[..end + "-----END ".len() + close]
        }
        None => rest,
    }
}

fn url_password_is_placeholder(url: &str) -> bool {
    let password = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .map_or("", |(_, password)| password);
    // `http://localhost:8080@x` is a host and a port, not a user and a password.
    is_placeholder(password) || password.chars().all(|c| c.is_ascii_digit())
}

/// Words that say a value is a secret wherever they appear in a name (`DB_PASSWORD`,
/// `githubToken`, `clientSecret`, `APIKEY`).
const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "apikey",
    "privatekey",
    "accesskey",
    "authkey",
    "secretkey",
    "sshkey",
    "signingkey",
    "encryptionkey",
];

/// What every name [`is_secret_name`] accepts holds, in any case: each word
/// of [`SECRET_WORDS`] and [`SHORT_SECRET_WORDS`] holds one, and so does `key`
/// (after a word of [`KEY_QUALIFIERS`]). A name's words are pieces of it
/// ([`split_words`]), so a name that holds none has no such word.
const SECRET_NAME_PARTS: &[&str] = &["pass", "secret", "token", "credential", "key", "pw"];

static SECRET_NAME_WORDS: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(SECRET_NAME_PARTS)
        .ok()
});

/// Words that say a value is a secret when followed by `key` (`API_KEY`, `private-key`).
const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "private",
    "access",
    "auth",
    "secret",
    "signing",
    "encryption",
    "ssh",
    "deploy",
    "master",
];

/// Short words that name a password only as the last word (`DB_PASS`, `MYSQL_PWD`),
/// where elsewhere they mean something else (`PASS_HOST_HEADER`).
const SHORT_SECRET_WORDS: &[&str] = &["pass", "pwd", "pw", "pword"];

/// Words containing a secret word without meaning one (`passwordless`,
/// `tokenizer`, `MAX_TOKENS`, `secretary`).
const FALSE_FRIENDS: &[&str] = &[
    "passwordless",
    "tokeniz",
    "tokens",
    "secretary",
    "bypass",
    "passthrough",
    "compass",
];

/// Name endings that say the value is about a secret, not the secret itself
/// (`DB_PASSWORD_FILE=/run/secrets/db`, `TOKEN_URL`, `SECRET_NAME`).
const NON_SECRET_SUFFIXES: &[&str] = &[
    "file",
    "files",
    "path",
    "dir",
    "url",
    "uri",
    "endpoint",
    "host",
    "port",
    "server",
    "service",
    "name",
    "ref",
    "arn",
    "id",
    "ids",
    "length",
    "ttl",
    "expiry",
    "expiration",
    "expires",
    "lifetime",
    "duration",
    "interval",
    "seconds",
    "minutes",
    "hours",
    "days",
    "ms",
    "age",
    "timeout",
    "enabled",
    "enable",
    "disabled",
    "required",
    "header",
    "version",
    "type",
    "kind",
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
    "manager",
    "helper",
    "provider",
    "backend",
    "store",
    "prompt",
    "user",
    "username",
    "limit",
    "count",
    "size",
    "min",
    "max",
    "mode",
    "method",
    "algorithm",
    "alias",
    "field",
    "label",
    "namespace",
    "template",
    "dummy",
    "class",
    "len",
    "day",
    "hour",
    "minute",
    "second",
];

/// First words that make a name a setting about secrets (`MAX_TOKEN_AGE`,
/// `ENABLE_TOKEN_AUTH`, Helm's `existingSecret`), not a secret.
const NON_SECRET_PREFIXES: &[&str] = &[
    "max", "min", "num", "enable", "disable", "require", "allow", "use", "is", "has", "skip",
    "existing",
];

/// Words that make a name a quantity (`TOKEN_BUDGET`, `DAILY_TOKEN_QUOTA`): agents
/// count model tokens, and those counts are not credentials.
const QUANTITY_WORDS: &[&str] = &[
    "budget",
    "quota",
    "limit",
    "limits",
    "count",
    "usage",
    "rate",
    "threshold",
    "window",
    "cost",
    "price",
];

/// Words that say a key is meant to be public (`PUBLIC_KEY`, BuildKit's own
/// exception, and `NEXT_PUBLIC_API_KEY`, which front-end builds publish).
const PUBLIC_WORDS: &[&str] = &["public", "publishable", "pub"];

/// Names that always hold a path to a credential file, never the credential.
const PATH_NAMES: &[&str] = &["googleapplicationcredentials"];

/// Whether a variable or key name says its value is a secret.
///
/// The name is split into words (`DB_PASSWORD`, `dbPassword`, `db-password` are
/// all `db password`); it is a secret name when a word is or contains a secret
/// word (`password`, `token`, `apikey`, …), a word pair is one (`api key`,
/// `private key`), or its last word is a short form (`pass`, `pwd`) — unless the
/// name is visibly about a secret rather than one: a last word such as `file`,
/// `url`, `name`, `id` or `version`, a first word such as `max` or `enable`, or
/// a `public` word (the false positives BuildKit's `SecretsUsedInArgOrEnv` check
/// is known for).
pub fn is_secret_name(name: &str) -> bool {
    // Most names (`LOG_LEVEL`, `DB_HOST`) hold none of the words a secret's
    // name holds: said in one pass before the name is split into words.
    if SECRET_NAME_WORDS
        .as_ref()
        .is_some_and(|words| !words.is_match(name))
    {
        return false;
    }
    let words = split_words(name);
    let Some(last) = words.last() else {
        return false;
    };
    let compact = words.concat();
    if PATH_NAMES.contains(&compact.as_str())
        || words
            .iter()
            .any(|w| PUBLIC_WORDS.contains(&w.as_str()) || QUANTITY_WORDS.contains(&w.as_str()))
        || words
            .first()
            .is_some_and(|w| NON_SECRET_PREFIXES.contains(&w.as_str()) && words.len() > 1)
    {
        return false;
    }
    let last_two = match words.as_slice() {
        [.., a, b] => format!("{a}_{b}"),
        _ => String::new(),
    };
    if words.len() > 1
        && (NON_SECRET_SUFFIXES.contains(&last.as_str())
            || NON_SECRET_SUFFIXES.contains(&last_two.as_str()))
    {
        return false;
    }
    let secret_word = |w: &String| {
        !FALSE_FRIENDS.iter().any(|f| w.contains(f)) && SECRET_WORDS.iter().any(|s| w.contains(s))
    };
    // The last word that says "secret" (`password`, `key` after `api`, or a
    // short form such as `pass`).
    let last_secret = (0..words.len()).rev().find(|&i| {
        secret_word(&words[i])
            || SHORT_SECRET_WORDS.contains(&words[i].as_str())
            || words[i] == "key" && i > 0 && KEY_QUALIFIERS.contains(&words[i - 1].as_str())
    });
    // Only qualifiers may follow it: `DB_PASSWORD_PROD`, `DB_PASS_PROD` and
    // `SECRET_KEY_BASE` hold secrets; `SECRET_VOLUME`, `GITHUB_TOKEN_PERMISSIONS`,
    // `TOKEN_SIGNING_ALG` and `PASS_HOST_HEADER` describe one or something else.
    last_secret.is_some_and(|i| words[i + 1..].iter().all(|w| is_trailing_qualifier(w)))
}

/// Words that may follow a secret word in a name that still holds the secret:
/// environments, versions, encodings, and Rails' `SECRET_KEY_BASE`.
fn is_trailing_qualifier(word: &str) -> bool {
    const QUALIFIERS: &[&str] = &[
        "prod",
        "production",
        "prd",
        "dev",
        "development",
        "staging",
        "stage",
        "stg",
        "test",
        "qa",
        "uat",
        "live",
        "sandbox",
        "local",
        "primary",
        "secondary",
        "old",
        "new",
        "next",
        "current",
        "previous",
        "base",
        "value",
        "raw",
        "b64",
        "base64",
        "hex",
        "pem",
        "encoded",
        "plain",
        "plaintext",
        "json",
        "yaml",
        "yml",
        "txt",
        "string",
        "data",
        "contents",
        "content",
    ];
    QUALIFIERS.contains(&word)
        || word.chars().all(|c| c.is_ascii_digit())
        || word
            .strip_prefix('v')
            .is_some_and(|rest| !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit()))
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
        // Jasypt and similar tools keep encrypted values as `ENC(…)`.
        "enc(",
    ];
    if references.iter().any(|r| lower.starts_with(r)) || value.starts_with('$') {
        return true;
    }
    // Assembled from a reference (`Bearer $(TOKEN)`, `prefix-${KEY}`): the secret
    // part is resolved later.
    if ["${", "$(", "{{"].iter().any(|r| value.contains(r)) {
        return true;
    }
    if value.starts_with('/') || value.starts_with("./") || value.starts_with("file://") {
        return true;
    }
    if matches!(
        lower.as_str(),
        "true" | "false" | "null" | "none" | "changeme" | "changeit" | "changeme_in_vault"
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

/// An assignment found in one line of an embedded configuration file: the key,
/// the value (quotes and trailing comments removed) and the byte offset of the
/// value in the line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineAssignment<'a> {
    pub key: &'a str,
    pub value: &'a str,
    pub value_offset: usize,
    /// The value was written in quotes.
    pub quoted: bool,
}

/// Names code reads configuration from (`process.env.X`, `settings.X`).
const CODE_ROOTS: &[&str] = &[
    "process", "os", "env", "ENV", "settings", "config", "conf", "cfg", "self", "this", "secrets",
    "vars", "values", "Values", "ctx", "context", "app", "params", "props", "options", "opts",
];

impl LineAssignment<'_> {
    /// Whether the value is code that computes a secret rather than a secret:
    /// an unquoted call, index, dotted name or expression
    /// (`os.environ["DB_PASSWORD"]`, `process.env.TOKEN`, `str = ""`), as scripts
    /// kept in ConfigMaps and heredocs read them.
    pub fn is_code(&self) -> bool {
        if self.quoted {
            return false;
        }
        let value = self.value.trim_end_matches(';');
        let parts: Vec<&str> = value.split('.').collect();
        let is_identifier = |part: &&str| {
            part.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        };
        // `process.env.DB_PASSWORD`, `settings.SECRET_KEY`, `config.password`; a
        // dotted literal such as `hunter2.hunter2` stays a value.
        let dotted_name = parts.len() > 1
            && parts.iter().all(is_identifier)
            && (CODE_ROOTS.contains(&parts[0])
                || parts
                    .last()
                    .is_some_and(|p| p.chars().all(|c| !c.is_ascii_lowercase())));
        dotted_name
            || value.contains(['(', '[', '{'])
            || value.contains(" = ")
            || value.contains("==")
    }
}

/// Reads `key=value` (`.env`, `.properties`, INI, TOML), `key: value` (YAML) and
/// `"key": "value"` (JSON) lines, with an optional `export ` in front. `None` for
/// lines that are not one assignment to a name-like key (comments, section
/// headers, prose, nested-map openers such as `password:`).
pub fn assignment_in_line(line: &str) -> Option<LineAssignment<'_>> {
    let trimmed = line.trim_start();
    if trimmed.starts_with(['#', ';', '!', '[', '/', '<']) {
        return None;
    }
    let body_start = line.len() - trimmed.len();
    let body = trimmed
        .strip_prefix("export ")
        .or_else(|| trimmed.strip_prefix("- "))
        .unwrap_or(trimmed);
    let body_start = body_start + (trimmed.len() - body.len());
    // The first `=` or `:` separates; a `:` must be followed by a space or end the
    // line (YAML), so `url=http://x` and `time: 12:30` split where they should.
    let separator = body.char_indices().find_map(|(i, c)| match c {
        '=' => Some((i, 1)),
        ':' if body[i + 1..].is_empty() || body[i + 1..].starts_with([' ', '\t']) => Some((i, 1)),
        _ => None,
    })?;
    let (sep_at, sep_len) = separator;
    let key = body[..sep_at].trim().trim_matches(['"', '\'']);
    let is_name = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if !is_name {
        return None;
    }
    let raw = &body[sep_at + sep_len..];
    let leading = raw.len() - raw.trim_start().len();
    let mut value = raw.trim();
    let mut offset = body_start + sep_at + sep_len + leading;
    // JSON: `"password": "x",`.
    value = value.strip_suffix(',').unwrap_or(value).trim_end();
    let quoted = ['"', '\''].into_iter().find_map(|q| {
        let inner = value.strip_prefix(q)?;
        let end = inner.find(q)?;
        Some(&inner[..end])
    });
    match quoted {
        Some(inner) => {
            offset += 1;
            value = inner;
        }
        None => {
            // An unquoted value ends at a ` #` comment.
            if let Some(comment) = value.find(" #") {
                value = value[..comment].trim_end();
            }
        }
    }
    Some(LineAssignment {
        key,
        value,
        value_offset: offset,
        quoted: quoted.is_some(),
    })
}

/// Decodes standard or URL-safe base64, ignoring whitespace and tolerating missing
/// padding. `None` when the text is not base64.
pub fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut bits: u32 = 0;
    let mut count = 0u32;
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut padding = 0;
    for c in text.bytes() {
        let value = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' => {
                padding += 1;
                continue;
            }
            b' ' | b'\n' | b'\r' | b'\t' => continue,
            _ => return None,
        };
        if padding > 0 {
            // Data after padding.
            return None;
        }
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push(u8::try_from((bits >> count) & 0xff).unwrap_or(0));
            bits &= (1 << count) - 1;
        }
    }
    // A single leftover character cannot encode a byte.
    (count < 6 && padding <= 2).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `may_contain_credentials` joins texts with newlines: a pattern that
    /// anchored at the start or end of the whole text (`\A`, `\z`, `^` or `$`
    /// outside multi-line mode) could match a text alone and not the joined
    /// texts. Multi-line `^`/`$` and word boundaries read a newline as a
    /// text's edge.
    #[test]
    fn no_pattern_anchors_at_the_edges_of_the_whole_text() {
        use regex_syntax::hir::{Hir, HirKind, Look};
        fn anchors(hir: &Hir) -> bool {
            match hir.kind() {
                HirKind::Look(look) => matches!(look, Look::Start | Look::End),
                HirKind::Repetition(repetition) => anchors(&repetition.sub),
                HirKind::Capture(capture) => anchors(&capture.sub),
                HirKind::Concat(all) | HirKind::Alternation(all) => all.iter().any(anchors),
                HirKind::Empty | HirKind::Literal(_) | HirKind::Class(_) => false,
            }
        }
        for pattern in &PATTERNS {
            let hir = regex_syntax::parse(pattern.source).expect("the pattern parses");
            assert!(
                !anchors(&hir),
                "{} anchors at the text's edge",
                pattern.kind
            );
        }
        assert!(anchors(&regex_syntax::parse(r"\Ax").expect("parses")));
        assert!(!anchors(&regex_syntax::parse(r"(?m)^x$").expect("parses")));
    }

    #[test]
    fn every_pattern_compiles_alone_and_in_the_set() {
        for pattern in &PATTERNS {
            assert!(pattern.regex().is_some(), "{}", pattern.kind);
        }
        assert!(PATTERN_SET.is_some());
    }

    #[test]
    fn joined_texts_miss_no_credential_of_any_one_text() {
        let texts = [
            "AKIAIOSFODNN7REALKEY",
            "prefix AKIAIOSFODNN7REALKEY",
            "-----BEGIN RSA PRIVATE KEY-----",
            "requirepass s3cretpass",
            "postgres://app:hunter22@db:5432/app",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2lnbmF0dXJlc2ln",
            "ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
        ];
        for text in texts {
            assert!(!find_credentials(text).is_empty(), "{text}");
            for (before, after) in [("", ""), ("nothing here at all", "nor here")] {
                assert!(
                    may_contain_credentials([before, text, after]),
                    "{before:?} {text:?} {after:?}"
                );
            }
        }
        assert!(!may_contain_credentials([
            "app.kubernetes.io/name",
            "nginx:1.27",
            "8080"
        ]));
        assert!(!may_contain_credentials([]));
    }

    #[test]
    fn every_credential_pattern_requires_a_literal() {
        // Each pattern on its own: were one to require none, every text
        // would be searched again (`REQUIRED_LITERALS` would be `None`).
        for pattern in &PATTERNS {
            let hir = regex_syntax::parse(pattern.source).expect("the pattern parses");
            let literals = required_literals(&hir).unwrap_or_default();
            assert!(!literals.is_empty(), "{} requires no literal", pattern.kind);
            // None so short that most texts hold it, which would leave the
            // search for them ruling little out.
            assert!(literals.iter().all(|l| l.len() >= 3), "{}", pattern.kind);
        }
        // The packed search runs on x86-64 (SSSE3) and aarch64 (NEON). It
        // refuses more than 64 literals, silently: this says so if new
        // patterns bring that many.
        #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
        assert!(
            REQUIRED_LITERALS.is_some(),
            "no packed search for the literals"
        );
        // A text without any of them is ruled out before the patterns run;
        // one with a match is not.
        if REQUIRED_LITERALS.is_some() {
            assert!(!has_required_literal("image: nginx:1.27 tier: high"));
        }
        assert!(has_required_literal("redis://:s3cr3tpass@cache:6379"));
        assert_eq!(find_credentials("redis://:s3cr3tpass@cache:6379").len(), 1);
    }

    #[test]
    fn texts_shorter_than_any_credential_pattern_are_not_searched() {
        // The shortest text a pattern matches is a password in a URL,
        // `a://:k9q@h`: the bound is exact, not a guess that skips a match.
        assert_eq!(*SHORTEST_MATCH, 10);
        let set = PATTERN_SET.as_ref().expect("the patterns compile");
        assert!(set.is_match("a://:k9q@h"));
        assert!(!set.is_match("a://:k9@h"));
        assert_eq!(find_credentials("a://:k9qz@h").len(), 1);
    }

    #[test]
    fn the_joined_buffer_is_neither_held_nor_stale_across_calls() {
        let key = "AKIAIOSFODNN7ABCDEFG";
        // A search started while another is joining its texts (the buffer
        // is taken out, not borrowed) ...
        let nested = std::iter::once("no credential here").inspect(|_| {
            assert!(may_contain_credentials([key]));
        });
        assert!(!may_contain_credentials(nested));
        // ... and a search after one that found something sees only its own.
        assert!(may_contain_credentials([key]));
        assert!(!may_contain_credentials(["no credential here"]));
    }

    #[test]
    fn every_secret_word_holds_a_part_the_names_are_searched_for() {
        let words = (SECRET_WORDS.iter())
            .chain(SHORT_SECRET_WORDS)
            .chain(&["key"]);
        for word in words {
            assert!(
                SECRET_NAME_PARTS.iter().any(|part| word.contains(part)),
                "`{word}` would be missed"
            );
        }
        // In any case, anywhere in the name.
        assert!(is_secret_name("dbPwd"));
        assert!(is_secret_name("X_ENCRYPTIONKEY"));
        assert!(!is_secret_name("LOG_LEVEL"));
    }

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
            "SECRET_VOLUME",
            "GITHUB_TOKEN_PERMISSIONS",
            "SECRET_ENGINE",
            "TOKEN_SIGNING_ALG",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
        for name in [
            "DB_PASSWORD_PROD",
            "DB_PASS_PROD",
            "API_KEY_V2",
            "ADMIN_PASSWORD_2",
            "SECRET_KEY_BASE",
        ] {
            assert!(is_secret_name(name), "{name}");
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
            "Bearer $(API_TOKEN)",
            "sk-${OPENAI_KEY_SUFFIX}",
        ] {
            assert!(is_placeholder(value), "{value}");
        }
        for value in ["hunter2hunter2", "s3cr3t-pa55"] {
            assert!(!is_placeholder(value), "{value}");
        }
    }

    /// The kinds of credentials found in `text`, in order.
    fn kinds(text: &str) -> Vec<&'static str> {
        find_credentials(text).into_iter().map(|m| m.kind).collect()
    }

    #[test]
    fn credential_shapes() {
        assert_eq!(kinds("key=AKIAZ7Q3EXJ2M5K8P4RW"), ["AWS access key id"]);
        assert!(kinds("key=AKIAIOSFODNN7EXAMPLE").is_empty());
        assert_eq!(
            kinds(
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n"
            ),
            ["private key"]
        );
        assert_eq!(
            kinds(
                "key: \"-----BEGIN RSA PRIVATE KEY-----\\nMIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw\""
            ),
            ["private key"]
        );
        // The header alone (documentation, a schema description) is no key.
        assert!(
            kinds("PEM starting with -----BEGIN PRIVATE KEY----- and ending with END").is_empty()
        );
        assert_eq!(
            kinds("redis://:s3cr3tRedisPw@redis:6379"),
            ["password in a URL"]
        );
        assert_eq!(
            kinds("bind 0.0.0.0\nrequirepass foobared123\n"),
            ["Redis password"]
        );
        assert!(kinds("requirepass ${REDIS_PASSWORD}").is_empty());
        assert!(kinds("masterauth <password>").is_empty());
        assert_eq!(kinds("requirepass \"foobared123\""), ["Redis password"]);
        assert_eq!(
            kinds("redis-server --requirepass foobared123"),
            ["Redis password"]
        );
        assert!(kinds("http://localhost:8080@x").is_empty());
        assert!(kinds("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c").is_empty());
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
        assert_eq!(
            kinds("https://deploy:glpat-AbCdEfGhIjKlMnOpQrSt@gitlab.example.com/x.git"),
            ["GitLab token"]
        );
    }

    #[test]
    fn private_key_blocks_run_to_their_end_line() {
        let text = "key: |\n-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg\n-----END EC PRIVATE KEY-----\nnext";
        let start = text.find("-----BEGIN").unwrap();
        assert_eq!(
            private_key_block(text, start),
            "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg\n-----END EC PRIVATE KEY-----"
        );
        assert_eq!(private_key_block("-----BEGIN X", 0), "-----BEGIN X");
        assert_eq!(private_key_block("abc", 9), "");
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

    #[test]
    fn secret_names_avoid_buildkit_false_positives() {
        for name in [
            "DB_PASS",
            "MYSQL_PWD",
            "dbPass",
            "SECRET_KEY_BASE",
            "NPM_TOKEN",
            "SSH_PRIVATE_KEY",
            "DEPLOY_KEY",
            "OPENAI_API_KEY",
            "password",
            "GITHUBTOKEN",
            "CREDENTIALS_JSON",
            "OAuthToken",
        ] {
            assert!(is_secret_name(name), "{name}");
        }
        for name in [
            "PUBLIC_KEY",
            "JWT_PUBLIC_KEY",
            "NEXT_PUBLIC_API_KEY",
            "GPG_KEY",
            "KMS_KEY_ALIAS",
            "KEY_NAME",
            "AUTH_URL",
            "REQUIRE_MFA_AUTH",
            "GIT_CREDENTIAL_HELPER",
            "CREDENTIAL_MANAGER",
            "PASSWORD_PROMPT",
            "SESSION_SECRET_FILE",
            "AUTH_MODULE_VERSION",
            "TOKEN_VERSION",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "MAX_TOKENS",
            "maxNewTokens",
            "TOKENIZERS_PARALLELISM",
            "PASSENGER_APP_ENV",
            "FTP_PASSIVE_PORTS",
            "PASS_HOST_HEADER",
            "SECRET_KEY_BASE_DUMMY",
            "MAX_PASSWORD_AGE",
            "ENABLE_TOKEN_AUTH",
            "TOKEN_BUDGET",
            "DAILY_TOKEN_QUOTA",
            "TOKEN_BUDGET_PER_DAY",
            "existingSecret",
            "SECRET_PROVIDER_CLASS",
            "",
            "_",
        ] {
            assert!(!is_secret_name(name), "{name}");
        }
    }

    #[test]
    fn every_pattern_finds_a_credential_of_its_kind() {
        let examples = [
            ("AWS access key id", "id: AKIAZ7Q3EXJ2M5K8P4RW".to_owned()),
            (
                "private key",
                "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC".to_owned(),
            ),
            (
                "GitHub token",
                "ghs_0123456789abcdefghijklmnopqrstuvwxyz".to_owned(),
            ),
            (
                "GitHub fine-grained token",
                format!("github_pat_{}", "a1".repeat(41)),
            ),
            ("GitLab token", "glpat-AbCdEfGhIjKlMnOpQrSt".to_owned()),
            ("Slack token", "xoxb-1234567890-abcdefghij".to_owned()),
            (
                "Stripe secret key",
                "rk_live_AbCdEfGhIjKlMnOpQrStUv".to_owned(),
            ),
            (
                "OpenAI API key",
                "sk-AbCdEfGhIjKlMnOpQrStT3BlbkFJuVwXyZaBcDeFgHiJkLmN".to_owned(),
            ),
            (
                "Anthropic API key",
                format!("sk-ant-admin01-{}", "y".repeat(80)),
            ),
            (
                "Hugging Face token",
                "hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh".to_owned(),
            ),
            (
                "Google API key",
                "AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW".to_owned(),
            ),
            (
                "npm token",
                "npm_0123456789abcdefghijklmnopqrstuvwxyz".to_owned(),
            ),
            (
                "PyPI token",
                format!("pypi-AgEIcHlwaS5vcmc{}", "Z".repeat(50)),
            ),
            (
                "SendGrid API key",
                format!("SG.{}.{}", "a".repeat(22), "b".repeat(43)),
            ),
            (
                "Slack webhook URL",
                "https://hooks.slack.com/services/T0123456/B0123456/abcdefghijklmnopqrstuvwx"
                    .to_owned(),
            ),
            (
                "JSON Web Token",
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZ2VudCJ9.c2lnbmF0dXJlLW9mLWl0".to_owned(),
            ),
            (
                "password in a URL",
                "amqp://agent:s3cr3t-pw@queue:5672".to_owned(),
            ),
            ("Redis password", "masterauth s3cr3t-pw".to_owned()),
        ];
        assert_eq!(examples.len(), PATTERNS.len());
        for pattern in &PATTERNS {
            let (_, example) = (examples.iter())
                .find(|(kind, _)| *kind == pattern.kind)
                .unwrap_or_else(|| panic!("no example of {}", pattern.kind));
            let found = kinds(example);
            assert!(found.contains(&pattern.kind), "{}: {found:?}", pattern.kind);
        }
    }

    #[test]
    fn more_credential_shapes() {
        assert_eq!(
            kinds("OPENAI_API_KEY=sk-proj-AbCdEfGhIjKlMnOpQrStT3BlbkFJuVwXyZaBcDeFgHiJkLmN"),
            ["OpenAI API key"]
        );
        let anthropic = format!("sk-ant-api03-{}AA", "x".repeat(93));
        assert_eq!(kinds(&anthropic), ["Anthropic API key"]);
        assert_eq!(
            kinds("hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh"),
            ["Hugging Face token"]
        );
        assert_eq!(
            kinds("AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW"),
            ["Google API key"]
        );
        // Lookalikes.
        assert!(kinds("sk-this-is-not-a-key").is_empty());
        assert!(kinds("hf_transfer_enabled").is_empty());
        assert!(kinds("https://user:@host/x").is_empty());
    }

    #[test]
    fn lines_of_embedded_configuration() {
        let a = assignment_in_line("db.password=s3cr3t-pa55").unwrap();
        assert_eq!(
            (a.key, a.value, a.value_offset),
            ("db.password", "s3cr3t-pa55", 12)
        );
        let a = assignment_in_line("    password: \"hunter2hunter2\" # prod").unwrap();
        assert_eq!((a.key, a.value), ("password", "hunter2hunter2"));
        assert_eq!(
            &"    password: \"hunter2hunter2\" # prod"[a.value_offset..][..14],
            "hunter2hunter2"
        );
        let a = assignment_in_line("export API_TOKEN='abc def'").unwrap();
        assert_eq!((a.key, a.value), ("API_TOKEN", "abc def"));
        let a = assignment_in_line("  \"client_secret\": \"xyz123456\",").unwrap();
        assert_eq!((a.key, a.value), ("client_secret", "xyz123456"));
        let a = assignment_in_line("url=postgres://db:5432/app").unwrap();
        assert_eq!(a.value, "postgres://db:5432/app");
        let a = assignment_in_line("password:").unwrap();
        assert_eq!(a.value, "");
        for (line, code) in [
            ("password = os.environ[\"DB_PASSWORD\"]", true),
            ("  password: process.env.DB_PASSWORD,", true),
            ("password: str = \"\"", true),
            ("token = get_token()", true),
            ("db.password=s3cr3t-pa55", false),
            ("password = \"os.environ(x)\"", false),
            ("password: hunter2.hunter2", false),
            ("SECRET_KEY = settings.SECRET_KEY", true),
        ] {
            assert_eq!(assignment_in_line(line).unwrap().is_code(), code, "{line}");
        }
        for line in [
            "# password=x",
            "[database]",
            "Set the password: please",
            "",
            "http://x:y@z",
        ] {
            assert!(assignment_in_line(line).is_none(), "{line}");
        }
    }

    #[test]
    fn base64() {
        assert_eq!(decode_base64("aHVudGVyMg==").unwrap(), b"hunter2");
        assert_eq!(decode_base64("aHVudGVyMg").unwrap(), b"hunter2");
        assert_eq!(decode_base64("aHVu\n dGVy").unwrap(), b"hunter");
        assert_eq!(decode_base64("").unwrap(), b"");
        assert!(decode_base64("not base64!").is_none());
        assert!(decode_base64("a").is_none());
        assert!(decode_base64("aGk=aGk=").is_none());
    }
}
