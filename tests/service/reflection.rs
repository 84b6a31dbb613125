//! Server reflection, v1 and v1alpha: `grpcurl` and `buf curl` find and
//! describe every service.

use std::collections::BTreeSet;

use entity_resolver::server::Stopped;

use crate::common::{TestResult, TestServer};

const SERVICE_NAME: &str = "entityresolution.v1.EntityResolverService";
const HEALTH_SERVICE_NAME: &str = "grpc.health.v1.Health";

/// The few fields of `google.protobuf.FileDescriptorProto` these tests read
/// (prost-types is not a dependency).
#[derive(Clone, PartialEq, prost::Message)]
struct FileDescriptor {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
    #[prost(string, optional, tag = "2")]
    package: Option<String>,
    #[prost(message, repeated, tag = "6")]
    service: Vec<ServiceDescriptor>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct ServiceDescriptor {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
    #[prost(message, repeated, tag = "2")]
    method: Vec<MethodDescriptor>,
}

#[derive(Clone, PartialEq, prost::Message)]
struct MethodDescriptor {
    #[prost(string, optional, tag = "1")]
    name: Option<String>,
}

#[tokio::test]
async fn reflection_v1_lists_and_describes_the_services() -> TestResult {
    use prost::Message;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1::ServerReflectionRequest;

    let server = TestServer::start().await?;
    let mut reflection = ServerReflectionClient::new(server.channel());
    let requests = [
        MessageRequest::ListServices(String::new()),
        MessageRequest::FileContainingSymbol(SERVICE_NAME.into()),
    ]
    .map(|message| ServerReflectionRequest {
        host: String::new(),
        message_request: Some(message),
    });
    let mut replies = reflection
        .server_reflection_info(tokio_stream::iter(requests))
        .await?
        .into_inner();

    let listed = replies.message().await?.expect("a reply to list_services");
    let services: BTreeSet<String> = match listed.message_response {
        Some(MessageResponse::ListServicesResponse(list)) => {
            list.service.into_iter().map(|s| s.name).collect()
        }
        other => panic!("list_services answered {other:?}"),
    };
    for name in [SERVICE_NAME, HEALTH_SERVICE_NAME] {
        assert!(services.contains(name), "{name} not in {services:?}");
    }

    let described = replies
        .message()
        .await?
        .expect("a reply to file_containing_symbol");
    let files = match described.message_response {
        Some(MessageResponse::FileDescriptorResponse(files)) => files.file_descriptor_proto,
        other => panic!("file_containing_symbol answered {other:?}"),
    };
    let files: Vec<FileDescriptor> = files
        .iter()
        .map(|bytes| FileDescriptor::decode(bytes.as_slice()))
        .collect::<Result<_, _>>()?;
    let file = files
        .iter()
        .find(|f| f.package.as_deref() == Some("entityresolution.v1"))
        .unwrap_or_else(|| panic!("no entityresolution.v1 file in {files:?}"));
    assert_eq!(
        file.name.as_deref(),
        Some("entityresolution/v1/entity_resolver.proto")
    );
    let service = file
        .service
        .iter()
        .find(|s| s.name.as_deref() == Some("EntityResolverService"))
        .expect("the service is described");
    let methods: BTreeSet<&str> = service
        .method
        .iter()
        .filter_map(|m| m.name.as_deref())
        .collect();
    let want: BTreeSet<&str> = [
        "Resolve",
        "ResolveBatch",
        "ResolveStream",
        "Lookup",
        "GetEntity",
        "ListEntities",
    ]
    .into();
    assert_eq!(methods, want);
    drop(replies);
    drop(reflection);

    server.stop().await;
    Ok(())
}

#[tokio::test]
async fn reflection_v1alpha_lists_the_service() -> TestResult {
    use tonic_reflection::pb::v1alpha::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1alpha::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1alpha::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1alpha::ServerReflectionRequest;

    let server = TestServer::start().await?;
    let mut reflection = ServerReflectionClient::new(server.channel());
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut replies = reflection
        .server_reflection_info(tokio_stream::iter([request]))
        .await?
        .into_inner();
    let listed = replies.message().await?.expect("a reply to list_services");
    let services: BTreeSet<String> = match listed.message_response {
        Some(MessageResponse::ListServicesResponse(list)) => {
            list.service.into_iter().map(|s| s.name).collect()
        }
        other => panic!("list_services answered {other:?}"),
    };
    for name in [SERVICE_NAME, HEALTH_SERVICE_NAME] {
        assert!(services.contains(name), "{name} not in {services:?}");
    }
    drop(replies);
    drop(reflection);
    server.stop().await;
    Ok(())
}

/// `grpcurl` and `buf curl` find the admin service like the others.
#[tokio::test]
async fn reflection_lists_the_admin_service() -> TestResult {
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    use tonic_reflection::pb::v1::ServerReflectionRequest;

    let server = TestServer::start().await?;
    let mut reflection = ServerReflectionClient::new(server.connect_channel().await?);
    let requests = [
        MessageRequest::ListServices(String::new()),
        MessageRequest::FileContainingSymbol("entityresolution.v1.AdminService".into()),
    ]
    .map(|message| ServerReflectionRequest {
        host: String::new(),
        message_request: Some(message),
    });
    let mut replies = reflection
        .server_reflection_info(tokio_stream::iter(requests))
        .await?
        .into_inner();
    let listed = match replies.message().await?.and_then(|r| r.message_response) {
        Some(MessageResponse::ListServicesResponse(list)) => list.service,
        other => panic!("list_services answered {other:?}"),
    };
    for name in [
        "entityresolution.v1.AdminService",
        "entityresolution.v1.EntityResolverService",
    ] {
        assert!(
            listed.iter().any(|s| s.name == name),
            "{name} not in {listed:?}"
        );
    }
    let described = replies.message().await?.and_then(|r| r.message_response);
    assert!(
        matches!(described, Some(MessageResponse::FileDescriptorResponse(ref files)) if !files.file_descriptor_proto.is_empty()),
        "{described:?}"
    );
    drop((replies, reflection));
    assert_eq!(server.stop().await, Stopped::Drained);
    Ok(())
}
