//! Who may reload: AdminService calls need the token, the resolver's do not.

use entity_resolver::server::Stopped;
use tonic::Code;

use super::{entity_ids, reload_with, request, TOKEN};
use crate::common::{Options, TestResult};

#[tokio::test]
async fn admin_calls_need_the_token_and_other_calls_do_not() -> TestResult {
    struct AuthCase {
        name: &'static str,
        server_token: Option<&'static str>,
        presented: Option<&'static str>,
        admin_outcome: Result<(), (Code, &'static str)>,
    }
    let cases = [
        AuthCase {
            name: "no token configured: refused, naming the flag",
            server_token: None,
            presented: Some(TOKEN),
            admin_outcome: Err((Code::PermissionDenied, "--admin-token-file")),
        },
        AuthCase {
            name: "no token presented",
            server_token: Some(TOKEN),
            presented: None,
            admin_outcome: Err((Code::Unauthenticated, "Bearer")),
        },
        AuthCase {
            name: "wrong token",
            server_token: Some(TOKEN),
            presented: Some("ops-test-token-0123456788"),
            admin_outcome: Err((Code::Unauthenticated, "wrong admin token")),
        },
        AuthCase {
            name: "right token",
            server_token: Some(TOKEN),
            presented: Some(TOKEN),
            admin_outcome: Ok(()),
        },
    ];
    for case in cases {
        let name = case.name;
        let options = match case.server_token {
            Some(token) => Options::default().admin_token(token),
            None => Options::default(),
        };
        let server = options.start().await?;
        let outcome = reload_with(server.connect_channel().await?, case.presented).await;
        match (&case.admin_outcome, &outcome) {
            (Ok(()), Ok(response)) => {
                assert_eq!(response.source, "the embedded table", "{name}");
                assert_eq!(
                    response.old_table_version, response.new_table_version,
                    "{name}"
                );
            }
            (Err((code, part)), Err(status)) => {
                assert_eq!(status.code(), *code, "{name}: {status:?}");
                assert!(status.message().contains(part), "{name}: {status:?}");
            }
            (expected, got) => panic!("{name}: expected {expected:?}, got {got:?}"),
        }
        // The resolver's RPCs need no token, whatever the admin setting.
        let mut client = server.connect().await?;
        let answer = client.resolve(request("", "Torkham")).await?.into_inner();
        assert_eq!(entity_ids(&answer), ["torkham"], "{name}");
        drop(client);
        assert_eq!(server.stop().await, Stopped::Drained, "{name}");
    }
    Ok(())
}
