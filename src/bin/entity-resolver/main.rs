//! The `entity-resolver` command: serve the gRPC API, or resolve, batch,
//! check and evaluate from the command line.

mod batch;

use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand, ValueEnum};

use entity_resolver::admin::AdminToken;
use entity_resolver::client;
use entity_resolver::proto::ReloadTableRequest;
use entity_resolver::reload::{Reloader, TableSource};
use entity_resolver::server::{serve_with, Limits, ServeConfig, Stopped, DEFAULT_DRAIN};
use entity_resolver::transport::Transport;
use entity_resolver::{
    eval, lookup, AliasTable, EntityType, Error, Index, NormalizedText, ResolveOptions, Resolver,
};

/// Exit codes, as documented in the README.
mod exit {
    /// Bad input: a malformed line, an unreadable file, a bad option value.
    pub const INPUT: u8 = 1;
    /// Usage error (clap's own code).
    #[allow(dead_code)]
    pub const USAGE: u8 = 2;
    /// The alias table is invalid.
    pub const TABLE: u8 = 3;
    /// `eval` scored below `--min-f1`.
    pub const BELOW_THRESHOLD: u8 = 4;
    /// The server failed.
    pub const SERVER: u8 = 5;
}

#[derive(Parser)]
#[command(
    name = "entity-resolver",
    version,
    about = "Finds and resolves entity mentions in news text about Pakistan and Afghanistan"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the gRPC API (with health, reflection and the admin service).
    ///
    /// SIGHUP reloads the alias table from where it was loaded (the --aliases
    /// directory, or the embedded table) and swaps it in; a table that fails
    /// validation is refused and logged, and the old one keeps serving.
    /// SIGTERM or Ctrl-C: health turns NOT_SERVING, new connections are
    /// refused, calls in flight get --drain-seconds to finish, then exit 0.
    /// Calls still running after that are cut off (logged as "drain time is
    /// over"), and the exit code is still 0; the process exits by then even
    /// when work is still running on the CPU pool. A second SIGTERM or
    /// Ctrl-C during the drain exits at once with 143 (SIGTERM) or 130
    /// (Ctrl-C), 128 plus the signal's number.
    Serve {
        #[arg(long, default_value = "127.0.0.1:50051", env = "ENTITY_RESOLVER_ADDR")]
        addr: SocketAddr,
        /// Directory of *.toml alias files; the embedded default table when
        /// absent. Reloads read it again.
        #[arg(long, env = "ENTITY_RESOLVER_ALIASES")]
        aliases: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = LogFormat::Text)]
        log_format: LogFormat,
        /// Largest document, in bytes.
        #[arg(long, default_value_t = Limits::default().max_text_bytes)]
        max_text_bytes: usize,
        /// Most documents in one ResolveBatch call.
        #[arg(long, default_value_t = Limits::default().max_batch_documents)]
        max_batch_documents: usize,
        /// Most bytes of text, all documents together, in one ResolveBatch call.
        #[arg(long, default_value_t = Limits::default().max_batch_bytes)]
        max_batch_bytes: usize,
        /// Largest gRPC message, in bytes.
        #[arg(long, default_value_t = Limits::default().max_message_bytes)]
        max_message_bytes: usize,
        /// Unary calls in progress at once, all clients together; one more
        /// is refused with RESOURCE_EXHAUSTED.
        #[arg(long, default_value_t = Limits::default().max_concurrent_requests, value_parser = at_least_one)]
        max_concurrent_requests: usize,
        /// ResolveStream calls open at once, all clients together; one more
        /// is refused with RESOURCE_EXHAUSTED.
        #[arg(long, default_value_t = Limits::default().max_concurrent_streams, value_parser = at_least_one)]
        max_concurrent_streams: usize,
        /// HTTP/2 streams (calls) open at once on one connection; past it
        /// the client waits for a free slot.
        #[arg(long, default_value_t = Limits::default().max_connection_streams)]
        max_connection_streams: u32,
        /// Largest answer in bytes: one encoded ResolveResponse, or all the
        /// entries of one ResolveBatch answer together. A document over it
        /// gets its own RESOURCE_EXHAUSTED error. At most --max-message-bytes
        /// in effect.
        #[arg(long, default_value_t = Limits::default().max_answer_bytes)]
        max_answer_bytes: usize,
        /// Bytes of text in resolution at once, all calls together (the
        /// memory budget); a call that does not fit is refused at once with
        /// RESOURCE_EXHAUSTED.
        #[arg(long, default_value_t = Limits::default().max_inflight_bytes)]
        max_inflight_bytes: usize,
        /// ResolveStream calls one connection may hold open; one more is
        /// refused with RESOURCE_EXHAUSTED.
        #[arg(long, default_value_t = Limits::default().max_streams_per_connection, value_parser = at_least_one)]
        max_streams_per_connection: usize,
        /// Seconds a ResolveStream may send no document, while no answer is
        /// pending, before the server ends it with DEADLINE_EXCEEDED.
        #[arg(long, default_value_t = Limits::default().stream_idle_timeout.as_secs_f64())]
        stream_idle_seconds: f64,
        /// The longest a Resolve, ResolveBatch or Lookup call (or one stream
        /// document) may run, whatever deadline the client set; past it,
        /// DEADLINE_EXCEEDED.
        #[arg(long, default_value_t = Limits::default().max_deadline.as_secs_f64())]
        max_deadline_seconds: f64,
        /// Seconds calls in flight may run after SIGTERM before they are cut off.
        #[arg(long, default_value_t = DEFAULT_DRAIN.as_secs_f64())]
        drain_seconds: f64,
        /// File holding the bearer token AdminService calls must carry.
        /// Without it, admin calls are refused (PERMISSION_DENIED); SIGHUP
        /// still reloads.
        #[arg(long)]
        admin_token_file: Option<PathBuf>,
        /// PEM certificate chain: serve TLS instead of plaintext (needs --tls-key).
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// PEM private key of --tls-cert.
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// Serve Prometheus metrics (`GET /metrics`, OpenMetrics text) on
        /// this address, e.g. 127.0.0.1:9100. Off when absent.
        #[arg(long, env = "ENTITY_RESOLVER_METRICS_ADDR")]
        metrics_addr: Option<SocketAddr>,
        #[command(flatten)]
        transport: TransportArgs,
    },
    /// Ask a running server to reload its alias table (AdminService/ReloadTable).
    ///
    /// The server reads the table again from where it loaded it and swaps it
    /// in; a table that fails validation is refused and the old one keeps
    /// serving. Exit codes: 0 reloaded; 1 an unreadable token or CA file or
    /// a bad option value; 2 bad usage; 3 the server refused the new table
    /// (its errors are printed); 5 the server could not be reached, refused
    /// the call (wrong or missing token, admin calls off) or failed.
    Reload {
        /// URL of the server; https:// for TLS.
        #[arg(long, default_value = "http://127.0.0.1:50051")]
        server: String,
        /// File holding the server's admin token.
        #[arg(long)]
        token_file: Option<PathBuf>,
        /// PEM CA certificate(s) to trust for an https:// server; the
        /// system's roots when absent.
        #[arg(long)]
        tls_ca: Option<PathBuf>,
    },
    /// Resolve the text on standard input; print the result as JSON.
    Resolve {
        #[arg(long)]
        aliases: Option<PathBuf>,
        #[command(flatten)]
        options: OptionArgs,
    },
    /// Resolve JSONL documents {"id", "text"}; write JSONL results in input
    /// order, in constant memory.
    ///
    /// Exit codes: 0 every line resolved (or skipped with --skip-invalid);
    /// 1 a malformed or refused line (named with its line number) or an
    /// unreadable input; 2 bad usage; 3 invalid alias table; 5 the server of
    /// --server failed or could not be reached.
    Batch {
        /// Alias table directory (in process only; a server uses its own).
        #[arg(long, conflicts_with = "server")]
        aliases: Option<PathBuf>,
        /// Input file; standard input when absent.
        #[arg(long)]
        input: Option<PathBuf>,
        /// Output file; standard output when absent.
        #[arg(long)]
        output: Option<PathBuf>,
        /// Skip malformed or refused lines (reported on stderr with their
        /// line number and counted in the summary) instead of failing.
        #[arg(long)]
        skip_invalid: bool,
        /// Longest input line, in bytes; a longer line is malformed (it is
        /// never held in memory whole).
        #[arg(long, default_value_t = 16 << 20)]
        max_line_bytes: usize,
        /// Send the documents to a running service at this URL
        /// (e.g. http://127.0.0.1:50051) over ResolveStream instead of
        /// resolving in process. The output is the same.
        #[arg(long)]
        server: Option<String>,
        /// Largest gRPC message to or from --server, in bytes.
        #[arg(long, default_value_t = Limits::default().max_message_bytes)]
        max_message_bytes: usize,
        /// PEM CA certificate(s) to trust for an https:// --server; the
        /// system's roots when absent.
        #[arg(long, requires = "server")]
        tls_ca: Option<PathBuf>,
        #[command(flatten)]
        options: OptionArgs,
    },
    /// Rank the entities a bare name may refer to.
    Lookup {
        name: String,
        #[arg(long)]
        aliases: Option<PathBuf>,
        #[arg(long, default_value_t = 10)]
        limit: usize,
    },
    /// Validate an alias table and print a summary.
    Check {
        #[arg(long)]
        aliases: Option<PathBuf>,
    },
    /// Score the resolver against a gold annotation.
    Eval {
        #[arg(long)]
        gold: PathBuf,
        #[arg(long)]
        corpus: PathBuf,
        #[arg(long)]
        aliases: Option<PathBuf>,
        /// Exit with code 4 when F1 is below this.
        #[arg(long)]
        min_f1: Option<f64>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// Connection limits and timeouts of `serve` (both ports).
#[derive(clap::Args)]
struct TransportArgs {
    /// Connections open at once on the gRPC port; one more is closed at
    /// once (logged, counted in entity_resolver_connections_refused_total).
    #[arg(long, env = "ENTITY_RESOLVER_MAX_CONNECTIONS", default_value_t = Transport::default().max_connections, value_parser = at_least_one)]
    max_connections: usize,
    /// Connections open at once on the metrics port.
    #[arg(long, env = "ENTITY_RESOLVER_MAX_METRICS_CONNECTIONS", default_value_t = Transport::default().max_metrics_connections, value_parser = at_least_one)]
    max_metrics_connections: usize,
    /// Seconds a new connection may stay silent before its first bytes; on
    /// the metrics port, seconds a connection may stay silent at any time.
    #[arg(long, env = "ENTITY_RESOLVER_HEADER_TIMEOUT_SECONDS", default_value_t = Transport::default().header_timeout.as_secs_f64(), value_parser = positive_seconds)]
    header_timeout_seconds: f64,
    /// Seconds a gRPC connection may stay open with no call in progress.
    #[arg(long, env = "ENTITY_RESOLVER_IDLE_TIMEOUT_SECONDS", default_value_t = Transport::default().idle_timeout.as_secs_f64(), value_parser = positive_seconds)]
    idle_timeout_seconds: f64,
    /// Seconds the request of a unary call may take to arrive whole; later,
    /// the call ends with DEADLINE_EXCEEDED.
    #[arg(long, env = "ENTITY_RESOLVER_REQUEST_TIMEOUT_SECONDS", default_value_t = Transport::default().request_timeout.as_secs_f64(), value_parser = positive_seconds)]
    request_timeout_seconds: f64,
    /// Seconds without a frame from a client before the server pings it
    /// (HTTP/2 PING).
    #[arg(long, env = "ENTITY_RESOLVER_KEEPALIVE_SECONDS", default_value_t = Transport::default().keepalive_interval.as_secs_f64(), value_parser = positive_seconds)]
    keepalive_seconds: f64,
    /// Seconds a ping may go unanswered before the connection is closed.
    #[arg(long, env = "ENTITY_RESOLVER_KEEPALIVE_TIMEOUT_SECONDS", default_value_t = Transport::default().keepalive_timeout.as_secs_f64(), value_parser = positive_seconds)]
    keepalive_timeout_seconds: f64,
}

impl TransportArgs {
    fn transport(&self) -> Transport {
        let seconds = std::time::Duration::from_secs_f64;
        Transport {
            max_connections: self.max_connections,
            max_metrics_connections: self.max_metrics_connections,
            header_timeout: seconds(self.header_timeout_seconds),
            idle_timeout: seconds(self.idle_timeout_seconds),
            request_timeout: seconds(self.request_timeout_seconds),
            keepalive_interval: seconds(self.keepalive_seconds),
            keepalive_timeout: seconds(self.keepalive_timeout_seconds),
            ..Transport::default()
        }
    }
}

/// A timeout of zero would close every connection at once; one that
/// overflows a `Duration` is surely a typo.
fn positive_seconds(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && std::time::Duration::try_from_secs_f64(seconds).is_ok() => {
            Ok(seconds)
        }
        _ => Err(format!("{value:?} is not a positive number of seconds")),
    }
}

