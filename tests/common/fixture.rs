//! The server under test, in the style of arrow-flight's test fixture: bind
//! 127.0.0.1:0, run exactly the library's `serve_with` in this process with
//! a oneshot for its shutdown signal, connect the generated client, and on
//! shutdown assert that serving returned `Ok`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Once, OnceLock};
use std::time::Duration;

use entity_resolver::admin::AdminToken;
use entity_resolver::proto::entity_resolver_service_client::EntityResolverServiceClient;
use entity_resolver::reload::TableSource;
use entity_resolver::server::{
    serve_with, Activity, Limits, ResolverService, ServeConfig, Stopped,
};
use entity_resolver::transport::Transport;
use entity_resolver_core::Index;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint, Identity};

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub type TestResult = Result<(), BoxError>;
pub type Client = EntityResolverServiceClient<Channel>;

/// The largest message a test client sends or reads: the hardening tests
/// send texts of 32 MiB, far over tonic's 4 MiB default.
const CLIENT_MESSAGE_BYTES: usize = 64 << 20;

/// How long `stop` waits beyond the drain time before it calls the server
/// hung: an idle server returns at once, this only ends a hang.
const HANG: Duration = Duration::from_secs(10);

/// The embedded table's index, built once per test binary and shared: a
/// debug build takes about a second per build.
pub fn embedded_index() -> Arc<Index> {
    static INDEX: OnceLock<Arc<Index>> = OnceLock::new();
    use_a_cpu_pool_of_four();
    INDEX
        .get_or_init(|| Arc::new(Index::embedded().expect("the embedded table loads")))
        .clone()
}

/// The CPU pool has at least two threads whatever the machine, so a small
/// call has a thread while a large one holds another. Set before the first
/// table build, which would otherwise size the pool after the machine.
fn use_a_cpu_pool_of_four() {
    static POOL: Once = Once::new();
    POOL.call_once(|| {
        let _ = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build_global();
    });
}

/// How a test's server differs from `ServeConfig::new` on the embedded
/// table with the default limits.
#[derive(Default)]
pub struct Options {
    limits: Limits,
    table_dir: Option<PathBuf>,
    admin_token: Option<String>,
    tls: Option<Identity>,
    metrics: bool,
    drain: Option<Duration>,
    transport: Option<Transport>,
}

impl Options {
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Serves (and reloads) the table in `dir` instead of the embedded one.
    pub fn table_dir(mut self, dir: &Path) -> Self {
        self.table_dir = Some(dir.to_path_buf());
        self
    }

    /// AdminService calls must carry this token.
    pub fn admin_token(mut self, token: &str) -> Self {
        self.admin_token = Some(token.to_string());
        self
    }

    pub fn tls(mut self, identity: Identity) -> Self {
        self.tls = Some(identity);
        self
    }

    /// Serves `GET /metrics` on a port of its own (`TestServer::metrics_url`).
    pub fn metrics(mut self) -> Self {
        self.metrics = true;
        self
    }

    pub fn drain(mut self, drain: Duration) -> Self {
        self.drain = Some(drain);
        self
    }

    pub fn transport(mut self, transport: Transport) -> Self {
        self.transport = Some(transport);
        self
    }

    pub async fn start(self) -> Result<TestServer, BoxError> {
        self.start_with(|_| {}).await
    }

