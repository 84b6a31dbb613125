//! `serve`: the gRPC API on a listener of its own, until SIGTERM or Ctrl-C
//! has drained it.

mod signals;

use std::net::SocketAddr;
use std::path::Path;
use std::process::ExitCode;

use entity_resolver::admin::AdminToken;
use entity_resolver::reload::TableSource;
use entity_resolver::server::{serve_with, ServeConfig, Stopped};
use entity_resolver::Error;

use crate::args::ServeArgs;
use crate::exit;
use signals::{reload_on_hangup, ShutdownSignals};

pub fn run(args: ServeArgs) -> Result<ExitCode, Error> {
    super::init_tracing(args.log_format);
    let drain = args.drain()?;
    let admin_token = args
        .admin_token_file
        .as_deref()
        .map(AdminToken::from_file)
        .transpose()?;
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => Some(tonic::transport::Identity::from_pem(
            read_file(cert)?,
            read_file(key)?,
        )),
        _ => None,
    };
    let limits = args.limits.limits()?;
    let started = std::time::Instant::now();
    let source = TableSource::from_option(args.aliases);
    let config = ServeConfig::load(source.clone(), limits)?;
    let index = config.service.table().load_full();
    tracing::info!(
        source = %source.describe(),
        version = %index.version(),
        entities = index.entity_count(),
        aliases = index.alias_count(),
        load_ms = started.elapsed().as_millis() as u64,
        "alias table loaded"
    );
    if admin_token.is_none() {
        tracing::info!("admin calls are off (no --admin-token-file); SIGHUP reloads the table");
    }
    let tls_on = tls.is_some();
    Ok(run_server(
        args.addr,
        tls_on,
        args.metrics_addr,
        ServeConfig {
            admin_token,
            tls,
            drain,
            transport: args.transport.transport(),
            ..config
        },
    ))
}

fn run_server(
    addr: SocketAddr,
    tls: bool,
    metrics_addr: Option<SocketAddr>,
    mut config: ServeConfig,
) -> ExitCode {
    // Registered before the listener opens: a SIGTERM that arrives while the
    // server starts must begin the drain, not kill the process unlogged.
    let shutdown = match ShutdownSignals::watch(config.drain) {
        Ok(shutdown) => shutdown,
        Err(error) => {
            eprintln!("error: cannot listen for SIGTERM and Ctrl-C: {error}");
            return ExitCode::from(exit::SERVER);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::from(exit::SERVER);
        }
    };
    let code = runtime.block_on(async move {
        let listener = match tokio::net::TcpListener::bind(addr).await {
            Ok(listener) => listener,
            Err(error) => {
                eprintln!("error: cannot listen on {addr}: {error}");
                return ExitCode::from(exit::SERVER);
            }
        };
        if let Some(metrics_addr) = metrics_addr {
            match tokio::net::TcpListener::bind(metrics_addr).await {
                Ok(listener) => {
                    let metrics_addr = listener.local_addr().unwrap_or(metrics_addr);
                    config.metrics_listener = Some(listener);
                    tracing::info!(%metrics_addr, "serving metrics at /metrics");
                }
                Err(error) => {
                    eprintln!("error: cannot listen on {metrics_addr} for metrics: {error}");
                    return ExitCode::from(exit::SERVER);
                }
            }
        }
        tokio::spawn(reload_on_hangup(config.reloader.clone()));
        // The bound address, so that `--addr 127.0.0.1:0` says where it is.
        let addr = listener.local_addr().unwrap_or(addr);
        tracing::info!(%addr, tls, "serving entityresolution.v1.EntityResolverService");
        match serve_with(listener, config, shutdown.first).await {
            Ok(Stopped::Drained) => {
                tracing::info!("stopped");
                ExitCode::SUCCESS
            }
            // The drain time is the operator's bound on shutdown: reaching
            // it is the server keeping its word, not a failure.
            Ok(Stopped::CutOff) => {
                tracing::info!("stopped, calls still running at the end of the drain time cut off");
                ExitCode::SUCCESS
            }
            Err(error) => {
                eprintln!("error: server failed: {error}");
                ExitCode::from(exit::SERVER)
            }
        }
    });
    // Work may still run on the CPU pool or a blocking thread (a reload, a
    // resolution the cut-off connection no longer waits for): the process
    // ends now instead of waiting for it, as the drain time promised.
    runtime.shutdown_background();
    code
}

fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}
