//! Just enough of a POSIX shell reader to see pipelines in `RUN`: words (quotes
//! removed, command substitutions kept whole), simple commands, pipes, the
//! operators that separate pipelines, redirections and comments. It never fails:
//! unbalanced quotes end at the end of the text.

/// A word of a command: `text` with quotes removed, `raw` as written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Word {
    pub text: String,
    pub raw: String,
}

/// A simple command of a pipeline.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Command {
    pub words: Vec<Word>,
    /// 0-based line of the script where the command starts.
    pub line: usize,
    /// Standard output goes to a file (`> f`, `>> f`, `&> f`), not the pipe.
    pub stdout_redirected: bool,
    /// Standard input comes from a file, a here-document or a here-string.
    pub stdin_redirected: bool,
}

/// Commands joined by `|`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Pipeline {
    pub commands: Vec<Command>,
}

struct Reader {
    pipelines: Vec<Pipeline>,
    pipeline: Pipeline,
    command: Command,
    word: Word,
    in_word: bool,
    line: usize,
    /// The next word is the target of a redirection (dropped).
    redirect_target: bool,
}

impl Reader {
    fn end_word(&mut self) {
        if self.in_word {
            let word = std::mem::take(&mut self.word);
            if self.redirect_target {
                self.redirect_target = false;
            } else {
                if self.command.words.is_empty() {
                    self.command.line = self.line;
                }
                self.command.words.push(word);
            }
            self.in_word = false;
        }
    }

    fn end_command(&mut self) {
        self.end_word();
        let command = std::mem::take(&mut self.command);
        if !command.words.is_empty() {
            self.pipeline.commands.push(command);
        }
    }

    fn end_pipeline(&mut self) {
        self.end_command();
        let pipeline = std::mem::take(&mut self.pipeline);
        if !pipeline.commands.is_empty() {
            self.pipelines.push(pipeline);
        }
    }

    fn push(&mut self, c: char) {
        self.word.text.push(c);
        self.word.raw.push(c);
        self.in_word = true;
    }

    fn push_raw(&mut self, c: char) {
        self.word.raw.push(c);
        self.in_word = true;
    }
}

