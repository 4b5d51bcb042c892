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

    pub fn location(self: &Arc<Self>, line: usize, column: usize) -> Location {
        Location {
            file: self.path.clone(),
            line,
            column,
            source_line: self.line(line).map(str::to_owned),
        }
    }

    pub fn location_of_offset(self: &Arc<Self>, offset: usize) -> Location {
        let (line, column) = self.line_col(offset);
        self.location(line, column)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: PathBuf,
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    /// The offending line, quoted under the message with a caret.
    pub source_line: Option<String>,
}

impl Location {
    /// A location that names only a file (e.g. a file that cannot be read).
    pub fn file(path: &Path) -> Location {
        Location {
            file: path.to_path_buf(),
            line: 0,
            column: 0,
            source_line: None,
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
}

impl Diagnostic {
    pub fn error(code: &'static str, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            location: None,
            help: None,
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
            if let Some(text) = &location.source_line {
                let number = location.line.to_string();
                let pad = " ".repeat(number.len());
                let shown: String = text.chars().take(200).collect();
                let before: String = shown
                    .chars()
                    .take(location.column.saturating_sub(1))
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                let carets = "^".repeat(token_width(&shown, location.column));
                writeln!(f, " {pad} |")?;
                writeln!(f, " {number} | {shown}")?;
                writeln!(f, " {pad} | {before}{carets}")?;
            }
        }
        if let Some(help) = &self.help {
            writeln!(f, "   = help: {help}")?;
        }
        Ok(())
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

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Errors first, then by file and position, so output is stable whatever thread found what.
    pub fn sorted(mut self) -> Self {
        self.items.sort_by(|a, b| {
            let key = |d: &Diagnostic| {
                let (file, line, column) = d
                    .location
                    .as_ref()
                    .map(|l| (l.file.clone(), l.line, l.column))
                    .unwrap_or_default();
                (d.severity, file, line, column, d.code, d.message.clone())
            };
            key(a).cmp(&key(b))
        });
        self.items.dedup();
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
}
