//! A page body: Markdown rendering with heading ids, footnotes, placeholders and link rewriting.
//! Its first finding, the `fn-` heading-id hang (artifacts-found/markdown/), is fixed and kept as
//! a property test (`tests/testsuite/properties.rs`).
#![no_main]

use std::sync::LazyLock;

use kneeguide::config::SiteConfig;
use libfuzzer_sys::fuzz_target;

static CONFIG: LazyLock<Option<SiteConfig>> = LazyLock::new(|| {
    kneeguide::fuzzing::site_config(include_str!(
        "../../tests/fixtures/decision_tree/_shared/site.yaml"
    ))
});

fuzz_target!(|data: &[u8]| {
    let body = String::from_utf8_lossy(data);
    kneeguide::fuzzing::markdown(&body, CONFIG.as_ref());
});
