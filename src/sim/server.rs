//! Connection loop, request handling, store, journal and persistence.

use super::{FaultAction, FaultRule, JournalEntry, SimConfig, Stats};
use crate::client::wire::{ApiResponse, Cluster, DeleteRequest};
use anyhow::{Context, Result};
use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use rand::Rng as _;
use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

const API_PREFIX: &str = "/cerappservices";
const CLUSTER_PATH: &str = "/cerappservices/service/cluster";
const ADMIN_PREFIX: &str = "/_sim/";
const MAX_BODY: usize = 1 << 20;
const JOURNAL_CAP: usize = 10_000;
const GRACE: Duration = Duration::from_secs(5);
const MASK: &str = "<redacted>";

const UNAUTHORIZED_PAGE: &str = "<html><body><h1>401 Unauthorized</h1></body></html>";
const MALFORMED_BODY: &str = r#"{"status": "Succ"#;
const INJECTED_BODY: &str = r#"{"status":"Failure","message":"injected fault"}"#;

type Body = Full<Bytes>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[derive(Default)]
struct Store {
    /// Keyed by the lower-cased CUCM address.
    clusters: BTreeMap<String, Cluster>,
    version: u64,
}

pub(crate) struct State {
    expected_auth: Vec<u8>,
    credentials: Vec<u8>,
    latency: Duration,
    verbose: bool,
    state_file: Option<PathBuf>,
    store: Mutex<Store>,
    /// Version last written to the state file.
    persisted: Mutex<u64>,
    journal: Mutex<VecDeque<JournalEntry>>,
    faults: Mutex<Vec<FaultRule>>,
    requests: AtomicU64,
    connections: AtomicU64,
    in_flight: AtomicUsize,
    peak: AtomicUsize,
}

fn key(cucm: &str) -> String {
    cucm.trim().to_lowercase()
}

