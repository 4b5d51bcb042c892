//! A site in more than one language: which pages exist in which language, for the language
//! switcher, the `hreflang` links in each page's head and the sitemap's alternates.
//!
//! A translation lives at its page's address inside its language's folder (`causes/dvt/`,
//! `de/causes/dvt/`), and the decision tree's steps keep the answer ids in every language, so
//! a page's counterparts are found by its address alone.

use std::collections::HashSet;

use serde::Serialize;

/// One language of the site.
#[derive(Debug, Clone)]
pub struct Language {
    /// `en`, `de`.
    pub code: String,
    /// The language's own name (`Deutsch`), from its strings file.
    pub name: String,
    /// Its folder: `""` for the main language, `de/`.
    pub prefix: String,
}

/// The same page in one language, as templates and the sitemap see it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Alternate {
    pub code: String,
    pub name: String,
    /// Root-relative URL: `de/causes/dvt/`.
    pub url: String,
    /// Whether this is the page being rendered.
    pub current: bool,
}

/// Every language with the addresses of its pages (without the language's folder).
#[derive(Debug, Default)]
pub struct Translations {
    languages: Vec<(Language, HashSet<String>)>,
}

impl Translations {
    /// `languages`: each language, main first, with the root-relative URLs of the pages its
    /// edition writes (folder included: `de/causes/dvt/`).
    pub fn new(languages: Vec<(Language, Vec<String>)>) -> Translations {
        let languages = languages
            .into_iter()
            .map(|(language, urls)| {
                let paths = urls
                    .iter()
                    .filter_map(|url| url.strip_prefix(language.prefix.as_str()))
                    .map(str::to_owned)
                    .collect();
                (language, paths)
            })
            .collect();
        Translations { languages }
    }

    /// The language whose edition `url` belongs to, and the URL without its folder.
    fn split<'u>(&self, url: &'u str) -> Option<(usize, &'u str)> {
        // The main language's folder is empty: try the named folders first.
        self.languages
            .iter()
            .enumerate()
            .filter(|(_, (language, _))| !language.prefix.is_empty())
            .chain(
                self.languages
                    .iter()
                    .enumerate()
                    .filter(|(_, (language, _))| language.prefix.is_empty()),
            )
            .find_map(|(index, (language, _))| {
                url.strip_prefix(language.prefix.as_str())
                    .map(|rest| (index, rest))
            })
    }

    /// The page at `url` in every language that has it, its own language included, in the
    /// order of site.yaml; empty when no other language has it.
    pub fn alternates(&self, url: &str) -> Vec<Alternate> {
        let Some((own, path)) = self.split(url) else {
            return Vec::new();
        };
        let found: Vec<Alternate> = self
            .languages
            .iter()
            .enumerate()
            .filter(|(_, (_, paths))| paths.contains(path))
            .map(|(index, (language, _))| Alternate {
                code: language.code.clone(),
                name: language.name.clone(),
                url: format!("{}{path}", language.prefix),
                current: index == own,
            })
            .collect();
        if found.len() > 1 { found } else { Vec::new() }
    }

    /// The main language's code, for `hreflang="x-default"`.
    pub fn main_code(&self) -> Option<&str> {
        self.languages
            .first()
            .map(|(language, _)| language.code.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn language(code: &str, prefix: &str) -> Language {
        Language {
            code: code.into(),
            name: code.to_uppercase(),
            prefix: prefix.into(),
        }
    }

    #[test]
    fn a_page_is_paired_with_its_translation_by_address() {
        let translations = Translations::new(vec![
            (
                language("en", ""),
                vec!["".into(), "about/".into(), "decision-tree/no/".into()],
            ),
            (
                language("de", "de/"),
                vec!["de/".into(), "de/decision-tree/no/".into()],
            ),
        ]);
        let codes = |url: &str| -> Vec<(String, String, bool)> {
            translations
                .alternates(url)
                .into_iter()
                .map(|a| (a.code, a.url, a.current))
                .collect()
        };
        assert_eq!(
            codes("de/decision-tree/no/"),
            [
                ("en".into(), "decision-tree/no/".into(), false),
                ("de".into(), "de/decision-tree/no/".into(), true)
            ]
        );
        assert_eq!(
            codes(""),
            [
                ("en".into(), "".into(), true),
                ("de".into(), "de/".into(), false)
            ]
        );
        assert!(codes("about/").is_empty(), "no German about page");
    }
}
