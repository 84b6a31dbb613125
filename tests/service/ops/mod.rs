//! Operations: concurrency limits, the drain on shutdown, hot reload, the
//! admin token, TLS, and the `reload` command run as the real binary.

mod admin;
mod limits;
mod reload;
mod reload_command;
mod shutdown;
mod tls;

use std::path::Path;

use entity_resolver::proto::admin_service_client::AdminServiceClient;
use entity_resolver::proto::{ReloadTableRequest, ReloadTableResponse, ResolveBatchRequest};
use tonic::transport::Channel;

pub(super) use crate::common::requests::document as request;
pub(super) use crate::common::requests::ids as entity_ids;

pub(super) const TOKEN: &str = "ops-test-token-0123456789";

/// Documents in a batch that keeps the server busy for a second or more in
/// a test build: long enough to act while it runs.
pub(super) const HEAVY_BATCH: usize = 150;

pub(super) fn heavy_batch(documents: usize) -> ResolveBatchRequest {
    let paragraph = "ISKP claimed the attack near Torkham; the TTP and the Pakistani Taliban \
                     denied it while officials in Peshawar and Kabul traded blame. "
        .repeat(20);
    ResolveBatchRequest {
        documents: (0..documents)
            .map(|i| request(&i.to_string(), &paragraph))
            .collect(),
    }
}

pub(super) const FRONT: &str = r#"
[[entity]]
id = "zorbistan-front"
name = "Zorbistan Liberation Front"
type = "organization"
"#;

pub(super) const BRIGADE: &str = r#"
[[entity]]
id = "qarvand-brigade"
name = "Qarvand Brigade"
type = "organization"
"#;

pub(super) const BROKEN: &str = r#"
[[entity]]
id = "broken-legion"
name = "Broken Legion"
type = "organization"
acronyms = ["bl"]
"#;

/// Writes exactly `files` into `dir`, removing the *.toml files not listed.
pub(super) fn write_table(dir: &Path, files: &[(&str, &str)]) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            std::fs::remove_file(path).unwrap();
        }
    }
    for (name, content) in files {
        std::fs::write(dir.join(name), content).unwrap();
    }
}

pub(super) async fn reload_with(
    channel: Channel,
    token: Option<&str>,
) -> Result<ReloadTableResponse, tonic::Status> {
    let mut request = tonic::Request::new(ReloadTableRequest {});
    if let Some(token) = token {
        request.metadata_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("a header value"),
        );
    }
    AdminServiceClient::new(channel)
        .reload_table(request)
        .await
        .map(|r| r.into_inner())
}
