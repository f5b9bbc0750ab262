use std::sync::OnceLock;
use std::sync::atomic::{AtomicU8, Ordering};

use crate::{Position, Span};

/// Index of a file in the scanned set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

impl FileId {
    /// The id of the file at `index` in a scan's list of files. No scan
    /// holds 4 billion files (each is read into memory); an index past
    /// `u32::MAX` would get the last id rather than wrap.
    pub fn from_index(index: usize) -> Self {
        Self(u32::try_from(index).unwrap_or(u32::MAX))
    }

    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A scanned file: its text and where its lines start.
#[derive(Debug)]
pub struct SourceFile {
    /// The path shown to users (relative to the working directory where possible,
    /// `/` separators), or `-` for standard input.
    pub display_path: String,
    /// The path relative to the scan root it was found under
    /// ([`SourceFile::root_relative_path`]), when it is not the end of
    /// `display_path`; it is for almost every file, and two copies of every
    /// path of a large scan took 5 MiB.
    root_relative_path: Option<Box<str>>,
    /// Where the path relative to the scan root starts in `display_path`,
    /// when it is the end of it.
    root_relative_start: u32,
    /// Not to be changed once read: what is worked out from it when the file
    /// is made (line starts, whether it writes the suppression marker) would
    /// no longer hold.
    pub text: String,
    /// The byte offset of each line's start, in 32 bits: a large scan holds
    /// millions of lines. No scanned text is 4 GiB long (a larger
    /// `max-file-size` is refused, `rampart_config::ByteSize::MAX`); offsets
    /// past that would not be recorded, and a position there would be
    /// reported on the last line recorded. Worked out when first asked for:
    /// most files of a large scan are never asked a line (their parser
    /// gives positions, and no finding or diagnostic is in them).
    line_starts: OnceLock<Box<[u32]>>,
    /// Whether the text is all ASCII ([`Ascii`]), worked out with the line
    /// starts: a column is then a count of bytes, not of characters. Terraform
    /// gives every value it evaluates a position (hundreds of thousands in a
    /// large scan), each counted character by character before. A byte
    /// beside `writes_marker`, where the struct had room.
    ascii: AtomicU8,
    /// Whether the text holds [`crate::SUPPRESSION_MARKER`] anywhere: several
    /// stages ask, and most files have none.
    writes_marker: bool,
    /// The lines kept when the text was released
    /// ([`SourceFile::keep_lines`]); the only lines it then has.
    kept_lines: Option<Box<KeptLines>>,
    /// What the walk knew of the file when it left its text to be read
    /// later ([`SourceFile::unread`]).
    left: Option<Unread>,
    /// Whether the text is here, to be read, or could not be.
    reading: Reading,
}

/// What the walk knew of a file whose text it read, then left for a later
/// stage to read again (a large scan reads most files a part at a time, and
/// their texts are then never all in memory): what that read must find
/// again for the file to be the one the walk classified.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unread {
    /// Its length in bytes. Not past 4 GiB (see `line_starts`).
    pub len: u32,
    /// Whether the text holds [`crate::SUPPRESSION_MARKER`].
    pub writes_marker: bool,
    /// A hash of its bytes, which a later read must find again.
    pub digest: u64,
    /// What the scan asked of the text when the walk read it, for the
    /// stages that need it before the text is read again (bits the scan
    /// defines: of the infrastructure's files, whether they call modules,
    /// and what their unit must be read before the others for).
    pub facts: u8,
}

/// Where a file's text is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reading {
    /// Read (and perhaps released since, [`SourceFile::release_text`]).
    Read,
    /// Left by the walk, or read since and released, to be read (again)
    /// when needed.
    Unread,
    /// Left to be read later, and then not readable, or not the file the
    /// walk found: it is skipped, and a diagnostic says why.
    Skipped,
}

/// Some lines of a released text, in one allocation with where each ends.
#[derive(Debug)]
struct KeptLines {
    /// Each kept line's number and where its text ends in `text`, by number.
    ends: Box<[(u32, u32)]>,
    /// The lines' texts, one after the other, without their terminators.
    text: Box<str>,
}

