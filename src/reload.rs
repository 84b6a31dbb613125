//! Hot reload: rebuild the index from the files the server was started with
//! and swap it in whole. Requests in flight keep the index they started with
//! (each holds its own `Arc`); the next request sees the new one. A table
//! that fails validation is refused and the old one keeps serving.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use arc_swap::ArcSwap;

use crate::error::Error;
use crate::metrics::Metrics;
use entity_resolver_core::index::Index;
use entity_resolver_core::table::AliasTable;

/// Where the alias table comes from; a reload reads the same place again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableSource {
    /// The table built into the binary. Reloading it rebuilds the same table,
    /// so the version does not change; it proves the path works, no more.
    Embedded,
    /// Every `*.toml` file of this directory, read afresh on each load.
    Directory(PathBuf),
}

impl TableSource {
    /// `Directory` when a directory is given, else `Embedded`.
    pub fn from_option(directory: Option<PathBuf>) -> Self {
        directory.map_or(TableSource::Embedded, TableSource::Directory)
    }

    /// Reads, validates and compiles the table. CPU work: big tables take
    /// seconds, so async callers run it on a blocking thread.
    pub fn load(&self) -> Result<Index, Error> {
        let table = match self {
            TableSource::Embedded => AliasTable::embedded()?,
            TableSource::Directory(dir) => AliasTable::from_dir(dir)?,
        };
        Ok(Index::from_table(table)?)
    }

    /// For logs and the admin RPC: which table a reload reads.
    pub fn describe(&self) -> String {
        match self {
            TableSource::Embedded => "the embedded table".to_string(),
            TableSource::Directory(dir) => format!("directory {}", dir.display()),
        }
    }
}

/// What one successful reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reloaded {
    /// The version that served until the swap.
    pub old_version: String,
    /// The version serving now (equal to the old one when nothing changed).
    pub new_version: String,
    pub entities: usize,
    pub aliases: usize,
    /// Reading, validating and compiling the new table.
    pub load_time: Duration,
    /// `TableSource::describe` of what was read.
    pub source: String,
}

/// Rebuilds and swaps the index that a `ResolverService` serves.
pub struct Reloader {
    source: TableSource,
    index: Arc<ArcSwap<Index>>,
    /// One reload at a time: two interleaved reloads could let the one that
    /// read the files first swap last, putting an older table back.
    serial: tokio::sync::Mutex<()>,
    metrics: Arc<Metrics>,
}

impl Reloader {
    pub fn new(source: TableSource, index: Arc<ArcSwap<Index>>, metrics: Arc<Metrics>) -> Self {
        Reloader {
            source,
            index,
            serial: tokio::sync::Mutex::new(()),
            metrics,
        }
    }

    pub fn source(&self) -> &TableSource {
        &self.source
    }

    /// Loads the table again and swaps it in, or leaves the old one serving
    /// and returns why the new one was refused. Either way the outcome is
    /// logged, so a reload by signal (which has no caller to answer) leaves
    /// a trace.
    pub async fn reload(&self) -> Result<Reloaded, Error> {
        let _one_at_a_time = self.serial.lock().await;
        let source = self.source.clone();
        let started = Instant::now();
        let loaded = tokio::task::spawn_blocking(move || source.load())
            .await
            .unwrap_or_else(|panic| {
                Err(Error::Internal(format!(
                    "building the new table failed: {panic}"
                )))
            });
        let load_time = started.elapsed();
        let index = match loaded {
            Ok(index) => index,
            Err(error) => {
                tracing::error!(
                    source = %self.source.describe(),
                    serving = %self.index.load().version(),
                    "table reload refused, the old table keeps serving: {error}"
                );
                self.metrics.record_reload_refused();
                return Err(error);
            }
        };
        let (new_version, entities, aliases) = (
            index.version().to_string(),
            index.entity_count(),
            index.alias_count(),
        );
        let old = self.index.swap(Arc::new(index));
        self.metrics.record_reload(load_time);
        let reloaded = Reloaded {
            old_version: old.version().to_string(),
            new_version,
            entities,
            aliases,
            load_time,
            source: self.source.describe(),
        };
        tracing::info!(
            source = %reloaded.source,
            old_version = %reloaded.old_version,
            new_version = %reloaded.new_version,
            entities = reloaded.entities,
            aliases = reloaded.aliases,
            load_ms = load_time.as_millis() as u64,
            "alias table reloaded"
        );
        Ok(reloaded)
    }
}
