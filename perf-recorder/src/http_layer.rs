//! A tower middleware that writes one record per HTTP request (feature `tower`).
//!
//! [`HttpLayer`] wraps any `tower::Service<http::Request<_>>` that answers
//! `http::Response<B>` with an [`http_body::Body`] (axum, hyper, tonic). Each request becomes a
//! record whose
//!
//! - `step` is `"{METHOD} {route template}"` (`"GET /v1/registry/{urn}"`), never the raw path,
//!   so `/v1/registry/urn:1` and `/v1/registry/urn:2` are one step; a request no route matches
//!   is `"{METHOD} unmatched"`. Templates come from [`RouteTemplates`], from axum's
//!   `MatchedPath` ([`HttpLayer::axum`], feature `axum`) or from any function of the request
//!   head ([`HttpLayer::with_step_fn`]);
//! - `ms` runs from the call to the **end of the response body**, so a streamed body is timed
//!   until its last frame, not only until the response head;
//! - `ok`/`errorReason` come from the status exactly as perf-record's normalizer reads a
//!   `status` field: below 400 is a success, otherwise an error with reason
//!   [`perf_record::http_reason`] (`"http 404 not found"`). A request cancelled before its
//!   response is an error `"request cancelled"`, a response whose body stops with an error or
//!   is dropped before its end an error `"response body error"` or
//!   `"response body not finished"` (the client went away: the time still counts), and a
//!   service error `"service error"`.
//!
//! ```
//! use perf_recorder::Recorder;
//! use perf_recorder::http_layer::{HttpLayer, RouteTemplates};
//!
//! let recorder = Recorder::builder().tool("registry").writer(std::io::sink()).build()?;
//! let routes = RouteTemplates::new().route("/v1/registry/{urn}").route("/health");
//! assert_eq!(routes.find("/v1/registry/urn:1"), Some("/v1/registry/{urn}"));
//! let layer = HttpLayer::new(recorder, routes);
//! // `ServiceBuilder::new().layer(layer).service(app)`, or `router.layer(layer)` in axum.
//! # drop(layer);
//! # Ok::<(), perf_recorder::BuildError>(())
//! ```

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use http::request::Parts;
use http::{Method, Request, Response, StatusCode};
use http_body::{Body, Frame, SizeHint};
use perf_record::{Outcome, http_reason};

use crate::recorder::{Recorder, duration_ms};
use crate::writer::{Event, Start};

/// Names a request's step from its head.
pub type StepFn = Arc<dyn Fn(&Parts) -> Cow<'static, str> + Send + Sync>;

/// The outcome perf-gate reads from an HTTP status: success below 400, otherwise an error with
/// reason [`http_reason`] (the same rule as [`perf_record::normalize_line`]).
pub fn status_outcome(status: StatusCode) -> Outcome<'static> {
    if status.as_u16() < 400 {
        Outcome::Success
    } else {
        Outcome::Error(Some(Cow::Owned(http_reason(status.as_u16()))))
    }
}

/// Route templates matched segment by segment: `{name}` matches one non-empty segment,
/// `{*name}` the rest of the path, anything else itself. When several match, the one with the
/// most literal segments wins (ties: the first added).
#[derive(Debug, Clone, Default)]
pub struct RouteTemplates {
    routes: Vec<Template>,
}

#[derive(Debug, Clone)]
struct Template {
    text: String,
    segments: Vec<Segment>,
    literals: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(String),
    Parameter,
    Rest,
}

impl RouteTemplates {
    /// No routes: every request is unmatched.
    pub fn new() -> RouteTemplates {
        RouteTemplates::default()
    }

    /// Adds a template such as `/v1/registry/{urn}`.
    pub fn route(mut self, template: &str) -> RouteTemplates {
        let segments: Vec<Segment> = split_path(template)
            .map(|segment| {
                if segment.starts_with("{*") && segment.ends_with('}') {
                    Segment::Rest
                } else if segment.starts_with('{') && segment.ends_with('}') {
                    Segment::Parameter
                } else {
                    Segment::Literal(segment.to_owned())
                }
            })
            .collect();
        let literals = segments
            .iter()
            .filter(|segment| matches!(segment, Segment::Literal(_)))
            .count();
        self.routes.push(Template {
            text: template.to_owned(),
            segments,
            literals,
        });
        self
    }

    /// The template that matches `path`, if any.
    pub fn find(&self, path: &str) -> Option<&str> {
        let mut best: Option<&Template> = None;
        for template in &self.routes {
            if template.matches(path) && best.is_none_or(|best| template.literals > best.literals) {
                best = Some(template);
            }
        }
        best.map(|template| template.text.as_str())
    }
}

