use std::borrow::Cow;

use rampart_config::Severity;
use rampart_dockerfile::Instruction;
use rampart_model::{DockerfileDoc, parse_pairs};
use rampart_source::{SourceFile, redact};

use super::{find_in_instruction, split_words};
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};
use crate::rules::credentials::with_article;
use crate::secrets::{
    assignment_in_line, find_credentials, is_placeholder, is_secret_name, may_contain_credentials,
};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "DF-003",
        name: "secret-in-dockerfile",
        severity: Severity::High,
        summary: "Secret in a Dockerfile or its build arguments",
        requirements: &["P-IIB2-a", "G-CFG-02", "P-IIB2-b"],
        docs: RuleDocs {
            what: "Reports, like BuildKit's `SecretsUsedInArgOrEnv` check but without its known false positives: an `ARG` whose name says it holds a secret (`NPM_TOKEN`, `DB_PASSWORD`, `AWS_SECRET_ACCESS_KEY`), with or without a default; an `ENV` with such a name set to a literal or to a `$VARIABLE` (a build argument copied into the image's configuration); and credentials with a known shape (an AWS access key id, a private key, a GitHub, OpenAI or Hugging Face token, a password in a URL, …) in any `ENV`, `ARG` or `LABEL` value, any `RUN` command and any heredoc. It also reports literal secrets assigned to secret names inside `RUN` (`--password=…`, `API_KEY=…`) and in heredoc files. Names about a secret rather than one are not secret names: `PUBLIC_KEY`, `GPG_KEY`, `*_FILE`, `*_PATH`, `*_URL`, `*_VERSION`, `*_ID`, `KEY_NAME`, `GIT_CREDENTIAL_HELPER`, `MAX_TOKENS`; an `ENV` set to an empty value or a placeholder is not reported. Values are never printed unredacted.",
            why: "Build arguments are recorded in the image history (`docker history` shows them to anyone who can pull the image), `ENV` values are stored in the image configuration and every container's environment, and the Dockerfile itself is committed. A secret passed either way is readable from every copy of the image, forever. The policy requires secrets to stay in a vault and be injected only at runtime (P-IIB2-a, G-CFG-02) and never be committed (P-IIB2-b).",
            fail: Example::dockerfile(
                r#"FROM node:22-slim@sha256:0b2b5c6a8f5c4d1e9a7b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f
ARG NPM_TOKEN
WORKDIR /app
COPY package.json package-lock.json ./
RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci --omit=dev && rm .npmrc
USER 10001
"#,
            ),
            pass: Example::dockerfile(
                r#"FROM node:22-slim@sha256:0b2b5c6a8f5c4d1e9a7b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN \
    echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc && npm ci --omit=dev && rm .npmrc
USER 10001
"#,
            ),
            fix: "Pass build-time secrets as BuildKit secrets: `RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN …` (or `target=<file>`), built with `docker buildx build --secret id=npm_token,env=NPM_TOKEN`; they are never written to a layer or the history. Give runtime secrets to the container from a Kubernetes Secret instead of `ENV`. Rotate any secret that was in a pushed image or a commit.",
        },
    },
    check: Check::Dockerfile(check),
    inactive_when: None,
};

/// Reports one secret of an instruction at the most precise span available.
struct Reporter<'a, 'b> {
    file: &'a SourceFile,
    instruction: &'a Instruction,
    sink: &'a mut Sink<'b>,
    /// Secret texts already reported for this instruction.
    seen: Vec<String>,
    /// Whether any text `shapes` and `has_shapes` are asked about (the
    /// Dockerfile's [`Arguments::searched`]) may hold a credential: when not,
    /// each of their searches would find nothing and is skipped. The values
    /// of a heredoc's assignments are parts of its lines, not texts of their
    /// own, and are searched whatever this says.
    may_hold_shapes: bool,
}

impl Reporter<'_, '_> {
    fn secret(&mut self, at: &str, message: String, secret: &str) {
        if self.seen.iter().any(|s| s == secret) {
            return;
        }
        self.seen.push(secret.to_owned());
        let span =
            find_in_instruction(self.file, self.instruction, at).unwrap_or(self.instruction.span);
        self.sink.report_secret(span, message, secret);
    }