/// Reads a script into pipelines.
pub(crate) fn parse(script: &str) -> Vec<Pipeline> {
    let chars: Vec<char> = script.chars().collect();
    let mut r = Reader {
        pipelines: Vec::new(),
        pipeline: Pipeline::default(),
        command: Command::default(),
        word: Word::default(),
        in_word: false,
        line: 0,
        redirect_target: false,
    };
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let next = chars.get(i + 1).copied();
        match c {
            '\\' => {
                match next {
                    Some('\n') => r.line += 1,
                    Some(n) => {
                        r.push_raw('\\');
                        r.push(n);
                    }
                    None => {}
                }
                i += 2;
                continue;
            }
            '\'' => {
                r.push_raw('\'');
                i += 1;
                while let Some(&q) = chars.get(i) {
                    i += 1;
                    if q == '\'' {
                        r.push_raw('\'');
                        break;
                    }
                    if q == '\n' {
                        r.line += 1;
                    }
                    r.push(q);
                }
                r.in_word = true;
                continue;
            }
            '"' => {
                r.push_raw('"');
                i += 1;
                while let Some(&q) = chars.get(i) {
                    i += 1;
                    match q {
                        '"' => {
                            r.push_raw('"');
                            break;
                        }
                        '\\' => {
                            if let Some(&n) = chars.get(i) {
                                r.push_raw('\\');
                                r.push(n);
                                i += 1;
                            }
                        }
                        '\n' => {
                            r.line += 1;
                            r.push(q);
                        }
                        _ => r.push(q),
                    }
                }
                r.in_word = true;
                continue;
            }
            '$' | '<' if next == Some('(') => {
                // Command or process substitution: kept whole in the word.
                r.push(c);
                r.push('(');
                i += 2;
                let mut depth = 1;
                while let Some(&q) = chars.get(i) {
                    i += 1;
                    match q {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        '\n' => r.line += 1,
                        _ => {}
                    }
                    r.push(q);
                    if depth == 0 {
                        break;
                    }
                }
                continue;
            }
            '`' => {
                r.push(c);
                i += 1;
                while let Some(&q) = chars.get(i) {
                    i += 1;
                    if q == '\n' {
                        r.line += 1;
                    }
                    r.push(q);
                    if q == '`' {
                        break;
                    }
                }
                continue;
            }
            '#' if !r.in_word => {
                while chars.get(i).is_some_and(|&q| q != '\n') {
                    i += 1;
                }
                continue;
            }
            ' ' | '\t' | '\r' => r.end_word(),
            '\n' => {
                let after_pipe =
                    !r.in_word && r.command.words.is_empty() && !r.pipeline.commands.is_empty();
                if !after_pipe {
                    r.end_pipeline();
                }
                r.line += 1;
            }
            ';' | '(' | ')' => r.end_pipeline(),
            '&' if next == Some('>') => {
                // `&>file`: stdout and stderr to a file.
                r.end_word();
                r.command.stdout_redirected = true;
                r.redirect_target = true;
                i += if chars.get(i + 2) == Some(&'>') { 3 } else { 2 };
                skip_blanks(&chars, &mut i);
                continue;
            }
            '&' => {
                r.end_pipeline();
                if next == Some('&') {
                    i += 1;
                }
            }
            '|' if next == Some('|') => {
                r.end_pipeline();
                i += 1;
            }
            '|' => {
                r.end_command();
                if next == Some('&') {
                    i += 1;
                }
            }
            '>' | '<' => {
                // A redirection; a leading file descriptor is part of it.
                let fd: Option<String> = (r.in_word
                    && !r.word.text.is_empty()
                    && r.word.raw.chars().all(|d| d.is_ascii_digit()))
                .then(|| r.word.text.clone());
                if fd.is_some() {
                    r.word = Word::default();
                    r.in_word = false;
                } else {
                    r.end_word();
                }
                let mut op = String::from(c);
                i += 1;
                while let Some(&q) = chars.get(i) {
                    if matches!(q, '>' | '<' | '&' | '|' | '-') && op.len() < 3 {
                        op.push(q);
                        i += 1;
                    } else {
                        break;
                    }
                }
                if c == '>' && matches!(fd.as_deref(), None | Some("1")) {
                    // `>&2` sends stdout to stderr: away from the pipe too.
                    r.command.stdout_redirected = true;
                }
                if c == '<' && matches!(fd.as_deref(), None | Some("0")) {
                    // A file, a here-document or a here-string.
                    r.command.stdin_redirected = true;
                }
                // The target (`> file`, `2>&1`, `<<EOF`) is not an argument.
                r.redirect_target = true;
                skip_blanks(&chars, &mut i);
                continue;
            }
            _ => r.push(c),
        }
        i += 1;
    }
    r.end_pipeline();
    r.pipelines
}

fn skip_blanks(chars: &[char], i: &mut usize) {
    while chars.get(*i).is_some_and(|c| *c == ' ' || *c == '\t') {
        *i += 1;
    }
}

/// Words that run the command after them (`sudo bash`, `env X=1 sh`).
fn strip_prefixes(words: &[Word]) -> &[Word] {
    let mut rest = words;
    loop {
        let Some((first, tail)) = rest.split_first() else {
            return rest;
        };
        let program = program_name(&first.text);
        let is_assignment = first
            .text
            .split_once('=')
            .is_some_and(|(name, _)| is_name(name));
        rest = match program.as_str() {
            _ if is_assignment => tail,
            "{" | "!" | "if" | "then" | "else" | "elif" | "do" | "while" | "until" | "exec"
            | "command" | "time" | "nohup" | "builtin" => tail,
            "sudo" | "doas" => skip_options(
                tail,
                &["-u", "-g", "-C", "-D", "-h", "-p", "-r", "-t", "-U", "-T"],
            ),
            "env" => {
                let tail = skip_options(tail, &["-u", "-C", "-S"]);
                let assignments = tail
                    .iter()
                    .take_while(|w| w.text.split_once('=').is_some_and(|(n, _)| is_name(n)))
                    .count();
                tail.get(assignments..).unwrap_or_default()
            }
            "nice" => skip_options(tail, &["-n"]),
            "timeout" => {
                let tail = skip_options(tail, &["-s", "-k"]);
                tail.get(1..).unwrap_or_default()
            }
            "busybox" => tail,
            _ => return rest,
        };
    }
}

