//! # cer-sim: a Cisco Emergency Responder simulator
//!
//! Serves the CUCM cluster API of CER (`/cerappservices/service/cluster`) on loopback so
//! Terraform pipelines can be tested without an appliance. Run it as the `cer-sim` binary or
//! in-process with [`start`].
//!
//! ## API (HTTP Basic auth on every request under `/cerappservices`)
//!
//! | Request | Answer |
//! |---|---|
//! | `POST /cerappservices/service/cluster`, body = cluster JSON (every key, string values) | 200 `{"status":"Success","message":"CUCM cluster added successfully"}` |
//! | same, CUCM already stored (case-insensitive) | 400 `{"status":"Failure","message":"CUCM cluster <addr> already exists"}` |
//! | `PUT` same path, same body | 200 `{"status":"Success","message":"CUCM cluster updated successfully"}`, or 404 `... CUCM cluster <addr> not found` |
//! | `DELETE` same path, body `{"cucm":"<addr>"}` | 200 `{"status":"SUCESS","message":"CCM_Deleted_Successfully"}` (vendor spelling), or 404 |
//! | body that does not parse, lacks a key, or has an empty `CUCM` | 400 `{"status":"Failure","message":"<what is wrong>"}` |
//! | missing or wrong credentials | 401, HTML page, `WWW-Authenticate: Basic realm="CER"` |
//! | other path under `/cerappservices` / other verb | 404 / 405 (JSON) |
//!
//! ## Command line (`cer-sim --help`)
//!
//! ```text
//! --listen ADDR        address to listen on (default 127.0.0.1:0 = a free port)
//! --http               plain HTTP instead of HTTPS
//! --tls-cert PEM       serve this certificate chain (with --tls-key) instead of a generated one
//! --tls-key PEM        private key of --tls-cert
//! --ca-out PATH        write the PEM clients must trust (the generated CA) to PATH
//! --url-file PATH      write the base URL to PATH once listening (atomically)
//! --username NAME      Basic auth user (default cer-admin; env CER_SIM_USERNAME)
//! --password PASS      Basic auth password (default cer-sim-password; env CER_SIM_PASSWORD)
//! --latency-ms N       delay every API request by N ms (asynchronously: requests overlap)
//! --state-file PATH    load clusters from PATH at start, rewrite it atomically after each change
//! --fault RULE         add a fault rule (repeatable, checked in order)
//! --verbose            log every request to stderr
//! ```
//!
//! On start the binary prints one line to stdout, `cer-sim listening on https://127.0.0.1:PORT`,
//! and stops gracefully on SIGINT/SIGTERM.
//!
//! With the generated certificate, the server certificate (for `localhost`, `127.0.0.1`, `::1`)
//! is signed by a throw-away CA made at start; `--ca-out` writes that CA, which is what
//! Terraform's `ca_certificate` should be given.
//!
//! ## Fault injection
//!
//! A rule matches a verb (or any verb) and does one action. Rules are checked in order for every
//! authenticated API request (requests rejected with 401 never consume a rule); the first live
//! matching rule that fires applies, and only that one. A rule with `times=N` fires for the first
//! N matching requests and is then removed; without it, it fires forever. With
//! `probability=P` (0..1, default 1) a matching request fires the rule with chance P; when it
//! does not fire, the request goes on to the next rules and `times` is not consumed.
//!
//! Flag syntax: `METHOD:ACTION[:OPTION]...` where METHOD is `POST`, `PUT`, `DELETE`
//! (any verb) or `*`:
//!
//! | Action | Effect |
//! |---|---|
//! | `status=CODE` | answer CODE with body `{"status":"Failure","message":"injected fault"}`; the store is not changed. Options `body=TEXT`, `content_type=TYPE` (default `application/json`), `retry_after=SECONDS` (adds `Retry-After`) |
//! | `latency=MS` | wait MS milliseconds, then handle the request normally |
//! | `drop_before` | read the request, close the connection without answering; store not changed |
//! | `drop_after` | apply the request to the store, then close the connection without answering |
//! | `malformed` | answer 200 with the truncated body `{"status": "Succ`; store not changed |
//!
//! Common options: `times=N`, `probability=P`. `body=` takes the rest of the rule verbatim (it
//! may contain `:`), so it must be the last option. Examples:
//!
//! ```text
//! --fault 'POST:status=503:times=1'
//! --fault 'PUT:latency=5000'
//! --fault 'DELETE:drop_after:times=1'
//! --fault '*:status=429:retry_after=1:times=2'
//! --fault 'POST:status=500:content_type=text/html:probability=0.5:body=<html>oops</html>'
//! ```
//!
//! The same rule as JSON (admin endpoint, [`FaultRule`] serde form):
//! `{"method":"POST","action":"status","status":503,"times":1}`,
//! `{"method":"PUT","action":"latency","ms":5000}`, `{"action":"drop_after","times":1}`,
//! `{"method":"*","action":"status","status":500,"body":"<html>oops</html>","content_type":"text/html","probability":0.5}`.
//!
//! Latency (`--latency-ms` and `latency` rules) is included in the in-flight count.
//!
//! ## Admin endpoints (unauthenticated, not journaled, never faulted or delayed)
//!
//! | Request | Effect |
//! |---|---|
//! | `GET /_sim/health` | `{"status":"ok"}` |
//! | `GET /_sim/clusters` | stored clusters, secrets masked |
//! | `POST /_sim/clusters` | seed one cluster (cluster JSON), replacing one with the same CUCM |
//! | `GET /_sim/journal` / `DELETE /_sim/journal` | API requests seen (method, path, status — `null` when the connection was dropped —, authorized, headers, body with secrets masked, duration_ms) / clear it |
//! | `GET /_sim/faults` / `POST /_sim/faults` / `DELETE /_sim/faults` | live rules (with remaining `times`) / add one rule (JSON) / clear |
//! | `GET /_sim/stats` / `DELETE /_sim/stats` | `{"requests":N,"in_flight":N,"peak_in_flight":N}` / reset the peak |
//! | `POST /_sim/reset` | clear clusters, journal, faults and stats |
//!
//! The journal keeps the last 10 000 API requests.

