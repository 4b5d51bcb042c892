//! `sitemap.xml` and `robots.txt`.

use std::fmt::Write as _;

use crate::config::SiteConfig;

/// `sitemap.xml` lists every HTML page (URLs ending in `/`), sorted for determinism; a page with
/// translations lists each of them as an `xhtml:link` alternate (itself included, as search
/// engines ask).
pub fn sitemap(
    config: &SiteConfig,
    urls: &[(String, Option<String>)],
    translations: &super::Translations,
) -> String {
    let mut sorted: Vec<&(String, Option<String>)> = urls.iter().collect();
    sorted.sort();
    let mut xml = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    let base = crate::html::escape_text(&config.base_url);
    for (url, lastmod) in sorted {
        let _ = write!(
            xml,
            "  <url><loc>{base}{}</loc>",
            crate::html::escape_text(url)
        );
        if let Some(date) = lastmod {
            let _ = write!(xml, "<lastmod>{date}</lastmod>");
        }
        for alternate in translations.alternates(url) {
            let _ = write!(
                xml,
                "<xhtml:link rel=\"alternate\" hreflang=\"{}\" href=\"{base}{}\"/>",
                crate::html::escape_attribute(&alternate.code),
                crate::html::escape_attribute(&alternate.url)
            );
        }
        xml.push_str("</url>\n");
    }
    xml.push_str("</urlset>\n");
    xml
}

pub fn robots(config: &SiteConfig) -> String {
    format!(
        "User-agent: *\nAllow: /\n\nSitemap: {}sitemap.xml\n",
        config.base_url
    )
}
