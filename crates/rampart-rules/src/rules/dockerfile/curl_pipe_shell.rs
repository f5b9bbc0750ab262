use rampart_config::Severity;
use rampart_dockerfile::Instruction;
use rampart_model::DockerfileDoc;
use rampart_source::{SourceFile, Span};

use super::shell::{self, PipeToShell};
use super::split_words;
use crate::engine::{Check, Context, Example, Rule, RuleDocs, RuleMeta, Sink};

pub(crate) static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "DF-004",
        name: "curl-pipe-shell",
        severity: Severity::High,
        summary: "Build runs a script downloaded without verification",
        requirements: &["P-IIIB2-a", "P-IIIB1-a"],
        docs: RuleDocs {
            what: "Reports a `RUN` (shell form, a JSON form that calls `sh -c`, heredoc scripts, and `ONBUILD RUN`) that pipes the output of `curl` or `wget` into a shell or interpreter reading its program from standard input: `sh`, `bash`, `zsh`, `dash`, `ash`, `ksh`, `python`, `perl`, `ruby`, `node` or `php`, also behind `sudo`, `env` or a full path, with `-s`, `-` or `--`, through `tee` or across line continuations. It also reports `bash <(curl …)`, `sh -c \"$(curl …)\"` and `eval \"$(wget -qO- …)\"`. It does not report a download saved to a file and checked before it runs, a download piped into a program that treats it as data (`tar`, `gpg --dearmor`, `jq`, `python3 -c '…'`, `perl -pe '…'`), `wget` without `-O -` (which writes a file, not the pipe), or text in comments, quotes and heredocs written to files (`cat <<EOF > install.sh`).",
            why: "`curl | sh` runs whatever the server returns at build time, with the build's privileges and secrets, and bakes the result into an image that then runs as an agent: a compromised download host, a hijacked domain or a man-in-the-middle on a mirror becomes code execution in the supply chain, with no checksum or signature to stop it and no record of what ran. The policy allows only vetted sources into images (P-IIIB2-a) and requires every dependency to be scannable (P-IIIB1-a); an unpinned script is neither.",
            fail: Example::dockerfile(
                r#"FROM debian:12-slim@sha256:0b2b5c6a8f5c4d1e9a7b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f
RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates \
 && curl -fsSL https://get.example.com/install.sh | sh
USER 10001
"#,
            ),
            pass: Example::dockerfile(
                r#"FROM debian:12-slim@sha256:0b2b5c6a8f5c4d1e9a7b3c2d1e0f9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f
ARG INSTALLER_SHA256=4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b
RUN apt-get update && apt-get install -y --no-install-recommends curl ca-certificates \
 && curl -fsSLo /tmp/install.sh https://get.example.com/v1.4.2/install.sh \
 && echo "${INSTALLER_SHA256}  /tmp/install.sh" | sha256sum -c - \
 && sh /tmp/install.sh && rm /tmp/install.sh
USER 10001
"#,
            ),
            fix: "Download a versioned file, verify it, then run it: `curl -fsSLo /tmp/install.sh <url-of-a-release> && echo \"<sha256>  /tmp/install.sh\" | sha256sum -c - && sh /tmp/install.sh` (or check a signature with `gpg --verify` or `cosign verify-blob`). Better still, install from the distribution's signed packages, or copy the tool from a pinned image with `COPY --from=<image>@sha256:…`.",
        },
    },
    check: Check::Dockerfile(check),
    inactive_when: None,
};

/// The script a `RUN` hands to a shell, without its heredocs: the shell form, the
/// `-c` string of a JSON form that calls a shell, or `ONBUILD RUN`'s.
fn run_script(instruction: &Instruction) -> Option<String> {
    match instruction.keyword.as_str() {
        "RUN" => match &instruction.exec_form {
            None => Some(instruction.arguments.clone()),
            Some(words) => {
                let (program, args) = words.split_first()?;
                let name = program.rsplit('/').next().unwrap_or_default();
                if !["sh", "bash", "zsh", "dash", "ash", "ksh"].contains(&name) {
                    return None;
                }
                let at = args.iter().position(|a| {
                    a.strip_prefix('-')
                        .is_some_and(|c| !c.starts_with('-') && c.contains('c'))
                })?;
                args.get(at + 1).cloned()
            }
        },
        "ONBUILD" => {
            let (keyword, rest) = instruction
                .arguments
                .trim_start()
                .split_once(char::is_whitespace)?;
            keyword.eq_ignore_ascii_case("RUN").then(|| rest.to_owned())
        }
        _ => None,
    }
}

/// Whether the heredocs of a `RUN` are shell scripts: `RUN <<EOF` alone, or fed
/// to a shell (`RUN bash <<EOF`), and without a shebang naming something else.
fn heredocs_are_shell(instruction: &Instruction) -> bool {
    if instruction.keyword != "RUN" || instruction.exec_form.is_some() {
        return false;
    }
    let words = split_words(&instruction.arguments);
    let command: Vec<&String> = words.iter().filter(|w| !w.starts_with("<<")).collect();
    match command.first() {
        None => true,
        Some(program) => {
            let name = program.rsplit('/').next().unwrap_or_default();
            ["sh", "bash", "zsh", "dash", "ash", "ksh", "sudo"].contains(&name)
                && !command
                    .iter()
                    .any(|w| w.starts_with("-c") || w.contains('>'))
        }
    }
}

fn shebang_is_shell(body: &str) -> bool {
    let Some(shebang) = body.lines().next().and_then(|l| l.strip_prefix("#!")) else {
        return true;
    };
    let mut words = shebang.split_whitespace();
    let mut program = words
        .next()
        .unwrap_or_default()
        .rsplit('/')
        .next()
        .unwrap_or_default();
    if program == "env" {
        program = words.find(|w| !w.starts_with('-')).unwrap_or_default();
    }
    ["sh", "bash", "zsh", "dash", "ash", "ksh"].contains(&program)
}

fn message(found: &PipeToShell) -> String {
    if found.substitution {
        format!(
            "`RUN` hands the output of `{}` to `{}` to run: whatever the server sends executes in the build, unverified",
            found.tool, found.program
        )
    } else {
        format!(
            "`RUN` pipes the output of `{}` into `{}`: whatever the server sends executes in the build, unverified",
            found.tool, found.program
        )
    }
}

/// The span of a whole source line (from its first non-blank character).
fn line_span(file: &SourceFile, line: u32) -> Option<Span> {
    let text = file.line(line)?;
    let indent = text.chars().take_while(|c| c.is_whitespace()).count();
    let len = text.trim().chars().count();
    (len > 0).then(|| {
        Span::on_line(
            line,
            u32::try_from(indent + 1).unwrap_or(1),
            u32::try_from(len).unwrap_or(0),
        )
    })
}

fn check(doc: &DockerfileDoc, ctx: &Context<'_>, sink: &mut Sink<'_>) {
    let file = ctx.project.file(doc.file);
    for instruction in &doc.parsed.instructions {
        if let Some(script) = run_script(instruction) {
            for found in shell::pipes_to_shell(&script) {
                sink.report(instruction.span, message(&found));
            }
        }
        if !heredocs_are_shell(instruction) {
            continue;
        }
        for heredoc in &instruction.heredocs {
            if !shebang_is_shell(&heredoc.body) {
                continue;
            }
            for found in shell::pipes_to_shell(&heredoc.body) {
                let span = u32::try_from(found.line)
                    .ok()
                    .and_then(|offset| heredoc.first_line.checked_add(offset))
                    .and_then(|line| line_span(file, line))
                    .unwrap_or(instruction.span);
                sink.report(span, message(&found));
            }
        }
    }
}
