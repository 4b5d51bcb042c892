//! One diagnostic type for every problem a build can find, printed like a compiler error:
//!
//! ```text
//! error[E001]: unknown field `urgncy`
//!   --> content/causes/dvt.md:5:1
//!    |
//!  5 | urgncy: urgent
//!    | ^^^^^^
//!    = help: did you mean `min_urgency`?
//! ```

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A file the build read, kept whole so any later stage can quote a line of it.
#[derive(Debug)]
pub struct SourceFile {
    /// Path as the user should see it: relative to the site root where possible.
    pub path: PathBuf,
    pub text: String,
    /// Computed on first use: only an error needs to turn offsets into lines.
    line_starts: std::sync::OnceLock<Vec<usize>>,
}

impl SourceFile {
    pub fn new(path: PathBuf, text: String) -> Arc<Self> {
        Arc::new(SourceFile {
            path,
            text,
            line_starts: std::sync::OnceLock::new(),
        })
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        })
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line_starts = self.line_starts();
        let line_index = line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = line_starts[line_index];
        let column = self.text[line_start..]
            .char_indices()
            .take_while(|(i, _)| line_start + i < offset)
            .count();
        (line_index + 1, column + 1)
    }

    /// The text of a 1-based line, without its line break.
    pub fn line(&self, line: usize) -> Option<&str> {
        let line_starts = self.line_starts();
        let start = *line_starts.get(line.checked_sub(1)?)?;
        let end = line_starts.get(line).copied().unwrap_or(self.text.len());
        Some(self.text[start..end].trim_end_matches(['\n', '\r']))
    }

    /// A location that quotes its line from this file: it shares the file, it copies nothing.
    pub fn location(self: &Arc<Self>, line: usize, column: usize) -> Location {
        Location {
            file: self.path.clone(),
            line,
            column,
            quote: Some(Quote::File(Arc::clone(self))),
        }
    }

    pub fn location_of_offset(self: &Arc<Self>, offset: usize) -> Location {
        let (line, column) = self.line_col(offset);
        self.location(line, column)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// Where the quoted line of a location comes from.
#[derive(Debug, Clone)]
enum Quote {
    /// Line `line` of a file the build read.
    File(Arc<SourceFile>),
    /// A short text made for the message (an escaped excerpt of a file that is not UTF-8, a
    /// file name), with the column of its caret when that is not the location's column.
    Text(Arc<str>, Option<usize>),
}

#[derive(Debug, Clone)]
pub struct Location {
    pub file: PathBuf,
    /// 1-based; 0 when only the file is known.
    pub line: usize,
    /// 1-based, in characters; 0 when only the file is known.
    pub column: usize,
    quote: Option<Quote>,
}

/// Two locations are the same place whatever they quote.
impl PartialEq for Location {
    fn eq(&self, other: &Self) -> bool {
        (&self.file, self.line, self.column) == (&other.file, other.line, other.column)
    }
}

impl Eq for Location {}

impl Location {
    /// A location that names only a file (e.g. a file that cannot be read).
    pub fn file(path: &Path) -> Location {
        Location {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
            quote: None,
        }
    }

    /// A line and column of `path` quoting `text` instead of the file's own line.
    pub fn quoting(path: &Path, line: usize, column: usize, text: &str) -> Location {
        Location {
            file: path.to_path_buf(),
            line,
            column,
            quote: Some(Quote::Text(text.into(), None)),
        }
    }

    /// Puts the caret under this column (1-based, in characters) of a quoted text.
    pub fn with_caret(mut self, column: usize) -> Location {
        if let Some(Quote::Text(_, caret)) = &mut self.quote {
            *caret = Some(column);
        }
        self
    }

    /// The column (1-based) the caret goes under in `source_line`.
    fn caret_column(&self) -> usize {
        match &self.quote {
            Some(Quote::Text(_, Some(caret))) => *caret,
            _ => self.column,
        }
    }

    /// The offending line, quoted under the message with a caret.
    pub fn source_line(&self) -> Option<&str> {
        match self.quote.as_ref()? {
            Quote::File(file) => file.line(self.line),
            Quote::Text(text, _) => Some(text),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// Stable code such as `E001`, listed in the README.
    pub code: &'static str,
    pub message: String,
    pub location: Option<Location>,
    pub help: Option<String>,
    /// Problems of the same kind in the same file that are counted, not shown (see `KindLimit`).
    pub more: usize,
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: None,
            help: None,
            more: 0,
        }
    }

    pub fn warning(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, message)
        }
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        writeln!(f, "{label}[{}]: {}", self.code, self.message)?;
        if let Some(location) = &self.location {
            if location.line == 0 {
                writeln!(f, "  --> {}", location.file.display())?;
            } else {
                writeln!(
                    f,
                    "  --> {}:{}:{}",
                    location.file.display(),
                    location.line,
                    location.column
                )?;
            }
            if let Some(text) = location.source_line() {
                // A location without a line (a file name) quotes its text without a number.
                let number = if location.line == 0 {
                    String::new()
                } else {
                    location.line.to_string()
                };
                let pad = " ".repeat(number.len().max(1));
                let number = format!("{number:>width$}", width = pad.len());
                // At most 200 characters of the line, starting before the caret when it is far
                // along; one character for one: control characters (terminal escapes) never
                // reach the terminal, and the caret below stays in its column.
                let column = location.caret_column();
                let skip = if column > 150 { column - 100 } else { 0 };
                let mut shown = String::from(if skip > 0 { "…" } else { "" });
                shown.extend(text.chars().skip(skip).take(200).map(|c| {
                    if c.is_control() && c != '\t' {
                        '\u{fffd}'
                    } else {
                        c
                    }
                }));
                let column = if skip > 0 { column - skip + 1 } else { column };
                let before: String = shown
                    .chars()
                    .take(column.saturating_sub(1))
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let carets = "^".repeat(token_width(&shown, column));
                writeln!(f, " {pad} |")?;
                writeln!(f, " {number} | {shown}")?;
                writeln!(f, " {pad} | {before}{carets}")?;
            }
        }
        if let Some(help) = &self.help {
            writeln!(f, "   = help: {help}")?;
        }
        if self.more > 0 {
            let place = self
                .location
                .as_ref()
                .map(|l| format!(" in {}", l.file.display()))
                .unwrap_or_default();
            writeln!(
                f,
                "   = and {} more like this ({}{place})",
                thousands(self.more),
                self.code
            )?;
        }
        Ok(())
    }
}