/// Skips the options of a prefix command, and the arguments of those in
/// `with_argument`.
fn skip_options<'a>(words: &'a [Word], with_argument: &[&str]) -> &'a [Word] {
    let mut rest = words;
    while let Some((first, tail)) = rest.split_first() {
        if first.text == "--" {
            return tail;
        }
        if !first.text.starts_with('-') || first.text == "-" {
            break;
        }
        rest = if with_argument.contains(&first.text.as_str()) {
            tail.get(1..).unwrap_or_default()
        } else {
            tail
        };
    }
    rest
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with(|c: char| c.is_ascii_digit())
        && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `/usr/bin/python3.12` → `python3.12`.
fn program_name(word: &str) -> String {
    word.rsplit('/').next().unwrap_or_default().to_owned()
}

/// The program a command runs and its arguments, past `sudo`, `env` and the like.
pub(crate) fn program(command: &Command) -> Option<(String, &[Word])> {
    let words = strip_prefixes(&command.words);
    let (first, args) = words.split_first()?;
    Some((program_name(&first.text), args))
}

/// A short-option cluster (`-fsSLo`) read letter by letter: the letter that
/// matters and its argument (the rest of the cluster or the next word).
fn short_option_argument<'a>(
    args: &'a [Word],
    index: usize,
    letter: char,
    takes_argument: &str,
) -> Option<Option<&'a str>> {
    let word = &args.get(index)?.text;
    let cluster = word.strip_prefix('-').filter(|c| !c.starts_with('-'))?;
    for (at, c) in cluster.char_indices() {
        let rest = &cluster[at + c.len_utf8()..];
        if c == letter {
            return Some(if rest.is_empty() {
                args.get(index + 1).map(|w| w.text.as_str())
            } else {
                Some(rest)
            });
        }
        if takes_argument.contains(c) {
            return None;
        }
    }
    None
}

fn is_stdout(target: Option<&str>) -> bool {
    matches!(target, Some("-" | "/dev/stdout" | "/dev/fd/1"))
}

/// Whether a command downloads to standard output: `curl` without an output
/// file, `wget -O -` (wget writes to a file by default). Returns the tool.
pub(crate) fn downloads_to_stdout(command: &Command) -> Option<&'static str> {
    if command.stdout_redirected {
        return None;
    }
    let (program, args) = program(command)?;
    match program.as_str() {
        "curl" => {
            for (i, arg) in args.iter().enumerate() {
                let text = arg.text.as_str();
                let target = match text {
                    "--output" => Some(args.get(i + 1).map(|w| w.text.as_str())),
                    "--remote-name" | "--remote-name-all" => Some(None),
                    _ if text.starts_with("--output=") => Some(text.strip_prefix("--output=")),
                    _ if text.starts_with("--") => None,
                    _ => short_option_argument(args, i, 'o', "AbcCdDeEFHKmPQrTuUwxXyYz").or_else(
                        || {
                            short_option_argument(args, i, 'O', "AbcCdDeEFHKmoPQrTuUwxXyYz")
                                .map(|_| None)
                        },
                    ),
                };
                if let Some(target) = target {
                    return is_stdout(target).then_some("curl");
                }
            }
            Some("curl")
        }
        "wget" => {
            for (i, arg) in args.iter().enumerate() {
                let text = arg.text.as_str();
                let target = match text {
                    "--output-document" => Some(args.get(i + 1).map(|w| w.text.as_str())),
                    _ if text.starts_with("--output-document=") => {
                        Some(text.strip_prefix("--output-document="))
                    }
                    _ if text.starts_with("--") => None,
                    _ => short_option_argument(args, i, 'O', "aBeiIoPtTUwXYlADQ"),
                };
                if let Some(target) = target {
                    return is_stdout(target).then_some("wget");
                }
            }
            None
        }
        _ => None,
    }
}

const SHELLS: &[&str] = &["sh", "bash", "zsh", "dash", "ash", "ksh", "mksh", "yash"];

/// `python3.12` → `python`; `perl5` → `perl`.
fn interpreter_family(program: &str) -> Option<&'static str> {
    let stem = program.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.');
    if let Some(shell) = SHELLS.iter().find(|s| **s == program) {
        return Some(shell);
    }
    match stem {
        "python" => Some("python"),
        "perl" => Some("perl"),
        "ruby" => Some("ruby"),
        "node" | "nodejs" => Some("node"),
        "php" => Some("php"),
        _ => None,
    }
}