impl State {
    pub(crate) fn new(config: &SimConfig, faults: Vec<FaultRule>, clusters: Vec<Cluster>) -> Self {
        let credentials = format!("{}:{}", config.username, config.password).into_bytes();
        let expected_auth = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(&credentials)
        )
        .into_bytes();
        let mut store = Store::default();
        for c in clusters {
            store.clusters.insert(key(&c.cucm), c);
        }
        Self {
            expected_auth,
            credentials,
            latency: config.latency,
            verbose: config.verbose,
            state_file: config.state_file.clone(),
            store: Mutex::new(store),
            persisted: Mutex::new(0),
            journal: Mutex::new(VecDeque::new()),
            faults: Mutex::new(faults),
            requests: AtomicU64::new(0),
            connections: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        }
    }

    pub(crate) fn clusters(&self) -> Vec<Cluster> {
        lock(&self.store).clusters.values().cloned().collect()
    }

    pub(crate) fn upsert(&self, cluster: Cluster) {
        self.mutate(|clusters| {
            clusters.insert(key(&cluster.cucm), cluster);
            true
        });
    }

    /// Applies `change` to the store and, if there is a state file, writes the new content.
    /// `change` returns whether it changed anything; only then is the state file rewritten.
    fn mutate(&self, change: impl FnOnce(&mut BTreeMap<String, Cluster>) -> bool) -> bool {
        let (result, snapshot) = {
            let mut store = lock(&self.store);
            let result = change(&mut store.clusters);
            if !result {
                return false;
            }
            store.version += 1;
            let snapshot = self.state_file.as_ref().map(|_| {
                (
                    store.version,
                    store.clusters.values().cloned().collect::<Vec<_>>(),
                )
            });
            (result, snapshot)
        };
        if let (Some(path), Some((version, clusters))) = (&self.state_file, snapshot) {
            let mut persisted = lock(&self.persisted);
            if version > *persisted {
                match save_state(path, &clusters) {
                    Ok(()) => *persisted = version,
                    Err(e) => eprintln!("cer-sim: cannot save state: {e:#}"),
                }
            }
        }
        result
    }

    pub(crate) fn journal(&self) -> Vec<JournalEntry> {
        lock(&self.journal).iter().cloned().collect()
    }

    pub(crate) fn clear_journal(&self) {
        lock(&self.journal).clear();
    }

    fn record(&self, entry: JournalEntry) {
        if self.verbose {
            let status = entry
                .status
                .map_or_else(|| "dropped".to_owned(), |s| s.to_string());
            eprintln!(
                "cer-sim: {} {} -> {status} ({} ms{})",
                entry.method,
                entry.path,
                entry.duration_ms,
                if entry.authorized {
                    ""
                } else {
                    ", unauthorized"
                }
            );
        }
        let mut journal = lock(&self.journal);
        if journal.len() >= JOURNAL_CAP {
            journal.pop_front();
        }
        journal.push_back(entry);
    }

    pub(crate) fn add_fault(&self, rule: FaultRule) {
        lock(&self.faults).push(rule);
    }

    pub(crate) fn faults(&self) -> Vec<FaultRule> {
        lock(&self.faults).clone()
    }

    pub(crate) fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    /// First live rule matching `method` that fires; consumes one of its `times`.
    fn pick_fault(&self, method: &str) -> Option<FaultAction> {
        let mut faults = lock(&self.faults);
        let mut i = 0;
        while i < faults.len() {
            let rule = &mut faults[i];
            if rule.matches(method) && rule.times != Some(0) {
                let fires = match rule.probability {
                    None => true,
                    Some(p) if p >= 1.0 => true,
                    Some(p) if p <= 0.0 => false,
                    Some(p) => rand::thread_rng().r#gen::<f64>() < p,
                };
                if fires {
                    let action = rule.action.clone();
                    if let Some(times) = &mut rule.times {
                        *times -= 1;
                        if *times == 0 {
                            faults.remove(i);
                        }
                    }
                    return Some(action);
                }
            }
            i += 1;
        }
        None
    }

    pub(crate) fn stats(&self) -> Stats {
        Stats {
            requests: self.requests.load(Ordering::Relaxed),
            connections: self.connections.load(Ordering::Relaxed),
            in_flight: self.in_flight.load(Ordering::Relaxed),
            peak_in_flight: self.peak.load(Ordering::Relaxed),
        }
    }

    pub(crate) fn reset_peak(&self) {
        self.peak
            .store(self.in_flight.load(Ordering::Relaxed), Ordering::Relaxed);
    }

    pub(crate) fn reset(&self) {
        self.mutate(|clusters| {
            clusters.clear();
            true
        });
        self.clear_journal();
        self.clear_faults();
        self.requests.store(0, Ordering::Relaxed);
        self.connections.store(0, Ordering::Relaxed);
        self.reset_peak();
    }

    fn authorized(&self, req: &Request<Incoming>) -> bool {
        let Some(value) = req.headers().get(header::AUTHORIZATION) else {
            return false;
        };
        let value = value.as_bytes();
        if ct_eq(value, &self.expected_auth) {
            return true;
        }
        // Slow path: other spellings of the scheme, base64 without padding.
        let Some(scheme) = value.get(..6) else {
            return false;
        };
        if !scheme.eq_ignore_ascii_case(b"basic ") {
            return false;
        }
        let encoded = value[6..].trim_ascii();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(encoded));
        match decoded {
            Ok(decoded) => ct_eq(&decoded, &self.credentials),
            Err(_) => false,
        }
    }
}

/// Compares without an early exit on the first differing byte.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Counts a request in flight for as long as it lives (including when its future is dropped).
struct InFlight<'a>(&'a State);

impl<'a> InFlight<'a> {
    fn new(state: &'a State) -> Self {
        let now = state.in_flight.fetch_add(1, Ordering::Relaxed) + 1;
        state.peak.fetch_max(now, Ordering::Relaxed);
        Self(state)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

// ---------------------------------------------------------------------------------------------
// Persistence

pub(crate) fn load_state(path: &Path) -> Result<Vec<Cluster>> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("reading state file {}", path.display())),
    };
    if text.trim().is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_str(&text).with_context(|| {
        format!(
            "state file {} is not a JSON array of clusters",
            path.display()
        )
    })
}

