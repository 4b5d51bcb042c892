//! `site.yaml`: the site-wide settings, at the site root beside `content/`.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Location, SourceFile};
use crate::yaml::{self, Key};

pub const CONFIG_FILE: &str = "site.yaml";

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SiteConfig {
    pub title: String,
    pub description: String,
    /// BCP 47 language tag for `<html lang>`.
    pub language: String,
    /// Absolute URL the site is published at; always ends with `/`.
    pub base_url: String,
    #[serde(default = "default_theme")]
    pub theme: String,
    /// Local emergency number, shown as a `tel:` link (112 in the EU).
    pub emergency_number: String,
    /// Who to contact for help the same day, e.g. "your doctor or the out-of-hours service".
    pub urgent_help: String,
    /// Optional phone number for same-day (non-emergency) help.
    #[serde(default)]
    pub urgent_number: Option<String>,
    /// Where `urgent_number` works, e.g. "Germany": shown beside the number, because a national
    /// number must not read as if it worked everywhere.
    #[serde(default)]
    pub urgent_number_region: Option<String>,
    /// The hospital service for adults, as text reads it: "the emergency department (in Germany
    /// the Notaufnahme)". Filled into `{emergency_department}`.
    #[serde(default)]
    pub emergency_department: Option<String>,
    /// The same for children: "a children's emergency department (in Germany the
    /// Kinder-Notaufnahme)". Filled into `{children_emergency_department}`.
    #[serde(default)]
    pub children_emergency_department: Option<String>,
    #[serde(default)]
    pub publisher: Option<String>,
    /// Lets Markdown bodies carry any raw HTML (scripts included); every build warns (W030).
    #[serde(default)]
    pub allow_raw_html: bool,
    /// Write `_headers` (security and cache headers for Netlify and Cloudflare Pages).
    #[serde(default = "yes")]
    pub host_headers: bool,
    /// The site's other languages, each an edition under `/<code>/` (`language` is at `/`),
    /// with the site's words in that language.
    #[serde(default)]
    pub languages: BTreeMap<String, LanguageWords>,
    /// The folder of this edition inside the output: `""` for `language`, `de/` for German.
    /// Set by [`SiteConfig::edition`], never read from site.yaml.
    #[serde(skip)]
    pub prefix: String,
}

/// The words of site.yaml in another language. Every text the main language sets must be
/// given here too (E110): an English phrase inside a German sentence would be worse than none.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LanguageWords {
    pub title: String,
    pub description: String,
    pub urgent_help: String,
    #[serde(default)]
    pub urgent_number_region: Option<String>,
    #[serde(default)]
    pub emergency_department: Option<String>,
    #[serde(default)]
    pub children_emergency_department: Option<String>,
    #[serde(default)]
    pub publisher: Option<String>,
}

fn yes() -> bool {
    true
}

fn default_theme() -> String {
    "default".to_owned()
}

impl SiteConfig {
    /// The language codes of every edition, the main language first.
    pub fn language_codes(&self) -> Vec<&str> {
        std::iter::once(self.language.as_str())
            .chain(self.languages.keys().map(String::as_str))
            .collect()
    }

    /// The settings of the edition in `code`: the main language's as they are, another
    /// language's with its words and its folder (`de/`). `None` for a code the site lacks.
    pub fn edition(&self, code: &str) -> Option<SiteConfig> {
        if code == self.language {
            return Some(self.clone());
        }
        let words = self.languages.get(code)?;
        let mut config = self.clone();
        config.language = code.to_owned();
        config.prefix = format!("{code}/");
        config.title = words.title.clone();
        config.description = words.description.clone();
        config.urgent_help = words.urgent_help.clone();
        config.urgent_number_region = words.urgent_number_region.clone();
        config.emergency_department = words.emergency_department.clone();
        config.children_emergency_department = words.children_emergency_department.clone();
        config.publisher = words.publisher.clone();
        Some(config)
    }

    /// The path part of the base URL, e.g. `/knee/` for `https://example.org/knee/`.
    pub fn base_path(&self) -> &str {
        let after_scheme = self.base_url.split_once("://").map_or("", |(_, rest)| rest);
        after_scheme.find('/').map_or("/", |i| &after_scheme[i..])
    }
}

