use rampart_source::{Diagnostic, Position, Span};

use crate::{Dockerfile, stage};

/// Instructions BuildKit knows. Anything else is reported and skipped.
const KNOWN_INSTRUCTIONS: &[&str] = &[
    "ADD",
    "ARG",
    "CMD",
    "COPY",
    "ENTRYPOINT",
    "ENV",
    "EXPOSE",
    "FROM",
    "HEALTHCHECK",
    "LABEL",
    "MAINTAINER",
    "ONBUILD",
    "RUN",
    "SHELL",
    "STOPSIGNAL",
    "USER",
    "VOLUME",
    "WORKDIR",
];

/// Instructions that may carry heredocs.
const HEREDOC_INSTRUCTIONS: &[&str] = &["RUN", "COPY", "ADD"];

/// A `--name=value` flag such as `--from=build` or `--mount=type=secret,id=x`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub name: String,
    pub value: Option<String>,
}

/// A heredoc body (`RUN <<EOF … EOF`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Heredoc {
    pub delimiter: String,
    pub body: String,
    /// Line of the first body line.
    pub first_line: u32,
}

/// One instruction, with its continuation lines joined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Instruction {
    /// Upper-case keyword (`RUN`, `FROM`, …).
    pub keyword: String,
    pub flags: Vec<Flag>,
    /// The arguments after the flags, with continuations joined the way BuildKit
    /// joins them (the escape character and line break removed).
    pub arguments: String,
    /// The arguments when written in JSON form (`CMD ["a", "b"]`).
    pub exec_form: Option<Vec<String>>,
    pub heredocs: Vec<Heredoc>,
    /// From the keyword to the end of the last line (heredoc bodies included).
    pub span: Span,
}

impl Instruction {
    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    /// First line of the instruction.
    pub fn line(&self) -> u32 {
        self.span.start.line
    }

    /// The span of the keyword only, for pointing at an instruction.
    pub fn keyword_span(&self) -> Span {
        Span::on_line(
            self.span.start.line,
            self.span.start.column,
            u32::try_from(self.keyword.len()).unwrap_or(0),
        )
    }

    /// The text a shell would see: the arguments and any heredoc bodies.
    pub fn shell_text(&self) -> String {
        let mut text = self.arguments.clone();
        for heredoc in &self.heredocs {
            text.push('\n');
            text.push_str(&heredoc.body);
        }
        text
    }
}

struct Line<'a> {
    number: u32,
    text: &'a str,
}

fn is_comment(text: &str) -> bool {
    text.trim_start().starts_with('#')
}