fn save_state(path: &Path, clusters: &[Cluster]) -> Result<()> {
    let mut text = serde_json::to_vec_pretty(clusters)?;
    text.push(b'\n');
    write_atomically(path, &text)
}

/// Writes `content` to a temporary file next to `path`, then renames it over `path`.
pub fn write_atomically(path: &Path, content: &[u8]) -> Result<()> {
    let file_name = path
        .file_name()
        .with_context(|| format!("{} is not a file path", path.display()))?;
    let mut tmp_name = std::ffi::OsString::from(".");
    tmp_name.push(file_name);
    tmp_name.push(format!(".tmp{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    std::fs::write(&tmp, content).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| {
        let _ = std::fs::remove_file(&tmp);
        format!("renaming {} to {}", tmp.display(), path.display())
    })
}

// ---------------------------------------------------------------------------------------------
// Redaction

fn is_secret_key(k: &str) -> bool {
    let k = k.to_ascii_lowercase();
    k.contains("password") || k.contains("authstring") || k.contains("secret")
}

/// Masks every non-empty string under a key that names a secret (password, auth string).
pub(crate) fn redact_json(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                match v {
                    serde_json::Value::String(s) if is_secret_key(k) => {
                        if !s.is_empty() {
                            *s = MASK.to_owned();
                        }
                    }
                    other => redact_json(other),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Responses

fn response(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Body> {
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

fn json_static(status: StatusCode, body: &'static str) -> Response<Body> {
    response(
        status,
        "application/json",
        Bytes::from_static(body.as_bytes()),
    )
}

fn json<T: serde::Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(body) => response(status, "application/json", Bytes::from(body)),
        Err(_) => json_static(
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"status":"Failure","message":"cannot encode the answer"}"#,
        ),
    }
}

fn failure(status: StatusCode, message: &str) -> Response<Body> {
    json(status, &ApiResponse::new("Failure", message))
}

fn unauthorized() -> Response<Body> {
    let mut resp = response(
        StatusCode::UNAUTHORIZED,
        "text/html",
        Bytes::from_static(UNAUTHORIZED_PAGE.as_bytes()),
    );
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Basic realm=\"CER\""),
    );
    resp
}

fn method_not_allowed(allow: &'static str) -> Response<Body> {
    let mut resp = failure(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    resp.headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    resp
}

fn injected(
    status: u16,
    body: Option<&str>,
    content_type: Option<&str>,
    retry_after: Option<u64>,
) -> Response<Body> {
    let body = match body {
        Some(b) => Bytes::copy_from_slice(b.as_bytes()),
        None => Bytes::from_static(INJECTED_BODY.as_bytes()),
    };
    let mut resp = Response::new(Full::new(body));
    *resp.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = content_type
        .and_then(|c| HeaderValue::from_str(c).ok())
        .unwrap_or(HeaderValue::from_static("application/json"));
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, content_type);
    if let Some(seconds) = retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    }
    resp
}

// ---------------------------------------------------------------------------------------------
// Request handling

/// The parsed request body: JSON, or the reason it is not.
enum Parsed {
    Empty,
    Json(serde_json::Value),
    NotJson(String),
}

fn parse_body(bytes: &[u8]) -> Parsed {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Parsed::Empty;
    }
    match serde_json::from_slice(bytes) {
        Ok(v) => Parsed::Json(v),
        Err(e) => Parsed::NotJson(e.to_string()),
    }
}

fn decode<T: serde::de::DeserializeOwned>(parsed: &Parsed, what: &str) -> Result<T, String> {
    match parsed {
        Parsed::Empty => Err(format!("request body is empty: expected {what}")),
        Parsed::NotJson(e) => Err(format!("request body is not valid JSON: {e}")),
        Parsed::Json(value) => serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            if path == "." {
                format!("invalid {what}: {}", e.inner())
            } else {
                format!("invalid {what}: {path}: {}", e.inner())
            }
        }),
    }
}