#[derive(clap::Args)]
struct OptionArgs {
    /// Drop mentions scoring below this (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    min_score: f32,
    /// Exact, normalised, acronym and partial-name matches only.
    #[arg(long)]
    no_fuzzy: bool,
    /// Return only entities of this type (repeatable); every type when absent.
    #[arg(long = "type", value_enum)]
    types: Vec<TypeArg>,
    /// What replaces each mention in normalized_text, or `omit` to leave the
    /// field out.
    #[arg(long, value_enum, default_value_t = NormalizedTextArg::CanonicalName)]
    normalized_text: NormalizedTextArg,
}

#[derive(Clone, Copy, ValueEnum)]
enum TypeArg {
    Organization,
    Person,
    Location,
    Event,
    Other,
}

#[derive(Clone, Copy, ValueEnum)]
enum NormalizedTextArg {
    /// Each mention replaced by its entity's canonical name.
    CanonicalName,
    /// Each mention replaced by its entity's id.
    EntityId,
    /// No normalized_text field.
    Omit,
}

impl OptionArgs {
    fn options(&self) -> Result<ResolveOptions, Error> {
        let options = ResolveOptions {
            min_score: self.min_score,
            fuzzy: !self.no_fuzzy,
            entity_types: self
                .types
                .iter()
                .map(|t| match t {
                    TypeArg::Organization => EntityType::Organization,
                    TypeArg::Person => EntityType::Person,
                    TypeArg::Location => EntityType::Location,
                    TypeArg::Event => EntityType::Event,
                    TypeArg::Other => EntityType::Other,
                })
                .collect(),
            normalized_text: match self.normalized_text {
                NormalizedTextArg::CanonicalName => NormalizedText::CanonicalName,
                NormalizedTextArg::EntityId => NormalizedText::EntityId,
                NormalizedTextArg::Omit => NormalizedText::Omit,
            },
        };
        options.validate()?;
        Ok(options)
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli.command) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            let code = match error {
                Error::InvalidTable(_) => exit::TABLE,
                Error::Remote { .. } => exit::SERVER,
                _ => exit::INPUT,
            };
            ExitCode::from(code)
        }
    }
}

