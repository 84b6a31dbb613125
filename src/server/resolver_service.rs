//! EntityResolverService: the unary calls that resolve text (Resolve,
//! ResolveBatch) or rank a name (Lookup). The stream and the entity pages
//! have modules of their own; the trait's methods for them only hand over.

use tonic::{Request, Response, Status, Streaming};

use super::activity::Held;
use super::service::ResolverService;
use super::stream::ResponseStream;
use super::work::on_cpu_pool;
use super::{entities, stream};
use crate::convert::{entity_to_proto, entity_types, match_kind_to_proto};
use crate::error::Error;
use crate::proto;
use crate::proto::entity_resolver_service_server::EntityResolverService;
use crate::status::status;
use entity_resolver_core::lookup::lookup;
use entity_resolver_core::resolve::Interrupt;

/// Texts up to this size are resolved on the async thread the call arrived
/// on. Their worst case is bounded by the resolver's per-word caps and
/// per-document fuzzy budget (a few milliseconds for any 4 KiB text, see
/// BENCHMARKS.md), so they cannot stall the thread; most single calls are
/// this small (a headline, a paragraph, a record's field).
pub const INLINE_TEXT_BYTES: usize = 4 * 1024;

#[tonic::async_trait]
impl EntityResolverService for ResolverService {
    async fn resolve(
        &self,
        request: Request<proto::ResolveRequest>,
    ) -> Result<Response<proto::ResolveResponse>, Status> {
        let _admitted = self.admission.admit_request()?;
        let deadline = self.deadline(&request)?;
        let document = request.into_inner();
        let outcome = match self.admission.admit_bytes(document.text.len(), "Resolve") {
            // A short text is resolved where it arrived: the hop to the CPU
            // pool would cost more than the work, and a short call would wait
            // there behind long ones.
            Ok(_bytes) if document.text.len() <= INLINE_TEXT_BYTES => {
                let stop = || deadline.check().map_err(Error::into_interrupt);
                self.work()
                    .resolve_document(document, &Interrupt::new(&stop))
            }
            Ok(bytes) => {
                let work = self.work();
                on_cpu_pool(deadline, move |interrupt| {
                    let _bytes = bytes;
                    work.resolve_document(document, interrupt)
                })
                .await
            }
            Err(refused) => Err(refused),
        }
        .map_err(status);
        self.metrics
            .record_document(outcome.as_ref().map_err(Status::code));
        Ok(Response::new(outcome?))
    }

    async fn resolve_batch(
        &self,
        request: Request<proto::ResolveBatchRequest>,
    ) -> Result<Response<proto::ResolveBatchResponse>, Status> {
        let _admitted = self.admission.admit_request()?;
        let deadline = self.deadline(&request)?;
        let documents = request.into_inner().documents;
        if documents.len() > self.limits.max_batch_documents {
            return Err(status(Error::LimitExceeded {
                what: "documents in one ResolveBatch call".to_string(),
                actual: documents.len(),
                limit: self.limits.max_batch_documents,
            }));
        }
        let total_bytes: usize = documents.iter().map(|d| d.text.len()).sum();
        if total_bytes > self.limits.max_batch_bytes {
            return Err(status(Error::LimitExceeded {
                what: "bytes of text in one ResolveBatch call".to_string(),
                actual: total_bytes,
                limit: self.limits.max_batch_bytes,
            }));
        }
        let bytes = self
            .admission
            .admit_bytes(total_bytes, "ResolveBatch")
            .map_err(status)?;
        let work = self.work();
        // Resolution is CPU work: spread it over the cores, off the async threads.
        let answered = on_cpu_pool(deadline, move |interrupt| {
            let _bytes = bytes;
            work.resolve_batch(documents, interrupt)
        })
        .await
        .map_err(status);
        match &answered {
            Ok(response) => {
                let failed: std::collections::HashSet<u32> =
                    response.errors.iter().map(|e| e.index).collect();
                for (i, result) in response.results.iter().enumerate() {
                    if !failed.contains(&(i as u32)) {
                        self.metrics.record_resolution(result);
                    }
                }
                for failure in &response.errors {
                    let code = failure.error.as_ref().map_or(0, |e| e.code);
                    self.metrics
                        .record_document_error(tonic::Code::from_i32(code));
                }
            }
            Err(refused) => self.metrics.record_document_error(refused.code()),
        }
        Ok(Response::new(answered?))
    }

    type ResolveStreamStream = ResponseStream;

    async fn resolve_stream(
        &self,
        request: Request<Streaming<proto::ResolveStreamRequest>>,
    ) -> Result<Response<Self::ResolveStreamStream>, Status> {
        stream::resolve_stream(self, request)
    }

    async fn lookup(
        &self,
        request: Request<proto::LookupRequest>,
    ) -> Result<Response<proto::LookupResponse>, Status> {
        let _admitted = self.admission.admit_request()?;
        let deadline = self.deadline(&request)?;
        let request = request.into_inner();
        let types = entity_types(&request.entity_types, "entity_types").map_err(status)?;
        let bytes = self
            .admission
            .admit_bytes(request.name.len(), "Lookup")
            .map_err(status)?;
        let index = self.index.load_full();
        let activity = self.activity.clone();
        // Ranking a name is CPU work too; the name's length is bounded by
        // lookup itself, so the work is small but kept off the async threads.
        let response = on_cpu_pool(deadline, move |interrupt| {
            let _bytes = bytes;
            let _working = Held::new(&activity, |a| &a.resolving);
            interrupt.check()?;
            let found = lookup(&index, &request.name, request.limit as usize, &types)?;
            let candidates = found
                .into_iter()
                .map(|c| proto::Candidate {
                    entity: Some(entity_to_proto(&index, c.entity)),
                    score: c.score,
                    match_kind: match_kind_to_proto(c.kind) as i32,
                    matched_alias: index.alias_at(c.alias).surface.clone(),
                    explanation: c.explanation,
                })
                .collect();
            Ok(proto::LookupResponse {
                candidates,
                table_version: index.version().to_string(),
            })
        })
        .await
        .map_err(status)?;
        Ok(Response::new(response))
    }

    async fn get_entity(
        &self,
        request: Request<proto::GetEntityRequest>,
    ) -> Result<Response<proto::GetEntityResponse>, Status> {
        entities::get_entity(self, request)
    }

    async fn list_entities(
        &self,
        request: Request<proto::ListEntitiesRequest>,
    ) -> Result<Response<proto::ListEntitiesResponse>, Status> {
        entities::list_entities(self, request)
    }
}
