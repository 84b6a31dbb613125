//! End-to-end tests of the service: each runs the production `serve_with`
//! in-process on 127.0.0.1:0 (tests/common, `TestServer`), talks to it over
//! real HTTP/2 connections, and shuts it down asserting that serving
//! returned `Ok`. One test binary for all of them: each binary links tonic
//! and the rest again, which costs seconds per binary.
//!
//! The news paragraphs here were written for these tests; they are not
//! taken from any corpus.

#[path = "../common/mod.rs"]
mod common;

/// What the gRPC tests check of every answer.
mod checks;
/// News paragraphs and look-alikes, with what they must and must not yield.
mod news;

mod bad_input;
mod batch;
mod entities;
mod hardening;
mod health;
mod lookup;
mod metrics;
mod ops;
mod options;
mod reflection;
mod resolve;
mod stream;