/// Reads and checks `site.yaml`; `base_url_override` is the `--base-url` flag. Pushes every
/// error and warning found into `found`; `None` when there was an error.
pub fn load(
    root: &Path,
    base_url_override: Option<&str>,
    found: &mut Vec<Diagnostic>,
) -> Option<SiteConfig> {
    match read(root, base_url_override) {
        Ok((config, warnings)) => {
            found.extend(warnings);
            Some(config)
        }
        Err(errors) => {
            found.extend(errors);
            None
        }
    }
}

/// The settings and their warnings, or every error found.
fn read(
    root: &Path,
    base_url_override: Option<&str>,
) -> Result<(SiteConfig, Vec<Diagnostic>), Vec<Diagnostic>> {
    let path = root.join(CONFIG_FILE);
    let shown = Path::new(CONFIG_FILE);
    if !path.exists() {
        return Err(vec![
            Diagnostic::error(
                "E019",
                format!("there is no {CONFIG_FILE} in {}", root.display()),
            )
            .at(Location::file(&path))
            .with_help("run kneeguide in the site's folder, or pass --root DIR; the site root holds site.yaml (title, description, language, base_url, emergency_number, urgent_help) and content/"),
        ]);
    }
    let text = crate::content::read_text(&path, shown).map_err(|d| vec![d])?;
    let file = SourceFile::new(shown.to_path_buf(), text);
    let whole = 0..file.text.len();
    let mut config: SiteConfig = yaml::parse(&file, whole.clone()).map_err(|d| vec![d])?;

    let mut errors = Vec::new();
    if let Some(url) = base_url_override {
        config.base_url = url.to_owned();
    }
    if !(config.base_url.starts_with("https://") || config.base_url.starts_with("http://"))
        || config.base_url.contains(char::is_whitespace)
    {
        let message = format!(
            "base_url `{}` is not an absolute http(s) URL",
            config.base_url
        );
        let diagnostic = Diagnostic::error("E001", message).with_help(
            "write the address the site is published at, e.g. https://example.org/knee/",
        );
        errors.push(match base_url_override {
            Some(_) => diagnostic,
            None => diagnostic.at(yaml::locate(&file, &whole, &[Key::Field("base_url")])),
        });
    }
    if let Some(diagnostic) = query_or_fragment(&config.base_url) {
        errors.push(match base_url_override {
            Some(_) => diagnostic,
            None => diagnostic.at(yaml::locate(&file, &whole, &[Key::Field("base_url")])),
        });
    }
    if !config.base_url.ends_with('/') {
        config.base_url.push('/');
    }
    for (field, number) in [
        ("emergency_number", Some(&config.emergency_number)),
        ("urgent_number", config.urgent_number.as_ref()),
    ] {
        if let Some(number) = number
            && (number.is_empty()
                || !number
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '+' || c == ' '))
        {
            errors.push(
                Diagnostic::error("E001", format!("{field} `{number}` is not a phone number"))
                    .at(yaml::locate(&file, &whole, &[Key::Field(field)]))
                    .with_help("use digits only, e.g. \"112\" (quote it)"),
            );
        }
    }
    for (field, value) in [
        ("urgent_number_region", &config.urgent_number_region),
        ("emergency_department", &config.emergency_department),
        (
            "children_emergency_department",
            &config.children_emergency_department,
        ),
    ] {
        if value.as_deref().is_some_and(|v| v.trim().is_empty()) {
            errors.push(
                Diagnostic::error("E050", format!("`{field}` is empty"))
                    .at(yaml::locate(&file, &whole, &[Key::Field(field)]))
                    .with_help("write the words that texts should show, or remove the line"),
            );
        }
    }
    if config.urgent_number_region.is_some() && config.urgent_number.is_none() {
        errors.push(
            Diagnostic::error(
                "E050",
                "`urgent_number_region` is set but `urgent_number` is not",
            )
            .at(yaml::locate(
                &file,
                &whole,
                &[Key::Field("urgent_number_region")],
            ))
            .with_help("it names where urgent_number works: set both or neither"),
        );
    }
    let language_ok = !config.language.is_empty()
        && config
            .language
            .split('-')
            .all(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_alphanumeric()));
    if !language_ok {
        errors.push(
            Diagnostic::error(
                "E001",
                format!("language `{}` is not a language tag", config.language),
            )
            .at(yaml::locate(&file, &whole, &[Key::Field("language")]))
            .with_help("use a BCP 47 tag such as en, de or en-GB"),
        );
    }
    check_languages(&config, &file, &mut errors);
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut warnings = Vec::new();
    if config.allow_raw_html {
        warnings.push(
            Diagnostic::warning(
                "W030",
                "allow_raw_html is on: raw HTML in Markdown reaches the pages unchecked, scripts included",
            )
            .at(yaml::locate(&file, &whole, &[Key::Field("allow_raw_html")]))
            .with_help("remove it once the pages no longer need raw HTML beyond <abbr>, <kbd>, <sub>, <sup> and <br>"),
        );
    }
    Ok((config, warnings))
}