/// Decodes a cluster body; the error is the message of the 400 answer.
fn decode_cluster(parsed: &Parsed) -> Result<Cluster, String> {
    let cluster: Cluster = decode(parsed, "cluster JSON")?;
    if cluster.cucm.trim().is_empty() {
        return Err("CUCM must not be empty".to_owned());
    }
    Ok(cluster)
}

/// Applies an API request to the store and builds the vendor's answer.
fn route(state: &State, method: &Method, path: &str, parsed: &Parsed) -> Response<Body> {
    let path = path.strip_suffix('/').unwrap_or(path);
    if path != CLUSTER_PATH {
        return failure(StatusCode::NOT_FOUND, &format!("resource {path} not found"));
    }
    match *method {
        Method::POST => {
            let cluster = match decode_cluster(parsed) {
                Ok(c) => c,
                Err(m) => return failure(StatusCode::BAD_REQUEST, &m),
            };
            let k = key(&cluster.cucm);
            let cucm = cluster.cucm.clone();
            let added = state.mutate(|clusters| match clusters.entry(k) {
                Entry::Occupied(_) => false,
                Entry::Vacant(slot) => {
                    slot.insert(cluster);
                    true
                }
            });
            if added {
                json_static(
                    StatusCode::OK,
                    r#"{"status":"Success","message":"CUCM cluster added successfully"}"#,
                )
            } else {
                failure(
                    StatusCode::BAD_REQUEST,
                    &format!("CUCM cluster {cucm} already exists"),
                )
            }
        }
        Method::PUT => {
            let cluster = match decode_cluster(parsed) {
                Ok(c) => c,
                Err(m) => return failure(StatusCode::BAD_REQUEST, &m),
            };
            let k = key(&cluster.cucm);
            let cucm = cluster.cucm.clone();
            let updated = state.mutate(|clusters| match clusters.get_mut(&k) {
                Some(slot) => {
                    *slot = cluster;
                    true
                }
                None => false,
            });
            if updated {
                json_static(
                    StatusCode::OK,
                    r#"{"status":"Success","message":"CUCM cluster updated successfully"}"#,
                )
            } else {
                failure(
                    StatusCode::NOT_FOUND,
                    &format!("CUCM cluster {cucm} not found"),
                )
            }
        }
        Method::DELETE => {
            let request: DeleteRequest = match decode(parsed, "delete request {\"cucm\":\"...\"}") {
                Ok(r) => r,
                Err(m) => return failure(StatusCode::BAD_REQUEST, &m),
            };
            if request.cucm.trim().is_empty() {
                return failure(StatusCode::BAD_REQUEST, "cucm must not be empty");
            }
            let k = key(&request.cucm);
            let deleted = state.mutate(|clusters| clusters.remove(&k).is_some());
            if deleted {
                json_static(
                    StatusCode::OK,
                    r#"{"status":"SUCESS","message":"CCM_Deleted_Successfully"}"#,
                )
            } else {
                failure(
                    StatusCode::NOT_FOUND,
                    &format!("CUCM cluster {} not found", request.cucm),
                )
            }
        }
        _ => method_not_allowed("POST, PUT, DELETE"),
    }
}

async fn read_body(body: Incoming) -> Result<Bytes, Response<Body>> {
    match Limited::new(body, MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => Err(failure(
            StatusCode::PAYLOAD_TOO_LARGE,
            "request body too large",
        )),
        Err(_) => Err(failure(
            StatusCode::BAD_REQUEST,
            "cannot read the request body",
        )),
    }
}