mod fault;
mod server;
mod tls;

#[cfg(test)]
mod tests;

pub use fault::{FaultAction, FaultParseError, FaultRule};
pub use server::write_atomically;

use crate::client::wire::Cluster;
use anyhow::{Context, Result, anyhow};
use server::State;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// How the simulator serves its API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TlsMode {
    /// HTTPS with a certificate for `localhost`/`127.0.0.1`/`::1` signed by a CA generated at
    /// start ([`Sim::ca_pem`] returns that CA).
    SelfSigned,
    /// HTTPS with a PEM certificate chain and private key read from files.
    Files { cert: PathBuf, key: PathBuf },
    /// Plain HTTP.
    Plain,
}

/// Simulator settings. `SimConfig::default()` = HTTPS (generated certificate) on a free port of
/// 127.0.0.1, user `cer-admin` / `cer-sim-password`, no latency, no state file, no faults.
#[derive(Clone)]
pub struct SimConfig {
    pub listen: SocketAddr,
    pub tls: TlsMode,
    pub username: String,
    pub password: String,
    /// Added to every API request (not to admin requests).
    pub latency: Duration,
    pub state_file: Option<PathBuf>,
    pub faults: Vec<FaultRule>,
    /// Log every API request to stderr.
    pub verbose: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), 0),
            tls: TlsMode::SelfSigned,
            username: "cer-admin".to_owned(),
            password: "cer-sim-password".to_owned(),
            latency: Duration::ZERO,
            state_file: None,
            faults: Vec::new(),
            verbose: false,
        }
    }
}

impl fmt::Debug for SimConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SimConfig")
            .field("listen", &self.listen)
            .field("tls", &self.tls)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("latency", &self.latency)
            .field("state_file", &self.state_file)
            .field("faults", &self.faults)
            .field("verbose", &self.verbose)
            .finish()
    }
}

/// One API request as the simulator saw it.
///
/// `body` holds the request exactly as sent, secrets included (in-process use only); the admin
/// endpoint and `Debug` show [`JournalEntry::redacted`] instead.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
pub struct JournalEntry {
    pub method: String,
    pub path: String,
    /// `None` when the connection was closed without an answer (`drop_before`/`drop_after`).
    pub status: Option<u16>,
    pub authorized: bool,
    /// Lower-case names; the `authorization` value is replaced by `<redacted>`.
    pub headers: Vec<(String, String)>,
    /// Parsed JSON body, `Value::String(raw)` if not JSON, `Null` if empty.
    pub body: serde_json::Value,
    pub duration_ms: u64,
}

impl JournalEntry {
    /// A copy whose body has every password / auth string / secret value masked.
    pub fn redacted(&self) -> Self {
        let mut copy = self.clone();
        server::redact_json(&mut copy.body);
        copy
    }