impl KeptLines {
    fn line(&self, line: u32) -> Option<&str> {
        let index = self.ends.binary_search_by_key(&line, |&(n, _)| n).ok()?;
        let start = index
            .checked_sub(1)
            .and_then(|before| self.ends.get(before))
            .map_or(0, |&(_, end)| end as usize);
        let end = self.ends.get(index).map(|&(_, end)| end as usize)?;
        self.text.get(start..end)
    }
}

impl SourceFile {
    pub fn new(display_path: String, root_relative_path: String, text: String) -> Self {
        let writes_marker = crate::holds_suppression_marker(&text);
        let suffix = (display_path.len().checked_sub(root_relative_path.len()))
            .filter(|_| display_path.ends_with(root_relative_path.as_str()))
            .and_then(|start| u32::try_from(start).ok());
        let (root_relative_path, root_relative_start) = match suffix {
            Some(start) => (None, start),
            None => (Some(root_relative_path.into_boxed_str()), 0),
        };
        Self {
            display_path,
            root_relative_path,
            root_relative_start,
            text,
            line_starts: OnceLock::new(),
            ascii: AtomicU8::new(Ascii::Unknown as u8),
            writes_marker,
            kept_lines: None,
            left: None,
            reading: Reading::Read,
        }
    }

    /// A file whose text the walk left to be read later
    /// ([`SourceFile::read_later`]): until then it has no text and no line,
    /// but its length ([`SourceFile::len`]) and whether it writes the
    /// suppression marker.
    pub fn unread(display_path: String, root_relative_path: String, unread: Unread) -> Self {
        Self {
            writes_marker: unread.writes_marker,
            left: Some(unread),
            reading: Reading::Unread,
            ..Self::new(display_path, root_relative_path, String::new())
        }
    }

    /// What is known of the file while its text is to be read
    /// ([`SourceFile::read_later`]): left so by the walk, or read since and
    /// released ([`SourceFile::release_text`]).
    pub fn still_unread(&self) -> Option<Unread> {
        self.left.filter(|_| self.reading == Reading::Unread)
    }

    /// Gives a file whose text is to be read ([`SourceFile::still_unread`])
    /// the text, read since and found to be the file the walk saw.
    pub fn read_later(&mut self, text: String) {
        if self.still_unread().is_none() {
            return;
        }
        self.line_starts = OnceLock::new();
        self.ascii = AtomicU8::new(Ascii::Unknown as u8);
        self.kept_lines = None;
        self.text = text;
        self.reading = Reading::Read;
    }

    /// Gives up reading again a file whose text was read and released: it
    /// changed since, and keeps the lines it has.
    pub fn stop_reading_again(&mut self) {
        if self.reading == Reading::Unread {
            self.left = None;
        }
    }

    /// Marks a file whose text is to be read as skipped: it could not be
    /// read, or was not the file the walk saw. It stays empty.
    pub fn skip_unreadable(&mut self) {
        if self.reading == Reading::Unread {
            self.reading = Reading::Skipped;
        }
    }

    /// Whether the text can be read again once released: the walk left it
    /// to be read later, and it was.
    pub fn reads_again(&self) -> bool {
        self.left.is_some() && self.reading != Reading::Skipped
    }

    /// Whether [`SourceFile::line`] gives each of `lines` (1-based), or,
    /// when the text is here, may (it says nothing of lines past its end):
    /// of a released text, whether they were kept with
    /// [`SourceFile::keep_lines`] (those past its end never are).
    pub fn keeps_lines(&self, lines: &[u32]) -> bool {
        match &self.kept_lines {
            Some(kept) => {
                (lines.iter()).all(|&n| kept.ends.binary_search_by_key(&n, |&(n, _)| n).is_ok())
            }
            None => lines.is_empty() || self.still_unread().is_none() && !self.text.is_empty(),
        }
    }

