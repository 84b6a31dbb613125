//! The `reload` command, run as the real binary: its exit codes.

use entity_resolver::server::Stopped;

use super::{write_table, BRIGADE, BROKEN, FRONT, TOKEN};
use crate::common::tls::self_signed;
use crate::common::{Options, TestResult};

#[tokio::test]
async fn reload_command_exit_codes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let table = dir.path().join("aliases");
    std::fs::create_dir(&table)?;
    write_table(&table, &[("front.toml", FRONT)]);
    let (identity, ca) = self_signed(dir.path());
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{TOKEN}\n"))?;
    let wrong_token_file = dir.path().join("wrong-token");
    std::fs::write(&wrong_token_file, "not-the-token\n")?;
    let server = Options::default()
        .tls(identity)
        .admin_token(TOKEN)
        .table_dir(&table)
        .start()
        .await?;
    let https = format!("https://127.0.0.1:{}", server.addr.port());
    let http = format!("http://127.0.0.1:{}", server.addr.port());
    let missing = dir.path().join("no-such-file");

    struct CliCase<'a> {
        name: &'a str,
        files: &'a [(&'a str, &'a str)],
        args: Vec<&'a str>,
        code: i32,
        output: &'a str,
    }
    let ca = ca.to_str().unwrap();
    let token = token_file.to_str().unwrap();
    let cases = [
        CliCase {
            name: "right token over TLS",
            files: &[("front.toml", FRONT), ("brigade.toml", BRIGADE)],
            args: vec![
                "--server",
                https.as_str(),
                "--tls-ca",
                ca,
                "--token-file",
                token,
            ],
            code: 0,
            output: "2 entities",
        },
        CliCase {
            name: "a broken table",
            files: &[("front.toml", FRONT), ("broken.toml", BROKEN)],
            args: vec![
                "--server",
                https.as_str(),
                "--tls-ca",
                ca,
                "--token-file",
                token,
            ],
            code: 3,
            output: "broken-legion",
        },
        CliCase {
            name: "wrong token",
            files: &[("front.toml", FRONT)],
            args: vec![
                "--server",
                https.as_str(),
                "--tls-ca",
                ca,
                "--token-file",
                wrong_token_file.to_str().unwrap(),
            ],
            code: 5,
            output: "wrong admin token",
        },
        CliCase {
            name: "no token",
            files: &[("front.toml", FRONT)],
            args: vec!["--server", https.as_str(), "--tls-ca", ca],
            code: 5,
            output: "Bearer",
        },
        CliCase {
            name: "plaintext to a TLS server",
            files: &[("front.toml", FRONT)],
            args: vec!["--server", http.as_str(), "--token-file", token],
            code: 5,
            output: "error",
        },
        CliCase {
            name: "an unreadable token file",
            files: &[("front.toml", FRONT)],
            args: vec![
                "--server",
                https.as_str(),
                "--tls-ca",
                ca,
                "--token-file",
                missing.to_str().unwrap(),
            ],
            code: 1,
            output: "no-such-file",
        },
    ];
    for case in cases {
        write_table(&table, case.files);
        let args: Vec<String> = case.args.iter().map(|a| a.to_string()).collect();
        let output = tokio::task::spawn_blocking(move || {
            std::process::Command::new(env!("CARGO_BIN_EXE_entity-resolver"))
                .arg("reload")
                .args(args)
                .output()
        })
        .await??;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert_eq!(
            output.status.code(),
            Some(case.code),
            "{}: {text}",
            case.name
        );
        assert!(text.contains(case.output), "{}: {text}", case.name);
    }
    assert_eq!(server.stop().await, Stopped::Drained);
    Ok(())
}
