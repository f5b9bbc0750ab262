use rampart_config::Severity;
use rampart_model::DockerfileDoc;

use super::copy_sources;
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "DF-002",
        name: "add-remote-url",
        severity: Severity::Medium,
        summary: "`ADD` fetches a remote file or repository that is not pinned",
        requirements: &["P-IIIB2-a", "P-IIIB1-a"],
        docs: RuleDocs {
            what: "Reports every `ADD` source that is fetched at build time without being pinned: an `http://` or `https://` URL without `--checksum=<algorithm>:<hex>` (`sha256`, `sha384` or `sha512` with a digest of the right length), and a Git repository (`git@host:repo`, `ssh://`, `git://`, an `https://` URL ending in `.git`) not pinned to a full commit hash (`#<40 or 64 hex digits>`, or `?commit=`/`?checksum=` with one). BuildKit's `--checksum` only applies to HTTP(S) sources, so a Git source can only be pinned by its commit. Local sources, `ADD` heredocs and `COPY` are not reported.",
            why: "A URL names whatever its server returns when the image is built: the same Dockerfile can produce a different image tomorrow, and a compromised host, domain or mirror injects code into the image without any change to the repository. Nothing verifies what was fetched, and the layer cannot be traced to a scanned artifact. The policy allows only vetted, traceable sources into images (P-IIIB2-a) and requires every dependency to be scanned (P-IIIB1-a).",
            fail: Example::dockerfile(
                r#"FROM alpine:3.20@sha256:0b2b5c6a8f5c4d1e9a7b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f
ADD https://github.com/krallin/tini/releases/download/v0.19.0/tini-static /usr/local/bin/tini
USER 10001
"#,
            ),
            pass: Example::dockerfile(
                r#"FROM alpine:3.20@sha256:0b2b5c6a8f5c4d1e9a7b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f
ADD --checksum=sha256:c5b0666b4cb676901f90dfcb37106783c5fe2077b04590973b885950611b30ee https://github.com/krallin/tini/releases/download/v0.19.0/tini-static /usr/local/bin/tini
USER 10001
"#,
            ),
            fix: "Pin the download: `ADD --checksum=sha256:<digest> <url> <dest>` (Dockerfile syntax 1.6 or later), or `RUN curl -fsSLo <file> <url> && echo \"<sha256>  <file>\" | sha256sum -c -`. Pin a Git source to a full commit (`ADD https://github.com/org/repo.git#<commit-sha> /src`), or copy the artifact from a pinned image with `COPY --from=<image>@sha256:…`.",
        },
    },
    check: Check::Dockerfile(check),
    inactive_when: None,
};

/// Whether a `--checksum` value is `<algorithm>:<hex>` of the right length.
fn is_valid_checksum(value: &str) -> bool {
    let Some((algorithm, hex)) = value.split_once(':') else {
        return false;
    };
    let len = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return false,
    };
    hex.len() == len
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn is_commit(text: &str) -> bool {
    (text.len() == 40 || text.len() == 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

enum Remote {
    Http,
    /// A Git repository and whether a full commit pins it.
    Git {
        pinned: bool,
    },
}

/// What kind of remote source `source` is, following BuildKit's reading: Git for
/// `git@`, `git://` and `ssh://` addresses and for HTTP(S) URLs whose path ends
/// in `.git`; a plain download for other HTTP(S) URLs.
fn remote(source: &str) -> Option<Remote> {
    let lower = source.to_ascii_lowercase();
    let is_http = lower.starts_with("http://") || lower.starts_with("https://");
    let (address, fragment) = source.split_once('#').unwrap_or((source, ""));
    let (path, query) = address.split_once('?').unwrap_or((address, ""));
    let is_git = lower.starts_with("git@")
        || lower.starts_with("git://")
        || lower.starts_with("ssh://")
        || (is_http
            && path
                .to_ascii_lowercase()
                .trim_end_matches('/')
                .ends_with(".git"));
    if is_git {
        // `#<ref>[:<subdir>]`, or `?ref=…&commit=…` (`checksum` is an alias).
        let fragment_ref = fragment.split(':').next().unwrap_or_default();
        let query_commit = query.split('&').any(|pair| {
            pair.split_once('=')
                .is_some_and(|(k, v)| matches!(k, "commit" | "checksum") && is_commit(v))
        });
        return Some(Remote::Git {
            pinned: is_commit(fragment_ref) || query_commit,
        });
    }
    is_http.then_some(Remote::Http)
}

/// A URL as messages may quote it: credentials in its user part
/// (`https://deploy:token@host/…`) replaced by `***`.
fn without_userinfo(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

fn check(doc: &DockerfileDoc, _ctx: &Context<'_>, sink: &mut Sink<'_>) {
    for instruction in doc
        .parsed
        .instructions
        .iter()
        .filter(|i| i.keyword == "ADD")
    {
        let checksum = instruction
            .flag("checksum")
            .and_then(|f| f.value.as_deref());
        for source in copy_sources(instruction) {
            let shown = without_userinfo(&source);
            match remote(&source) {
                Some(Remote::Http) => match checksum {
                    Some(value) if is_valid_checksum(value) => {}
                    Some(value) => sink.report(
                        instruction.span,
                        format!(
                            "`ADD` downloads `{shown}` with a malformed `--checksum={value}` (expected `sha256:` followed by 64 hex digits), so nothing verifies what the server returns"
                        ),
                    ),
                    None => sink.report(
                        instruction.span,
                        format!(
                            "`ADD` downloads `{shown}` without `--checksum`: the image gets whatever the server returns at build time"
                        ),
                    ),
                },
                Some(Remote::Git { pinned: false }) => sink.report(
                    instruction.span,
                    format!(
                        "`ADD` fetches the Git repository `{shown}` at a branch or tag, which can move; pin it to a full commit hash"
                    ),
                ),
                Some(Remote::Git { pinned: true }) | None => {}
            }
        }
    }
}
