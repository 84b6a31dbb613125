//! Admission: whether a call may start now. The server-wide concurrency
//! limits, the in-flight byte budget and the streams per connection each
//! refuse at once rather than queue: a silent queue would hide the overload
//! from callers, who can back off or go to another replica when told.
//! What a call was admitted for is held by a guard and given back when the
//! guard drops, however the call ends.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tonic::Status;

use super::activity::{Activity, Held};
use super::limits::Limits;
use super::trim::TRIM_AFTER_BYTES;
use crate::error::Error;
use crate::status::status;

/// The server-wide limits of one service and what they have admitted.
pub(super) struct Admission {
    limits: Limits,
    activity: Arc<Activity>,
    requests: Arc<Semaphore>,
    streams: Arc<Semaphore>,
    /// One permit per byte of text in resolution.
    bytes: Arc<Semaphore>,
    /// ResolveStream calls open per remote address and port.
    connection_streams: Mutex<HashMap<SocketAddr, usize>>,
}

/// A call's place under a concurrency limit, given back when dropped.
pub(super) struct Admitted {
    _permit: OwnedSemaphorePermit,
    _counted: Option<Held>,
    _connection: Option<ConnectionStream>,
}

/// Bytes of text admitted under the in-flight budget, given back when
/// dropped: when the work and its answer are done with.
pub(super) struct AdmittedBytes {
    _permit: Option<OwnedSemaphorePermit>,
    activity: Arc<Activity>,
    bytes: usize,
}

impl Drop for AdmittedBytes {
    fn drop(&mut self) {
        self.activity
            .inflight_bytes
            .fetch_sub(self.bytes, Ordering::SeqCst);
        if self.bytes >= TRIM_AFTER_BYTES {
            // Twice: the answer may still be on its way out at the first.
            self.activity.trims_wanted.store(2, Ordering::SeqCst);
        }
    }
}

/// A stream's place among its connection's streams, given back when dropped.
struct ConnectionStream {
    admission: Arc<Admission>,
    peer: SocketAddr,
}

impl Drop for ConnectionStream {
    fn drop(&mut self) {
        let mut open = lock(&self.admission.connection_streams);
        if let Some(count) = open.get_mut(&self.peer) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.peer);
            }
        }
    }
}

/// The map's counts stay right even if a holder panicked mid-update: every
/// update is a single step.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn admit(
    permits: &Arc<Semaphore>,
    what: &str,
    limit: usize,
) -> Result<OwnedSemaphorePermit, Status> {
    permits.clone().try_acquire_owned().map_err(|_| {
        status(Error::LimitExceeded {
            what: what.to_string(),
            actual: limit.saturating_add(1),
            limit,
        })
    })
}

impl Admission {
    pub(super) fn new(limits: Limits, activity: Arc<Activity>) -> Self {
        let permits = |limit: usize| Arc::new(Semaphore::new(limit.min(Semaphore::MAX_PERMITS)));
        Admission {
            requests: permits(limits.max_concurrent_requests),
            streams: permits(limits.max_concurrent_streams),
            bytes: permits(limits.max_inflight_bytes),
            connection_streams: Mutex::default(),
            limits,
            activity,
        }
    }

    /// Admits one unary call, or refuses it naming the limit.
    pub(super) fn admit_request(&self) -> Result<Admitted, Status> {
        let permit = admit(
            &self.requests,
            "requests in progress on this server",
            self.limits.max_concurrent_requests,
        )?;
        Ok(Admitted {
            _permit: permit,
            _counted: Some(Held::new(&self.activity, |a| &a.requests)),
            _connection: None,
        })
    }

    /// Admits one ResolveStream call from `peer`, or refuses it naming the
    /// limit: the connection's own first, so a client over its share is
    /// told so rather than that the server is full.
    pub(super) fn admit_stream(
        self: &Arc<Self>,
        peer: Option<SocketAddr>,
    ) -> Result<Admitted, Status> {
        let connection = match peer {
            Some(peer) => {
                let limit = self.limits.max_streams_per_connection;
                let mut open = lock(&self.connection_streams);
                let count = open.entry(peer).or_insert(0);
                if *count >= limit {
                    return Err(status(Error::LimitExceeded {
                        what: "ResolveStream calls open on this connection".to_string(),
                        actual: count.saturating_add(1),
                        limit,
                    }));
                }
                *count += 1;
                Some(ConnectionStream {
                    admission: self.clone(),
                    peer,
                })
            }
            // Not a TCP connection (an in-memory transport): only the
            // server-wide limit applies.
            None => None,
        };
        let permit = admit(
            &self.streams,
            "ResolveStream calls open on this server",
            self.limits.max_concurrent_streams,
        )?;
        Ok(Admitted {
            _permit: permit,
            _counted: None,
            _connection: connection,
        })
    }

    /// Admits `bytes` of text under the in-flight budget, or refuses them
    /// at once naming the limit. Waiting would hold the request's memory
    /// while admitting nothing; a refused caller can retry or go to
    /// another replica.
    pub(super) fn admit_bytes(&self, bytes: usize, what: &str) -> Result<AdmittedBytes, Error> {
        let limit = self.limits.max_inflight_bytes;
        let refused = || {
            Error::LimitExceeded {
            what: format!("{what}: bytes of text in resolution on this server (--max-inflight-bytes) with this call"),
            actual: self.activity.inflight_bytes().saturating_add(bytes),
            limit,
        }
        };
        let permit = if bytes == 0 {
            None
        } else {
            let wanted = u32::try_from(bytes).map_err(|_| refused())?;
            Some(
                self.bytes
                    .clone()
                    .try_acquire_many_owned(wanted)
                    .map_err(|_| refused())?,
            )
        };
        self.activity
            .inflight_bytes
            .fetch_add(bytes, Ordering::SeqCst);
        Ok(AdmittedBytes {
            _permit: permit,
            activity: self.activity.clone(),
            bytes,
        })
    }
}