/// Parses a Dockerfile. Never panics; problems become diagnostics naming
/// `display_path` and the line.
pub fn parse(text: &str, display_path: &str) -> Dockerfile {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<Line<'_>> = text
        .lines()
        .enumerate()
        .map(|(i, text)| Line {
            number: u32::try_from(i + 1).unwrap_or(u32::MAX),
            text,
        })
        .collect();

    let escape = escape_directive(&lines);
    let mut out = Dockerfile::default();
    let mut i = 0;
    while i < lines.len() {
        let line = &lines[i];
        if line.text.trim().is_empty() || is_comment(line.text) {
            i += 1;
            continue;
        }
        let start = &lines[i];
        let mut logical = String::new();
        let mut last_line;
        let mut last_len;
        // Join continuation lines.
        loop {
            let current = lines[i].text;
            last_line = lines[i].number;
            last_len = current.chars().count();
            let trimmed = current.trim_end();
            match trimmed.strip_suffix(escape) {
                Some(head) => {
                    logical.push_str(head);
                    i += 1;
                    // Comment and blank lines inside a continuation are dropped.
                    while i < lines.len()
                        && (is_comment(lines[i].text) || lines[i].text.trim().is_empty())
                    {
                        i += 1;
                    }
                    if i >= lines.len() {
                        break;
                    }
                }
                None => {
                    logical.push_str(current);
                    i += 1;
                    break;
                }
            }
        }

        let indent = logical.len() - logical.trim_start().len();
        let logical_trimmed = logical.trim_start();
        let (keyword, rest) = logical_trimmed
            .split_once(char::is_whitespace)
            .unwrap_or((logical_trimmed, ""));
        let keyword = keyword.to_ascii_uppercase();
        let start_pos = Position::new(
            start.number,
            u32::try_from(start.text.get(..indent).map_or(0, |s| s.chars().count()) + 1)
                .unwrap_or(1),
        );

        if !KNOWN_INSTRUCTIONS.contains(&keyword.as_str()) {
            out.diagnostics.push(
                Diagnostic::warning(
                    "dockerfile-syntax",
                    display_path,
                    format!("unknown instruction `{keyword}`; it was skipped"),
                )
                .at(start_pos.line, start_pos.column),
            );
            continue;
        }

        let (flags, arguments) = split_flags(rest.trim());
        let exec_form = arguments
            .trim_start()
            .starts_with('[')
            .then(|| serde_json::from_str::<Vec<String>>(arguments.trim()).ok())
            .flatten();

        let mut heredocs = Vec::new();
        if exec_form.is_none() && HEREDOC_INSTRUCTIONS.contains(&keyword.as_str()) {
            for (delimiter, strip_tabs) in heredoc_markers(&arguments) {
                let first_line = lines.get(i).map_or(last_line + 1, |l| l.number);
                let mut body = String::new();
                let mut terminated = false;
                while i < lines.len() {
                    let text = lines[i].text;
                    last_line = lines[i].number;
                    last_len = text.chars().count();
                    i += 1;
                    let candidate = if strip_tabs {
                        text.trim_start_matches('\t')
                    } else {
                        text
                    };
                    if candidate == delimiter {
                        terminated = true;
                        break;
                    }
                    body.push_str(candidate);
                    body.push('\n');
                }
                if !terminated {
                    out.diagnostics.push(
                        Diagnostic::warning(
                            "dockerfile-syntax",
                            display_path,
                            format!("heredoc `{delimiter}` is never terminated"),
                        )
                        .at(start_pos.line, start_pos.column),
                    );
                }
                heredocs.push(Heredoc {
                    delimiter,
                    body,
                    first_line,
                });
            }
        }

        out.instructions.push(Instruction {
            keyword,
            flags,
            arguments,
            exec_form,
            heredocs,
            span: Span::new(
                start_pos,
                Position::new(last_line, u32::try_from(last_len + 1).unwrap_or(1)),
            ),
        });
    }

    // Kept as long as the scan's model: at its length, not at the capacity
    // it grew to (about 3 of the Dockerfiles' 40 MiB at 100,000 files).
    out.instructions.shrink_to_fit();
    stage::assemble(&mut out);
    out
}