/// `7950` -> `7,950`.
pub fn thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// At most this many problems of one kind (code) are shown per file; the rest are counted.
/// 8,000 broken links on one line would otherwise print 8,000 copies of the line.
pub const SHOWN_PER_FILE_AND_KIND: usize = 50;

/// Bounds the diagnostics of one kind in one file at the point where they are made, so that the
/// hidden ones cost no location lookup: `admit` says whether the next one will be shown.
#[derive(Debug, Default)]
pub struct KindLimit {
    shown: usize,
    hidden: usize,
    /// Index in the output of the last one shown, which carries the count of the hidden.
    last: Option<usize>,
}

impl KindLimit {
    /// Whether the next problem should be built and pushed; counts it as hidden otherwise.
    pub fn admit(&mut self) -> bool {
        if self.shown + self.hidden < SHOWN_PER_FILE_AND_KIND {
            self.shown += 1;
            true
        } else {
            self.hidden += 1;
            false
        }
    }

    /// Pushes an admitted diagnostic.
    pub fn push(&mut self, diagnostic: Diagnostic, out: &mut Vec<Diagnostic>) {
        out.push(diagnostic);
        self.last = Some(out.len() - 1);
    }

    pub fn finish(self, out: &mut [Diagnostic]) {
        if let Some(last) = self.last {
            out[last].more += self.hidden;
        }
    }
}

/// How many carets to draw: a whole Markdown link `[text](target)` or the word under the
/// column, at least one.
fn token_width(line: &str, column: usize) -> usize {
    let rest: Vec<char> = line.chars().skip(column.saturating_sub(1)).collect();
    if rest.first() == Some(&'[')
        && let Some(close) = rest.windows(2).position(|pair| pair == [']', '('])
        && let Some(end) = rest[close..].iter().position(|&c| c == ')')
    {
        return close + end + 1;
    }
    rest.iter()
        .take_while(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '#' | '\''))
        .count()
        .max(1)
}

