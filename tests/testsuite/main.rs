//! The integration tests, one binary with a module per area (as cargo and mdBook do): one link
//! step instead of one per file. Run one area with `cargo test --test testsuite <area>`, for
//! example `cargo test --test testsuite decision_tree`.

mod build;
mod check_new;
mod common;
mod decision_tree;
mod editor;
mod incremental;
mod languages;
mod output;
mod properties;
mod publishing;
mod serve;
mod theme;