/// E110: each other language has a URL-safe code (it names a folder and a file suffix, `.de.md`),
/// is not the main language again, and gives every text the main language sets.
fn check_languages(
    config: &SiteConfig,
    file: &std::sync::Arc<SourceFile>,
    errors: &mut Vec<Diagnostic>,
) {
    let whole = 0..file.text.len();
    for (code, words) in &config.languages {
        let at = |field: Option<&str>| {
            let mut path = vec![Key::Field("languages"), Key::Field(code)];
            path.extend(field.map(Key::Field));
            yaml::locate(file, &whole, &path)
        };
        if code == &config.language {
            errors.push(
                Diagnostic::error(
                    "E110",
                    format!("`{code}` is the site's `language`: its edition is the one at /"),
                )
                .at(at(None))
                .with_help("list only the other languages under `languages`"),
            );
            continue;
        }
        if !crate::content::is_url_safe(code) || code.len() > 8 {
            errors.push(
                Diagnostic::error(
                    "E110",
                    format!("`{code}` is not a language code kneeguide can use for a folder"),
                )
                .at(at(None))
                .with_help("use a lower-case BCP 47 tag such as `de` or `pt-br`"),
            );
            continue;
        }
        let required = [
            (
                "urgent_number_region",
                config.urgent_number_region.is_some(),
                words.urgent_number_region.is_some(),
            ),
            (
                "emergency_department",
                config.emergency_department.is_some(),
                words.emergency_department.is_some(),
            ),
            (
                "children_emergency_department",
                config.children_emergency_department.is_some(),
                words.children_emergency_department.is_some(),
            ),
            (
                "publisher",
                config.publisher.is_some(),
                words.publisher.is_some(),
            ),
        ];
        for (field, main_has, translated) in required {
            if main_has && !translated {
                errors.push(
                    Diagnostic::error(
                        "E110",
                        format!("language `{code}` has no `{field}`, which the site sets for `{}`", config.language),
                    )
                    .at(at(None))
                    .with_help(format!("add `{field}:` with its words in `{code}`: texts of that edition fill it in")),
                );
            }
        }
        for (field, value) in [
            ("title", Some(&words.title)),
            ("description", Some(&words.description)),
            ("urgent_help", Some(&words.urgent_help)),
            ("urgent_number_region", words.urgent_number_region.as_ref()),
            ("emergency_department", words.emergency_department.as_ref()),
            (
                "children_emergency_department",
                words.children_emergency_department.as_ref(),
            ),
            ("publisher", words.publisher.as_ref()),
        ] {
            if value.is_some_and(|v| v.trim().is_empty()) {
                errors.push(
                    Diagnostic::error("E050", format!("`languages.{code}.{field}` is empty"))
                        .at(at(Some(field)))
                        .with_help("write the words that texts should show"),
                );
            }
        }
    }
}

/// E091: a base URL is a folder address; a query or fragment would end up inside every link
/// (`https://example.org/?v=1css/site.css`).
fn query_or_fragment(base_url: &str) -> Option<Diagnostic> {
    let at = base_url.find(['?', '#'])?;
    let part = if base_url[at..].starts_with('?') {
        "a query"
    } else {
        "a fragment"
    };
    Some(
        Diagnostic::error(
            "E091",
            format!(
                "base_url `{base_url}` has {part} (`{}`): every link of the site would carry it",
                &base_url[at..]
            ),
        )
        .with_help(format!(
            "write only the address of the site's folder: `{}`",
            with_slash(&base_url[..at])
        )),
    )
}

fn with_slash(url: &str) -> String {
    if url.ends_with('/') {
        url.to_owned()
    } else {
        format!("{url}/")
    }
}

