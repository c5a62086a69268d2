//! The plan: which endpoints to probe, how, and what counts as success.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use http::header::{HeaderMap, HeaderName, HeaderValue};
use http::{Method, Uri};
use serde::Deserialize;

use crate::load::LoadArgs;
use crate::secret::{SecretError, SecretSource};

/// Which HTTP versions the client may speak.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
pub enum HttpVersion {
    /// HTTP/1.1 over plain HTTP; over HTTPS whatever ALPN agrees on (h2 or HTTP/1.1).
    #[default]
    #[serde(rename = "auto")]
    Auto,
    /// HTTP/1.1 only.
    #[serde(rename = "1.1")]
    Http1,
    /// HTTP/2 only (prior knowledge, `h2c`, over plain HTTP).
    #[serde(rename = "2")]
    Http2,
}

/// A validated, ready-to-run plan. Secrets are already read and sit in the endpoints' header
/// maps marked sensitive; `Debug` never shows them.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Scheme and authority of every request, plus an optional path prefix (no trailing `/`).
    pub(crate) base: BaseUrl,
    /// Which HTTP versions to speak.
    pub http_version: HttpVersion,
    /// The endpoints, in plan order (their index is their interleaving identity).
    pub endpoints: Vec<Endpoint>,
    /// The plan's `[load]` table (empty for quick mode): the CLI lets flags override it with
    /// [`LoadArgs::overridden_by`] and passes the result to [`crate::validate`].
    pub load: LoadArgs,
    /// Extra PEM root certificates (`ca-file`) trusted besides the bundled web roots.
    pub ca_file: Option<PathBuf>,
    /// Reuse connections (`keep-alive`, default true); false opens one per request.
    pub keep_alive: bool,
}

#[derive(Debug, Clone)]
pub(crate) struct BaseUrl {
    pub(crate) scheme: http::uri::Scheme,
    pub(crate) authority: http::uri::Authority,
    pub(crate) prefix: String,
}

impl Plan {
    /// The base URL, for messages (`http://127.0.0.1:3000/api`).
    pub fn base_url(&self) -> String {
        format!(
            "{}://{}{}",
            self.base.scheme, self.base.authority, self.base.prefix
        )
    }
}

/// One endpoint: a `tool`/`step` group of records.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The records' `tool`.
    pub tool: String,
    /// The records' `step`.
    pub step: String,
    /// The HTTP method.
    pub method: Method,
    /// The path, with `{var}` placeholders.
    pub path: PathTemplate,
    /// Request headers, secrets included (marked sensitive).
    pub headers: HeaderMap,
    /// The request body (empty for none).
    pub body: Bytes,
    /// The statuses that count as success.
    pub expect: Expect,
    /// Response checks that must all pass for `ok: true`.
    pub checks: Vec<Check>,
}

/// A path with `{name}` placeholders filled per request from a list (cycled) or a counter.
#[derive(Debug, Clone, PartialEq)]
pub struct PathTemplate {
    text: String,
    parts: Vec<PathPart>,
    vars: Vec<VarValues>,
}

#[derive(Debug, Clone, PartialEq)]
enum PathPart {
    Literal(String),
    Var(usize),
}

/// Where a placeholder's values come from.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum VarValues {
    /// Request `i` of the endpoint uses `values[i % len]`.
    List(Vec<String>),
    /// Request `i` of the endpoint uses `counter + i`.
    Counter {
        /// The first value.
        counter: u64,
    },
}

impl PathTemplate {
    /// The template as written (`/v1/registry/{urn}`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The path of the endpoint's `index`-th request.
    pub fn render(&self, index: u64) -> String {
        if self.vars.is_empty() {
            return self.text.clone();
        }
        let mut out = String::with_capacity(self.text.len() + 16);
        for part in &self.parts {
            match part {
                PathPart::Literal(text) => out.push_str(text),
                PathPart::Var(var) => match &self.vars[*var] {
                    VarValues::List(values) => {
                        // Lists are checked non-empty when the plan is built.
                        let len = values.len().max(1) as u64;
                        if let Some(value) = values.get((index % len) as usize) {
                            out.push_str(value);
                        }
                    }
                    VarValues::Counter { counter } => {
                        out.push_str(&counter.wrapping_add(index).to_string());
                    }
                },
            }
        }
        out
    }