/// All diagnostics of one build, reported together like a compiler does.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(other);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    /// Every error found, the ones counted but not shown included.
    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.is_error())
            .map(|d| 1 + d.more)
            .sum()
    }

    pub fn warning_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| !d.is_error())
            .map(|d| 1 + d.more)
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Errors first, then by file and position, so output is stable whatever thread found what;
    /// duplicates dropped, and at most `SHOWN_PER_FILE_AND_KIND` of a kind per file kept (the
    /// rest counted in the last one kept).
    pub fn sorted(mut self) -> Self {
        fn key(d: &Diagnostic) -> (Severity, Option<(&Path, usize, usize)>, &str, &str) {
            let place = d
                .location
                .as_ref()
                .map(|l| (l.file.as_path(), l.line, l.column));
            (d.severity, place, d.code, &d.message)
        }
        self.items.sort_by(|a, b| key(a).cmp(&key(b)));
        self.items.dedup();
        let mut kept: Vec<Diagnostic> = Vec::with_capacity(self.items.len());
        let mut per_kind: std::collections::HashMap<
            (Severity, Option<PathBuf>, &str),
            (usize, usize),
        > = std::collections::HashMap::new();
        for diagnostic in self.items {
            let kind = (
                diagnostic.severity,
                diagnostic.location.as_ref().map(|l| l.file.clone()),
                diagnostic.code,
            );
            let (count, last) = per_kind.entry(kind).or_insert((0, 0));
            if *count < SHOWN_PER_FILE_AND_KIND {
                *count += 1;
                *last = kept.len();
                kept.push(diagnostic);
            } else {
                kept[*last].more += 1 + diagnostic.more;
            }
        }
        self.items = kept;
        self
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for diagnostic in &self.items {
            writeln!(f, "{diagnostic}")?;
        }
        let (errors, warnings) = (self.error_count(), self.warning_count());
        if errors > 0 {
            write!(
                f,
                "error: the site was not built: {}",
                plural(errors, "error")
            )?;
            if warnings > 0 {
                write!(f, " and {}", plural(warnings, "warning"))?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

pub fn plural(count: usize, word: &str) -> String {
    if count == 1 {
        format!("1 {word}")
    } else {
        format!("{count} {word}s")
    }
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub fn nearest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (strsim::damerau_levenshtein(word, candidate), candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 3).max(2))
        .min()
        .map(|(_, candidate)| candidate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_of_offsets() {
        let file = SourceFile::new("a.md".into(), "ab\ncdé\nx".into());
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(3), (2, 1));
        assert_eq!(file.line_col(7), (2, 4));
        assert_eq!(file.line_col(8), (3, 1));
        assert_eq!(file.line(2), Some("cdé"));
        assert_eq!(file.line(4), None);
    }

    #[test]
    fn renders_with_caret_under_the_token() {
        let file = SourceFile::new("c.md".into(), "---\nurgncy: urgent\n---\n".into());
        let text = Diagnostic::error("E001", "unknown field `urgncy`")
            .at(file.location(2, 1))
            .with_help("did you mean `urgency`?")
            .to_string();
        assert!(
            text.contains("error[E001]: unknown field `urgncy`"),
            "{text}"
        );
        assert!(text.contains("  --> c.md:2:1"), "{text}");
        assert!(
            text.contains(" 2 | urgncy: urgent\n   | ^^^^^^\n"),
            "{text}"
        );
        assert!(text.contains("= help: did you mean `urgency`?"), "{text}");
    }

    #[test]
    fn carets_underline_a_whole_markdown_link() {
        assert_eq!(token_width("See [a](b.md#c) now", 5), "[a](b.md#c)".len());
        assert_eq!(token_width("See [a] only", 5), 1);
        assert_eq!(token_width("urgncy: x", 1), 6);
    }

    #[test]
    fn nearest_finds_typos_only() {
        let fields = ["title", "summary", "min_urgency"];
        assert_eq!(nearest("titel", fields), Some("title"));
        assert_eq!(nearest("min_urgncy", fields), Some("min_urgency"));
        assert_eq!(nearest("colour", fields), None);
    }

    #[test]
    fn a_far_column_is_shown_with_the_text_around_it() {
        let line = format!("{}[bad](x.md) tail", "word ".repeat(200));
        let file = SourceFile::new("c.md".into(), line.clone());
        let text = Diagnostic::error("E020", "broken link")
            .at(file.location(1, 1001))
            .to_string();
        let quoted = text.lines().nth(3).unwrap();
        let carets = text.lines().nth(4).unwrap();
        assert!(quoted.starts_with(" 1 | …"), "{text}");
        let caret_at = carets.find('^').unwrap();
        let after: String = quoted.chars().skip(caret_at).take(11).collect();
        assert_eq!(after, "[bad](x.md)", "{text}");
        assert_eq!(carets.matches('^').count(), "[bad](x.md)".len());
    }

    #[test]
    fn control_characters_never_reach_the_terminal() {
        let file = SourceFile::new("c.md".into(), "title: \u{1b}[31mred\n".into());
        let text = Diagnostic::error("E017", "x")
            .at(file.location(1, 8))
            .to_string();
        assert!(!text.contains('\u{1b}'), "{text:?}");
        assert!(text.contains(" 1 | title: \u{fffd}[31mred"), "{text}");
    }

    #[test]
    fn fifty_of_a_kind_per_file_are_kept_and_the_rest_counted() {
        let file = SourceFile::new("a.md".into(), "x\n".repeat(300));
        let mut diagnostics = Diagnostics::new();
        for line in 1..=300 {
            diagnostics.push(Diagnostic::error("E020", "broken").at(file.location(line, 1)));
        }
        diagnostics.push(Diagnostic::error("E021", "anchor").at(file.location(1, 1)));
        let diagnostics = diagnostics.sorted();
        assert_eq!(diagnostics.iter().count(), 51);
        assert_eq!(diagnostics.error_count(), 301);
        let text = diagnostics.to_string();
        assert!(
            text.contains("= and 250 more like this (E020 in a.md)"),
            "{text}"
        );
        assert!(
            text.ends_with("error: the site was not built: 301 errors\n"),
            "{text}"
        );
        assert_eq!(thousands(7950), "7,950");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(999), "999");
    }
}