    fn plain(&mut self, at: &str, message: String) {
        let span =
            find_in_instruction(self.file, self.instruction, at).unwrap_or(self.instruction.span);
        self.sink.report(span, message);
    }

    /// Whether `text`, one of the texts the Dockerfile's search covered,
    /// holds a credential with a known shape.
    fn has_shapes(&self, text: &str) -> bool {
        self.may_hold_shapes && !find_credentials(text).is_empty()
    }

    /// A credential with a known shape anywhere in `text`, one of the texts
    /// the Dockerfile's search covered.
    fn shapes(&mut self, text: &str, keyword: &str) {
        if !self.may_hold_shapes {
            return;
        }
        for found in find_credentials(text) {
            let message = format!(
                "`{keyword}` contains {} (`{}`), readable by anyone with the Dockerfile or the image",
                with_article(found.kind),
                redact(&found.text)
            );
            self.secret(&found.text.clone(), message, &found.text);
        }
    }
}

/// Whether a value is nothing but a variable reference (`$TOKEN`, `${TOKEN}`,
/// `"${TOKEN:-}"`), which copies a build argument rather than holding a secret.
/// A literal with a `$` in it (`Hk3$Rt8Yw2`) is a literal.
fn is_variable_reference(value: &str) -> bool {
    let value = value.trim();
    let value = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    let Some(rest) = value.strip_prefix('$') else {
        return false;
    };
    let name = match rest.strip_prefix('{') {
        Some(braced) => match braced.strip_suffix('}') {
            Some(inner) => inner.split([':', '-', '+', '?']).next().unwrap_or_default(),
            None => return false,
        },
        None => rest,
    };
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn env(reporter: &mut Reporter<'_, '_>, name: &str, value: &str) {
    reporter.shapes(value, "ENV");
    if !is_secret_name(name) || value.trim().is_empty() {
        return;
    }
    if is_variable_reference(value) {
        reporter.plain(
            name,
            format!(
                "`ENV {name}` copies `{value}` into the image configuration, where `docker inspect` shows it to anyone who can pull the image"
            ),
        );
    } else if !is_placeholder(value) && !reporter.has_shapes(value) {
        reporter.secret(
            value,
            format!(
                "`ENV {name}` bakes a literal secret `{}` into the image configuration",
                redact(value)
            ),
            value,
        );
    }
}

fn arg(reporter: &mut Reporter<'_, '_>, name: &str, default: Option<&str>) {
    if let Some(default) = default {
        reporter.shapes(default, "ARG");
    }
    if !is_secret_name(name) {
        return;
    }
    match default {
        Some(value)
            if !is_placeholder(value)
                && !is_variable_reference(value)
                && !reporter.has_shapes(value) =>
        {
            reporter.secret(
                value,
                format!(
                    "`ARG {name}` has a literal secret default `{}`; build arguments are recorded in the image history",
                    redact(value)
                ),
                value,
            );
        }
        _ => reporter.plain(
            name,
            format!(
                "`ARG {name}` passes a secret as a build argument, which is recorded in the image history (`docker history`); use `RUN --mount=type=secret` instead"
            ),
        ),
    }
}

/// `NAME=value` and `--name=value` words of a shell command with a literal secret.
fn shell_assignments(reporter: &mut Reporter<'_, '_>, script: &str, keyword: &str) {
    for word in split_words(script)
        .iter()
        .flat_map(|w| w.split_whitespace())
    {
        let Some((key, value)) = word.trim_start_matches('-').split_once('=') else {
            continue;
        };
        let key = key.rsplit([':', '/']).next().unwrap_or_default();
        let is_name = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if is_name && is_secret_name(key) && !is_placeholder(value) && !is_variable_reference(value)
        {
            reporter.secret(
                value,
                format!(
                    "`{keyword}` sets `{key}` to a literal secret `{}`",
                    redact(value)
                ),
                value,
            );
        }
    }
}

/// `key=value` lines of a heredoc (a script or a file written into the image).
fn heredoc_assignments(reporter: &mut Reporter<'_, '_>, body: &str, keyword: &str) {
    for line in body.lines() {
        let Some(assignment) = assignment_in_line(line) else {
            continue;
        };
        let (key, value) = (assignment.key, assignment.value);
        if is_secret_name(key)
            && !assignment.is_code()
            && !is_placeholder(value)
            && find_credentials(value).is_empty()
        {
            reporter.secret(
                value,
                format!(
                    "`{keyword}` heredoc sets `{key}` to a literal secret `{}`",
                    redact(value)
                ),
                value,
            );
        }
    }
}

/// What the rule reads of an instruction, split once: the texts searched
/// for credentials are all known before any is searched.
enum Arguments<'a> {
    /// `ENV` and `LABEL`: their `name=value` pairs, unquoted.
    Pairs(Vec<(String, String)>),
    /// `ARG`: its words (`NAME` or `NAME=default`).
    Words(Vec<String>),
    /// Any other instruction: its arguments and heredoc bodies.
    Shell(Cow<'a, str>),
}

impl Arguments<'_> {
    fn of(instruction: &Instruction) -> Arguments<'_> {
        match instruction.keyword.as_str() {
            "ENV" | "LABEL" => Arguments::Pairs(parse_pairs(&instruction.arguments)),
            "ARG" => Arguments::Words(split_words(&instruction.arguments)),
            // Copied only to join heredocs to the arguments.
            _ if instruction.heredocs.is_empty() => {
                Arguments::Shell(Cow::Borrowed(&instruction.arguments))
            }
            _ => Arguments::Shell(Cow::Owned(instruction.shell_text())),
        }
    }

    /// The texts `shapes` and `has_shapes` are asked about.
    fn searched(&self) -> impl Iterator<Item = &str> {
        let (pairs, words, shell) = match self {
            Arguments::Pairs(pairs) => (&pairs[..], &[][..], None),
            Arguments::Words(words) => (&[][..], &words[..], None),
            Arguments::Shell(text) => (&[][..], &[][..], Some(&**text)),
        };
        (pairs.iter().map(|(_, value)| value.as_str()))
            .chain(
                words
                    .iter()
                    .filter_map(|w| w.split_once('=').map(|(_, v)| v)),
            )
            .chain(shell)
    }
}