    /// Whether the file was left to be read later, then skipped
    /// ([`SourceFile::skip_unreadable`]): a scan does not count it.
    pub fn skipped(&self) -> bool {
        self.reading == Reading::Skipped
    }

    /// The length of the text in bytes, or, while it is still to be read
    /// or once skipped, the length the walk found.
    pub fn len(&self) -> usize {
        match (self.reading, self.left) {
            (Reading::Read, _) | (_, None) => self.text.len(),
            (_, Some(unread)) => unread.len as usize,
        }
    }

    /// Whether [`SourceFile::len`] is 0.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The path relative to the scan root it was found under, which reports
    /// give beside the shown path.
    pub fn root_relative_path(&self) -> &str {
        match &self.root_relative_path {
            Some(path) => path,
            None => (self.display_path)
                .get(self.root_relative_start as usize..)
                .unwrap_or_default(),
        }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            // Stored before the line starts are: whoever reads those (and
            // the `OnceLock` orders the two) reads this.
            let ascii = if self.text.is_ascii() {
                Ascii::Yes
            } else {
                Ascii::No
            };
            self.ascii.store(ascii as u8, Ordering::Relaxed);
            // Counted first, so that the list is allocated once at its length.
            let lines = 1 + memchr::memchr_iter(b'\n', self.text.as_bytes()).count();
            let mut line_starts = Vec::with_capacity(lines);
            line_starts.push(0);
            line_starts.extend(
                memchr::memchr_iter(b'\n', self.text.as_bytes())
                    .map_while(|i| u32::try_from(i + 1).ok()),
            );
            line_starts.into_boxed_slice()
        })
    }

    /// Puts the text in `copy`, the same text in memory of its own (a scan
    /// moves the texts it keeps away from those it frees). What was worked
    /// out from the text still holds.
    pub fn move_text(&mut self, copy: String) {
        debug_assert_eq!(copy, self.text, "not a copy of the text");
        self.text = copy;
    }

    /// Frees the text (and where its lines start) once nothing will read it:
    /// the file then has no text, but its paths and whether it wrote the
    /// suppression marker. A file the walk left unread can be read again
    /// ([`SourceFile::still_unread`]), and has no line until it is. A scan
    /// releases the texts of manifests once their rules have run, but the
    /// lines its report quotes ([`SourceFile::keep_lines`]) and the texts the
    /// filter reads for suppressions.
    pub fn release_text(&mut self) {
        self.text = String::new();
        self.line_starts = OnceLock::new();
        self.ascii = AtomicU8::new(Ascii::Unknown as u8);
        self.kept_lines = None;
        if self.left.is_some() && self.reading == Reading::Read {
            // Read again if some stage asks for it.
            self.reading = Reading::Unread;
        }
    }

    /// Frees the text as [`SourceFile::release_text`] does, but for the
    /// `lines` given (1-based; those past the end are not kept): those
    /// [`SourceFile::line`] still gives, a few bytes each where the text was
    /// thousands. For a file whose text nothing reads any more but a report
    /// quoting some of its lines. Only [`SourceFile::line`] reads them: the
    /// text is then empty, and [`SourceFile::line_count`],
    /// [`SourceFile::byte_offset`] and [`SourceFile::position_of`] answer as
    /// for a released text. Called again, it keeps those of `lines` it still
    /// has.
    pub fn keep_lines(&mut self, lines: impl IntoIterator<Item = u32>) {
        let mut numbers: Vec<u32> = lines.into_iter().collect();
        numbers.sort_unstable();
        numbers.dedup();
        let kept: Vec<(u32, &str)> = (numbers.into_iter())
            .filter_map(|n| Some((n, self.line(n)?)))
            .collect();
        let mut text = String::with_capacity(kept.iter().map(|(_, line)| line.len()).sum());
        let mut ends = Vec::with_capacity(kept.len());
        for (n, line) in kept {
            text.push_str(line);
            // Not past 4 GiB: the text it comes from is not (see `line_starts`).
            ends.push((n, u32::try_from(text.len()).unwrap_or(u32::MAX)));
        }
        let kept_lines = KeptLines {
            ends: ends.into_boxed_slice(),
            text: text.into_boxed_str(),
        };
        self.release_text();
        self.kept_lines = Some(Box::new(kept_lines));
    }

    /// Whether the text holds the suppression marker (`rampart:ignore`)
    /// anywhere, in a comment or not: a file without it suppresses nothing.
    pub fn writes_suppression_marker(&self) -> bool {
        self.writes_marker
    }

    pub fn line_count(&self) -> u32 {
        // A trailing newline does not start another line.
        let line_starts = self.line_starts();
        let n = line_starts.len();
        let n = if n > 1 && line_starts[n - 1] as usize == self.text.len() {
            n - 1
        } else {
            n
        };
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    /// The text of a 1-based line without its line terminator (`\n` or `\r\n`).
    pub fn line(&self, line: u32) -> Option<&str> {
        if let Some(kept) = &self.kept_lines {
            return kept.line(line);
        }
        if self.reading == Reading::Unread {
            // Not here: not the line of an empty text.
            return None;
        }
        let idx = (line as usize).checked_sub(1)?;
        let line_starts = self.line_starts();
        let start = *line_starts.get(idx)? as usize;
        let end = line_starts
            .get(idx + 1)
            .map_or(self.text.len(), |next| *next as usize - 1);
        let text = self.text.get(start..end.max(start))?;
        Some(text.strip_suffix('\r').unwrap_or(text))
    }

    /// Byte offset of a position, clamped to the end of its line.
    pub fn byte_offset(&self, pos: Position) -> Option<usize> {
        let idx = (pos.line as usize).checked_sub(1)?;
        let start = *self.line_starts().get(idx)? as usize;
        let line = self.line(pos.line)?;
        let col = (pos.column as usize).saturating_sub(1);
        let within = line
            .char_indices()
            .nth(col)
            .map_or(line.len(), |(byte, _)| byte);
        Some(start + within)
    }

    /// The span of a byte range: [`SourceFile::position_of`] its ends, with
    /// the end found from the start when both are on one line (most values
    /// evaluated from HCL are).
    pub fn span_of(&self, range: std::ops::Range<usize>) -> Span {
        let line_starts = self.line_starts();
        if self.is_ascii() && range.start <= range.end && range.end <= self.text.len() {
            // Each end's column is its distance in bytes from its line's
            // start, and the end is on the start's line unless a line starts
            // after the start and by the end.
            let line = line_index(line_starts, range.start);
            let start = ascii_position(line_starts, line, range.start);
            let end = match line_starts.get(line + 1) {
                Some(&next) if next as usize <= range.end => {
                    let end_line = line_index(line_starts, range.end);
                    ascii_position(line_starts, end_line, range.end)
                }
                _ => ascii_position(line_starts, line, range.end),
            };
            return Span::new(start, end);
        }
        let start = self.position_of(range.start);
        let end = self.text.get(range.start..range.end).and_then(|between| {
            if between.contains('\n') {
                return None;
            }
            let width = u32::try_from(between.chars().count()).ok()?;
            Some(Position::new(start.line, start.column.checked_add(width)?))
        });
        Span::new(start, end.unwrap_or_else(|| self.position_of(range.end)))
    }

    /// The 1-based position of a byte offset.
    pub fn position_of(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line_starts = self.line_starts();
        let idx = line_index(line_starts, offset);
        if self.is_ascii() {
            return ascii_position(line_starts, idx, offset);
        }
        let start = line_starts[idx] as usize;
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        Position::new(
            u32::try_from(idx + 1).unwrap_or(u32::MAX),
            u32::try_from(column + 1).unwrap_or(u32::MAX),
        )
    }

    /// Whether the text is all ASCII; known once the line starts are.
    fn is_ascii(&self) -> bool {
        self.ascii.load(Ordering::Relaxed) == Ascii::Yes as u8
    }
}