    fn parse(
        text: &str,
        vars: &BTreeMap<String, VarValues>,
        endpoint: &str,
    ) -> Result<PathTemplate, PlanError> {
        let problem = |detail: String| PlanError::Path {
            endpoint: endpoint.to_owned(),
            path: text.to_owned(),
            detail,
        };
        if !text.starts_with('/') {
            return Err(problem("a path starts with /".into()));
        }
        let mut parts = Vec::new();
        let mut used: Vec<(String, VarValues)> = Vec::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}').map(|close| open + close) else {
                return Err(problem("a { without its }".into()));
            };
            if open > 0 {
                parts.push(PathPart::Literal(rest[..open].to_owned()));
            }
            let name = &rest[open + 1..close];
            let Some(values) = vars.get(name) else {
                return Err(problem(format!("no values for {{{name}}} in `vars`")));
            };
            if let VarValues::List(list) = values
                && list.is_empty()
            {
                return Err(problem(format!("the list for {{{name}}} is empty")));
            }
            let index = match used.iter().position(|(used, _)| used == name) {
                Some(index) => index,
                None => {
                    used.push((name.to_owned(), values.clone()));
                    used.len() - 1
                }
            };
            parts.push(PathPart::Var(index));
            rest = &rest[close + 1..];
        }
        if !rest.is_empty() {
            parts.push(PathPart::Literal(rest.to_owned()));
        }
        let template = PathTemplate {
            text: text.to_owned(),
            parts,
            vars: used.iter().map(|(_, values)| values.clone()).collect(),
        };
        // Every value must make a valid request target, so no request can fail to build.
        let longest = used
            .iter()
            .map(|(_, values)| match values {
                VarValues::List(list) => list.len() as u64,
                VarValues::Counter { .. } => 1,
            })
            .max()
            .unwrap_or(1);
        for index in 0..longest {
            let path = template.render(index);
            if http::uri::PathAndQuery::try_from(path.as_str()).is_err() {
                return Err(problem(format!(
                    "{path:?} is not a valid request path (percent-encode the value)"
                )));
            }
        }
        Ok(template)
    }
}

/// The statuses that count as success: a list of exact statuses and classes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    ranges: Vec<(u16, u16)>,
}

impl Default for Expect {
    /// Any 2xx.
    fn default() -> Self {
        Expect {
            ranges: vec![(200, 299)],
        }
    }
}

