//! What every format derives from a finding the same way: its region, its
//! redacted text, its rule's documentation link, the severity tally.

use std::io::{self, Write};

use rampart_config::Severity;
use rampart_rules::{Finding, RuleMeta};
use rampart_source::{SourceFile, Span};
use rayon::prelude::*;
use serde::{Serialize, Serializer};

/// Where the rules reference is published; `helpUri`s and help lines point into it.
const RULES_REFERENCE_URL: &str = "https://github.com/rampart-sec/rampart/blob/main/docs/rules.md";

/// The anchor of a rule's heading in `docs/rules.md` (`pss-001-privileged-container`).
pub fn rule_anchor(meta: &RuleMeta) -> String {
    format!("{}-{}", meta.id, meta.name).to_ascii_lowercase()
}

/// The documentation page of a rule.
pub fn help_uri(meta: &RuleMeta) -> String {
    format!("{RULES_REFERENCE_URL}#{}", rule_anchor(meta))
}

/// A finding's location as reports show it: 1-based lines and columns (columns
/// count characters), the end exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Region {
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

impl Region {
    /// Normalises a span: positions are at least 1:1, the end is not before the
    /// start, and a span that ends at column 1 of a later line (a whole-line span)
    /// ends after the last character of the line before instead, so that no
    /// region points past the end of its file.
    pub fn of(file: &SourceFile, span: Span) -> Self {
        let start_line = span.start.line.max(1);
        let start_column = span.start.column.max(1);
        let (mut end_line, mut end_column) = (span.end.line.max(1), span.end.column.max(1));
        if (end_line, end_column) < (start_line, start_column) {
            (end_line, end_column) = (start_line, start_column);
        }
        // Not clamped above: its end is on a later line than its start.
        if let Some(line) = span.whole_line_end() {
            end_line = line;
            end_column = file
                .line(end_line)
                .map_or(1, |text| char_count(text).saturating_add(1));
        }
        Self {
            start_line,
            start_column,
            end_line,
            end_column,
        }
    }
}

pub(crate) fn char_count(text: &str) -> u32 {
    u32::try_from(text.chars().count()).unwrap_or(u32::MAX)
}

/// How many findings of each severity, most severe first.
pub(crate) fn severity_counts(findings: &[Finding]) -> Vec<(Severity, usize)> {
    Severity::ALL
        .into_iter()
        .map(|severity| {
            let count = findings.iter().filter(|f| f.severity == severity).count();
            (severity, count)
        })
        .collect()
}

/// `1 finding`, `2 findings`.
pub(crate) fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// The place of a sequence [`write_pretty`] writes apart from the rest of its
/// document: serialized alone, an empty sequence.
pub(crate) struct Elements;

impl Serialize for Elements {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(std::iter::empty::<()>())
    }
}

/// How many elements [`render_in_order`] renders before it writes them: a
/// report of many findings never holds all of their rendered forms at once.
pub(crate) const ELEMENTS_RENDERED_TOGETHER: usize = 1024;

/// Renders `items` on every core, [`ELEMENTS_RENDERED_TOGETHER`] at a time,
/// and gives each rendered form to `write`, in order. `render` is given an
/// item's index in `items`; a batch that fails to render writes nothing.
pub(crate) fn render_in_order<'i, I, T>(
    items: &'i [I],
    render: impl Fn(usize, &'i I) -> io::Result<T> + Sync,
    mut write: impl FnMut(T) -> io::Result<()>,
) -> io::Result<()>
where
    I: Sync,
    T: Send,
{
    for (batch, items) in items.chunks(ELEMENTS_RENDERED_TOGETHER).enumerate() {
        let first = batch * ELEMENTS_RENDERED_TOGETHER;
        let rendered = (items.par_iter().enumerate())
            .map(|(i, item)| render(first + i, item))
            .collect::<io::Result<Vec<T>>>()?;
        for element in rendered {
            write(element)?;
        }
    }
    Ok(())
}

