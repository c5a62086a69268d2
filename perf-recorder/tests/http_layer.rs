//! The tower layer on a service, without a network.

// Test helpers outside `#[test]` functions unwrap too.
#![allow(clippy::unwrap_used)]

use std::borrow::Cow;
use std::convert::Infallible;
use std::io::{self, Write};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use http::{Request, Response, StatusCode};
use http_body::{Body, Frame};
use http_body_util::{BodyExt, Full};
use perf_record::{Outcome, ReadConfig, Record, RecordReader};
use perf_recorder::Recorder;
use perf_recorder::http_layer::{HttpLayer, RouteTemplates};
use tower::{Layer, ServiceExt, service_fn};

#[derive(Clone, Default)]
struct SharedBuffer(Arc<Mutex<Vec<u8>>>);

impl Write for SharedBuffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn records(recorder: &Recorder, buffer: &SharedBuffer) -> Vec<Record<'static>> {
    recorder.flush().unwrap();
    let bytes = buffer.0.lock().unwrap().clone();
    RecordReader::new("recorded", bytes.as_slice(), ReadConfig::default())
        .map(|result| result.unwrap().into_owned())
        .collect()
}

fn recorder(buffer: &SharedBuffer) -> Recorder {
    Recorder::builder()
        .tool("registry")
        .session_id("srv")
        .writer(buffer.clone())
        .build()
        .unwrap()
}

fn routes() -> RouteTemplates {
    RouteTemplates::new()
        .route("/health")
        .route("/v1/registry/{urn}")
}

/// A body that sends `chunks` chunks, `gap` apart.
struct Trickle {
    chunks: usize,
    gap: Duration,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Body for Trickle {
    type Data = bytes::Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if self.chunks == 0 {
            return Poll::Ready(None);
        }
        let gap = self.gap;
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(gap)));
        match sleep.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(()) => {
                self.sleep = None;
                self.chunks -= 1;
                Poll::Ready(Some(Ok(Frame::data(bytes::Bytes::from_static(b"chunk\n")))))
            }
        }
    }
}

#[tokio::test]
async fn a_streamed_body_is_timed_to_its_last_frame() {
    let buffer = SharedBuffer::default();
    let recorder = recorder(&buffer);
    let service = HttpLayer::new(recorder.clone(), routes()).layer(service_fn(
        |_request: Request<Full<bytes::Bytes>>| async {
            Ok::<_, Infallible>(Response::new(Trickle {
                chunks: 4,
                gap: Duration::from_millis(50),
                sleep: None,
            }))
        },
    ));
    let response = service
        .oneshot(
            Request::get("/v1/registry/urn:1")
                .body(Full::default())
                .unwrap(),
        )
        .await
        .unwrap();
    // The head is here, the body is not: nothing recorded yet.
    assert!(records(&recorder, &buffer).is_empty());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(body.len(), 24);
    let records = records(&recorder, &buffer);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].step, "GET /v1/registry/{urn}");
    assert_eq!(records[0].outcome, Outcome::Success);
    assert!(records[0].ms >= 200.0, "timed {} ms", records[0].ms);
}

#[tokio::test]
async fn route_templates_status_and_unmatched_paths_make_steps_and_outcomes() {
    let buffer = SharedBuffer::default();
    let recorder = recorder(&buffer);
    let layer = HttpLayer::new(recorder.clone(), routes());
    for (method, path, status) in [
        ("GET", "/v1/registry/urn:1", StatusCode::OK),
        ("GET", "/v1/registry/urn:2", StatusCode::NOT_FOUND),
        ("PUT", "/v1/registry/urn:2", StatusCode::UNAUTHORIZED),
        ("GET", "/health", StatusCode::OK),
        ("GET", "/secret/urn:3", StatusCode::INTERNAL_SERVER_ERROR),
    ] {
        let service = layer.layer(service_fn(
            move |_request: Request<Full<bytes::Bytes>>| async move {
                let mut response = Response::new(Full::new(bytes::Bytes::from_static(b"{}")));
                *response.status_mut() = status;
                Ok::<_, Infallible>(response)
            },
        ));
        let request = Request::builder()
            .method(method)
            .uri(path)
            .body(Full::default())
            .unwrap();
        let response = service.oneshot(request).await.unwrap();
        response.into_body().collect().await.unwrap();
    }
    let steps: Vec<(String, Outcome<'static>)> = records(&recorder, &buffer)
        .into_iter()
        .map(|record| (record.step.into_owned(), record.outcome))
        .collect();
    let error = |reason: &'static str| Outcome::Error(Some(Cow::Borrowed(reason)));
    assert_eq!(
        steps,
        [
            ("GET /v1/registry/{urn}".to_owned(), Outcome::Success),
            (
                "GET /v1/registry/{urn}".to_owned(),
                error("http 404 not found")
            ),
            (
                "PUT /v1/registry/{urn}".to_owned(),
                error("http 401 unauthorized")
            ),
            ("GET /health".to_owned(), Outcome::Success),
            (
                "GET unmatched".to_owned(),
                error("http 500 internal server error")
            ),
        ]
    );
}

#[tokio::test]
async fn a_body_dropped_before_its_end_and_a_cancelled_request_are_errors() {
    let buffer = SharedBuffer::default();
    let recorder = recorder(&buffer);
    let layer = HttpLayer::new(recorder.clone(), routes());
    let trickling = layer.layer(service_fn(|_request: Request<Full<bytes::Bytes>>| async {
        Ok::<_, Infallible>(Response::new(Trickle {
            chunks: 10,
            gap: Duration::from_millis(5),
            sleep: None,
        }))
    }));
    let response = trickling
        .oneshot(Request::get("/health").body(Full::default()).unwrap())
        .await
        .unwrap();
    let mut body = response.into_body();
    body.frame().await.unwrap().unwrap();
    drop(body);

    let never = layer.layer(service_fn(|_request: Request<Full<bytes::Bytes>>| async {
        std::future::pending::<Result<Response<Full<bytes::Bytes>>, Infallible>>().await
    }));
    let cancelled = tokio::time::timeout(
        Duration::from_millis(10),
        never.oneshot(Request::get("/health").body(Full::default()).unwrap()),
    )
    .await;
    assert!(cancelled.is_err());

    let outcomes: Vec<_> = records(&recorder, &buffer)
        .into_iter()
        .map(|record| record.outcome)
        .collect();
    assert_eq!(
        outcomes,
        [
            Outcome::Error(Some(Cow::Borrowed("response body not finished"))),
            Outcome::Error(Some(Cow::Borrowed("request cancelled"))),
        ]
    );
}

#[tokio::test]
async fn an_empty_body_records_at_the_head() {
    let buffer = SharedBuffer::default();
    let recorder = recorder(&buffer);
    let service = HttpLayer::new(recorder.clone(), routes()).layer(service_fn(
        |_request: Request<Full<bytes::Bytes>>| async {
            Ok::<_, Infallible>(Response::new(http_body_util::Empty::<bytes::Bytes>::new()))
        },
    ));
    let response = service
        .oneshot(Request::get("/health").body(Full::default()).unwrap())
        .await
        .unwrap();
    let records = records(&recorder, &buffer);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].outcome, Outcome::Success);
    drop(response);
}
