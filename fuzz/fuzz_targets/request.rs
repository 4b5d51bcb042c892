//! A request head as `kneeguide serve` reads it: parsed, its path routed, its Host checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    kneeguide::fuzzing::request(data);
});