impl Expect {
    /// Whether `status` is expected.
    pub fn allows(&self, status: u16) -> bool {
        self.ranges
            .iter()
            .any(|&(low, high)| (low..=high).contains(&status))
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
enum RawStatus {
    Exact(u16),
    Class(String),
}

/// A response check. The reason of a failed check is `check_failed: <name>`.
#[derive(Debug, Clone)]
pub struct Check {
    /// The check's name in `errorReason` (given in the plan, or made from the check).
    pub name: String,
    /// What is checked.
    pub kind: CheckKind,
}

/// What a [`Check`] tests on the response body.
#[derive(Debug, Clone)]
pub enum CheckKind {
    /// The body is JSON and the value at the RFC 6901 pointer equals the given value.
    JsonPointerEquals {
        /// The pointer (`/status`).
        pointer: String,
        /// The expected value.
        value: serde_json::Value,
    },
    /// The body (as UTF-8, lossily) contains the text.
    Contains(String),
    /// The body (as UTF-8, lossily) matches the regular expression (regex-lite syntax).
    Regex(regex_lite::Regex),
}

impl Check {
    /// Whether `body` passes.
    pub fn passes(&self, body: &[u8]) -> bool {
        match &self.kind {
            CheckKind::JsonPointerEquals { pointer, value } => {
                serde_json::from_slice::<serde_json::Value>(body)
                    .ok()
                    .and_then(|json| json.pointer(pointer).map(|found| found == value))
                    .unwrap_or(false)
            }
            CheckKind::Contains(text) => String::from_utf8_lossy(body).contains(text.as_str()),
            CheckKind::Regex(regex) => regex.is_match(&String::from_utf8_lossy(body)),
        }
    }
}

/// Quick mode: GET some paths of one base URL, optionally with an API key header.
#[derive(Debug, Clone)]
pub struct QuickPlan {
    /// `--base-url`.
    pub base_url: String,
    /// `--get PATH`, repeated: one endpoint each, step `GET PATH`.
    pub paths: Vec<String>,
    /// The records' `tool` (the CLI's default is `probe`).
    pub tool: String,
    /// `--api-key-env NAME` or `--api-key-file PATH`, with `--api-key-header`.
    pub api_key: Option<ApiKey>,
    /// `--http 1.1|2|auto`.
    pub http_version: HttpVersion,
}

/// A secret sent as a header on every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// Where the value comes from.
    pub source: SecretSource,
    /// The header (quick mode's default is [`DEFAULT_API_KEY_HEADER`]).
    pub header: String,
    /// Text put before the value (`Bearer `), empty for none.
    pub prefix: String,
}

/// The header quick mode sends the API key in unless told otherwise.
pub const DEFAULT_API_KEY_HEADER: &str = "x-api-key";

/// Why a plan is not usable. No variant ever holds a secret's value.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    /// The plan file could not be read.
    #[error("cannot read the plan {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The plan is not valid TOML or does not have the plan's shape.
    #[error("{}: invalid plan", path.display())]
    Toml {
        /// The file (`<plan>` for text).
        path: PathBuf,
        /// The parser's error, with line and column.
        #[source]
        source: toml::de::Error,
    },
    /// The base URL is unusable.
    #[error("invalid base URL {url:?}: {detail}")]
    BaseUrl {
        /// The URL as given, with any `user:password@` replaced by `***@`.
        url: String,
        /// What is wrong.
        detail: &'static str,
    },
    /// The base URL is not a URI at all.
    #[error("invalid base URL {url:?}")]
    BaseUrlSyntax {
        /// The URL as given, with any `user:password@` replaced by `***@`.
        url: String,
        /// Why `http` refused it.
        #[source]
        source: http::uri::InvalidUri,
    },
    /// The plan has no endpoint.
    #[error("the plan has no endpoint")]
    NoEndpoints,
    /// Two endpoints have the same tool and step.
    #[error("{endpoint}: another endpoint already has this tool and step")]
    DuplicateGroup {
        /// The endpoint.
        endpoint: String,
    },
    /// An empty tool or step.
    #[error("{endpoint}: {field} must not be empty")]
    Empty {
        /// The endpoint.
        endpoint: String,
        /// `tool` or `step`.
        field: &'static str,
    },
    /// An invalid method.
    #[error("{endpoint}: invalid method {method:?}")]
    Method {
        /// The endpoint.
        endpoint: String,
        /// The method as given.
        method: String,
        /// http's error.
        #[source]
        source: http::method::InvalidMethod,
    },
    /// An invalid path or placeholder.
    #[error("{endpoint}: path {path:?}: {detail}")]
    Path {
        /// The endpoint.
        endpoint: String,
        /// The path as given.
        path: String,
        /// What is wrong.
        detail: String,
    },
    /// An invalid header name or value.
    #[error("{endpoint}: invalid header {header:?}")]
    Header {
        /// The endpoint (`every endpoint` for plan-wide headers and secrets).
        endpoint: String,
        /// The header name.
        header: String,
    },
    /// A body file could not be read.
    #[error("{endpoint}: cannot read the body file {}", path.display())]
    Body {
        /// The endpoint.
        endpoint: String,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// An invalid `expect` entry.
    #[error(
        "{endpoint}: invalid expected status {value:?} (a status like 200 or a class like \"2xx\")"
    )]
    Expect {
        /// The endpoint.
        endpoint: String,
        /// The entry as given.
        value: String,
    },
    /// A check that is not exactly one of the kinds.
    #[error(
        "{endpoint}: check {index}: give exactly one of json-pointer (with equals), contains, regex"
    )]
    CheckShape {
        /// The endpoint.
        endpoint: String,
        /// 1-based index of the check.
        index: usize,
    },
    /// An invalid regular expression.
    #[error("{endpoint}: invalid regex {pattern:?}")]
    Regex {
        /// The endpoint.
        endpoint: String,
        /// The pattern.
        pattern: String,
        /// regex-lite's error.
        #[source]
        source: regex_lite::Error,
    },
    /// A secret could not be read.
    #[error("secret for header {header:?}")]
    Secret {
        /// The header it was for.
        header: String,
        /// Why (names the variable or file only).
        #[source]
        source: SecretError,
    },
    /// A secret both from an env var and a file, or from neither.
    #[error("secret for header {header:?}: give exactly one of env or file")]
    SecretShape {
        /// The header it was for.
        header: String,
    },
}