fn journal_headers(req: &Request<Incoming>) -> Vec<(String, String)> {
    req.headers()
        .iter()
        .map(|(name, value)| {
            let value = if name == header::AUTHORIZATION {
                MASK.to_owned()
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (name.as_str().to_owned(), value)
        })
        .collect()
}

async fn api(state: &State, dropper: &Notify, req: Request<Incoming>) -> Response<Body> {
    let started = Instant::now();
    state.requests.fetch_add(1, Ordering::Relaxed);
    let _in_flight = InFlight::new(state);
    let authorized = state.authorized(&req);
    let headers = journal_headers(&req);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let body = read_body(req.into_body()).await;
    let parsed = match &body {
        Ok(bytes) => parse_body(bytes),
        Err(_) => Parsed::Empty,
    };
    let journal_body = match (&body, &parsed) {
        (_, Parsed::Json(v)) => v.clone(),
        (Ok(bytes), Parsed::NotJson(_)) => {
            serde_json::Value::String(String::from_utf8_lossy(bytes).into_owned())
        }
        _ => serde_json::Value::Null,
    };
    let finish = |status: Option<u16>| {
        state.record(JournalEntry {
            method: method.as_str().to_owned(),
            path: path.clone(),
            status,
            authorized,
            headers,
            body: journal_body,
            duration_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        });
    };

    if !state.latency.is_zero() {
        tokio::time::sleep(state.latency).await;
    }
    let resp = if !authorized {
        unauthorized()
    } else if let Err(resp) = body {
        resp
    } else {
        match state.pick_fault(method.as_str()) {
            None => route(state, &method, &path, &parsed),
            Some(FaultAction::Latency { ms }) => {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                route(state, &method, &path, &parsed)
            }
            Some(FaultAction::Status {
                status,
                body,
                content_type,
                retry_after,
            }) => injected(
                status,
                body.as_deref(),
                content_type.as_deref(),
                retry_after,
            ),
            Some(FaultAction::Malformed) => json_static(StatusCode::OK, MALFORMED_BODY),
            Some(action @ (FaultAction::DropBefore | FaultAction::DropAfter)) => {
                if action == FaultAction::DropAfter {
                    let _ = route(state, &method, &path, &parsed);
                }
                finish(None);
                // The connection task sees this and closes the socket; this future is dropped.
                dropper.notify_one();
                let never: Infallible = std::future::pending().await;
                match never {}
            }
        }
    };
    finish(Some(resp.status().as_u16()));
    resp
}

async fn admin(state: &State, req: Request<Incoming>) -> Response<Body> {
    let method = req.method().clone();
    let path = req.uri().path();
    let path = path.strip_suffix('/').unwrap_or(path).to_owned();
    let name = &path[ADMIN_PREFIX.len().min(path.len())..];
    let body = match read_body(req.into_body()).await {
        Ok(b) => b,
        Err(resp) => return resp,
    };
    match (name, &method) {
        ("health", &Method::GET) => json_static(StatusCode::OK, r#"{"status":"ok"}"#),
        ("clusters", &Method::GET) => {
            let shown: Vec<Cluster> = state.clusters().iter().map(Cluster::redacted).collect();
            json(StatusCode::OK, &shown)
        }
        ("clusters", &Method::POST) => match decode_cluster(&parse_body(&body)) {
            Ok(cluster) => {
                state.upsert(cluster);
                json(
                    StatusCode::OK,
                    &ApiResponse::new("Success", "cluster stored"),
                )
            }
            Err(m) => failure(StatusCode::BAD_REQUEST, &m),
        },
        ("clusters", _) => method_not_allowed("GET, POST"),
        ("journal", &Method::GET) => {
            let shown: Vec<JournalEntry> =
                state.journal().iter().map(JournalEntry::redacted).collect();
            json(StatusCode::OK, &shown)
        }
        ("journal", &Method::DELETE) => {
            state.clear_journal();
            json(
                StatusCode::OK,
                &ApiResponse::new("Success", "journal cleared"),
            )
        }
        ("journal", _) => method_not_allowed("GET, DELETE"),
        ("faults", &Method::GET) => json(StatusCode::OK, &state.faults()),
        ("faults", &Method::POST) => {
            let rule =
                decode::<FaultRule>(&parse_body(&body), "fault rule").and_then(FaultRule::validate);
            match rule {
                Ok(rule) => {
                    state.add_fault(rule);
                    json(
                        StatusCode::OK,
                        &ApiResponse::new("Success", "fault rule added"),
                    )
                }
                Err(m) => failure(StatusCode::BAD_REQUEST, &m),
            }
        }
        ("faults", &Method::DELETE) => {
            state.clear_faults();
            json(
                StatusCode::OK,
                &ApiResponse::new("Success", "fault rules cleared"),
            )
        }
        ("faults", _) => method_not_allowed("GET, POST, DELETE"),
        ("stats", &Method::GET) => json(StatusCode::OK, &state.stats()),
        ("stats", &Method::DELETE) => {
            state.reset_peak();
            json(StatusCode::OK, &state.stats())
        }
        ("stats", _) => method_not_allowed("GET, DELETE"),
        ("reset", &Method::POST) => {
            state.reset();
            json(
                StatusCode::OK,
                &ApiResponse::new("Success", "simulator reset"),
            )
        }
        ("reset", _) => method_not_allowed("POST"),
        _ => failure(StatusCode::NOT_FOUND, &format!("resource {path} not found")),
    }
}

async fn handle(
    state: Arc<State>,
    dropper: Arc<Notify>,
    req: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let path = req.uri().path();
    let resp = if path.starts_with(ADMIN_PREFIX) {
        admin(&state, req).await
    } else if path == API_PREFIX
        || path
            .strip_prefix(API_PREFIX)
            .is_some_and(|rest| rest.starts_with('/'))
    {
        api(&state, &dropper, req).await
    } else {
        failure(StatusCode::NOT_FOUND, &format!("resource {path} not found"))
    };
    Ok(resp)
}

// ---------------------------------------------------------------------------------------------
// Connections

async fn stopped(stop: &mut watch::Receiver<bool>) {
    // An error means the `Sim` is gone: stop as well.
    let _ = stop.wait_for(|stop| *stop).await;
}

pub(crate) async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    state: Arc<State>,
    mut stop: watch::Receiver<bool>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    let _ = stream.set_nodelay(true);
                    state.connections.fetch_add(1, Ordering::Relaxed);
                    connections.spawn(connection(stream, tls.clone(), state.clone(), stop.clone()));
                }
                Err(e) => {
                    if state.verbose {
                        eprintln!("cer-sim: accept failed: {e}");
                    }
                    // Out of file descriptors and the like: do not spin.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            () = stopped(&mut stop) => break,
        }
    }
    drop(listener);
    let _ = tokio::time::timeout(GRACE + Duration::from_secs(1), async {
        while connections.join_next().await.is_some() {}
    })
    .await;
}