/// Whether `base_url` is a placeholder address that no reader can reach: the example domains
/// (`example.org`, `example.com`, `example.net` and their subdomains, `.example`), `.test`, and
/// `localhost`.
pub fn is_example_address(base_url: &str) -> bool {
    let after_scheme = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    let authority = after_scheme.split('/').next().unwrap_or("");
    let host = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    let host = host
        .rsplit_once(':')
        .filter(|(_, port)| port.chars().all(|c| c.is_ascii_digit()))
        .map_or(host, |(host, _)| host)
        .trim_end_matches('.')
        .to_ascii_lowercase();
    let is_or_under = |domain: &str| host == domain || host.ends_with(&format!(".{domain}"));
    [
        "example.org",
        "example.com",
        "example.net",
        "example",
        "test",
        "localhost",
    ]
    .iter()
    .any(|domain| is_or_under(domain))
        || host == "127.0.0.1"
        || host == "[::1]"
}

/// W061, for `build` only (a preview or a check may well use the example address): a site
/// published with a placeholder base URL has canonical links, a sitemap and structured data
/// that point nowhere. Located at `base_url` in site.yaml unless `--base-url` set it.
pub fn example_address_warning(root: &Path, base_url: &str, from_flag: bool) -> Option<Diagnostic> {
    if !is_example_address(base_url) {
        return None;
    }
    let diagnostic = Diagnostic::warning(
        "W061",
        format!("the site is built for `{base_url}`, an example address: its canonical links, sitemap and structured data point nowhere"),
    )
    .with_help("publish with the real address: `kneeguide build --base-url https://…/` or `base_url` in site.yaml (for a local look, `kneeguide serve` needs neither)");
    if from_flag {
        return Some(diagnostic);
    }
    let text = std::fs::read_to_string(root.join(CONFIG_FILE)).ok()?;
    let file = SourceFile::new(Path::new(CONFIG_FILE).to_path_buf(), text);
    let whole = 0..file.text.len();
    let at = yaml::locate(&file, &whole, &[Key::Field("base_url")]);
    // Underline the whole address, not only its first word (`https`).
    let Some(start) = at.span.as_ref().map(|span| span.start) else {
        return Some(diagnostic.at(at));
    };
    let end = file.text[start..]
        .find(char::is_whitespace)
        .map_or(file.text.len(), |length| start + length);
    Some(diagnostic.with_span(&file, start..end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(base_url: &str) -> SiteConfig {
        SiteConfig {
            title: "t".into(),
            description: "d".into(),
            language: "en".into(),
            base_url: base_url.into(),
            theme: "default".into(),
            emergency_number: "112".into(),
            urgent_help: "a doctor".into(),
            urgent_number: None,
            urgent_number_region: None,
            emergency_department: None,
            children_emergency_department: None,
            publisher: None,
            host_headers: true,
            allow_raw_html: false,
            languages: Default::default(),
            prefix: String::new(),
        }
    }

    fn load_text(text: &str) -> Result<SiteConfig, Vec<Diagnostic>> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(CONFIG_FILE), text).unwrap();
        read(dir.path(), None).map(|(config, _warnings)| config)
    }

    const MINIMAL: &str = "title: T\ndescription: D\nlanguage: en\nbase_url: https://example.org/\n\
                           emergency_number: \"112\"\nurgent_help: your doctor\n";

    #[test]
    fn service_names_and_the_region_are_read() {
        let config = load_text(&format!(
            "{MINIMAL}urgent_number: \"116117\"\nurgent_number_region: Germany\n\
             emergency_department: the emergency department\n\
             children_emergency_department: a children's emergency department\n"
        ))
        .unwrap();
        assert_eq!(config.urgent_number_region.as_deref(), Some("Germany"));
        assert_eq!(
            config.children_emergency_department.as_deref(),
            Some("a children's emergency department")
        );
    }

    #[test]
    fn an_empty_service_name_or_a_region_without_a_number_is_a_located_error() {
        let errors = load_text(&format!(
            "{MINIMAL}emergency_department: \"\"\nurgent_number_region: Germany\n"
        ))
        .unwrap_err();
        let found: Vec<(&str, usize, usize, &str)> = errors
            .iter()
            .map(|d| {
                let at = d.location.as_ref().unwrap();
                (d.code, at.line, at.column, d.message.as_str())
            })
            .collect();
        assert_eq!(
            found,
            [
                ("E050", 7, 23, "`emergency_department` is empty"),
                (
                    "E050",
                    8,
                    23,
                    "`urgent_number_region` is set but `urgent_number` is not"
                ),
            ]
        );
    }

    #[test]
    fn base_path_is_the_path_of_the_base_url() {
        assert_eq!(config("https://example.org/").base_path(), "/");
        assert_eq!(config("https://example.org/knee/").base_path(), "/knee/");
        assert_eq!(config("http://127.0.0.1:8000/").base_path(), "/");
    }
}
