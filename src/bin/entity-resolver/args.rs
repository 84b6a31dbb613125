//! The command line as clap reads it (raw flags), and the one place each flag
//! is checked and turned into the value the commands use (`Limits`,
//! `Transport`, `ResolveOptions`, durations), the way ripgrep turns its raw
//! flags into validated arguments: a command never sees an unchecked flag.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};

use entity_resolver::server::{Limits, DEFAULT_DRAIN};
use entity_resolver::transport::Transport;
use entity_resolver::Error;
use entity_resolver_core::{EntityType, NormalizedText, ResolveOptions};

#[derive(Parser)]
#[command(
    name = "entity-resolver",
    version,
    about = "Finds and resolves entity mentions in news text about Pakistan and Afghanistan"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

// The doc comment of each variant is its command's help text.
#[derive(Subcommand)]
pub enum Command {
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
    Serve(ServeArgs),
    /// Ask a running server to reload its alias table (AdminService/ReloadTable).
    ///
    /// The server reads the table again from where it loaded it and swaps it
    /// in; a table that fails validation is refused and the old one keeps
    /// serving. Exit codes: 0 reloaded; 1 an unreadable token or CA file or
    /// a bad option value; 2 bad usage; 3 the server refused the new table
    /// (its errors are printed); 5 the server could not be reached, refused
    /// the call (wrong or missing token, admin calls off) or failed.
    Reload(ReloadArgs),
    /// Resolve the text on standard input; print the result as JSON.
    Resolve(ResolveArgs),
    /// Resolve JSONL documents {"id", "text"}; write JSONL results in input
    /// order, in constant memory.
    ///
    /// Exit codes: 0 every line resolved (or skipped with --skip-invalid);
    /// 1 a malformed or refused line (named with its line number) or an
    /// unreadable input; 2 bad usage; 3 invalid alias table; 5 the server of
    /// --server failed or could not be reached.
    Batch(BatchArgs),
    /// Rank the entities a bare name may refer to.
    Lookup(LookupArgs),
    /// Read a JSONL corpus {"id", "text"} and list what the alias table
    /// misses: aliases to add, entities to add, acronyms defined in the text.
    ///
    /// Exit codes: 0 done; 1 a malformed line (named with its line number)
    /// or an unreadable input; 2 bad usage; 3 invalid alias table.
    Suggest(SuggestArgs),
    /// Validate an alias table and print a summary.
    Check(CheckArgs),
    /// Score the resolver against a gold annotation.
    Eval(EvalArgs),
    /// Turn a public list into alias files (see `import un-sanctions --help`).
    #[command(subcommand)]
    Import(ImportCommand),
}

#[derive(Subcommand)]
pub enum ImportCommand {
    /// Import the UN Security Council Consolidated List (XML): the Taliban
    /// list and the Al-Qaida entries of the region, as new entities and as
    /// [[extend]] records of entities the table already holds.
    ///
    /// Writes DIR/un-sanctions.toml and prints what it created, extended
    /// and left ambiguous. The output is generated: never edit it by hand.
    UnSanctions(UnSanctionsArgs),
}

#[derive(clap::Args)]
pub struct UnSanctionsArgs {
    /// The list as the UN publishes it (sc-sanctions.xsd).
    #[arg(long)]
    pub list: PathBuf,
    /// Directory the generated un-sanctions.toml is written to.
    #[arg(long)]
    pub out: PathBuf,
    /// Hand-curated map of UN reference numbers to existing entity ids
    /// (`"QDe.132" = "ttp"`); those entries become [[extend]] records.
    #[arg(long)]
    pub existing: Option<PathBuf>,
    /// The alias table the import must fit into (its un-sanctions.toml,
    /// an earlier output, is ignored).
    #[arg(long, default_value = "aliases")]
    pub aliases: PathBuf,
}

#[derive(clap::Args)]
pub struct ServeArgs {
    #[arg(long, default_value = "127.0.0.1:50051", env = "ENTITY_RESOLVER_ADDR")]
    pub addr: SocketAddr,
    /// Directory of *.toml alias files; the embedded default table when
    /// absent. Reloads read it again.
    #[arg(long, env = "ENTITY_RESOLVER_ALIASES")]
    pub aliases: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Seconds calls in flight may run after SIGTERM before they are cut off.
    #[arg(long, default_value_t = DEFAULT_DRAIN.as_secs_f64())]
    pub drain_seconds: f64,
    /// File holding the bearer token AdminService calls must carry.
    /// Without it, admin calls are refused (PERMISSION_DENIED); SIGHUP
    /// still reloads.
    #[arg(long)]
    pub admin_token_file: Option<PathBuf>,
    /// PEM certificate chain: serve TLS instead of plaintext (needs --tls-key).
    #[arg(long, requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,
    /// Serve Prometheus metrics (`GET /metrics`, OpenMetrics text) on
    /// this address, e.g. 127.0.0.1:9100. Off when absent.
    #[arg(long, env = "ENTITY_RESOLVER_METRICS_ADDR")]
    pub metrics_addr: Option<SocketAddr>,
    #[command(flatten)]
    pub transport: TransportArgs,
}

impl ServeArgs {
    /// How long calls in flight may run after SIGTERM.
    pub fn drain(&self) -> Result<Duration, Error> {
        Duration::try_from_secs_f64(self.drain_seconds).map_err(|_| {
            Error::invalid_argument(
                "--drain-seconds",
                format!("{} is not a number of seconds", self.drain_seconds),
            )
        })
    }
}

/// What one request or connection may cost the server: the flags of
/// `Limits`, each defaulting to its field.
#[derive(clap::Args)]
pub struct LimitArgs {
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
}