/// A positive number of seconds from a flag.
fn seconds(flag: &str, value: f64) -> Result<std::time::Duration, Error> {
    std::time::Duration::try_from_secs_f64(value)
        .ok()
        .filter(|duration| !duration.is_zero())
        .ok_or_else(|| {
            Error::invalid_argument(flag, format!("{value} is not a positive number of seconds"))
        })
}

fn load_index(aliases: Option<&Path>) -> Result<Index, Error> {
    let table = match aliases {
        Some(dir) => AliasTable::from_dir(dir)?,
        None => AliasTable::embedded()?,
    };
    Index::from_table(table)
}

fn run(command: Command) -> Result<ExitCode, Error> {
    match command {
        Command::Serve {
            addr,
            aliases,
            log_format,
            max_text_bytes,
            max_batch_documents,
            max_batch_bytes,
            max_message_bytes,
            max_concurrent_requests,
            max_concurrent_streams,
            max_connection_streams,
            max_answer_bytes,
            max_inflight_bytes,
            max_streams_per_connection,
            stream_idle_seconds,
            max_deadline_seconds,
            drain_seconds,
            admin_token_file,
            tls_cert,
            tls_key,
            metrics_addr,
            transport,
        } => {
            init_tracing(log_format);
            let drain = std::time::Duration::try_from_secs_f64(drain_seconds).map_err(|_| {
                Error::invalid_argument(
                    "--drain-seconds",
                    format!("{drain_seconds} is not a number of seconds"),
                )
            })?;
            let admin_token = admin_token_file
                .as_deref()
                .map(AdminToken::from_file)
                .transpose()?;
            let tls = match (&tls_cert, &tls_key) {
                (Some(cert), Some(key)) => Some(tonic::transport::Identity::from_pem(
                    read_file(cert)?,
                    read_file(key)?,
                )),
                _ => None,
            };
            let limits = Limits {
                max_text_bytes,
                max_batch_documents,
                max_batch_bytes,
                max_message_bytes,
                max_concurrent_requests,
                max_concurrent_streams,
                max_connection_streams,
                max_answer_bytes,
                max_inflight_bytes,
                max_streams_per_connection,
                stream_idle_timeout: seconds("--stream-idle-seconds", stream_idle_seconds)?,
                max_deadline: seconds("--max-deadline-seconds", max_deadline_seconds)?,
            };
            let started = std::time::Instant::now();
            let source = TableSource::from_option(aliases);
            let config = ServeConfig::load(source.clone(), limits)?;
            let index = config.service.table().load_full();
            tracing::info!(
                source = %source.describe(),
                version = %index.version,
                entities = index.entities.len(),
                aliases = index.aliases.len(),
                load_ms = started.elapsed().as_millis() as u64,
                "alias table loaded"
            );
            if admin_token.is_none() {
                tracing::info!(
                    "admin calls are off (no --admin-token-file); SIGHUP reloads the table"
                );
            }
            let tls_on = tls.is_some();
            Ok(run_server(
                addr,
                tls_on,
                metrics_addr,
                ServeConfig {
                    admin_token,
                    tls,
                    drain,
                    transport: transport.transport(),
                    ..config
                },
            ))
        }
        Command::Reload {
            server,
            token_file,
            tls_ca,
        } => reload(&server, token_file.as_deref(), tls_ca.as_deref()),
        Command::Resolve { aliases, options } => {
            let options = options.options()?;
            let resolver = Resolver::new(Arc::new(load_index(aliases.as_deref())?));
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .map_err(|source| Error::Io {
                    path: "<stdin>".to_string(),
                    source,
                })?;
            let resolution = resolver.resolve(&text, &options)?;
            println!(
                "{}",
                serde_json::to_string_pretty(&resolution).expect("resolutions serialise")
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Batch {
            aliases,
            input,
            output,
            skip_invalid,
            max_line_bytes,
            server,
            max_message_bytes,
            tls_ca,
            options,
        } => {
            let options = options.options()?;
            let io_error = |path: &str| {
                let path = path.to_string();
                move |source| Error::Io { path, source }
            };
            let input_name = input
                .as_ref()
                .map_or("<stdin>".to_string(), |p| p.display().to_string());
            let output_name = output
                .as_ref()
                .map_or("<stdout>".to_string(), |p| p.display().to_string());
            // Load the table (or reach the server) before touching the output.
            let resolver = match &server {
                Some(_) => None,
                None => Some(Resolver::new(Arc::new(load_index(aliases.as_deref())?))),
            };
            let (reader, input_size): (Box<dyn BufRead + Send>, Option<u64>) = match &input {
                Some(path) => {
                    let file = std::fs::File::open(path).map_err(io_error(&input_name))?;
                    let size = file
                        .metadata()
                        .ok()
                        .filter(|m| m.is_file())
                        .map(|m| m.len());
                    (Box::new(BufReader::with_capacity(1 << 16, file)), size)
                }
                None => (Box::new(BufReader::new(std::io::stdin())), None),
            };
            let writer: Box<dyn Write + Send> = match &output {
                Some(path) => Box::new(BufWriter::with_capacity(
                    1 << 16,
                    std::fs::File::create(path).map_err(io_error(&output_name))?,
                )),
                None => Box::new(BufWriter::with_capacity(1 << 16, std::io::stdout())),
            };
            let lines = batch::LineReader::new(reader, max_line_bytes);
            let sink = batch::Sink::new(writer, input_name, output_name, skip_invalid, input_size);
            let summary = match (&resolver, &server) {
                (Some(resolver), _) => batch::run_in_process(
                    resolver,
                    &options,
                    // The answers a server with the default limits sends.
                    Limits {
                        max_message_bytes,
                        ..Limits::default()
                    }
                    .answer_limit(),
                    lines,
                    sink,
                )?,
                (None, Some(url)) => batch::run_remote(
                    url,
                    tls_ca.as_deref(),
                    max_message_bytes,
                    &options,
                    lines,
                    sink,
                )?,
                (None, None) => unreachable!("a resolver is built when there is no server"),
            };
            // `batch | head`: the reader has what it wanted; say nothing.
            if summary.output_closed {
                return Ok(ExitCode::SUCCESS);
            }
            let seconds = summary.seconds.max(1e-9);
            eprintln!(
                "batch: {} documents resolved, {} skipped (malformed or refused lines), {:.1} MB of text ({:.1} MB input) in {:.2} s: {:.0} documents/s, {:.2} MB/s{}",
                summary.documents,
                summary.skipped,
                summary.text_bytes as f64 / 1e6,
                summary.input_bytes as f64 / 1e6,
                seconds,
                summary.documents as f64 / seconds,
                summary.text_bytes as f64 / 1e6 / seconds,
                peak_memory().map_or(String::new(), |mb| format!(", peak memory {mb:.0} MB")),
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Lookup {
            name,
            aliases,
            limit,
        } => {
            let index = load_index(aliases.as_deref())?;
            for candidate in lookup::lookup(&index, &name, limit, &[])? {
                let entity = &index.entities[candidate.entity as usize];
                println!(
                    "{:.3}  {:<32} {:<12} {:<12} {}",
                    candidate.score,
                    entity.id,
                    entity.entity_type.as_str(),
                    candidate.kind.as_str(),
                    candidate.explanation
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { aliases } => {
            // RUST_LOG=entity_resolver=debug shows the time of each phase.
            init_tracing(LogFormat::Text);
            let started = std::time::Instant::now();
            let index = load_index(aliases.as_deref())?;
            let load_seconds = started.elapsed().as_secs_f64();
            let summary = index.summary();
            println!("alias table {} is valid", index.version);
            println!("  entities:   {}", summary.entities);
            for (entity_type, count) in summary.by_type {
                println!("    {:<13} {count}", entity_type.as_str());
            }
            println!("  aliases:    {}", summary.aliases);
            println!(
                "  keys:       {} basic, {} folded",
                summary.basic_keys, summary.folded_keys
            );
            println!("  vocabulary: {} words", summary.vocabulary);
            println!("  loaded in:  {load_seconds:.2} s (read, parse, check, compile)");
            // The process ends here: handing millions of small allocations
            // back one by one would only add seconds to every check.
            std::mem::forget(index);
            Ok(ExitCode::SUCCESS)
        }
        Command::Eval {
            gold,
            corpus,
            aliases,
            min_f1,
            json,
        } => {
            let resolver = Resolver::new(Arc::new(load_index(aliases.as_deref())?));
            let report = eval::evaluate(&resolver, &gold, &corpus)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).expect("reports serialise")
                );
            } else {
                print_report(&report);
            }
            if min_f1.is_some_and(|min| report.f1 < min) {
                eprintln!(
                    "F1 {:.4} is below the required {:.4}",
                    report.f1,
                    min_f1.unwrap_or_default()
                );
                return Ok(ExitCode::from(exit::BELOW_THRESHOLD));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_report(report: &eval::Report) {
    for miss in &report.misses {
        println!(
            "MISS       {} {}..{} {:?} (expected {})",
            miss.doc, miss.start, miss.end, miss.text, miss.entity
        );
    }
    for hit in &report.false_hits {
        println!(
            "FALSE HIT  {} {}..{} {:?} -> {}",
            hit.doc, hit.start, hit.end, hit.text, hit.entity
        );
    }
    println!(
        "documents {}  gold {}  true positives {} (exact spans {})  false positives {}  false negatives {}  ignored {}",
        report.documents,
        report.gold,
        report.true_positives,
        report.exact_spans,
        report.false_positives,
        report.false_negatives,
        report.ignored
    );
    println!(
        "precision {:.4}  recall {:.4}  F1 {:.4}",
        report.precision, report.recall, report.f1
    );
}

fn init_tracing(format: LogFormat) {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
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

/// How long after the drain time the signal thread ends the process itself
/// when the server has not stopped by then (its connections are severed at
/// the end of the drain time and given one second to close).
const SHUTDOWN_MARGIN: std::time::Duration = std::time::Duration::from_secs(2);

/// SIGTERM and Ctrl-C, watched on a thread of their own so that shutdown
/// keeps its promise even while every async worker is busy: the first signal
/// starts the drain; if the server has not stopped `SHUTDOWN_MARGIN` after
/// the drain time, the process exits 0 anyway (logged); a second signal
/// exits at once with 128 + its number (130 for Ctrl-C, 143 for SIGTERM),
/// the code a shell gives a process killed by that signal, so a supervisor
/// sees that this shutdown did not finish its calls.
struct ShutdownSignals {
    /// Completes on the first signal.
    first: std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>,
}

impl ShutdownSignals {
    fn watch(drain: std::time::Duration) -> std::io::Result<ShutdownSignals> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let mut signals = {
            let _context = runtime.enter();
            Signals::listen()?
        };
        let (begin, first) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("shutdown-signals".to_string())
            .spawn(move || {
                runtime.block_on(async move {
                    let signal = signals.next().await;
                    tracing::info!("{} received", signal.name());
                    let _ = begin.send(());
                    tokio::select! {
                        signal = signals.next() => {
                            tracing::warn!(
                                exit_code = signal.exit_code(),
                                "second {} received: exiting at once, cutting off every call",
                                signal.name()
                            );
                            std::process::exit(signal.exit_code());
                        }
                        () = tokio::time::sleep(drain + SHUTDOWN_MARGIN) => {
                            tracing::warn!(
                                drain_seconds = drain.as_secs_f64(),
                                "still running after the drain time: exiting, cutting off the work left"
                            );
                            std::process::exit(0);
                        }
                    }
                })
            })?;
        Ok(ShutdownSignals {
            first: Box::pin(async move {
                let _ = first.await;
            }),
        })
    }
}

#[derive(Clone, Copy)]
enum ShutdownSignal {
    Terminate,
    Interrupt,
}

impl ShutdownSignal {
    fn name(self) -> &'static str {
        match self {
            ShutdownSignal::Terminate => "SIGTERM",
            ShutdownSignal::Interrupt => "Ctrl-C (SIGINT)",
        }
    }

    fn exit_code(self) -> i32 {
        match self {
            ShutdownSignal::Terminate => 128 + 15,
            ShutdownSignal::Interrupt => 128 + 2,
        }
    }
}

/// Ctrl-C and SIGTERM (what Kubernetes and systemd send to start a graceful
/// shutdown), registered once so that no signal is missed between waits.
struct Signals {
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn listen() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Signals {
                terminate: signal(SignalKind::terminate())?,
                interrupt: signal(SignalKind::interrupt())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    async fn next(&mut self) -> ShutdownSignal {
        #[cfg(unix)]
        {
            tokio::select! {
                _ = self.terminate.recv() => ShutdownSignal::Terminate,
                _ = self.interrupt.recv() => ShutdownSignal::Interrupt,
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            ShutdownSignal::Interrupt
        }
    }
}

/// Reloads the table on each SIGHUP, the Unix way to tell a daemon to reread
/// its files. It needs no token: sending it takes local access already.
async fn reload_on_hangup(reloader: Arc<Reloader>) {
    #[cfg(unix)]
    {
        let mut hangups = match tokio::signal::unix::signal(
            tokio::signal::unix::SignalKind::hangup(),
        ) {
            Ok(signal) => signal,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGHUP: reload through AdminService only");
                return;
            }
        };
        while hangups.recv().await.is_some() {
            tracing::info!(source = %reloader.source().describe(), "SIGHUP received: reloading the alias table");
            // The reloader logs the outcome, success or refusal, itself.
            let _ = reloader.reload().await;
        }
    }
    #[cfg(not(unix))]
    let _ = reloader;
}

/// `entity-resolver reload`: one AdminService/ReloadTable call.
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

fn read_file(path: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })
}

/// A concurrency limit of 0 would refuse every call.
fn at_least_one(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{value:?} is not a whole number of at least 1")),
    }
}

/// Peak resident memory of this process in MB (Linux), for the summary line:
/// the evidence that memory stays flat on large inputs.
fn peak_memory() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}