impl Template {
    fn matches(&self, path: &str) -> bool {
        let mut parts = split_path(path);
        for segment in &self.segments {
            match segment {
                Segment::Rest => return true,
                Segment::Parameter => match parts.next() {
                    Some(part) if !part.is_empty() => {}
                    _ => return false,
                },
                Segment::Literal(literal) => {
                    if parts.next() != Some(literal.as_str()) {
                        return false;
                    }
                }
            }
        }
        parts.next().is_none()
    }
}

/// The segments of a path: `/a/b/` is `a`, `b` (a trailing slash does not count).
fn split_path(path: &str) -> impl Iterator<Item = &str> {
    let trimmed = path.strip_prefix('/').unwrap_or(path);
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    trimmed.split('/').filter(|_| !trimmed.is_empty())
}

/// `"{METHOD} {template}"`, or `"{METHOD} unmatched"`.
pub fn step_name(method: &Method, template: Option<&str>) -> Cow<'static, str> {
    Cow::Owned(format!(
        "{} {}",
        method.as_str(),
        template.unwrap_or("unmatched")
    ))
}

/// The [`tower_layer::Layer`] that times requests; see the [module documentation](self).
#[derive(Clone)]
pub struct HttpLayer {
    recorder: Recorder,
    step_of: StepFn,
}

impl fmt::Debug for HttpLayer {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("HttpLayer")
            .field("recorder", &self.recorder)
            .finish_non_exhaustive()
    }
}

impl HttpLayer {
    /// Steps from `routes` matched against the request path.
    pub fn new(recorder: Recorder, routes: RouteTemplates) -> HttpLayer {
        HttpLayer::with_step_fn(recorder, move |parts: &Parts| {
            step_name(&parts.method, routes.find(parts.uri.path()))
        })
    }

    /// Steps from any function of the request head (method, URI, headers, extensions).
    pub fn with_step_fn(
        recorder: Recorder,
        step_of: impl Fn(&Parts) -> Cow<'static, str> + Send + Sync + 'static,
    ) -> HttpLayer {
        HttpLayer {
            recorder,
            step_of: Arc::new(step_of),
        }
    }

    /// Steps from axum's `MatchedPath` (feature `axum`). Add it with `Router::layer` so it sees
    /// the matched route.
    #[cfg(feature = "axum")]
    pub fn axum(recorder: Recorder) -> HttpLayer {
        HttpLayer::with_step_fn(recorder, |parts: &Parts| {
            let template = parts
                .extensions
                .get::<axum::extract::MatchedPath>()
                .map(axum::extract::MatchedPath::as_str);
            step_name(&parts.method, template)
        })
    }
}

impl<S> tower_layer::Layer<S> for HttpLayer {
    type Service = HttpService<S>;

    fn layer(&self, inner: S) -> HttpService<S> {
        HttpService {
            inner,
            recorder: self.recorder.clone(),
            step_of: Arc::clone(&self.step_of),
        }
    }
}

/// The service [`HttpLayer`] makes.
#[derive(Clone)]
pub struct HttpService<S> {
    inner: S,
    recorder: Recorder,
    step_of: StepFn,
}

impl<S: fmt::Debug> fmt::Debug for HttpService<S> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("HttpService")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<S, RequestBody, ResponseBody> tower_service::Service<Request<RequestBody>> for HttpService<S>
where
    S: tower_service::Service<Request<RequestBody>, Response = Response<ResponseBody>>,
    ResponseBody: Body,
{
    type Response = Response<TimedBody<ResponseBody>>;
    type Error = S::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<RequestBody>) -> Self::Future {
        let start = Instant::now();
        let (parts, body) = request.into_parts();
        let step = (self.step_of)(&parts);
        let head_request = parts.method == Method::HEAD;
        let request = Request::from_parts(parts, body);
        ResponseFuture {
            inner: self.inner.call(request),
            timing: Some(Timing {
                recorder: self.recorder.clone(),
                step: Some(step),
                start,
                status: None,
                head_request,
            }),
        }
    }
}

/// One request being timed; records when finished or, with an error, when dropped unfinished.
struct Timing {
    recorder: Recorder,
    step: Option<Cow<'static, str>>,
    start: Instant,
    /// The outcome of the response's status, once the head has arrived.
    status: Option<Outcome<'static>>,
    head_request: bool,
}

