//! The CER HTTP client: no Terraform types in here.
//!
//! Every request carries HTTP Basic auth and JSON headers, goes through one place that decides
//! between success and a typed [`Error`], and is retried on transient faults. Requests in flight
//! are capped per client because CER's configuration API runs on one fragile publisher node.

mod error;
pub mod wire;

pub use error::Error;

use crate::log::{self, Level};
use base64::Engine;
use rand::Rng;
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use std::fmt;
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use wire::{ApiResponse, Cluster, DeleteRequest};

pub const CLUSTER_PATH: &str = "/cerappservices/service/cluster";
pub const USER_AGENT: &str = concat!("terraform-provider-cer/", env!("CARGO_PKG_VERSION"));
const MAX_BACKOFF: Duration = Duration::from_secs(8);
const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct Settings {
    /// `https://host[:port]`; the client appends [`CLUSTER_PATH`].
    pub url: String,
    pub username: String,
    pub password: String,
    pub insecure: bool,
    /// Extra PEM trust anchors (one or more certificates).
    pub ca_certificate: Option<String>,
    pub request_timeout: Duration,
    pub max_retries: u32,
    pub max_parallel_requests: usize,
    /// First backoff delay; doubles per retry, with jitter.
    pub retry_base_delay: Duration,
}

impl Settings {
    pub fn new(url: &str, username: &str, password: &str) -> Self {
        Self {
            url: url.to_owned(),
            username: username.to_owned(),
            password: password.to_owned(),
            insecure: false,
            ca_certificate: None,
            request_timeout: Duration::from_secs(60),
            max_retries: 3,
            max_parallel_requests: 10,
            retry_base_delay: Duration::from_millis(500),
        }
    }
}

impl fmt::Debug for Settings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Settings")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("insecure", &self.insecure)
            .field("ca_certificate", &self.ca_certificate.is_some())
            .field("request_timeout", &self.request_timeout)
            .field("max_retries", &self.max_retries)
            .field("max_parallel_requests", &self.max_parallel_requests)
            .finish()
    }
}

pub struct Client {
    http: reqwest::Client,
    endpoint: reqwest::Url,
    username: String,
    authorization: HeaderValue,
    permits: Semaphore,
    request_timeout: Duration,
    max_retries: u32,
    retry_base_delay: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint.as_str())
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// What one HTTP exchange gave, before classification.
enum Attempt {
    Answered {
        status: StatusCode,
        body: Vec<u8>,
        retry_after: Option<Duration>,
    },
    /// No usable answer. `maybe_applied` is true when the request may have reached CER, so the
    /// change may have happened even though we never heard back.
    Failed { error: Error, maybe_applied: bool },
}

/// The final answer of a request after retries, and whether an earlier try may have changed
/// CER without us hearing about it.
struct Sent {
    result: Result<ApiResponse, Error>,
    outcome_was_unknown: bool,
}

impl Client {
    pub fn new(settings: Settings) -> Result<Self, Error> {
        let endpoint = endpoint(&settings.url)?;
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .timeout(settings.request_timeout)
            .connect_timeout(settings.request_timeout.min(Duration::from_secs(30)))
            .tcp_nodelay(true)
            .pool_max_idle_per_host(settings.max_parallel_requests.max(1))
            .user_agent(USER_AGENT)
            .danger_accept_invalid_certs(settings.insecure)
            .danger_accept_invalid_hostnames(settings.insecure);
        if let Some(pem) = settings.ca_certificate.as_deref() {
            let certificates = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
                .map_err(|e| Error::Config(format!("ca_certificate is not valid PEM: {e}")))?;
            if certificates.is_empty() {
                return Err(Error::Config(
                    "ca_certificate holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)"
                        .into(),
                ));
            }
            for certificate in certificates {
                builder = builder.add_root_certificate(certificate);
            }
        }
        let http = builder
            .build()
            .map_err(|e| Error::Config(error_chain(&e)))?;
        let token = base64::engine::general_purpose::STANDARD
            .encode(format!("{}:{}", settings.username, settings.password));
        let mut authorization = HeaderValue::from_str(&format!("Basic {token}"))
            .map_err(|_| Error::Config("username holds characters not allowed in HTTP".into()))?;
        authorization.set_sensitive(true);
        Ok(Self {
            http,
            endpoint,
            username: settings.username,
            authorization,
            permits: Semaphore::new(settings.max_parallel_requests.max(1)),
            request_timeout: settings.request_timeout,
            max_retries: settings.max_retries,
            retry_base_delay: settings.retry_base_delay,
        })
    }