/// The escape character from a leading `# escape=` directive (default `\`).
fn escape_directive(lines: &[Line<'_>]) -> char {
    for line in lines {
        let Some(comment) = line.text.trim().strip_prefix('#') else {
            break;
        };
        let Some((name, value)) = comment.split_once('=') else {
            break;
        };
        let name = name.trim().to_ascii_lowercase();
        if !name.chars().all(|c| c.is_ascii_alphanumeric()) || name.is_empty() {
            break;
        }
        if name == "escape"
            && let Some(c @ ('`' | '\\')) = value.trim().chars().next()
        {
            return c;
        }
    }
    '\\'
}

fn split_flags(rest: &str) -> (Vec<Flag>, String) {
    let mut flags = Vec::new();
    let mut rest = rest;
    while let Some(after) = rest.strip_prefix("--") {
        let end = after.find(char::is_whitespace).unwrap_or(after.len());
        let token = &after[..end];
        let (name, value) = match token.split_once('=') {
            Some((name, value)) => (name, Some(value.to_owned())),
            None => (token, None),
        };
        flags.push(Flag {
            name: name.to_owned(),
            value,
        });
        rest = after[end..].trim_start();
    }
    (flags, rest.to_owned())
}

/// Heredoc markers (`<<EOF`, `<<-EOF`, `<<"EOF"`) in order of appearance.
fn heredoc_markers(arguments: &str) -> Vec<(String, bool)> {
    let mut markers = Vec::new();
    let mut rest = arguments;
    while let Some(pos) = rest.find("<<") {
        let mut after = &rest[pos + 2..];
        let strip_tabs = after.starts_with('-');
        if strip_tabs {
            after = &after[1..];
        }
        let quote = after.chars().next().filter(|c| *c == '"' || *c == '\'');
        if let Some(q) = quote {
            after = &after[1..];
            let word: String = after.chars().take_while(|c| *c != q).collect();
            if !word.is_empty() {
                rest = &after[word.len()..];
                markers.push((word, strip_tabs));
                continue;
            }
        }
        let word: String = after
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if word.is_empty() || word.starts_with(|c: char| c.is_ascii_digit()) {
            rest = after;
            continue;
        }
        rest = &after[word.len()..];
        markers.push((word, strip_tabs));
    }
    markers
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continuation_lines_are_joined_and_comments_inside_dropped() {
        let df = parse(
            "FROM alpine:3.20\nRUN apk add \\\n# a comment\n\n    curl && \\\n    echo done\nUSER app\n",
            "Dockerfile",
        );
        let run = &df.instructions[1];
        assert_eq!(run.keyword, "RUN");
        assert_eq!(run.arguments, "apk add     curl &&     echo done");
        assert_eq!(run.span.start.line, 2);
        assert_eq!(run.span.end.line, 6);
        assert_eq!(df.instructions[2].line(), 7);
    }

    #[test]
    fn escape_directive_changes_the_continuation_character() {
        let df = parse(
            "# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir `\n  c:\\\n",
            "Dockerfile",
        );
        assert_eq!(df.instructions[1].arguments, "dir   c:\\");
    }

    #[test]
    fn heredocs_belong_to_their_instruction() {
        let df = parse(
            "FROM alpine\nRUN <<EOF\ncurl https://x | sh\nEOF\nUSER 1000\n",
            "Dockerfile",
        );
        assert_eq!(df.instructions.len(), 3);
        let run = &df.instructions[1];
        assert_eq!(run.heredocs[0].body, "curl https://x | sh\n");
        assert_eq!(run.heredocs[0].first_line, 3);
        assert!(run.shell_text().contains("| sh"));
        assert_eq!(df.instructions[2].keyword, "USER");
        assert_eq!(df.instructions[2].line(), 5);
    }

    #[test]
    fn flags_and_exec_form() {
        let df = parse(
            "FROM --platform=linux/amd64 golang:1.23 AS build\nCOPY --from=build --chown=1:1 /a /b\nCMD [\"/app\", \"--serve\"]\n",
            "Dockerfile",
        );
        assert_eq!(
            df.instructions[0]
                .flag("platform")
                .and_then(|f| f.value.as_deref()),
            Some("linux/amd64")
        );
        assert_eq!(df.instructions[0].arguments, "golang:1.23 AS build");
        assert_eq!(
            df.instructions[1]
                .flag("from")
                .and_then(|f| f.value.as_deref()),
            Some("build")
        );
        assert_eq!(
            df.instructions[2].exec_form.as_deref(),
            Some(&["/app".to_owned(), "--serve".to_owned()][..])
        );
    }

    #[test]
    fn unknown_instructions_are_reported_and_skipped() {
        let df = parse("FROM alpine\nFOO bar\nUSER 1\n", "Dockerfile");
        assert_eq!(df.instructions.len(), 2);
        assert_eq!(df.diagnostics[0].line, Some(2));
    }

    #[test]
    fn crlf_and_bom() {
        let df = parse("\u{feff}FROM alpine\r\nUSER root\r\n", "Dockerfile");
        assert_eq!(df.instructions[1].arguments, "root");
        assert_eq!(df.instructions[1].line(), 2);
    }

    #[test]
    fn unterminated_heredoc_is_reported() {
        let df = parse("FROM alpine\nRUN <<EOF\necho hi\n", "Dockerfile");
        assert_eq!(df.diagnostics.len(), 1);
        assert_eq!(df.instructions[1].heredocs[0].body, "echo hi\n");
    }

    proptest::proptest! {
        #[test]
        fn never_panics(text in "\\PC{0,300}") {
            let _ = parse(&text, "Dockerfile");
        }

        #[test]
        fn never_panics_on_dockerfile_like_text(text in "((FROM|RUN|ARG|COPY|USER|#|<<-?|EOF|\\\\|`|\\$\\{|\\}|--|=|\\[|\\]|\"| |\n|a|:)){0,80}") {
            let _ = parse(&text, "Dockerfile");
        }
    }
}
