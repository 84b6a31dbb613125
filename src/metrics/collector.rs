//! What the service holds (the table, open streams, connections), read at
//! each scrape by a collector rather than copied into gauges whenever it
//! changes.

use std::borrow::Cow;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use arc_swap::ArcSwap;
use prometheus_client::collector::Collector;
use prometheus_client::encoding::{DescriptorEncoder, EncodeLabelSet, EncodeMetric};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Unit;

use crate::transport::{ConnectionCounts, Port};
use entity_resolver_core::index::Index;

/// The live counts of streams a scrape reports. The server's own counters
/// implement it, so the metrics read them without knowing the server.
pub trait StreamGauges: std::fmt::Debug + Send + Sync {
    /// ResolveStream calls whose requests the server is still reading.
    fn open_streams(&self) -> usize;
    /// Stream documents read and not yet resolved or dropped.
    fn stream_documents(&self) -> usize;
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PortLabels {
    port: &'static str,
}

/// What the service holds, read at the moment of a scrape rather than
/// copied into gauges whenever it changes: whoever swaps the table, a scrape
/// sees the one in service, never half of a reload.
#[derive(Debug, Default)]
pub(super) struct State {
    table: OnceLock<Arc<ArcSwap<Index>>>,
    /// Of the table in service; unknown until someone reports it.
    load_seconds: Mutex<Option<f64>>,
    activity: OnceLock<Arc<dyn StreamGauges>>,
    /// Of each listening port, once serving.
    connections: Mutex<Vec<(Port, Arc<ConnectionCounts>)>>,
}

impl State {
    pub(super) fn watch_activity(&self, activity: Arc<dyn StreamGauges>) {
        let _ = self.activity.set(activity);
    }

    pub(super) fn watch_connections(&self, port: Port, counts: Arc<ConnectionCounts>) {
        let mut watched = lock(&self.connections);
        watched.retain(|(watched, _)| *watched != port);
        watched.push((port, counts));
    }

    pub(super) fn watch_table(&self, table: Arc<ArcSwap<Index>>) {
        let _ = self.table.set(table);
    }

    pub(super) fn set_load_seconds(&self, seconds: f64) {
        *lock(&self.load_seconds) = Some(seconds);
    }
}

impl Collector for State {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        if let Some(table) = self.table.get() {
            let table = table.load();
            let info = Info::new([(
                Cow::Borrowed("version"),
                Cow::Owned(table.version().to_string()),
            )]);
            info.encode(encoder.encode_descriptor(
                "table",
                "The alias table in service (its version is a content hash).",
                None,
                info.metric_type(),
            )?)?;
            gauge(
                &mut encoder,
                "table_entities",
                "Entities of the table in service.",
                None,
                table.entity_count() as u64,
            )?;
            gauge(
                &mut encoder,
                "table_aliases",
                "Aliases of the table in service.",
                None,
                table.alias_count() as u64,
            )?;
        }
        if let Some(seconds) = *lock(&self.load_seconds) {
            gauge(
                &mut encoder,
                "table_load",
                "Time it took to read, check and compile the table in service.",
                Some(&Unit::Seconds),
                seconds,
            )?;
        }
        if let Some(activity) = self.activity.get() {
            gauge(
                &mut encoder,
                "open_streams",
                "ResolveStream calls whose requests the server is still reading.",
                None,
                activity.open_streams() as u64,
            )?;
            gauge(
                &mut encoder,
                "stream_documents_in_flight",
                "Stream documents read and not yet resolved or dropped.",
                None,
                activity.stream_documents() as u64,
            )?;
        }
        let connections = lock(&self.connections).clone();
        if !connections.is_empty() {
            let mut family = encoder.encode_descriptor(
                "open_connections",
                "Connections open, by port (grpc, metrics).",
                None,
                prometheus_client::metrics::MetricType::Gauge,
            )?;
            for (port, counts) in &connections {
                ConstGauge::new(counts.open() as u64)
                    .encode(family.encode_family(&PortLabels { port: port.name() })?)?;
            }
            let mut family = encoder.encode_descriptor(
                "connections_refused",
                "Connections closed at once because their port was at its connection limit, by port.",
                None,
                prometheus_client::metrics::MetricType::Counter,
            )?;
            for (port, counts) in &connections {
                ConstCounter::new(counts.refused())
                    .encode(family.encode_family(&PortLabels { port: port.name() })?)?;
            }
            let mut family = encoder.encode_descriptor(
                "accept_failures",
                "Accepts that failed for lack of file descriptors (the port pauses 100 ms after each), by port.",
                None,
                prometheus_client::metrics::MetricType::Counter,
            )?;
            for (port, counts) in &connections {
                ConstCounter::new(counts.accept_failures())
                    .encode(family.encode_family(&PortLabels { port: port.name() })?)?;
            }
        }
        Ok(())
    }
}

fn gauge<N: prometheus_client::encoding::EncodeGaugeValue>(
    encoder: &mut DescriptorEncoder,
    name: &str,
    help: &str,
    unit: Option<&Unit>,
    value: N,
) -> Result<(), std::fmt::Error> {
    let gauge = ConstGauge::new(value);
    gauge.encode(encoder.encode_descriptor(name, help, unit, gauge.metric_type())?)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
