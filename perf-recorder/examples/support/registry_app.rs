//! The demo registry service: five endpoints, an API key, optional injected delay and errors,
//! and perf-recorder's tower layer writing one record per request. Shared by
//! `examples/registry.rs` and `tests/registry_service.rs`.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use perf_recorder::Recorder;
use perf_recorder::http_layer::HttpLayer;
use serde_json::{Value, json};

/// How the service behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// The key `/v1` requests must send as `x-api-key` or `Authorization: Bearer`.
    pub api_key: String,
    /// Added to every `/v1` request before it is answered.
    pub delay: Duration,
    /// The fraction of `/v1` requests answered `503` on purpose, in `[0, 1]`.
    pub error_rate: f64,
    /// Seeds the choice of which requests fail, so runs are repeatable.
    pub seed: u64,
}

struct AppState {
    config: Config,
    entries: RwLock<HashMap<String, Value>>,
    requests: AtomicU64,
}

/// The service's router with the recording layer on every route.
pub fn router(recorder: Recorder, config: Config) -> Router {
    let state = Arc::new(AppState {
        config,
        entries: RwLock::new(HashMap::new()),
        requests: AtomicU64::new(0),
    });
    Router::new()
        .route("/health", get(health))
        .route("/openapi.json", get(openapi))
        .route("/v1/registry/{urn}", get(get_entry).put(put_entry))
        .route("/v1/resolve", get(resolve))
        .with_state(state)
        .layer(HttpLayer::axum(recorder))
}

async fn health() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], OPENAPI).into_response()
}

/// Checks the key, waits the injected delay and maybe fails on purpose.
async fn admit(state: &AppState, headers: &HeaderMap) -> Result<(), Response> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    let key = headers
        .get("x-api-key")
        .and_then(|value| value.to_str().ok())
        .or(bearer);
    if key != Some(state.config.api_key.as_str()) {
        return Err(problem(
            StatusCode::UNAUTHORIZED,
            "missing or wrong API key",
        ));
    }
    if !state.config.delay.is_zero() {
        tokio::time::sleep(state.config.delay).await;
    }
    let request = state.requests.fetch_add(1, Ordering::Relaxed);
    if unit_interval(state.config.seed ^ request) < state.config.error_rate {
        return Err(problem(StatusCode::SERVICE_UNAVAILABLE, "injected error"));
    }
    Ok(())
}

/// A number in `[0, 1)` from splitmix64: a fixed, well-spread sequence for the error rate.
fn unit_interval(input: u64) -> f64 {
    let mut z = input.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1_u64 << 53) as f64
}

fn problem(status: StatusCode, detail: &str) -> Response {
    (
        status,
        Json(json!({ "status": status.as_u16(), "detail": detail })),
    )
        .into_response()
}

async fn get_entry(
    State(state): State<Arc<AppState>>,
    Path(urn): Path<String>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = admit(&state, &headers).await {
        return response;
    }
    let entry = match state.entries.read() {
        Ok(entries) => entries.get(&urn).cloned(),
        Err(_) => return problem(StatusCode::INTERNAL_SERVER_ERROR, "registry unavailable"),
    };
    match entry {
        Some(document) => Json(json!({ "urn": urn, "document": document })).into_response(),
        None => problem(StatusCode::NOT_FOUND, "unknown URN"),
    }
}

async fn put_entry(
    State(state): State<Arc<AppState>>,
    Path(urn): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Err(response) = admit(&state, &headers).await {
        return response;
    }
    let Ok(document) = serde_json::from_slice::<Value>(&body) else {
        return problem(StatusCode::BAD_REQUEST, "the body is not JSON");
    };
    let previous = match state.entries.write() {
        Ok(mut entries) => entries.insert(urn.clone(), document),
        Err(_) => return problem(StatusCode::INTERNAL_SERVER_ERROR, "registry unavailable"),
    };
    let status = if previous.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    (status, Json(json!({ "urn": urn }))).into_response()
}

#[derive(serde::Deserialize)]
struct ResolveQuery {
    urn: Option<String>,
}

async fn resolve(
    State(state): State<Arc<AppState>>,
    Query(query): Query<ResolveQuery>,
    headers: HeaderMap,
) -> Response {
    if let Err(response) = admit(&state, &headers).await {
        return response;
    }
    let Some(urn) = query.urn else {
        return problem(
            StatusCode::BAD_REQUEST,
            "the urn query parameter is required",
        );
    };
    let entry = match state.entries.read() {
        Ok(entries) => entries.get(&urn).cloned(),
        Err(_) => return problem(StatusCode::INTERNAL_SERVER_ERROR, "registry unavailable"),
    };
    match entry {
        Some(document) => {
            let location = document.get("location").cloned().unwrap_or(Value::Null);
            Json(json!({ "urn": urn, "location": location })).into_response()
        }
        None => problem(StatusCode::NOT_FOUND, "unknown URN"),
    }
}

const OPENAPI: &str = r#"{
  "openapi": "3.1.0",
  "info": { "title": "perf-recorder demo registry", "version": "0.1.0" },
  "components": {
    "securitySchemes": { "apiKey": { "type": "apiKey", "in": "header", "name": "x-api-key" } }
  },
  "paths": {
    "/health": { "get": { "responses": { "200": { "description": "the service is up" } } } },
    "/openapi.json": { "get": { "responses": { "200": { "description": "this document" } } } },
    "/v1/registry/{urn}": {
      "parameters": [ { "name": "urn", "in": "path", "required": true, "schema": { "type": "string" } } ],
      "get": {
        "security": [ { "apiKey": [] } ],
        "responses": { "200": { "description": "the entry" }, "401": { "description": "no or wrong API key" }, "404": { "description": "unknown URN" } }
      },
      "put": {
        "security": [ { "apiKey": [] } ],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "type": "object" } } } },
        "responses": { "200": { "description": "replaced" }, "201": { "description": "created" }, "400": { "description": "not JSON" }, "401": { "description": "no or wrong API key" } }
      }
    },
    "/v1/resolve": {
      "get": {
        "security": [ { "apiKey": [] } ],
        "parameters": [ { "name": "urn", "in": "query", "required": true, "schema": { "type": "string" } } ],
        "responses": { "200": { "description": "the entry's location" }, "400": { "description": "no urn" }, "401": { "description": "no or wrong API key" }, "404": { "description": "unknown URN" } }
      }
    }
  }
}
"#;
