//! A content file: split at its `---` fences, front matter parsed as every kind of page.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kneeguide::fuzzing::front_matter(&String::from_utf8_lossy(data));
});
