//! TLS: served to clients that trust the certificate, and to no others.

use std::path::Path;
use std::time::Duration;

use entity_resolver::client;
use entity_resolver::server::Stopped;

use super::{entity_ids, request};
use crate::common::tls::self_signed;
use crate::common::{Options, TestResult};

#[tokio::test]
async fn tls_serves_clients_that_trust_the_certificate_only() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (identity, ca) = self_signed(dir.path());
    let server = Options::default().tls(identity).start().await?;
    let port = server.addr.port();
    let other_ca = self_signed(&dir.path().join("other")).1;
    let cases: [(&str, String, Option<&Path>, bool); 4] = [
        (
            "https trusting the server's CA",
            format!("https://127.0.0.1:{port}"),
            Some(&ca),
            true,
        ),
        (
            "plaintext to a TLS server",
            format!("http://127.0.0.1:{port}"),
            None,
            false,
        ),
        (
            "https with the system's roots only",
            format!("https://127.0.0.1:{port}"),
            None,
            false,
        ),
        (
            "https trusting another CA",
            format!("https://127.0.0.1:{port}"),
            Some(&other_ca),
            false,
        ),
    ];
    for (name, url, tls_ca, works) in cases {
        let attempt = async {
            let mut client = client::connect(&url, tls_ca, 1 << 20).await?;
            let answer = client
                .resolve(request("", "Torkham"))
                .await
                .map_err(|status| entity_resolver::Error::Remote {
                    target: url.clone(),
                    message: status.to_string(),
                })?;
            Ok::<_, entity_resolver::Error>(answer.into_inner())
        };
        let outcome = tokio::time::timeout(Duration::from_secs(10), attempt)
            .await
            .unwrap_or_else(|_| panic!("{name}: no answer within 10 s"));
        match (works, outcome) {
            (true, Ok(answer)) => assert_eq!(entity_ids(&answer), ["torkham"], "{name}"),
            (false, Err(_)) => {}
            (works, got) => panic!("{name}: expected success {works}, got {got:?}"),
        }
    }
    assert_eq!(server.stop().await, Stopped::Drained);
    Ok(())
}