    /// POST a new cluster. When an earlier try may already have created it (the connection
    /// dropped after sending, or it timed out) and the retry is refused, the cluster is most
    /// likely ours: PUT the same body, so the create succeeds once, neither failing nor
    /// creating twice.
    pub async fn create(&self, cluster: &Cluster) -> Result<(), Error> {
        let sent = self.send(Method::POST, json(cluster)).await;
        match sent.result {
            Ok(_) => Ok(()),
            Err(
                refusal @ Error::Api {
                    status: 400..=499, ..
                },
            ) if sent.outcome_was_unknown => {
                log::emit(
                    Level::Warn,
                    "create retried after an unknown outcome was refused; settling with PUT",
                    &[("cucm", cluster.cucm.as_str().into())],
                );
                match self.update(cluster).await {
                    Err(Error::NotFound { .. }) => Err(refusal),
                    settled => settled,
                }
            }
            Err(error) => Err(error),
        }
    }

    pub async fn update(&self, cluster: &Cluster) -> Result<(), Error> {
        self.send(Method::PUT, json(cluster)).await.result.map(drop)
    }

    /// DELETE a cluster; one that is already gone counts as deleted.
    pub async fn delete(&self, cucm: &str) -> Result<(), Error> {
        let body = json(&DeleteRequest {
            cucm: cucm.to_owned(),
        });
        match self.send(Method::DELETE, body).await.result {
            Ok(_) | Err(Error::NotFound { .. }) => Ok(()),
            Err(error) => Err(error),
        }
    }

    async fn send(&self, method: Method, body: Vec<u8>) -> Sent {
        let mut outcome_was_unknown = false;
        let mut retry = 0;
        loop {
            let started = Instant::now();
            let attempt = {
                // A closed semaphore is impossible (never closed); treat it as no cap.
                let _permit = self.permits.acquire().await.ok();
                self.attempt(method.clone(), body.clone()).await
            };
            let elapsed_ms = started.elapsed().as_millis() as u64;
            let (result, retryable, retry_after) = match attempt {
                Attempt::Answered {
                    status,
                    body,
                    retry_after,
                } => {
                    log::emit(
                        Level::Debug,
                        "CER request",
                        &[
                            ("method", method.as_str().into()),
                            ("path", CLUSTER_PATH.into()),
                            ("status", status.as_u16().into()),
                            ("duration_ms", elapsed_ms.into()),
                        ],
                    );
                    // A gateway error may hide an answer CER did send.
                    if matches!(
                        status,
                        StatusCode::BAD_GATEWAY | StatusCode::GATEWAY_TIMEOUT
                    ) {
                        outcome_was_unknown = true;
                    }
                    let retryable = is_retryable_status(status);
                    (
                        classify(status.as_u16(), &body, &self.username),
                        retryable,
                        retry_after,
                    )
                }
                Attempt::Failed {
                    error,
                    maybe_applied,
                } => {
                    log::emit(
                        Level::Debug,
                        "CER request failed",
                        &[
                            ("method", method.as_str().into()),
                            ("path", CLUSTER_PATH.into()),
                            ("error", error.to_string().into()),
                            ("duration_ms", elapsed_ms.into()),
                        ],
                    );
                    outcome_was_unknown |= maybe_applied;
                    let retryable = !is_certificate_error(&error);
                    (Err(error), retryable, None)
                }
            };
            if result.is_ok() || !retryable || retry >= self.max_retries {
                return Sent {
                    result,
                    outcome_was_unknown,
                };
            }
            retry += 1;
            let delay = retry_after.unwrap_or_else(|| backoff(self.retry_base_delay, retry));
            log::emit(
                Level::Warn,
                "retrying CER request",
                &[
                    ("method", method.as_str().into()),
                    ("retry", retry.into()),
                    ("max_retries", self.max_retries.into()),
                    ("delay_ms", (delay.as_millis() as u64).into()),
                    (
                        "reason",
                        result
                            .err()
                            .map(|e| e.to_string())
                            .unwrap_or_default()
                            .into(),
                    ),
                ],
            );
            tokio::time::sleep(delay).await;
        }
    }

