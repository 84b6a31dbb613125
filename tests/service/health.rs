//! The standard health service, and NOT_SERVING on shutdown.

use std::time::Duration;

use tonic::Code;

use crate::checks::assert_status;
use crate::common::{TestResult, TestServer};

const SERVICE_NAME: &str = "entityresolution.v1.EntityResolverService";

#[tokio::test]
async fn health_reports_serving() -> TestResult {
    use tonic_health::pb::health_check_response::ServingStatus;
    use tonic_health::pb::health_client::HealthClient;
    use tonic_health::pb::HealthCheckRequest;

    let mut server = TestServer::start().await?;
    let mut health = HealthClient::new(server.channel());
    for service in ["", SERVICE_NAME] {
        let status = health
            .check(HealthCheckRequest {
                service: service.into(),
            })
            .await?
            .into_inner()
            .status();
        assert_eq!(status, ServingStatus::Serving, "service {service:?}");
    }
    let unknown = health
        .check(HealthCheckRequest {
            service: "no.such.Service".into(),
        })
        .await;
    assert_status(unknown, Code::NotFound, &[], "unknown service");

    // On shutdown the service turns NOT_SERVING before the listener closes,
    // so load balancers stop routing to it.
    let mut watch = health
        .watch(HealthCheckRequest {
            service: SERVICE_NAME.into(),
        })
        .await?
        .into_inner();
    let first = watch.message().await?.expect("a first status");
    assert_eq!(first.status(), ServingStatus::Serving);
    server.begin_shutdown();
    let next = tokio::time::timeout(Duration::from_secs(5), watch.message())
        .await
        .expect("a status change within 5 s")?
        .expect("a status before the stream ends");
    assert_eq!(next.status(), ServingStatus::NotServing);
    drop((watch, health));
    server.finish(Duration::from_secs(10)).await;
    Ok(())
}