async fn connection(
    stream: TcpStream,
    tls: Option<TlsAcceptor>,
    state: Arc<State>,
    mut stop: watch::Receiver<bool>,
) {
    match tls {
        None => serve_http(stream, state, stop).await,
        Some(acceptor) => {
            let handshake = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream));
            let stream = tokio::select! {
                result = handshake => match result {
                    Ok(Ok(stream)) => stream,
                    Ok(Err(e)) => {
                        if state.verbose {
                            eprintln!("cer-sim: TLS handshake failed: {e}");
                        }
                        return;
                    }
                    Err(_) => return,
                },
                () = stopped(&mut stop) => return,
            };
            serve_http(stream, state, stop).await;
        }
    }
}

async fn serve_http<S>(stream: S, state: Arc<State>, mut stop: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let dropper = Arc::new(Notify::new());
    let service = {
        let dropper = dropper.clone();
        service_fn(move |req| handle(state.clone(), dropper.clone(), req))
    };
    let mut conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .keep_alive(true)
        .serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        _ = &mut conn => return,
        () = dropper.notified() => return close_without_answer(conn.into_parts().io.into_inner()).await,
        () = stopped(&mut stop) => {}
    }
    Pin::new(&mut conn).graceful_shutdown();
    tokio::select! {
        _ = &mut conn => {}
        () = dropper.notified() => close_without_answer(conn.into_parts().io.into_inner()).await,
        () = tokio::time::sleep(GRACE) => {}
    }
}

/// Ends a connection whose request must get no answer (its future is already dropped with the
/// connection): shuts the transport down cleanly (TLS close_notify, then FIN) so the client sees
/// the connection closed before the message completed, as when a server dies mid-request.
async fn close_without_answer<S: AsyncWrite + Unpin>(mut stream: S) {
    let _ = tokio::time::timeout(Duration::from_secs(1), stream.shutdown()).await;
}