/// Whether a command is a shell or interpreter that runs the program it reads
/// from standard input (`sh`, `bash -s -- --flag`, `python3 -`, `sudo -E bash`),
/// rather than a `-c`/`-e` string or a script file. Returns the program.
pub(crate) fn runs_stdin(command: &Command) -> Option<String> {
    if command.stdin_redirected {
        return None;
    }
    let (program, args) = program(command)?;
    let family = interpreter_family(&program)?;
    // Options whose next word is their argument, and those that give the
    // program another way (`-c`, `-e`, `-m`).
    let (with_argument, code_flags): (&str, &str) = match family {
        "python" => ("WX", "cm"),
        "perl" => ("IlmMx", "eE"),
        "ruby" => ("IrCEFKTW", "e"),
        "node" => ("r", "ep"),
        "php" => ("cdz", "rBRFE"),
        _ => ("oO", "c"),
    };
    let is_shell = SHELLS.contains(&family);
    let mut reads_stdin_flag = false;
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        let text = arg.text.as_str();
        if text == "-" {
            return Some(program);
        }
        if text == "--" {
            // Shells: positional arguments follow `-s`; otherwise a script file.
            return (reads_stdin_flag || args.get(i + 1).is_none()).then_some(program);
        }
        if let Some(long) = text.strip_prefix("--") {
            if matches!(long, "eval" | "print" | "command") || long.starts_with("eval=") {
                return None;
            }
            i += 1;
            continue;
        }
        let Some(cluster) = text.strip_prefix(['-', '+']) else {
            // A script file, unless the shell reads stdin (`bash -s arg`).
            return (is_shell && reads_stdin_flag).then_some(program);
        };
        let mut skip_next = false;
        for c in cluster.chars() {
            if code_flags.contains(c) {
                return None;
            }
            if is_shell && c == 's' {
                reads_stdin_flag = true;
            }
            if with_argument.contains(c) {
                skip_next = true;
                break;
            }
        }
        i += if skip_next && cluster.len() == 1 {
            2
        } else {
            1
        };
    }
    Some(program)
}

/// Programs that run code given on their command line through a substitution
/// (`bash <(curl …)`, `sh -c "$(curl …)"`, `eval "$(wget -qO- …)"`).
pub(crate) fn runs_substitution(command: &Command) -> Option<(String, &'static str)> {
    let (program, args) = program(command)?;
    let runs_code = interpreter_family(&program).is_some()
        || matches!(program.as_str(), "eval" | "source" | ".");
    if !runs_code {
        return None;
    }
    for arg in args {
        let raw = arg.raw.as_str();
        for opener in ["<(", "$(", "`"] {
            let mut rest = raw;
            while let Some(at) = rest.find(opener) {
                let inner = &rest[at + opener.len()..];
                let inner = inner
                    .strip_suffix(')')
                    .or_else(|| inner.strip_suffix("`"))
                    .or_else(|| inner.strip_suffix(")\""))
                    .or_else(|| inner.strip_suffix("`\""))
                    .unwrap_or(inner);
                for pipeline in parse(inner) {
                    if let Some(tool) = pipeline.commands.first().and_then(downloads_to_stdout) {
                        return Some((program, tool));
                    }
                }
                rest = &rest[at + opener.len()..];
            }
        }
    }
    None
}

/// A download piped into a program that runs it: the tool, the program, and the
/// line of the script where the pipeline starts.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct PipeToShell {
    pub tool: &'static str,
    pub program: String,
    pub line: usize,
    pub substitution: bool,
}

/// Every download of a script that is run without being saved and checked.
pub(crate) fn pipes_to_shell(script: &str) -> Vec<PipeToShell> {
    // Each finding has a command whose program is `curl` or `wget`. In a
    // script that quotes and escapes nothing, a word is a run of the
    // script's own characters, so the script then names one of them as
    // written; most `RUN` lines name neither, and are not read at all.
    if !script.contains(['\\', '\'', '"']) && !script.contains("curl") && !script.contains("wget") {
        return Vec::new();
    }
    read_pipes_to_shell(script)
}