impl Timing {
    fn finish(&mut self, outcome: Outcome<'static>) {
        if let Some(step) = self.step.take() {
            self.recorder.send_event(Event {
                start: Start::Instant(self.start),
                tool: None,
                step,
                ms: duration_ms(self.start.elapsed()),
                outcome,
            });
        }
    }

    /// The body has ended: the status decides.
    fn finish_with_status(&mut self) {
        let outcome = self.status.take().unwrap_or(Outcome::Unknown);
        self.finish(outcome);
    }
}

impl Drop for Timing {
    fn drop(&mut self) {
        if self.step.is_none() {
            return;
        }
        let reason = match (&self.status, self.head_request) {
            // A server sends no body for HEAD and may drop it unpolled: the head was the end.
            (Some(_), true) => return self.finish_with_status(),
            (Some(_), false) => "response body not finished",
            (None, _) => "request cancelled",
        };
        self.finish(Outcome::Error(Some(Cow::Borrowed(reason))));
    }
}

pin_project_lite::pin_project! {
    /// The future of [`HttpService`]: the inner future, then the response with a
    /// [`TimedBody`].
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        timing: Option<Timing>,
    }
}

impl<F, ResponseBody, Error> Future for ResponseFuture<F>
where
    F: Future<Output = Result<Response<ResponseBody>, Error>>,
    ResponseBody: Body,
{
    type Output = Result<Response<TimedBody<ResponseBody>>, Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        let mut timing = this.timing.take();
        Poll::Ready(match result {
            Ok(response) => {
                if let Some(timing) = &mut timing {
                    timing.status = Some(status_outcome(response.status()));
                }
                let (parts, body) = response.into_parts();
                if body.is_end_stream() {
                    // An empty body may never be polled: the head is the end.
                    if let Some(timing) = &mut timing {
                        timing.finish_with_status();
                    }
                }
                Ok(Response::from_parts(
                    parts,
                    TimedBody {
                        inner: body,
                        timing,
                    },
                ))
            }
            Err(error) => {
                if let Some(timing) = &mut timing {
                    timing.finish(Outcome::Error(Some(Cow::Borrowed("service error"))));
                }
                Err(error)
            }
        })
    }
}

pin_project_lite::pin_project! {
    /// A response body that records its request when its last frame has been read.
    pub struct TimedBody<B> {
        #[pin]
        inner: B,
        timing: Option<Timing>,
    }
}

impl<B: fmt::Debug> fmt::Debug for TimedBody<B> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("TimedBody")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<B: Body> Body for TimedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let mut this = self.project();
        let result = ready!(this.inner.as_mut().poll_frame(cx));
        if let Some(timing) = this.timing {
            match &result {
                None => timing.finish_with_status(),
                Some(Err(_)) => {
                    timing.finish(Outcome::Error(Some(Cow::Borrowed("response body error"))));
                }
                // The last data frame: the server may not poll again once it sees the end.
                Some(Ok(_)) if this.inner.is_end_stream() => timing.finish_with_status(),
                Some(Ok(_)) => {}
            }
        }
        Poll::Ready(result)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_match_segments_and_prefer_literals() {
        let routes = RouteTemplates::new()
            .route("/v1/registry/{urn}")
            .route("/v1/registry/search")
            .route("/v1/resolve")
            .route("/static/{*path}")
            .route("/");
        assert_eq!(
            routes.find("/v1/registry/urn:1"),
            Some("/v1/registry/{urn}")
        );
        assert_eq!(
            routes.find("/v1/registry/urn:2/"),
            Some("/v1/registry/{urn}")
        );
        assert_eq!(
            routes.find("/v1/registry/search"),
            Some("/v1/registry/search")
        );
        assert_eq!(routes.find("/v1/registry/"), None);
        assert_eq!(routes.find("/v1/registry/a/b"), None);
        assert_eq!(routes.find("/v1/resolve"), Some("/v1/resolve"));
        assert_eq!(routes.find("/static/css/site.css"), Some("/static/{*path}"));
        assert_eq!(routes.find("/"), Some("/"));
        assert_eq!(routes.find("/nope"), None);
    }

    #[test]
    fn status_outcome_follows_the_reader() {
        assert_eq!(status_outcome(StatusCode::OK), Outcome::Success);
        assert_eq!(status_outcome(StatusCode::NOT_MODIFIED), Outcome::Success);
        assert_eq!(
            status_outcome(StatusCode::UNAUTHORIZED),
            Outcome::Error(Some(Cow::Borrowed("http 401 unauthorized")))
        );
        assert_eq!(
            status_outcome(StatusCode::from_u16(599).unwrap()),
            Outcome::Error(Some(Cow::Borrowed("http 599")))
        );
    }
}
