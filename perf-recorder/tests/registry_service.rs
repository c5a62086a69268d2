//! The demo registry's router on 127.0.0.1, hit by a real HTTP client, and the records it wrote.

// Test helpers outside `#[test]` functions unwrap too.
#![allow(clippy::unwrap_used)]

#[path = "../examples/support/registry_app.rs"]
mod registry_app;

use std::borrow::Cow;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use perf_record::{Outcome, ReadConfig, RecordReader};
use perf_recorder::Recorder;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registry_service_writes_one_record_per_request_with_route_steps() {
    let dir = tempfile::tempdir().unwrap();
    let recorder = Recorder::builder()
        .tool("registry")
        .session_id("srv-1")
        .dir(dir.path())
        .build()
        .unwrap();
    let app = registry_app::router(
        recorder.clone(),
        registry_app::Config {
            api_key: "k3y".to_owned(),
            delay: Duration::from_millis(20),
            error_rate: 0.0,
            seed: 0,
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await
    });

    let client = Client::builder(TokioExecutor::new()).build_http::<Full<bytes::Bytes>>();
    let send = async |method: Method, path: &str, key: Option<&str>, body: &'static str| {
        let mut request = Request::builder()
            .method(method)
            .uri(format!("http://{address}{path}"));
        if let Some(key) = key {
            request = request.header("x-api-key", key);
        }
        let request = request
            .body(Full::new(bytes::Bytes::from_static(body.as_bytes())))
            .unwrap();
        let response = client.request(request).await.unwrap();
        let status = response.status();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8(body.to_vec()).unwrap())
    };
    let key = Some("k3y");
    let (status, body) = send(Method::GET, "/health", None, "").await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, r#"{"status":"ok"}"#)
    );
    let (status, body) = send(Method::GET, "/openapi.json", None, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("/v1/registry/{urn}"));
    let entry = r#"{"location":"https://example.invalid/a"}"#;
    assert_eq!(
        send(Method::PUT, "/v1/registry/urn:a", key, entry).await.0,
        StatusCode::CREATED
    );
    assert_eq!(
        send(Method::PUT, "/v1/registry/urn:a", key, entry).await.0,
        StatusCode::OK
    );
    assert_eq!(
        send(Method::GET, "/v1/registry/urn:a", key, "").await.0,
        StatusCode::OK
    );
    assert_eq!(
        send(Method::GET, "/v1/registry/urn:b", key, "").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(Method::GET, "/v1/registry/urn:a", Some("wrong"), "")
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    let (status, body) = send(Method::GET, "/v1/resolve?urn=urn:a", key, "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("example.invalid/a"), "{body}");
    assert_eq!(
        send(Method::GET, "/nowhere", key, "").await.0,
        StatusCode::NOT_FOUND
    );

    stop.send(()).unwrap();
    drop(client);
    server.await.unwrap().unwrap();
    recorder.flush().unwrap();

    let day = std::fs::read_dir(dir.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap();
    let text = std::fs::read_to_string(day.path().join("srv-1.jsonl")).unwrap();
    let mut reader = RecordReader::new("srv-1.jsonl", text.as_bytes(), ReadConfig::default());
    let records: Vec<_> = reader.by_ref().map(Result::unwrap).collect();
    assert_eq!(reader.counts().rejected, 0);
    let error = |reason: &'static str| Outcome::Error(Some(Cow::Borrowed(reason)));
    let seen: Vec<(&str, &Outcome<'_>)> = records
        .iter()
        .map(|record| (record.step.as_ref(), &record.outcome))
        .collect();
    assert_eq!(
        seen,
        [
            ("GET /health", &Outcome::Success),
            ("GET /openapi.json", &Outcome::Success),
            ("PUT /v1/registry/{urn}", &Outcome::Success),
            ("PUT /v1/registry/{urn}", &Outcome::Success),
            ("GET /v1/registry/{urn}", &Outcome::Success),
            ("GET /v1/registry/{urn}", &error("http 404 not found")),
            ("GET /v1/registry/{urn}", &error("http 401 unauthorized")),
            ("GET /v1/resolve", &Outcome::Success),
            ("GET unmatched", &error("http 404 not found")),
        ]
    );
    for record in &records {
        assert_eq!(
            (record.tool.as_ref(), record.session_id.as_ref()),
            ("registry", "srv-1")
        );
    }
    // The injected 20 ms delay is inside the timed span of every admitted /v1 request.
    for record in records
        .iter()
        .filter(|record| record.step.contains("/v1/") && record.outcome == Outcome::Success)
    {
        assert!(record.ms >= 20.0, "{record:?}");
    }
}

#[tokio::test]
async fn injected_error_rate_fails_about_that_fraction() {
    let recorder = Recorder::builder()
        .tool("registry")
        .writer(std::io::sink())
        .build()
        .unwrap();
    let app = registry_app::router(
        recorder.clone(),
        registry_app::Config {
            api_key: "k".to_owned(),
            delay: Duration::ZERO,
            error_rate: 0.25,
            seed: 7,
        },
    );
    use tower::ServiceExt;
    let mut failures = 0;
    for _ in 0..400 {
        let request = Request::get("/v1/registry/urn:x")
            .header("x-api-key", "k")
            .body(axum::body::Body::empty())
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        if response.status() == StatusCode::SERVICE_UNAVAILABLE {
            failures += 1;
        } else {
            assert_eq!(response.status(), StatusCode::NOT_FOUND);
        }
    }
    assert!((60..=140).contains(&failures), "{failures} of 400");
    let snapshot = recorder.snapshot().unwrap();
    let step = snapshot.step("registry", "GET /v1/registry/{urn}").unwrap();
    assert_eq!(step.counts.errors, 400);
}