/// Writes `document` as `serde_json::to_writer_pretty` would, with the
/// [`Elements`] at `key` standing for `items`, each rendered by `render`.
///
/// The document streams to `out` as serde writes it, some 64 KiB at a time
/// ([`SCANNED_TOGETHER`]); where it writes the empty sequence at `key`, the
/// elements are written in its place, rendered on every core
/// ([`render_in_order`]); rendered one after the other on one core, the
/// findings of a scan of 100,000 files took 70 ms
/// (docs/benchmarks-history.md, fifteenth round). `key` must name the one
/// empty sequence of the pretty document at that key. A string value cannot
/// look like it (its quotes are escaped); a map key could, so the documents
/// this writes have no map with keys from the input, and were one to match
/// too, the report ends in an error.
pub(crate) fn write_pretty<'i, D, I, T>(
    out: &mut dyn Write,
    document: &D,
    key: &str,
    items: &'i [I],
    render: impl Fn(&'i I) -> T + Sync,
) -> io::Result<()>
where
    D: Serialize,
    I: Sync,
    T: Serialize,
{
    let mut elements = |out: &mut dyn Write, indent: usize| -> io::Result<()> {
        let element_indent = " ".repeat(indent + 2);
        let render = |index: usize, item: &'i I| {
            let indent = element_indent.as_bytes();
            // Rendered into the thread's own buffer, then copied once,
            // indented, into an element of exactly its length.
            RENDERED.with_borrow_mut(|rendered| {
                rendered.clear();
                serde_json::to_writer_pretty(&mut *rendered, &render(item))?;
                let breaks = memchr::memchr_iter(b'\n', rendered).count();
                let comma = index > 0;
                let mut bytes = Vec::with_capacity(
                    usize::from(comma) + 1 + indent.len() * (breaks + 1) + rendered.len(),
                );
                if comma {
                    bytes.push(b',');
                }
                bytes.push(b'\n');
                bytes.extend_from_slice(indent);
                indent_lines(&mut bytes, rendered, indent);
                if rendered.capacity() > KEPT_RENDERED_CAPACITY {
                    *rendered = Vec::new();
                }
                Ok(bytes)
            })
        };
        render_in_order(items, render, |bytes| out.write_all(&bytes))?;
        if !items.is_empty() {
            out.write_all(b"\n")?;
            out.write_all(" ".repeat(indent).as_bytes())?;
        }
        Ok(())
    };
    let mut splice = Splice {
        out,
        placeholder: format!("\"{key}\": []").into_bytes(),
        held: Vec::new(),
        scanned_together: SCANNED_TOGETHER,
        column: 0,
        spliced: false,
        elements: &mut elements,
    };
    serde_json::to_writer_pretty(&mut splice, document)?;
    splice.finish(key)
}

/// Passes a pretty document on to `out`, and at its `placeholder` (`"key":
/// []`) writes the elements between the brackets.
struct Splice<'o, 'e> {
    out: &'o mut dyn Write,
    placeholder: Vec<u8>,
    /// What was written and not yet passed on: up to about `scanned_together`
    /// bytes, then as many as the placeholder has but one (they may begin
    /// it).
    held: Vec<u8>,
    /// [`SCANNED_TOGETHER`], but in tests.
    scanned_together: usize,
    /// Bytes passed on since the last line break: the indentation of the
    /// placeholder's line, when it comes (only spaces precede a key).
    column: usize,
    spliced: bool,
    /// Writes the elements, given the indentation of the key's line.
    elements: &'e mut dyn FnMut(&mut dyn Write, usize) -> io::Result<()>,
}

/// How many bytes of the document a [`Splice`] holds before it looks for
/// its placeholder in them. Serde writes a token at a time (a quote, a
/// string, two spaces of indentation), and looked at one by one they cost
/// as much as rendering them: the SARIF report of the example (1 MB, its
/// rule descriptors) took 5.5 ms to write, 2.8 ms since. Held, they are
/// searched together; what is held is this and at most one write of serde's
/// more (a string's run without escapes is one).
const SCANNED_TOGETHER: usize = 64 << 10;

/// Writes `bytes` to `out`, and keeps `column` the count of bytes since the
/// last line break.
fn pass_on(out: &mut dyn Write, column: &mut usize, bytes: &[u8]) -> io::Result<()> {
    match memchr::memrchr(b'\n', bytes) {
        Some(newline) => *column = bytes.len() - newline - 1,
        None => *column += bytes.len(),
    }
    out.write_all(bytes)
}

impl Splice<'_, '_> {
    /// Splices the elements in at the placeholder if it is in what is held,
    /// and passes on all that is held but as many bytes as the placeholder
    /// has but one (they may begin it): all of it, at the end.
    fn scan(&mut self, at_end: bool) -> io::Result<()> {
        let length = self.placeholder.len();
        if let Some(at) = memchr::memmem::find(&self.held, &self.placeholder) {
            if self.spliced {
                let key = &self.placeholder[1..length - 5];
                return Err(not_one_sequence(&String::from_utf8_lossy(key)));
            }
            self.spliced = true;
            let (before, from_key) = self.held.split_at(at);
            pass_on(self.out, &mut self.column, before)?;
            let indent = self.column;
            pass_on(self.out, &mut self.column, &from_key[..length - 1])?;
            (self.elements)(&mut *self.out, indent)?;
            // From the closing bracket on, which cannot begin another.
            self.held.drain(..at + length - 1);
            return self.scan(at_end);
        }
        let passed = match at_end {
            true => self.held.len(),
            false => self.held.len().saturating_sub(length - 1),
        };
        pass_on(self.out, &mut self.column, &self.held[..passed])?;
        self.held.drain(..passed);
        Ok(())
    }