fn check(doc: &DockerfileDoc, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let file = ctx.project.file(doc.file);
    let instructions = &doc.parsed.instructions;
    let arguments: Vec<Arguments<'_>> = instructions.iter().map(Arguments::of).collect();
    // One search of all of them rules out most Dockerfiles, instead of a
    // search of each value and command (see `may_contain_credentials`).
    let may_hold_shapes = may_contain_credentials(arguments.iter().flat_map(Arguments::searched));
    for (instruction, arguments) in instructions.iter().zip(&arguments) {
        let mut reporter = Reporter {
            file,
            instruction,
            sink,
            seen: Vec::new(),
            may_hold_shapes,
        };
        let keyword = instruction.keyword.as_str();
        match arguments {
            Arguments::Pairs(pairs) if keyword == "ENV" => {
                for (name, value) in pairs {
                    env(&mut reporter, name, value);
                }
            }
            Arguments::Pairs(pairs) => {
                for (_, value) in pairs {
                    reporter.shapes(value, "LABEL");
                }
            }
            Arguments::Words(words) => {
                for word in words {
                    match word.split_once('=') {
                        Some((name, value)) => arg(&mut reporter, name, Some(value)),
                        None => arg(&mut reporter, word, None),
                    }
                }
            }
            Arguments::Shell(text) => {
                reporter.shapes(text, keyword);
                if matches!(keyword, "RUN" | "ONBUILD") && instruction.exec_form.is_none() {
                    shell_assignments(&mut reporter, &instruction.arguments, keyword);
                }
                if let Some(words) = &instruction.exec_form {
                    shell_assignments(&mut reporter, &words.join(" "), keyword);
                }
                for heredoc in &instruction.heredocs {
                    heredoc_assignments(&mut reporter, &heredoc.body, keyword);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::is_variable_reference;

    #[test]
    fn references_are_whole_values() {
        for value in [
            "$TOKEN",
            "${TOKEN}",
            "\"${TOKEN:-}\"",
            "${API_KEY:?missing}",
        ] {
            assert!(is_variable_reference(value), "{value}");
        }
        for value in ["Hk3$Rt8Yw2Qs6Pz1", "pre${TOKEN}", "$", "${}", "$1abc"] {
            assert!(!is_variable_reference(value), "{value}");
        }
    }
}
