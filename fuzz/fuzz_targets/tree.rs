//! A whole `content/decision-tree.md`, compiled against the shared decision-tree fixture's causes.
#![no_main]

use std::sync::LazyLock;

use kneeguide::config::SiteConfig;
use libfuzzer_sys::fuzz_target;

static CONFIG: LazyLock<SiteConfig> = LazyLock::new(|| {
    kneeguide::fuzzing::site_config(include_str!(
        "../../tests/fixtures/decision_tree/_shared/site.yaml"
    ))
    .expect("the fixture's site.yaml parses")
});

const CAUSES: [(&str, &str); 4] = [
    (
        "clot",
        include_str!("../../tests/fixtures/decision_tree/_shared/content/causes/clot.md"),
    ),
    (
        "cyst",
        include_str!("../../tests/fixtures/decision_tree/_shared/content/causes/cyst.md"),
    ),
    (
        "sprain",
        include_str!("../../tests/fixtures/decision_tree/_shared/content/causes/sprain.md"),
    ),
    (
        "growing",
        include_str!("../../tests/fixtures/decision_tree/_shared/content/causes/growing.md"),
    ),
];

fuzz_target!(|data: &[u8]| {
    let _ = kneeguide::fuzzing::tree(&String::from_utf8_lossy(data), &CAUSES, &CONFIG);
});
