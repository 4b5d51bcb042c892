//! The symptoms A–Z: every symptom, alias and name of every cause, sorted and grouped by letter,
//! each pointing to the cause pages it belongs to. Templates see it as `symptom_index`; the
//! guide's `content/symptoms.md` renders it with the theme's `symptoms.html`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::content::Content;

/// One letter of the index, with its entries in reading order.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Letter {
    /// `A`…`Z`, another letter as written (`Ä`), or `#` for entries that start with a digit.
    pub letter: String,
    /// A fragment id for the letter's heading: `az-a`, `az-num`, `az-u00c4`.
    pub id: String,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct Entry {
    pub text: String,
    /// `symptom`, or `name` for a cause's title or one of its aliases.
    pub kind: &'static str,
    /// The causes it points to, in the order their pages are listed.
    pub causes: Vec<CauseLink>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct CauseLink {
    /// The cause's title up to its first colon: "Baker's cyst", not "Baker's cyst: a swelling at
    /// the back of the knee". The list repeats it on every entry, so it stays short.
    pub name: String,
    pub url: String,
}

/// Builds the index from the causes' front matter. The same text on two cause pages is one
/// entry linking both. `articles` are the language's leading words that sorting skips ("the").
pub fn symptom_index(content: &Content, articles: &[String]) -> Vec<Letter> {
    // Sort key -> entry; the key also merges entries that differ only in case or punctuation.
    let mut entries: BTreeMap<String, Entry> = BTreeMap::new();
    for (page, meta) in content.causes() {
        let name = meta.title.split(": ").next().unwrap_or(&meta.title);
        let link = CauseLink {
            name: name.trim().to_owned(),
            url: page.url.clone(),
        };
        let names = std::iter::once(&meta.title).chain(&meta.aliases);
        let texts = names
            .map(|text| (text, "name"))
            .chain(meta.symptoms.iter().map(|text| (text, "symptom")));
        for (text, kind) in texts {
            let key = sort_key(text, articles);
            if key.is_empty() {
                continue;
            }
            let entry = entries.entry(key).or_insert_with(|| Entry {
                text: text.trim().to_owned(),
                kind,
                causes: Vec::new(),
            });
            if !entry.causes.contains(&link) {
                entry.causes.push(link.clone());
            }
        }
    }

    let mut letters: Vec<Letter> = Vec::new();
    for (key, entry) in entries {
        let letter = letter_of(&key);
        match letters.last_mut() {
            Some(last) if last.letter == letter => last.entries.push(entry),
            _ => letters.push(Letter {
                id: letter_id(&letter),
                letter,
                entries: vec![entry],
            }),
        }
    }
    letters
}

/// Lower case, words only, without a leading article: "A soft lump" sorts under S, as readers
/// look for the lump, not the article. Letters with accents or umlauts sort as their base letter
/// (German dictionary order, DIN 5007-1): "Übelkeit" under U, between "Taubheit" and "Wade".
fn sort_key(text: &str, articles: &[String]) -> String {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| fold_letters(&word.to_lowercase()))
        .collect();
    let skip = match words.first() {
        Some(first) if words.len() > 1 && articles.contains(first) => 1,
        _ => 0,
    };
    words[skip..].join(" ")
}

/// The base letters of lower-case Latin letters with accents, umlauts and ligatures.
fn fold_letters(word: &str) -> String {
    let mut folded = String::with_capacity(word.len());
    for c in word.chars() {
        match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => folded.push('a'),
            'ç' | 'č' => folded.push('c'),
            'è' | 'é' | 'ê' | 'ë' | 'ē' => folded.push('e'),
            'ì' | 'í' | 'î' | 'ï' => folded.push('i'),
            'ñ' => folded.push('n'),
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => folded.push('o'),
            'ù' | 'ú' | 'û' | 'ü' | 'ū' => folded.push('u'),
            'ý' | 'ÿ' => folded.push('y'),
            'š' => folded.push('s'),
            'ž' => folded.push('z'),
            'ß' => folded.push_str("ss"),
            'æ' => folded.push_str("ae"),
            'œ' => folded.push_str("oe"),
            other => folded.push(other),
        }
    }
    folded
}

fn letter_of(key: &str) -> String {
    match key.chars().next() {
        Some(c) if c.is_ascii_digit() => "#".to_owned(),
        Some(c) => c.to_uppercase().collect(),
        None => "#".to_owned(),
    }
}

fn letter_id(letter: &str) -> String {
    match letter {
        "#" => "az-num".to_owned(),
        _ if letter.chars().all(|c| c.is_ascii_alphabetic()) => {
            format!("az-{}", letter.to_ascii_lowercase())
        }
        _ => {
            let code: String = letter
                .chars()
                .map(|c| format!("u{:04x}", c as u32))
                .collect();
            format!("az-{code}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn umlauts_sort_as_their_base_letter() {
        let german = vec!["der".to_owned(), "die".to_owned(), "das".to_owned()];
        assert_eq!(sort_key("Übelkeit", &german), "ubelkeit");
        assert_eq!(sort_key("Die Wade schmerzt", &german), "wade schmerzt");
        assert_eq!(sort_key("Schwäche", &german), "schwache");
        assert_eq!(sort_key("Fuß", &german), "fuss");
        let mut keys = ["Übelkeit", "Wade", "Taubheit"].map(|t| sort_key(t, &german));
        keys.sort();
        assert_eq!(keys, ["taubheit", "ubelkeit", "wade"]);
        assert_eq!(letter_of(&sort_key("Überlastung", &german)), "U");
    }

    #[test]
    fn sort_keys_drop_articles_and_punctuation() {
        let english = ["a", "an", "the"].map(String::from);
        assert_eq!(sort_key("A soft lump", &english), "soft lump");
        assert_eq!(sort_key("The calf hurts", &english), "calf hurts");
        assert_eq!(
            sort_key("\"If the cyst bursts: pain\"", &english),
            "if the cyst bursts pain"
        );
        assert_eq!(sort_key("A", &english), "a");
        assert_eq!(sort_key("  ...  ", &english), "");
        let german = ["der", "die", "das", "ein", "eine"].map(String::from);
        assert_eq!(sort_key("Die Wade schmerzt", &german), "wade schmerzt");
        assert_eq!(sort_key("A soft lump", &german), "a soft lump");
    }

    #[test]
    fn letters_and_their_ids() {
        assert_eq!(letter_of("soft lump"), "S");
        assert_eq!(letter_of("2 legs"), "#");
        assert_eq!(letter_of("ödem"), "Ö");
        assert_eq!(letter_id("S"), "az-s");
        assert_eq!(letter_id("#"), "az-num");
        assert_eq!(letter_id("Ö"), "az-u00d6");
    }
}