/// What [`SourceFile`] knows of whether its text is all ASCII.
#[repr(u8)]
enum Ascii {
    Unknown,
    Yes,
    No,
}

/// The 0-based line of a byte offset: the last line starting at or before it.
fn line_index(line_starts: &[u32], offset: usize) -> usize {
    let key = u32::try_from(offset).unwrap_or(u32::MAX);
    // The first line starts at 0, so some line starts at or before any offset.
    line_starts
        .partition_point(|&start| start <= key)
        .saturating_sub(1)
}

/// The position of a byte offset on 0-based `line` of an ASCII text, where a
/// column is a count of bytes.
fn ascii_position(line_starts: &[u32], line: usize, offset: usize) -> Position {
    let start = line_starts.get(line).map_or(0, |&start| start as usize);
    Position::new(
        u32::try_from(line + 1).unwrap_or(u32::MAX),
        u32::try_from(offset.saturating_sub(start) + 1).unwrap_or(u32::MAX),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file the walk left unread has no lines until it is read; released,
    /// it has those it kept, and can be read again, unless it changed.
    #[test]
    fn a_file_left_unread_has_its_lines_only_while_read_or_kept() {
        let left = Unread {
            len: 12,
            writes_marker: false,
            digest: 7,
            facts: 0,
        };
        let mut file = SourceFile::unread("a.yaml".into(), "a.yaml".into(), left);
        assert_eq!(
            (file.line(1), file.len(), file.still_unread()),
            (None, 12, Some(left))
        );
        file.read_later("a: 1\nbb: 22\n".into());
        assert_eq!((file.line(2), file.still_unread()), (Some("bb: 22"), None));
        file.keep_lines([2]);
        assert_eq!((file.line(1), file.line(2)), (None, Some("bb: 22")));
        assert!(file.keeps_lines(&[2]) && !file.keeps_lines(&[1]));
        assert_eq!(file.still_unread(), Some(left), "read again for line 1");
        file.stop_reading_again();
        assert_eq!((file.still_unread(), file.line(2)), (None, Some("bb: 22")));
        assert!(!file.skipped());
        let mut gone = SourceFile::unread("b.yaml".into(), "b.yaml".into(), left);
        gone.skip_unreadable();
        assert!(gone.skipped() && gone.still_unread().is_none());
        assert_eq!(gone.len(), 12, "the length the walk found");
    }

    #[test]
    fn the_path_from_the_root_is_kept_whether_or_not_it_ends_the_shown_path() {
        let path = |display: &str, root_relative: &str| {
            let file = SourceFile::new(display.into(), root_relative.into(), String::new());
            (file.root_relative_path().to_owned(), file.display_path)
        };
        assert_eq!(
            path("scans/k8s/app/deploy.yaml", "app/deploy.yaml"),
            ("app/deploy.yaml".into(), "scans/k8s/app/deploy.yaml".into())
        );
        assert_eq!(path("déjà/vu.yaml", "vu.yaml").0, "vu.yaml");
        assert_eq!(path("a/b.tf", "a/b.tf").0, "a/b.tf");
        // A downloaded module is shown from the working directory, and its
        // path from the root is relative to another directory.
        assert_eq!(
            path("infra/main.tf", "modules/vpc/main.tf").0,
            "modules/vpc/main.tf"
        );
        assert_eq!(path("-", "").0, "");
    }

    fn file(text: &str) -> SourceFile {
        SourceFile::new("f".into(), "f".into(), text.into())
    }

    /// Texts with and without characters of several bytes (an ASCII text's
    /// columns are counted in bytes), line breaks of both kinds, empty
    /// lines, with and without a last line break.
    const TEXTS: &[&str] = &[
        "a = \"é\"\r\nbb = [1,\n  2]\n\nlast",
        "a = \"e\"\r\nbb = [1,\n  2]\n\nlast\n",
        "",
        "\n\n",
        "x",
    ];

    #[test]
    fn span_of_agrees_with_the_positions_of_its_ends() {
        for text in TEXTS {
            let f = file(text);
            let len = f.text.len();
            for start in 0..=len + 1 {
                for end in 0..=len + 1 {
                    assert_eq!(
                        f.span_of(start..end),
                        Span::new(f.position_of(start), f.position_of(end)),
                        "{text:?} {start}..{end}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_position_counts_the_characters_before_it_on_its_line() {
        for text in TEXTS {
            let f = file(text);
            for offset in 0..=text.len() + 1 {
                let before = &text.as_bytes()[..offset.min(text.len())];
                let line_start = before
                    .iter()
                    .rposition(|&b| b == b'\n')
                    .map_or(0, |i| i + 1);
                // Counted as characters; an offset inside a character (not
                // a position any parser gives) is at the line's start.
                let column =
                    std::str::from_utf8(&before[line_start..]).map_or(0, |s| s.chars().count());
                let line = before.iter().filter(|&&b| b == b'\n').count();
                assert_eq!(
                    f.position_of(offset),
                    Position::new(line as u32 + 1, column as u32 + 1),
                    "{text:?} {offset}"
                );
            }
        }
    }

    #[test]
    fn kept_lines_read_as_before_and_no_other_line_does() {
        let text = "a: 1\r\n\nc: é\nlast";
        let mut f = file(text);
        let whole: Vec<Option<String>> = (0..7).map(|n| f.line(n).map(str::to_owned)).collect();
        f.keep_lines([4, 2, 3, 2, 9, 0]);
        assert!(f.text.is_empty());
        for n in 0..7 {
            let kept = [2, 3, 4].contains(&n);
            let expected = whole[n as usize].as_deref().filter(|_| kept);
            assert_eq!(f.line(n), expected, "line {n}");
        }
        assert_eq!(f.line(2), Some(""));
        assert_eq!(f.line(3), Some("c: é"));
        // Kept again: what it still has of those asked.
        f.keep_lines([3, 4, 5]);
        assert_eq!(
            (1..=5).map(|n| f.line(n)).collect::<Vec<_>>(),
            [None, None, Some("c: é"), Some("last"), None]
        );
        // Released, kept lines go too.
        f.release_text();
        assert_eq!(f.line(3), None);
        // Nothing kept: as released.
        let mut g = file(text);
        g.keep_lines([]);
        assert_eq!(g.line(1), None);
        assert!(!g.writes_suppression_marker());
    }

    #[test]
    fn lines_strip_crlf() {
        let f = file("a: 1\r\nbb: 2\r\n");
        assert_eq!(f.line(1), Some("a: 1"));
        assert_eq!(f.line(2), Some("bb: 2"));
        assert_eq!(f.line_count(), 2);
        assert_eq!(f.line(3), Some(""));
        assert_eq!(f.line(4), None);
    }

    #[test]
    fn offsets_round_trip_with_multibyte_characters() {
        let f = file("é: ü\nx: y\n");
        let pos = Position::new(1, 4);
        let off = f.byte_offset(pos).unwrap();
        assert_eq!(&f.text[off..off + 2], "ü");
        assert_eq!(f.position_of(off), pos);
        assert_eq!(
            f.position_of(f.byte_offset(Position::new(2, 1)).unwrap()),
            Position::new(2, 1)
        );
    }

    #[test]
    fn out_of_range_positions_are_none() {
        let f = file("a\n");
        assert_eq!(f.byte_offset(Position::new(0, 1)), None);
        assert_eq!(f.byte_offset(Position::new(9, 1)), None);
    }

    #[test]
    fn lines_are_found_when_first_asked_for_and_go_with_the_text() {
        let mut f = file("a: 1\nb: 2\n");
        assert!(f.line_starts.get().is_none());
        assert_eq!(f.line(2), Some("b: 2"));
        assert_eq!(f.line_starts.get().map(|starts| starts.len()), Some(3));
        f.release_text();
        assert!(f.line_starts.get().is_none());
        assert_eq!((f.line_count(), f.line(1), f.line(2)), (1, Some(""), None));
        assert_eq!(f.position_of(5), Position::new(1, 1));
    }
}
