//! Any bytes as one or more alias files: parsed, validated and compiled into
//! an index, which then looks up and resolves its own aliases.

#![no_main]

use entity_resolver_fuzz::check_alias_table;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Err(broken) = check_alias_table(data) {
        panic!("{broken}");
    }
});