    async fn attempt(&self, method: Method, body: Vec<u8>) -> Attempt {
        let request = self
            .http
            .request(method, self.endpoint.clone())
            .header(AUTHORIZATION, self.authorization.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(body);
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => return self.failed(&e),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(|seconds| Duration::from_secs(seconds).min(MAX_RETRY_AFTER));
        match response.bytes().await {
            Ok(body) => Attempt::Answered {
                status,
                body: body.to_vec(),
                retry_after,
            },
            Err(e) => self.failed(&e),
        }
    }

    fn failed(&self, e: &reqwest::Error) -> Attempt {
        if e.is_timeout() {
            return Attempt::Failed {
                error: Error::Timeout(self.request_timeout),
                maybe_applied: true,
            };
        }
        Attempt::Failed {
            error: Error::Transport(error_chain(e)),
            // A refused or failed connection never delivered the request.
            maybe_applied: !e.is_connect(),
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Serialising plain structs of strings cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

fn endpoint(url: &str) -> Result<reqwest::Url, Error> {
    // Never echo credentials a practitioner pasted into the URL (`https://user:pw@host`).
    let shown = match url.rsplit_once('@') {
        Some((_, host)) => format!("<credentials>@{host}"),
        None => url.to_owned(),
    };
    let parsed = reqwest::Url::parse(url.trim())
        .map_err(|e| Error::Config(format!("url {shown:?} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "https" | "http") || parsed.host_str().is_none() {
        return Err(Error::Config(format!(
            "url {shown:?} must look like https://cer.example.com[:port]"
        )));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::Config(
            "url must not carry credentials: set username and password instead".into(),
        ));
    }
    if parsed.path() != "/" || parsed.query().is_some() {
        return Err(Error::Config(format!(
            "url must be only scheme, host and port (the provider appends {CLUSTER_PATH}); remove {:?}",
            parsed.path()
        )));
    }
    parsed
        .join(CLUSTER_PATH)
        .map_err(|e| Error::Config(e.to_string()))
}

fn is_retryable_status(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::REQUEST_TIMEOUT
            | StatusCode::TOO_MANY_REQUESTS
            | StatusCode::BAD_GATEWAY
            | StatusCode::SERVICE_UNAVAILABLE
            | StatusCode::GATEWAY_TIMEOUT
    )
}

fn is_certificate_error(error: &Error) -> bool {
    matches!(error, Error::Transport(text) if text.contains("certificate"))
}

/// Exponential backoff with jitter: between half and all of `base * 2^(retry-1)`, capped.
fn backoff(base: Duration, retry: u32) -> Duration {
    let ceiling = base
        .saturating_mul(1 << retry.saturating_sub(1).min(16))
        .min(MAX_BACKOFF);
    let half = ceiling / 2;
    half + half.mul_f64(rand::thread_rng().r#gen::<f64>())
}

/// reqwest's top-level message hides the cause ("error sending request"); the certificate or
/// connection reason sits further down the source chain.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut parts = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|seen| seen.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}

/// The one place an HTTP answer becomes success or a typed error.
pub fn classify(status: u16, body: &[u8], username: &str) -> Result<ApiResponse, Error> {
    let parsed = serde_json::from_slice::<ApiResponse>(body).ok();
    let message = match &parsed {
        Some(answer) if !answer.message.is_empty() => answer.message.clone(),
        _ => excerpt(body),
    };
    match status {
        200..=299 => match parsed {
            Some(answer) if answer.is_success() => Ok(answer),
            Some(answer) => Err(Error::Api {
                status,
                message,
                api_status: answer.status,
            }),
            None => Err(Error::InvalidResponse {
                status,
                excerpt: excerpt(body),
            }),
        },
        401 | 403 => Err(Error::Auth {
            username: username.to_owned(),
            status,
            message,
        }),
        404 => Err(Error::NotFound { message }),
        _ => Err(Error::Api {
            status,
            api_status: parsed.map(|answer| answer.status).unwrap_or_default(),
            message,
        }),
    }
}

/// A short, single-line rendering of a body that is not the API's JSON (an HTML error page,
/// a truncated answer): tags dropped, whitespace collapsed, length capped.
fn excerpt(body: &[u8]) -> String {
    const LIMIT: usize = 200;
    let text = String::from_utf8_lossy(body);
    let mut plain = String::with_capacity(text.len().min(LIMIT * 2));
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => {
                in_tag = true;
                plain.push(' ');
            }
            '>' => in_tag = false,
            _ if !in_tag => plain.push(c),
            _ => {}
        }
    }
    let collapsed = plain.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.is_empty() {
        return "(empty body)".into();
    }
    match collapsed.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &collapsed[..cut]),
        None => collapsed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api(status: u16, body: &str) -> Result<ApiResponse, Error> {
        classify(status, body.as_bytes(), "robot")
    }

    #[test]
    fn classification_table() {
        let html_401 = "<html><body><h1>401 Unauthorized</h1></body></html>";
        let cases: Vec<(u16, &str, Result<ApiResponse, Error>)> = vec![
            (
                200,
                r#"{"status":"Success","message":"CUCM cluster added successfully"}"#,
                Ok(ApiResponse::new(
                    "Success",
                    "CUCM cluster added successfully",
                )),
            ),
            (
                200,
                r#"{"status":"SUCESS","message":"CCM_Deleted_Successfully"}"#,
                Ok(ApiResponse::new("SUCESS", "CCM_Deleted_Successfully")),
            ),
            (
                200,
                r#"{"status":"Failure","message":"Invalid CTI manager"}"#,
                Err(Error::Api {
                    status: 200,
                    api_status: "Failure".into(),
                    message: "Invalid CTI manager".into(),
                }),
            ),
            (
                200,
                r#"{"status": "Succ"#,
                Err(Error::InvalidResponse {
                    status: 200,
                    excerpt: r#"{"status": "Succ"#.into(),
                }),
            ),
            (
                401,
                html_401,
                Err(Error::Auth {
                    username: "robot".into(),
                    status: 401,
                    message: "401 Unauthorized".into(),
                }),
            ),
            (
                404,
                r#"{"status":"Failure","message":"CUCM cluster x not found"}"#,
                Err(Error::NotFound {
                    message: "CUCM cluster x not found".into(),
                }),
            ),
            (
                400,
                r#"{"status":"Failure","message":"CUCM cluster x already exists"}"#,
                Err(Error::Api {
                    status: 400,
                    api_status: "Failure".into(),
                    message: "CUCM cluster x already exists".into(),
                }),
            ),
            (
                500,
                "<html><head><title>Error</title></head><body>Internal   error</body></html>",
                Err(Error::Api {
                    status: 500,
                    api_status: String::new(),
                    message: "Error Internal error".into(),
                }),
            ),
            (
                503,
                "",
                Err(Error::Api {
                    status: 503,
                    api_status: String::new(),
                    message: "(empty body)".into(),
                }),
            ),
        ];
        for (status, body, expected) in cases {
            assert_eq!(api(status, body), expected, "HTTP {status} {body}");
        }
    }

    #[test]
    fn excerpts_are_short_single_lines() {
        let long = format!("<p>{}</p>\n<p>tail</p>", "x".repeat(500));
        let text = excerpt(long.as_bytes());
        assert!(text.chars().count() <= 201, "{}", text.len());
        assert!(!text.contains('\n') && !text.contains('<'));
        assert_eq!(excerpt("é".repeat(300).as_bytes()).chars().count(), 201);
    }

    #[test]
    fn endpoint_appends_the_cluster_path_and_rejects_the_rest() {
        for (url, expected) in [
            (
                "https://cer.example.com",
                Ok("https://cer.example.com/cerappservices/service/cluster"),
            ),
            (
                "https://10.0.0.5:8443/",
                Ok("https://10.0.0.5:8443/cerappservices/service/cluster"),
            ),
            (
                "http://[::1]:8080",
                Ok("http://[::1]:8080/cerappservices/service/cluster"),
            ),
            ("cer.example.com", Err("is not a URL")),
            ("ftp://cer.example.com", Err("must look like")),
            ("https://admin:pw@cer.example.com", Err("credentials")),
            (
                "ftp://admin:s3cret@cer.example.com",
                Err("<credentials>@cer.example.com"),
            ),
            ("https://cer.example.com/cerappservices", Err("remove")),
        ] {
            match (endpoint(url), expected) {
                (Ok(got), Ok(want)) => assert_eq!(got.as_str(), want),
                (Err(Error::Config(got)), Err(want)) => {
                    assert!(got.contains(want) && !got.contains("s3cret"), "{got}")
                }
                (got, want) => panic!("{url}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn only_transient_statuses_are_retried() {
        for code in [408, 429, 502, 503, 504] {
            assert!(is_retryable_status(StatusCode::from_u16(code).unwrap()));
        }
        for code in [200, 400, 401, 403, 404, 409, 500] {
            assert!(!is_retryable_status(StatusCode::from_u16(code).unwrap()));
        }
    }

    #[test]
    fn backoff_grows_within_jitter_and_is_capped() {
        let base = Duration::from_millis(100);
        for retry in 1..=4u32 {
            let ceiling = base * (1 << (retry - 1));
            let delay = backoff(base, retry);
            assert!(
                delay >= ceiling / 2 && delay <= ceiling,
                "{retry}: {delay:?}"
            );
        }
        assert!(backoff(base, 30) <= MAX_BACKOFF);
    }

    #[test]
    fn debug_never_shows_the_password_or_its_basic_token() {
        let settings = Settings::new("https://cer.example.com", "robot", "hunter2");
        let client = Client::new(settings.clone()).unwrap();
        let token = base64::engine::general_purpose::STANDARD.encode("robot:hunter2");
        let shown = format!("{settings:?} {client:?} {:?}", client.authorization);
        assert!(
            !shown.contains("hunter2") && !shown.contains(&token),
            "{shown}"
        );
    }

    #[test]
    fn a_ca_certificate_without_pem_is_a_config_error() {
        let mut settings = Settings::new("https://cer.example.com", "robot", "pw");
        settings.ca_certificate = Some("not a certificate".into());
        assert!(matches!(Client::new(settings), Err(Error::Config(_))));
    }
}