    fn finish(mut self, key: &str) -> io::Result<()> {
        self.scan(true)?;
        if !self.spliced {
            return Err(not_one_sequence(key));
        }
        Ok(())
    }
}

fn not_one_sequence(key: &str) -> io::Error {
    io::Error::other(format!("the report's `{key}` is not one empty sequence"))
}

impl Write for Splice<'_, '_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.held.extend_from_slice(bytes);
        if self.held.len() >= self.scanned_together {
            self.scan(false)?;
        }
        Ok(bytes.len())
    }

    /// Flushes `out`, not what is held: the placeholder may begin there.
    /// Serde does not flush mid-document.
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

thread_local! {
    /// Where [`write_pretty`] renders an element before indenting it: one
    /// buffer a thread, grown to the largest element, not one an element.
    static RENDERED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// What a thread keeps of [`RENDERED`] after an element larger than findings
/// are.
const KEPT_RENDERED_CAPACITY: usize = 1 << 20;

/// Appends JSON rendered at the top level to `out` as if nested: `indent`
/// after every line break (a JSON string holds none unescaped). Done on the
/// rendered element rather than on each token serde writes: most tokens are a
/// few bytes, and looking at them a call at a time cost more than this pass
/// (docs/benchmarks-history.md, seventeenth round).
fn indent_lines(out: &mut Vec<u8>, rendered: &[u8], indent: &[u8]) {
    let mut start = 0;
    for newline in memchr::memchr_iter(b'\n', rendered) {
        out.extend_from_slice(&rendered[start..=newline]);
        out.extend_from_slice(indent);
        start = newline + 1;
    }
    out.extend_from_slice(&rendered[start..]);
}

#[cfg(test)]
mod tests {
    use rampart_source::Position;

    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("f.yaml".into(), "f.yaml".into(), text.into())
    }

    #[test]
    fn whole_line_spans_end_on_their_last_line() {
        let f = file("a: 1\nbb: 22\n");
        assert_eq!(
            Region::of(&f, Span::lines(1, 2)),
            Region {
                start_line: 1,
                start_column: 1,
                end_line: 2,
                end_column: 7
            }
        );
    }

    #[test]
    fn the_lines_quoted_are_all_a_region_and_its_quote_read() {
        let text = "a: 1\r\nbb: 22\n\nccc: é\nlast";
        let whole = file(text);
        let positions: Vec<Position> = (0..=6)
            .flat_map(|line| (0..=8).map(move |column| Position::new(line, column)))
            .collect();
        for &start in &positions {
            for &end in &positions {
                let span = Span::new(start, end);
                let mut kept = file(text);
                kept.keep_lines(span.quoted_lines());
                let region = Region::of(&whole, span);
                assert_eq!(Region::of(&kept, span), region, "{span:?}");
                assert_eq!(
                    kept.line(region.start_line),
                    whole.line(region.start_line),
                    "{span:?}"
                );
            }
        }
    }

    #[test]
    fn degenerate_spans_are_clamped() {
        let f = file("a: 1\n");
        let backwards = Span::new(Position::new(1, 4), Position::new(1, 2));
        assert_eq!(
            Region::of(&f, backwards),
            Region {
                start_line: 1,
                start_column: 4,
                end_line: 1,
                end_column: 4
            }
        );
        let zero = Span::new(Position::new(0, 0), Position::new(0, 0));
        assert_eq!(Region::of(&f, zero).start_line, 1);
        assert_eq!(Region::of(&f, zero).start_column, 1);
    }

    #[test]
    fn anchors_match_the_rules_reference_headings() {
        let rule = rampart_rules::find_rule("PSS-001").unwrap();
        assert_eq!(rule_anchor(&rule.meta), "pss-001-privileged-container");
        assert!(
            rampart_rules::rules_reference().contains("(#pss-001-privileged-container)"),
            "the reference's index links to the same anchor"
        );
    }

    /// A document with its sequence in place, and one with [`Elements`].
    #[derive(Serialize)]
    struct Document<T> {
        name: &'static str,
        nested: Nested<T>,
        after: [u32; 2],
    }

    #[derive(Serialize)]
    struct Nested<T> {
        count: usize,
        items: T,
    }

    #[derive(Serialize)]
    struct Item {
        n: usize,
        text: String,
        empty: [u8; 0],
        inner: Option<[usize; 2]>,
    }

    fn item(n: &usize) -> Item {
        Item {
            n: *n,
            // A line break in a value is escaped: only the layout's are indented.
            text: format!("line\n{n} \"items\": []"),
            empty: [],
            inner: n.is_multiple_of(2).then_some([*n, n + 1]),
        }
    }

    fn rendered(items: &[usize]) -> (String, String) {
        let whole = Document {
            name: "doc",
            nested: Nested {
                count: items.len(),
                items: items.iter().map(item).collect::<Vec<_>>(),
            },
            after: [1, 2],
        };
        let apart = Document {
            name: "doc",
            nested: Nested {
                count: items.len(),
                items: Elements,
            },
            after: [1, 2],
        };
        let mut out = Vec::new();
        write_pretty(&mut out, &apart, "items", items, item).unwrap();
        (
            serde_json::to_string_pretty(&whole).unwrap(),
            String::from_utf8(out).unwrap(),
        )
    }

    #[test]
    fn elements_written_apart_are_written_as_serde_writes_them_in_place() {
        // None, one, and more than are rendered together.
        for count in [0, 1, 2, ELEMENTS_RENDERED_TOGETHER + 3] {
            let items: Vec<usize> = (0..count).collect();
            let (whole, apart) = rendered(&items);
            assert_eq!(whole, apart, "{count} items");
        }
    }

    /// `text` written through a [`Splice`] of `"items": []` in the pieces
    /// `cuts` makes, the elements written as `<indent>`, the placeholder
    /// looked for once `scanned_together` bytes are held.
    fn spliced(
        text: &str,
        cuts: impl IntoIterator<Item = usize>,
        scanned_together: usize,
    ) -> io::Result<String> {
        let mut out = Vec::new();
        let mut elements = |out: &mut dyn Write, indent: usize| write!(out, "<{indent}>");
        let mut splice = Splice {
            out: &mut out,
            placeholder: b"\"items\": []".to_vec(),
            held: Vec::new(),
            scanned_together,
            column: 0,
            spliced: false,
            elements: &mut elements,
        };
        let mut start = 0;
        for cut in cuts.into_iter().chain([text.len()]) {
            splice.write_all(&text.as_bytes()[start..cut])?;
            start = cut;
        }
        splice.finish("items")?;
        Ok(String::from_utf8(out).unwrap())
    }

    /// How [`Splice`] looks: at the end only, after every write, and in
    /// between.
    const SCANNED: [usize; 4] = [SCANNED_TOGETHER, 0, 5, 12];

    #[test]
    fn the_placeholder_is_found_however_the_document_is_cut() {
        // Near misses around it: its key as a value, a longer key, the
        // placeholder escaped in a key and in a value, its start in a value.
        let text = concat!(
            "{\n  \"name\": \"items\",\n  \"items_x\": [],\n",
            "  \"\\\"items\\\": []\": 1,\n  \"it\": \"\\\"item\",\n",
            "    \"items\": [],\n  \"after\": \"\\\"items\\\": []\"\n}"
        );
        let expected = text.replacen("    \"items\": []", "    \"items\": [<4>]", 1);
        assert_ne!(expected, text);
        for scanned_together in SCANNED {
            let pieces = |cuts| spliced(text, cuts, scanned_together).unwrap();
            assert_eq!(pieces(vec![]), expected, "whole, {scanned_together}");
            let bytes = (1..text.len()).collect();
            assert_eq!(pieces(bytes), expected, "bytes, {scanned_together}");
            for cut in 1..text.len() {
                assert_eq!(pieces(vec![cut]), expected, "{cut}, {scanned_together}");
            }
        }
    }

    #[test]
    fn the_placeholder_twice_is_an_error_however_the_document_is_cut() {
        let text = "{\n  \"items\": [],\n  \"more\": {\n    \"items\": []\n  }\n}";
        for scanned_together in SCANNED {
            let pieces = |cuts| spliced(text, cuts, scanned_together);
            assert!(pieces(vec![]).is_err(), "whole, {scanned_together}");
            assert!(pieces((1..text.len()).collect()).is_err(), "bytes");
            for cut in 1..text.len() {
                assert!(pieces(vec![cut]).is_err(), "{cut}, {scanned_together}");
            }
        }
    }

    #[test]
    fn a_key_twice_is_an_error() {
        #[derive(Serialize)]
        struct Twice {
            first: Nested<Elements>,
            second: Nested<Elements>,
        }
        let nested = || Nested {
            count: 0,
            items: Elements,
        };
        let document = Twice {
            first: nested(),
            second: nested(),
        };
        let mut out = Vec::new();
        let error = write_pretty(&mut out, &document, "items", &[1usize], item).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("`items` is not one empty sequence"),
            "{error}"
        );
    }

    #[test]
    fn a_key_that_is_not_one_empty_sequence_is_an_error() {
        let mut out = Vec::new();
        let document = Nested {
            count: 0,
            items: Elements,
        };
        let error = write_pretty(&mut out, &document, "count", &[1usize], item).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the report's `count` is not one empty sequence"
        );
    }
}