    /// The value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl fmt::Debug for JournalEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown = self.redacted();
        f.debug_struct("JournalEntry")
            .field("method", &shown.method)
            .field("path", &shown.path)
            .field("status", &shown.status)
            .field("authorized", &shown.authorized)
            .field("headers", &shown.headers)
            .field("body", &shown.body)
            .field("duration_ms", &shown.duration_ms)
            .finish()
    }
}

/// Counters of API requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    pub requests: u64,
    /// TCP connections accepted since start or reset, so tests can check that clients reuse them.
    pub connections: u64,
    pub in_flight: usize,
    pub peak_in_flight: usize,
}

/// A running simulator. Dropping it stops the server (as [`Sim::shutdown`] does, without
/// waiting).
pub struct Sim {
    state: Arc<State>,
    addr: SocketAddr,
    url: String,
    ca_pem: Option<String>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

/// Binds, loads the state file, and serves in a background task of the current tokio runtime.
pub async fn start(config: SimConfig) -> Result<Sim> {
    let tls = match &config.tls {
        TlsMode::SelfSigned => Some(tls::self_signed()?),
        TlsMode::Files { cert, key } => Some(tls::from_files(cert, key)?),
        TlsMode::Plain => None,
    };
    let faults = config
        .faults
        .iter()
        .cloned()
        .map(FaultRule::validate)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("invalid fault rule: {e}"))?;
    let clusters = match &config.state_file {
        Some(path) => server::load_state(path)?,
        None => Vec::new(),
    };
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let addr = listener.local_addr()?;
    let host = match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => "127.0.0.1".to_owned(),
        IpAddr::V4(ip) => ip.to_string(),
        IpAddr::V6(ip) if ip.is_unspecified() => "[::1]".to_owned(),
        IpAddr::V6(ip) => format!("[{ip}]"),
    };
    let scheme = if tls.is_some() { "https" } else { "http" };
    let url = format!("{scheme}://{host}:{}", addr.port());
    let ca_pem = tls.as_ref().map(|t| t.ca_pem.clone());
    let acceptor = tls.map(|t| tokio_rustls::TlsAcceptor::from(t.config));

    let state = Arc::new(State::new(&config, faults, clusters));
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(server::serve(listener, acceptor, state.clone(), stopped));
    Ok(Sim {
        state,
        addr,
        url,
        ca_pem,
        stop,
        task: Some(task),
    })
}

impl Sim {
    /// Base URL, e.g. `https://127.0.0.1:40123` (no trailing slash).
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// PEM a client must trust: the generated CA, or the certificate file's content for
    /// [`TlsMode::Files`]; `None` for plain HTTP.
    pub fn ca_pem(&self) -> Option<String> {
        self.ca_pem.clone()
    }

    /// Stored clusters, secrets included, ordered by CUCM (case-insensitively).
    pub fn clusters(&self) -> Vec<Cluster> {
        self.state.clusters()
    }

    /// Stores a cluster (replacing one with the same CUCM), e.g. to test imports.
    pub fn insert(&self, cluster: Cluster) {
        self.state.upsert(cluster);
    }

    /// API requests seen so far, oldest first (at most the last 10 000).
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.state.journal()
    }

    pub fn clear_journal(&self) {
        self.state.clear_journal();
    }

    /// Appends a fault rule (checked after the existing ones), after [`FaultRule::validate`]:
    /// a probability outside 0..=1 or a status outside 100..=999 is refused.
    pub fn add_fault(&self, rule: FaultRule) -> Result<(), String> {
        self.state.add_fault(rule.validate()?);
        Ok(())
    }

    /// Live fault rules, with their remaining `times`.
    pub fn faults(&self) -> Vec<FaultRule> {
        self.state.faults()
    }

    pub fn clear_faults(&self) {
        self.state.clear_faults();
    }

    pub fn stats(&self) -> Stats {
        self.state.stats()
    }

    /// Highest number of API requests handled at the same time since start or the last reset.
    pub fn peak_in_flight(&self) -> usize {
        self.state.stats().peak_in_flight
    }

    /// Resets the peak to the number of requests in flight now.
    pub fn reset_peak(&self) {
        self.state.reset_peak();
    }

    /// Clears clusters, journal, faults and stats (as `POST /_sim/reset`).
    pub fn reset(&self) {
        self.state.reset();
    }

    /// Stops accepting, lets requests in progress finish (at most ~5 s), then returns.
    pub async fn shutdown(mut self) {
        self.stop.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        self.stop.send_replace(true);
    }
}
