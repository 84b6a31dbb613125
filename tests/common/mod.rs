//! What the integration tests share: one in-process server fixture
//! ([`TestServer`] for async tests, [`Server`] for the others and for the
//! binary's tests), and the helpers more than one test module needs.

// Each test binary uses a part of this (tests/cli.rs only `Server`): what
// one leaves unused is used by another.
#![allow(dead_code, unused_imports)]

mod blocking;
mod fixture;
pub mod raw;
pub mod requests;
pub mod scrape;
pub mod tls;
pub mod wait;

pub use blocking::{runtime, Server};
pub use fixture::{embedded_index, BoxError, Client, Options, TestResult, TestServer};
