//! The service's shared state: the index slot, the limits, what is held
//! and admitted, and the metrics. Every handler module reads it; none of
//! them is imported here.

use std::sync::Arc;

use arc_swap::ArcSwap;
use tonic::{Request, Status};

use super::activity::Activity;
use super::admission::Admission;
use super::deadline::{Deadline, Stamped};
use super::limits::Limits;
use super::trim::spawn_memory_trimmer;
use super::work::Work;
use crate::metrics::Metrics;
use crate::proto::entity_resolver_service_server::EntityResolverServiceServer;
use entity_resolver_core::index::Index;
use entity_resolver_core::resolve::Resolver;

/// What the service shares between requests. The index is swapped whole on
/// reload; a request keeps the one it started with.
#[derive(Clone)]
pub struct ResolverService {
    pub(super) index: Arc<ArcSwap<Index>>,
    pub(super) limits: Limits,
    pub(super) activity: Arc<Activity>,
    pub(super) admission: Arc<Admission>,
    pub(super) metrics: Arc<Metrics>,
}

impl ResolverService {
    pub fn new(index: Arc<Index>, limits: Limits) -> Self {
        let index = Arc::new(ArcSwap::new(index));
        let activity = Arc::<Activity>::default();
        let metrics = Arc::new(Metrics::new());
        metrics.watch_table(index.clone());
        metrics.watch_activity(activity.clone());
        spawn_memory_trimmer(Arc::downgrade(&activity));
        ResolverService {
            index,
            admission: Arc::new(Admission::new(limits, activity.clone())),
            limits,
            activity,
            metrics,
        }
    }

    /// What the service counts; always counting, served over HTTP only
    /// when `ServeConfig::metrics_listener` is set.
    pub fn metrics(&self) -> Arc<Metrics> {
        self.metrics.clone()
    }

    pub fn activity(&self) -> Arc<Activity> {
        self.activity.clone()
    }

    /// The slot the index is served from, for a `Reloader` to swap.
    pub fn table(&self) -> Arc<ArcSwap<Index>> {
        self.index.clone()
    }

    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// When the work of `request` must stop.
    pub(super) fn deadline<T>(&self, request: &Request<T>) -> Result<Deadline, Status> {
        Deadline::of_call(request, self.limits.max_deadline)
    }

    pub(super) fn work(&self) -> Work {
        Work {
            resolver: self.resolver(),
            limits: self.limits,
            activity: self.activity.clone(),
        }
    }

    fn resolver(&self) -> Resolver {
        Resolver::new(self.index.load_full())
    }

    /// The tonic service, with message limits applied and each call
    /// stamped with when it arrived.
    pub fn into_server(self) -> Stamped<EntityResolverServiceServer<Self>> {
        let limit = self.limits.max_message_bytes;
        Stamped::new(
            EntityResolverServiceServer::new(self)
                .max_decoding_message_size(limit)
                .max_encoding_message_size(limit),
        )
    }
}