impl LimitArgs {
    pub fn limits(&self) -> Result<Limits, Error> {
        Ok(Limits {
            max_text_bytes: self.max_text_bytes,
            max_batch_documents: self.max_batch_documents,
            max_batch_bytes: self.max_batch_bytes,
            max_message_bytes: self.max_message_bytes,
            max_concurrent_requests: self.max_concurrent_requests,
            max_concurrent_streams: self.max_concurrent_streams,
            max_connection_streams: self.max_connection_streams,
            max_answer_bytes: self.max_answer_bytes,
            max_inflight_bytes: self.max_inflight_bytes,
            max_streams_per_connection: self.max_streams_per_connection,
            stream_idle_timeout: seconds("--stream-idle-seconds", self.stream_idle_seconds)?,
            max_deadline: seconds("--max-deadline-seconds", self.max_deadline_seconds)?,
        })
    }
}

/// Connection limits and timeouts of `serve` (both ports).
#[derive(clap::Args)]
pub struct TransportArgs {
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
    /// Infallible: the value parsers already refused what a `Duration`
    /// cannot hold.
    pub fn transport(&self) -> Transport {
        let seconds = Duration::from_secs_f64;
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

#[derive(clap::Args)]
pub struct ReloadArgs {
    /// URL of the server; https:// for TLS.
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    pub server: String,
    /// File holding the server's admin token.
    #[arg(long)]
    pub token_file: Option<PathBuf>,
    /// PEM CA certificate(s) to trust for an https:// server; the
    /// system's roots when absent.
    #[arg(long)]
    pub tls_ca: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct ResolveArgs {
    #[arg(long)]
    pub aliases: Option<PathBuf>,
    #[command(flatten)]
    pub options: OptionArgs,
}

#[derive(clap::Args)]
pub struct BatchArgs {
    /// Alias table directory (in process only; a server uses its own).
    #[arg(long, conflicts_with = "server")]
    pub aliases: Option<PathBuf>,
    /// Input file; standard input when absent or "-".
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// Output file; standard output when absent or "-".
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Skip malformed or refused lines (reported on stderr with their
    /// line number and counted in the summary) instead of failing.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Longest input line, in bytes; a longer line is malformed (it is
    /// never held in memory whole).
    #[arg(long, default_value_t = 16 << 20)]
    pub max_line_bytes: usize,
    /// Send the documents to a running service at this URL
    /// (e.g. http://127.0.0.1:50051) over ResolveStream instead of
    /// resolving in process. The output is the same.
    #[arg(long)]
    pub server: Option<String>,
    /// Largest gRPC message to or from --server, in bytes.
    #[arg(long, default_value_t = Limits::default().max_message_bytes)]
    pub max_message_bytes: usize,
    /// PEM CA certificate(s) to trust for an https:// --server; the
    /// system's roots when absent.
    #[arg(long, requires = "server")]
    pub tls_ca: Option<PathBuf>,
    #[command(flatten)]
    pub options: OptionArgs,
}

#[derive(clap::Args)]
pub struct LookupArgs {
    pub name: String,
    #[arg(long)]
    pub aliases: Option<PathBuf>,
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
}

#[derive(clap::Args)]
pub struct SuggestArgs {
    /// JSONL input, one {"id", "text"} object per line (other fields are
    /// ignored); "-" for standard input.
    #[arg(long)]
    pub input: PathBuf,
    #[arg(long)]
    pub aliases: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = SuggestFormat::Text)]
    pub format: SuggestFormat,
    /// Most suggestions listed of each kind.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
    /// Fewest occurrences a suggestion needs to be listed.
    #[arg(long, default_value_t = 1, value_parser = at_least_one)]
    pub min_count: usize,
    /// Longest input line, in bytes; a longer line is malformed.
    #[arg(long, default_value_t = 16 << 20)]
    pub max_line_bytes: usize,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum SuggestFormat {
    Text,
    Json,
}

#[derive(clap::Args)]
pub struct CheckArgs {
    #[arg(long)]
    pub aliases: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct EvalArgs {
    #[arg(long)]
    pub gold: PathBuf,
    #[arg(long)]
    pub corpus: PathBuf,
    #[arg(long)]
    pub aliases: Option<PathBuf>,
    /// Exit with code 4 when F1 is below this.
    #[arg(long)]
    pub min_f1: Option<f64>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The resolve options of `resolve` and `batch`.
#[derive(clap::Args)]
pub struct OptionArgs {
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
    /// The options, checked as the server checks a request's.
    pub fn options(&self) -> Result<ResolveOptions, Error> {
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
pub enum LogFormat {
    Text,
    Json,
}

/// A positive number of seconds from a flag.
fn seconds(flag: &str, value: f64) -> Result<Duration, Error> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|duration| !duration.is_zero())
        .ok_or_else(|| {
            Error::invalid_argument(flag, format!("{value} is not a positive number of seconds"))
        })
}

/// A timeout of zero would close every connection at once; one that
/// overflows a `Duration` is surely a typo.
fn positive_seconds(value: &str) -> Result<f64, String> {
    match value.parse::<f64>() {
        Ok(seconds) if seconds > 0.0 && Duration::try_from_secs_f64(seconds).is_ok() => Ok(seconds),
        _ => Err(format!("{value:?} is not a positive number of seconds")),
    }
}

/// A concurrency limit of 0 would refuse every call.
fn at_least_one(value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n >= 1 => Ok(n),
        _ => Err(format!("{value:?} is not a whole number of at least 1")),
    }
}