// ---- the TOML shape ----

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawPlan {
    base_url: String,
    #[serde(default)]
    http: HttpVersion,
    ca_file: Option<PathBuf>,
    #[serde(default = "yes")]
    keep_alive: bool,
    #[serde(default)]
    load: LoadArgs,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default, rename = "secret")]
    secrets: Vec<RawSecret>,
    #[serde(default, rename = "endpoint")]
    endpoints: Vec<RawEndpoint>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSecret {
    header: String,
    env: Option<String>,
    file: Option<PathBuf>,
    #[serde(default)]
    prefix: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawEndpoint {
    tool: String,
    step: Option<String>,
    #[serde(default = "default_method")]
    method: String,
    path: String,
    #[serde(default)]
    vars: BTreeMap<String, VarValues>,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    body: Option<String>,
    expect: Option<Vec<RawStatus>>,
    #[serde(default, rename = "check")]
    checks: Vec<RawCheck>,
}

fn yes() -> bool {
    true
}

fn default_method() -> String {
    "GET".to_owned()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCheck {
    name: Option<String>,
    json_pointer: Option<String>,
    equals: Option<serde_json::Value>,
    contains: Option<String>,
    regex: Option<String>,
}

const EVERY_ENDPOINT: &str = "every endpoint";

impl Plan {
    /// Reads and validates a TOML plan file; relative `@body` files, secret files and
    /// `ca-file` are taken relative to the plan's directory.
    ///
    /// # Errors
    /// [`PlanError`] naming the file, the endpoint and the field.
    pub fn load(path: &Path) -> Result<Plan, PlanError> {
        let text = std::fs::read_to_string(path).map_err(|source| PlanError::Read {
            path: path.to_owned(),
            source,
        })?;
        let base_dir = path.parent().unwrap_or(Path::new("."));
        Plan::from_toml(&text, path, base_dir)
    }

    /// Parses and validates a TOML plan held in memory. `name` is used in errors; relative
    /// files are taken relative to `base_dir`.
    ///
    /// ```
    /// let plan = perf_probe::Plan::from_toml(r#"
    ///     base-url = "http://127.0.0.1:3000"
    ///     [load]
    ///     rate = 20
    ///     samples = 50
    ///     [[endpoint]]
    ///     tool = "registry"
    ///     step = "get"
    ///     path = "/v1/registry/{urn}"
    ///     vars = { urn = ["a", "b"] }
    ///     expect = [200, 404]
    ///     [[endpoint.check]]
    ///     json-pointer = "/status"
    ///     equals = "ok"
    /// "#, "plan.toml".as_ref(), ".".as_ref())?;
    /// assert_eq!(plan.endpoints[0].path.render(1), "/v1/registry/b");
    /// assert_eq!(plan.load.rate, Some(20.0));
    /// # Ok::<(), perf_probe::PlanError>(())
    /// ```
    ///
    /// # Errors
    /// [`PlanError`].
    pub fn from_toml(text: &str, name: &Path, base_dir: &Path) -> Result<Plan, PlanError> {
        let raw: RawPlan = toml::from_str(text).map_err(|source| PlanError::Toml {
            path: name.to_owned(),
            source,
        })?;
        let base = parse_base_url(&raw.base_url)?;
        let common = build_headers(&raw.headers, EVERY_ENDPOINT)?;
        let mut secrets = Vec::new();
        for secret in raw.secrets {
            let source = match (secret.env, secret.file) {
                (Some(name), None) => SecretSource::Env(name),
                (None, Some(path)) => SecretSource::File(path),
                _ => {
                    return Err(PlanError::SecretShape {
                        header: secret.header,
                    });
                }
            };
            secrets.push(ApiKey {
                source,
                header: secret.header,
                prefix: secret.prefix,
            });
        }
        let secret_headers = secret_headers(&secrets, base_dir)?;
        if raw.endpoints.is_empty() {
            return Err(PlanError::NoEndpoints);
        }
        let mut endpoints = Vec::with_capacity(raw.endpoints.len());
        for (index, endpoint) in raw.endpoints.into_iter().enumerate() {
            endpoints.push(build_endpoint(
                index,
                endpoint,
                &common,
                &secret_headers,
                base_dir,
            )?);
        }
        check_unique_groups(&endpoints)?;
        Ok(Plan {
            base,
            http_version: raw.http,
            endpoints,
            load: raw.load,
            ca_file: raw.ca_file.map(|path| base_dir.join(path)),
            keep_alive: raw.keep_alive,
        })
    }

    /// Builds the quick-mode plan: one GET endpoint per path, tool `quick.tool`, step
    /// `GET <path>`, any 2xx expected, the API key (read now) on every request.
    ///
    /// # Errors
    /// [`PlanError`] for a bad URL or path, or a secret that cannot be read.
    pub fn quick(quick: &QuickPlan) -> Result<Plan, PlanError> {
        let base = parse_base_url(&quick.base_url)?;
        let secret_headers = secret_headers(quick.api_key.as_slice(), Path::new("."))?;
        if quick.paths.is_empty() {
            return Err(PlanError::NoEndpoints);
        }
        let mut endpoints = Vec::with_capacity(quick.paths.len());
        for (index, path) in quick.paths.iter().enumerate() {
            let raw = RawEndpoint {
                tool: quick.tool.clone(),
                step: None,
                method: default_method(),
                path: path.clone(),
                vars: BTreeMap::new(),
                headers: BTreeMap::new(),
                body: None,
                expect: None,
                checks: Vec::new(),
            };
            endpoints.push(build_endpoint(
                index,
                raw,
                &HeaderMap::new(),
                &secret_headers,
                Path::new("."),
            )?);
        }
        check_unique_groups(&endpoints)?;
        Ok(Plan {
            base,
            http_version: quick.http_version,
            endpoints,
            load: LoadArgs::default(),
            ca_file: None,
            keep_alive: true,
        })
    }
}

/// `url` with the user information of its authority (`user:password@`) replaced by `***@`, so
/// an error can quote the URL without leaking a credential.
fn redact_user_info(url: &str) -> String {
    let authority_start = url.find("://").map_or(0, |index| index + 3);
    let authority_end = url[authority_start..]
        .find(['/', '?', '#'])
        .map_or(url.len(), |index| authority_start + index);
    match url[authority_start..authority_end].rfind('@') {
        Some(at) => format!(
            "{}***{}",
            &url[..authority_start],
            &url[authority_start + at..]
        ),
        None => url.to_owned(),
    }
}

fn parse_base_url(url: &str) -> Result<BaseUrl, PlanError> {
    let problem = |detail: &'static str| PlanError::BaseUrl {
        url: redact_user_info(url),
        detail,
    };
    let uri: Uri = url.parse().map_err(|source| PlanError::BaseUrlSyntax {
        url: redact_user_info(url),
        source,
    })?;
    let scheme = uri
        .scheme()
        .cloned()
        .ok_or_else(|| problem("it needs a scheme, http:// or https://"))?;
    if scheme != http::uri::Scheme::HTTP && scheme != http::uri::Scheme::HTTPS {
        return Err(problem("the scheme must be http or https"));
    }
    let authority = uri
        .authority()
        .cloned()
        .ok_or_else(|| problem("it needs a host"))?;
    if authority.as_str().contains('@') {
        return Err(problem(
            "credentials in the URL would be written to reports; use a [[secret]] header",
        ));
    }
    if uri.query().is_some() {
        return Err(problem("a base URL has no query"));
    }
    let prefix = uri.path().trim_end_matches('/').to_owned();
    Ok(BaseUrl {
        scheme,
        authority,
        prefix,
    })
}

fn build_headers(
    headers: &BTreeMap<String, String>,
    endpoint: &str,
) -> Result<HeaderMap, PlanError> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        let bad = || PlanError::Header {
            endpoint: endpoint.to_owned(),
            header: name.clone(),
        };
        let name_value = HeaderName::try_from(name.as_str()).map_err(|_| bad())?;
        let value = HeaderValue::try_from(value.as_str()).map_err(|_| bad())?;
        map.insert(name_value, value);
    }
    Ok(map)
}

