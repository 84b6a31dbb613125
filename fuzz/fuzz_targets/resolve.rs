//! Any text with any options, as a client could send them, through option
//! validation and the resolver on the embedded table.

#![no_main]

use entity_resolver_fuzz::{check_resolve, ResolveInput};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: ResolveInput| {
    if let Err(broken) = check_resolve(&input) {
        panic!("{broken}");
    }
});
