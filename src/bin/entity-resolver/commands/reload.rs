//! `reload`: asks a running server to reload its alias table.

use std::path::Path;
use std::process::ExitCode;

use entity_resolver::client;
use entity_resolver::proto::ReloadTableRequest;
use entity_resolver::Error;

use crate::args::ReloadArgs;
use crate::exit;

pub fn run(args: ReloadArgs) -> Result<ExitCode, Error> {
    reload(
        &args.server,
        args.token_file.as_deref(),
        args.tls_ca.as_deref(),
    )
}

/// One AdminService/ReloadTable call.
fn reload(
    server: &str,
    token_file: Option<&Path>,
    tls_ca: Option<&Path>,
) -> Result<ExitCode, Error> {
    let token = client::BearerToken::from_file(token_file)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| Error::Remote {
            target: server.to_string(),
            message: format!("cannot start the async runtime: {error}"),
        })?;
    let answer = runtime.block_on(async {
        let channel = client::connect_channel(server, tls_ca).await?;
        Ok::<_, Error>(
            client::admin(channel, token)
                .reload_table(ReloadTableRequest {})
                .await,
        )
    })?;
    match answer {
        Ok(response) => {
            let reloaded = response.into_inner();
            let change = if reloaded.old_table_version == reloaded.new_table_version {
                format!("table {} unchanged", reloaded.new_table_version)
            } else {
                format!(
                    "table {} -> {}",
                    reloaded.old_table_version, reloaded.new_table_version
                )
            };
            println!(
                "reloaded {}: {change}, {} entities, {} aliases, built in {} ms",
                reloaded.source, reloaded.entities, reloaded.aliases, reloaded.load_time_ms
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(status) if status.code() == tonic::Code::FailedPrecondition => {
            eprintln!(
                "error: the server refused the new table and keeps serving the old one: {}",
                status.message()
            );
            Ok(ExitCode::from(exit::TABLE))
        }
        Err(status) => Err(Error::Remote {
            target: server.to_string(),
            message: format!("{:?}: {}", status.code(), status.message()),
        }),
    }
}