fn secret_headers(secrets: &[ApiKey], base_dir: &Path) -> Result<HeaderMap, PlanError> {
    let mut map = HeaderMap::new();
    for secret in secrets {
        let value = secret
            .source
            .read(base_dir)
            .map_err(|source| PlanError::Secret {
                header: secret.header.clone(),
                source,
            })?;
        let bad = || PlanError::Header {
            endpoint: EVERY_ENDPOINT.to_owned(),
            header: secret.header.clone(),
        };
        let name = HeaderName::try_from(secret.header.as_str()).map_err(|_| bad())?;
        let mut value = HeaderValue::try_from(format!("{}{}", secret.prefix, value.expose()))
            .map_err(|_| bad())?;
        value.set_sensitive(true);
        map.insert(name, value);
    }
    Ok(map)
}

fn build_endpoint(
    index: usize,
    raw: RawEndpoint,
    common: &HeaderMap,
    secrets: &HeaderMap,
    base_dir: &Path,
) -> Result<Endpoint, PlanError> {
    let step = raw
        .step
        .clone()
        .unwrap_or_else(|| format!("{} {}", raw.method, raw.path));
    let label = EndpointLabel {
        index,
        tool: &raw.tool,
        step: &step,
    }
    .to_string();
    if raw.tool.is_empty() {
        return Err(PlanError::Empty {
            endpoint: label,
            field: "tool",
        });
    }
    if step.is_empty() {
        return Err(PlanError::Empty {
            endpoint: label,
            field: "step",
        });
    }
    let method = Method::from_bytes(raw.method.as_bytes()).map_err(|source| PlanError::Method {
        endpoint: label.clone(),
        method: raw.method.clone(),
        source,
    })?;
    let path = PathTemplate::parse(&raw.path, &raw.vars, &label)?;
    let mut headers = common.clone();
    for (name, value) in build_headers(&raw.headers, &label)? {
        if let Some(name) = name {
            headers.insert(name, value);
        }
    }
    for (name, value) in secrets {
        headers.insert(name.clone(), value.clone());
    }
    let body = match raw.body {
        None => Bytes::new(),
        Some(text) => match text.strip_prefix('@') {
            Some(file) => {
                let path = base_dir.join(file);
                Bytes::from(std::fs::read(&path).map_err(|source| PlanError::Body {
                    endpoint: label.clone(),
                    path,
                    source,
                })?)
            }
            None => Bytes::from(text),
        },
    };
    let expect = match raw.expect {
        None => Expect::default(),
        Some(list) => parse_expect(&list, &label)?,
    };
    let mut checks = Vec::with_capacity(raw.checks.len());
    for (check_index, check) in raw.checks.into_iter().enumerate() {
        checks.push(build_check(check, check_index + 1, &label)?);
    }
    Ok(Endpoint {
        tool: raw.tool,
        step,
        method,
        path,
        headers,
        body,
        expect,
        checks,
    })
}