    /// Starts with the configuration `configure` leaves, for what the
    /// options do not name.
    pub async fn start_with(
        self,
        configure: impl FnOnce(&mut ServeConfig),
    ) -> Result<TestServer, BoxError> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut config = match &self.table_dir {
            Some(dir) => ServeConfig::load(TableSource::Directory(dir.clone()), self.limits)?,
            None => ServeConfig::new(
                ResolverService::new(embedded_index(), self.limits),
                TableSource::Embedded,
            ),
        };
        config.admin_token = self.admin_token.as_deref().map(AdminToken::new);
        config.tls = self.tls;
        if let Some(drain) = self.drain {
            config.drain = drain;
        }
        if let Some(transport) = self.transport {
            config.transport = transport;
        }
        let mut metrics_addr = None;
        if self.metrics {
            let metrics_listener = TcpListener::bind("127.0.0.1:0").await?;
            metrics_addr = Some(metrics_listener.local_addr()?);
            config.metrics_listener = Some(metrics_listener);
        }
        configure(&mut config);
        let activity = config.service.activity();
        let drain = config.drain;
        let (shutdown, signal) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_with(listener, config, async move {
            // A dropped sender also stops the server, so a failed test does
            // not leave it running.
            let _ = signal.await;
        }));
        // Lazy: a test that counts the server's connections sees only its own.
        let channel = Endpoint::from_shared(format!("http://{addr}"))?
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(60))
            .connect_lazy();
        Ok(TestServer {
            addr,
            metrics_addr,
            activity,
            channel: Some(channel),
            drain,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }
}

/// One server in the test process; dropping it signals shutdown without
/// waiting (`stop` waits and checks how serving ended).
pub struct TestServer {
    pub addr: SocketAddr,
    metrics_addr: Option<SocketAddr>,
    /// The server's own counters of the work it holds.
    pub activity: Arc<Activity>,
    channel: Option<Channel>,
    drain: Duration,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<Stopped, BoxError>>>,
}

impl TestServer {
    /// The embedded table, the default limits.
    pub async fn start() -> Result<Self, BoxError> {
        Options::default().start().await
    }

    pub async fn with_limits(limits: Limits) -> Result<Self, BoxError> {
        Options::default().limits(limits).start().await
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Where `GET /metrics` answers; only with `Options::metrics`.
    pub fn metrics_url(&self) -> String {
        let addr = self.metrics_addr.expect("started with Options::metrics");
        format!("http://{addr}")
    }

    /// The connection the fixture keeps, shared by its clients.
    pub fn channel(&self) -> Channel {
        self.channel.clone().expect("the server is running")
    }

    /// A client on the shared connection.
    pub fn client(&self) -> Client {
        EntityResolverServiceClient::new(self.channel())
    }

    /// A connection of its own. It sets no timeout of its own: with one,
    /// tonic's client also times out each call by its `grpc-timeout`, and a
    /// test of the server's deadlines would see the client's instead.
    pub async fn connect_channel(&self) -> Result<Channel, BoxError> {
        Ok(Endpoint::from_shared(self.url())?.connect().await?)
    }

    /// A client on a connection of its own, taking messages of up to 64 MiB.
    pub async fn connect(&self) -> Result<Client, BoxError> {
        Ok(
            EntityResolverServiceClient::new(self.connect_channel().await?)
                .max_decoding_message_size(CLIENT_MESSAGE_BYTES)
                .max_encoding_message_size(CLIENT_MESSAGE_BYTES),
        )
    }

    /// Sends the shutdown signal, for a test that watches the drain before
    /// it calls `finish`.
    pub fn begin_shutdown(&mut self) {
        self.channel = None;
        self.shutdown
            .take()
            .expect("shutdown begins once")
            .send(())
            .expect("the server stopped before it was told to");
    }

    /// Whether serving has returned.
    pub fn is_finished(&self) -> bool {
        self.task.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Waits for serving to return, at most `within`, asserts it returned
    /// `Ok`, and says how it ended.
    pub async fn finish(mut self, within: Duration) -> Stopped {
        self.channel = None;
        let task = self.task.take().expect("the server task");
        let joined = tokio::time::timeout(within, task)
            .await
            .unwrap_or_else(|_| panic!("the server did not shut down within {within:?}"));
        let returned = joined.expect("the server task panicked");
        match returned {
            Ok(stopped) => stopped,
            Err(error) => panic!("serve returned an error: {error:?}"),
        }
    }

    /// Signals shutdown, asserts serving returned `Ok` within the drain
    /// time, and says how it ended.
    pub async fn stop(mut self) -> Stopped {
        self.begin_shutdown();
        let within = self.drain + HANG;
        self.finish(within).await
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}
