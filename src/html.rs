//! The one HTML (and XML) escaper: every text the generator writes into markup itself, outside
//! the templates (which Tera escapes), goes through here.

/// For a double-quoted attribute value or an element's text: `&`, `<`, `>` and `"`.
pub fn escape_attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (at, c) in text.char_indices() {
        let entity = match c {
            '&' => "&amp;",
            '<' => "&lt;",
            '>' => "&gt;",
            '"' => "&quot;",
            _ => continue,
        };
        out.push_str(&text[copied..at]);
        out.push_str(entity);
        copied = at + 1;
    }
    out.push_str(&text[copied..]);
    out
}

/// For an element's text only (HTML or XML): `&`, `<` and `>`.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    pulldown_cmark_escape::escape_html_body_text(&mut out, text)
        .expect("writing to a String cannot fail");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_escape_quotes_and_text_does_not() {
        let text = r#"a & b < c > d "e" f's"#;
        assert_eq!(
            escape_attribute(text),
            "a &amp; b &lt; c &gt; d &quot;e&quot; f's"
        );
        assert_eq!(escape_text(text), r#"a &amp; b &lt; c &gt; d "e" f's"#);
        assert_eq!(escape_attribute("é—ü"), "é—ü");
    }
}
