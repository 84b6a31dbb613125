//! `loadgen`: drives a running service over gRPC and reports throughput and
//! latency per RPC, so Resolve can be set against Echo (the same transport
//! doing no work) and against ResolveStream.
//!
//! Unary RPCs run in one of two ways:
//! - closed loop (the default): every worker sends its next request when the
//!   previous answer arrives; latency runs from the actual send.
//! - fixed rate (`--rate`): requests follow a schedule whatever the answers
//!   do, and latency runs from the time the schedule intended. A stalled
//!   server then shows in the percentiles instead of quietly slowing the
//!   generator down (coordinated omission).
//!
//! Only requests scheduled (or, on a stream, answered) inside the measured
//! window count; the warm-up before it lets connections, caches and thread
//! pools settle.

mod drive;
mod payload;
mod plan;
mod report;
mod tally;

use std::process::ExitCode;
use std::sync::Arc;

use tonic::transport::Channel;

use entity_resolver::client::source_chain;
use entity_resolver::Error;

pub use plan::LoadgenArgs;
use plan::Plan;

pub fn run(args: LoadgenArgs) -> Result<ExitCode, Error> {
    let plan = Plan::from_args(&args)?;
    let documents = Arc::new(payload::load_payload(args.payload.as_deref())?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| Error::Remote {
            target: args.target.clone(),
            message: format!("cannot start the async runtime: {error}"),
        })?;
    let reports = runtime.block_on(async {
        let channels = connect_all(&args.target, &plan).await?;
        let mut reports = Vec::new();
        for &rpc in &args.rpcs {
            eprintln!(
                "loadgen: {} on {} connection(s) for {:?} after {:?} of warm-up",
                rpc.name(),
                plan.connections,
                plan.duration,
                plan.warmup
            );
            reports.push(drive::run_rpc(rpc, &channels, &documents, &plan).await);
        }
        Ok::<_, Error>(reports)
    })?;
    report::print_all(&reports, args.json);
    Ok(ExitCode::SUCCESS)
}

/// One connection per Channel: `Endpoint::connect` opens a connection of its
/// own each time, which is what spreading load over connections needs.
async fn connect_all(target: &str, plan: &Plan) -> Result<Vec<Channel>, Error> {
    let mut channels = Vec::with_capacity(plan.connections as usize);
    for _ in 0..plan.connections {
        let channel = plan
            .endpoint
            .connect()
            .await
            .map_err(|error| Error::Remote {
                target: target.to_string(),
                message: format!("cannot connect: {}", source_chain(&error)),
            })?;
        channels.push(channel);
    }
    Ok(channels)
}