struct EndpointLabel<'a> {
    index: usize,
    tool: &'a str,
    step: &'a str,
}

impl fmt::Display for EndpointLabel<'_> {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "endpoint {} ({}/{})",
            self.index + 1,
            self.tool,
            self.step
        )
    }
}

fn parse_expect(list: &[RawStatus], label: &str) -> Result<Expect, PlanError> {
    let mut ranges = Vec::with_capacity(list.len());
    for entry in list {
        let bad = |value: String| PlanError::Expect {
            endpoint: label.to_owned(),
            value,
        };
        match entry {
            RawStatus::Exact(status) if (100..=599).contains(status) => {
                ranges.push((*status, *status));
            }
            RawStatus::Exact(status) => return Err(bad(status.to_string())),
            RawStatus::Class(class) => {
                let bytes = class.as_bytes();
                match bytes {
                    [digit @ b'1'..=b'5', b'x' | b'X', b'x' | b'X'] => {
                        let low = u16::from(digit - b'0') * 100;
                        ranges.push((low, low + 99));
                    }
                    _ => return Err(bad(class.clone())),
                }
            }
        }
    }
    if ranges.is_empty() {
        return Err(PlanError::Expect {
            endpoint: label.to_owned(),
            value: "[]".to_owned(),
        });
    }
    Ok(Expect { ranges })
}