/// [`pipes_to_shell`], the script read whatever it holds.
fn read_pipes_to_shell(script: &str) -> Vec<PipeToShell> {
    let mut found = Vec::new();
    for pipeline in parse(script) {
        let commands = &pipeline.commands;
        let line = commands.first().map_or(0, |c| c.line);
        let piped = commands.iter().enumerate().find_map(|(i, command)| {
            let tool = downloads_to_stdout(command)?;
            let program = commands.get(i + 1..)?.iter().find_map(runs_stdin)?;
            Some((tool, program))
        });
        if let Some((tool, program)) = piped {
            found.push(PipeToShell {
                tool,
                program,
                line,
                substitution: false,
            });
            continue;
        }
        if let Some((program, tool)) = commands.iter().find_map(runs_substitution) {
            found.push(PipeToShell {
                tool,
                program,
                line,
                substitution: true,
            });
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Scripts that quote and escape nothing, with and without the
        /// download tools' names: what is skipped unread has no finding.
        #[test]
        fn scripts_skipped_unread_have_no_finding(
            words in proptest::collection::vec(
                prop_oneof![
                    Just("curl"), Just("wget"), Just("cu"), Just("rl"), Just("/usr/bin/curl"),
                    Just("-fsSL"), Just("-qO-"), Just("-o"), Just("-"), Just("https://x.sh"),
                    Just("|"), Just("sh"), Just("bash"), Just("python3"), Just("sudo"),
                    Just("env"), Just("$("), Just(")"), Just("`"), Just("<("), Just("#"),
                    Just(";"), Just("&&"), Just(">"), Just("\n"), Just("eval"), Just("apt-get"),
                ],
                0..14,
            ),
            glue in proptest::collection::vec(prop_oneof![Just(" "), Just("")], 14),
        ) {
            let mut script = String::new();
            for (word, glue) in words.iter().zip(&glue) {
                script.push_str(word);
                script.push_str(glue);
            }
            prop_assert_eq!(pipes_to_shell(&script), read_pipes_to_shell(&script));
        }
    }

    fn flagged(script: &str) -> bool {
        !pipes_to_shell(script).is_empty()
    }

    #[test]
    fn pipes_into_shells_and_interpreters() {
        for script in [
            "curl -fsSL https://get.example.com | sh",
            "curl -fsSL https://get.example.com | bash -s -- --version 1.2",
            "curl -sL https://x | sudo -E bash -",
            "wget -qO- https://x | sh",
            "wget -q -O - https://x | bash",
            "wget --output-document=- https://x | sh",
            "apt-get update && curl -sSL https://x | python3 -",
            "curl https://x | tee /tmp/i.sh | sh",
            "curl -fsSL https://x | /bin/bash",
            "set -eux; curl -fsSLo - https://x | sh",
            "curl -s https://x | env FOO=1 sh",
            "curl https://x | perl",
            "curl https://x | node",
            "curl https://x | zsh",
            "curl -fsSL https://x |\n  sh",
            "bash <(curl -fsSL https://x)",
            "sh -c \"$(curl -fsSL https://x)\"",
            "/bin/bash -c \"$(curl -fsSL https://raw.githubusercontent.com/Homebrew/install/HEAD/install.sh)\"",
            "eval \"$(wget -qO- https://x)\"",
            "(curl -s https://x | sh)",
        ] {
            assert!(flagged(script), "{script}");
        }
    }

    #[test]
    fn downloads_that_are_not_run() {
        for script in [
            "curl -fsSLo /tmp/i.sh https://x && echo 'abc  /tmp/i.sh' | sha256sum -c - && sh /tmp/i.sh",
            "curl -fsSL https://x -o /tmp/x.tgz && tar -xzf /tmp/x.tgz",
            "curl -fsSL https://x | tar -xz -C /opt",
            "curl -fsSL https://x | gpg --dearmor -o /usr/share/keyrings/x.gpg",
            "wget https://x | sh",
            "wget -O /tmp/x https://x | sh",
            "curl -s https://api.github.com/x | python3 -c 'import json,sys; print(json.load(sys.stdin))'",
            "curl -s https://x | jq -r .tag",
            "curl -s https://x | perl -pe 's/a/b/'",
            "curl -s https://x | node -e 'process.stdin.pipe(process.stdout)'",
            "curl -s https://x | bash -c 'cat > /tmp/x'",
            "curl -s https://x | sh /tmp/other.sh",
            "curl -s https://x > /tmp/i.sh | sh",
            "echo 'curl https://x | sh' > /tmp/notes",
            "# curl https://x | sh",
            "curl -s https://x || sh -c 'echo failed'",
            "curl -s https://x; sh",
            "sh -c \"$(cat /tmp/x)\"",
            "curl -fsSL https://x | sh < /tmp/script.sh",
        ] {
            assert!(!flagged(script), "{script}");
        }
    }

    #[test]
    fn lines_of_pipelines() {
        let found = pipes_to_shell("set -e\napt-get update\ncurl -s https://x \\\n | sh\n");
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].line, 2);
        assert_eq!(found[0].program, "sh");
    }
}