fn build_check(raw: RawCheck, index: usize, label: &str) -> Result<Check, PlanError> {
    let shape = || PlanError::CheckShape {
        endpoint: label.to_owned(),
        index,
    };
    let (default_name, kind) = match (raw.json_pointer, raw.equals, raw.contains, raw.regex) {
        (Some(pointer), Some(value), None, None) => (
            format!("json-pointer {pointer} == {value}"),
            CheckKind::JsonPointerEquals { pointer, value },
        ),
        (None, None, Some(text), None) => (format!("contains {text:?}"), CheckKind::Contains(text)),
        (None, None, None, Some(pattern)) => {
            let regex = regex_lite::Regex::new(&pattern).map_err(|source| PlanError::Regex {
                endpoint: label.to_owned(),
                pattern: pattern.clone(),
                source,
            })?;
            (format!("regex {pattern}"), CheckKind::Regex(regex))
        }
        _ => return Err(shape()),
    };
    Ok(Check {
        name: raw.name.unwrap_or(default_name),
        kind,
    })
}

fn check_unique_groups(endpoints: &[Endpoint]) -> Result<(), PlanError> {
    for (index, endpoint) in endpoints.iter().enumerate() {
        if endpoints[..index]
            .iter()
            .any(|other| other.tool == endpoint.tool && other.step == endpoint.step)
        {
            return Err(PlanError::DuplicateGroup {
                endpoint: EndpointLabel {
                    index,
                    tool: &endpoint.tool,
                    step: &endpoint.step,
                }
                .to_string(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(text: &str) -> Result<Plan, PlanError> {
        Plan::from_toml(text, Path::new("plan.toml"), Path::new("."))
    }

    const MINIMAL: &str = "base-url = \"http://127.0.0.1:1/api/\"\n";

    #[test]
    fn a_bad_base_url_is_quoted_without_its_credentials() {
        for (url, shown) in [
            (
                "http://admin:hunter2@example.com/api",
                "http://***@example.com/api",
            ),
            ("https://token@example.com", "https://***@example.com"),
            ("http://us er:hunter2@exa mple/", "http://***@exa mple/"),
            ("http://example.com/a@b?q=1", "http://example.com/a@b?q=1"),
            ("ftp://example.com", "ftp://example.com"),
        ] {
            let error = parse_base_url(url).unwrap_err();
            let message = error.to_string();
            assert!(message.contains(&format!("{shown:?}")), "{url}: {message}");
            assert!(!message.contains("hunter2"), "{message}");
            let mut cause = std::error::Error::source(&error);
            while let Some(inner) = cause {
                assert!(!inner.to_string().contains("hunter2"), "{inner}");
                cause = inner.source();
            }
        }
        assert!(matches!(
            parse_base_url("http://us er:hunter2@exa mple/"),
            Err(PlanError::BaseUrlSyntax { .. })
        ));
    }

    #[test]
    fn parses_endpoints_with_defaults() {
        let plan = plan(&format!(
            "{MINIMAL}[[endpoint]]\ntool = \"t\"\npath = \"/health\"\n[[endpoint]]\ntool = \"t\"\nstep = \"put\"\nmethod = \"PUT\"\npath = \"/v1/{{n}}\"\nvars = {{ n = {{ counter = 7 }} }}\nbody = \"{{}}\"\nexpect = [201, \"4xx\"]\n"
        ))
        .unwrap();
        assert_eq!(plan.base_url(), "http://127.0.0.1:1/api");
        let health = &plan.endpoints[0];
        assert_eq!(health.step, "GET /health");
        assert!(health.expect.allows(204) && !health.expect.allows(301));
        let put = &plan.endpoints[1];
        assert_eq!(put.method, Method::PUT);
        assert_eq!(put.path.render(3), "/v1/10");
        assert_eq!(&put.body[..], b"{}");
        assert!(put.expect.allows(201) && put.expect.allows(404) && !put.expect.allows(200));
    }

    #[test]
    fn errors_name_the_endpoint_and_field() {
        let cases = [
            (
                "[[endpoint]]\ntool = \"t\"\npath = \"/x/{y}\"\n",
                "endpoint 1 (t/GET /x/{y}): path \"/x/{y}\": no values for {y} in `vars`",
            ),
            (
                "[[endpoint]]\ntool = \"t\"\npath = \"x\"\n",
                "a path starts with /",
            ),
            (
                "[[endpoint]]\ntool = \"t\"\npath = \"/x\"\nexpect = [\"2yy\"]\n",
                "invalid expected status \"2yy\"",
            ),
            (
                "[[endpoint]]\ntool = \"t\"\npath = \"/x\"\n[[endpoint.check]]\ncontains = \"a\"\nregex = \"b\"\n",
                "check 1: give exactly one",
            ),
            (
                "[[endpoint]]\ntool = \"t\"\npath = \"/x\"\n[[endpoint]]\ntool = \"t\"\npath = \"/x\"\n",
                "endpoint 2 (t/GET /x): another endpoint",
            ),
            ("", "no endpoint"),
        ];
        for (text, expected) in cases {
            let error = plan(&format!("{MINIMAL}{text}")).unwrap_err();
            assert!(
                error.to_string().contains(expected),
                "{error} vs {expected}"
            );
        }
        let error = plan("base-url = \"ftp://x\"\n").unwrap_err();
        assert!(error.to_string().contains("http or https"), "{error}");
        let error = plan("base-url = \"http://u:p@x\"\n").unwrap_err();
        assert!(error.to_string().contains("credentials"), "{error}");
    }

    #[test]
    fn checks_pass_and_fail() {
        let plan = plan(&format!(
            "{MINIMAL}[[endpoint]]\ntool = \"t\"\npath = \"/x\"\n[[endpoint.check]]\njson-pointer = \"/a/0\"\nequals = 1\n[[endpoint.check]]\nname = \"mentions b\"\ncontains = \"b\"\n[[endpoint.check]]\nregex = \"^\\\\{{\"\n"
        ))
        .unwrap();
        let checks = &plan.endpoints[0].checks;
        assert_eq!(checks[0].name, "json-pointer /a/0 == 1");
        assert_eq!(checks[1].name, "mentions b");
        assert_eq!(checks[2].name, "regex ^\\{");
        let body = br#"{"a":[1],"b":2}"#;
        assert!(checks.iter().all(|check| check.passes(body)));
        assert!(!checks[0].passes(br#"{"a":[2]}"#));
        assert!(!checks[0].passes(b"not json"));
        assert!(!checks[2].passes(b" {"));
    }

    #[test]
    fn secrets_are_read_and_hidden_from_debug() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("token"), "s3cr3t-value\n").unwrap();
        let plan = Plan::from_toml(
            "base-url = \"https://example.invalid\"\n[[secret]]\nheader = \"authorization\"\nfile = \"token\"\nprefix = \"Bearer \"\n[[endpoint]]\ntool = \"t\"\npath = \"/x\"\n",
            Path::new("plan.toml"),
            dir.path(),
        )
        .unwrap();
        let value = &plan.endpoints[0].headers["authorization"];
        assert_eq!(value.as_bytes(), b"Bearer s3cr3t-value");
        assert!(value.is_sensitive());
        assert!(!format!("{plan:?}").contains("s3cr3t"));
    }

    const VALID: &str = "base-url = \"http://127.0.0.1:1\"\n[load]\nrate = 5\nsamples = 2\n[[endpoint]]\ntool = \"t\"\npath = \"/v/{a}/{b}\"\nvars = { a = [\"x\"], b = { counter = 1 } }\nexpect = [200, \"4xx\"]\n[[endpoint.check]]\nregex = \"^o\"\n";

    proptest::proptest! {
        #[test]
        fn never_panics_on_any_text(text in "\\PC{0,300}") {
            let _ = plan(&text);
        }

        #[test]
        fn never_panics_on_a_mangled_valid_plan(cut in 0..VALID.len(), insert in "[{}\\[\\]\"=/a-z0-9 \n]{0,12}") {
            let mut text = VALID.to_owned();
            if text.is_char_boundary(cut) {
                text.insert_str(cut, &insert);
            }
            if let Ok(plan) = plan(&text) {
                for endpoint in &plan.endpoints {
                    for index in 0..4 {
                        let _ = endpoint.path.render(index);
                    }
                }
            }
        }
    }
}
