//! Fault rules: the JSON form (admin endpoint) and the `--fault` flag form share one type.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One fault injection rule. See the module documentation of [`crate::sim`] for the semantics.
///
/// JSON form: `{"method":"POST","action":"status","status":503,"times":1}`.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct FaultRule {
    /// HTTP verb the rule applies to (`POST`, `PUT`, `DELETE`, ...); `None` or `"*"` = any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// What to do.
    #[serde(flatten)]
    pub action: FaultAction,
    /// Apply to the first N matching requests, then the rule is spent. `None` = forever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
    /// Chance (0..=1) that a matching request triggers the rule. `None` = 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub probability: Option<f64>,
}

/// What a fault rule does to a request it fires on.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum FaultAction {
    /// Answer with this status and body instead of handling the request (store unchanged).
    Status {
        status: u16,
        /// Default `{"status":"Failure","message":"injected fault"}`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        body: Option<String>,
        /// Default `application/json`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
        /// Adds a `Retry-After: <seconds>` header.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<u64>,
    },
    /// Sleep this long, then handle the request normally.
    Latency { ms: u64 },
    /// Read the request, then close the connection without answering (store unchanged).
    DropBefore,
    /// Apply the request to the store, then close the connection without answering.
    DropAfter,
    /// Answer 200 with truncated JSON `{"status": "Succ` (store unchanged).
    Malformed,
}

impl FaultRule {
    /// A rule that applies `action` to every request of `method` (`None` = any) forever.
    pub fn new(method: Option<&str>, action: FaultAction) -> Self {
        Self {
            method: method.map(str::to_owned),
            action,
            times: None,
            probability: None,
        }
    }

    /// Builder: limit the rule to the first `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    /// Builder: fire with probability `p` (0..=1).
    pub fn probability(mut self, p: f64) -> Self {
        self.probability = Some(p);
        self
    }

    /// Normalizes the method (upper case, `*` → any) and checks the values.
    pub fn validate(mut self) -> Result<Self, String> {
        self.method = match self.method.take() {
            None => None,
            Some(m) => {
                let m = m.trim();
                if m.is_empty() || m == "*" || m.eq_ignore_ascii_case("any") {
                    None
                } else if m.bytes().all(|b| b.is_ascii_alphabetic()) {
                    Some(m.to_ascii_uppercase())
                } else {
                    return Err(format!("invalid method {m:?}"));
                }
            }
        };
        if let Some(p) = self.probability
            && !(0.0..=1.0).contains(&p)
        {
            return Err(format!("probability must be between 0 and 1, got {p}"));
        }
        if let FaultAction::Status { status, .. } = &self.action
            && !(100..=999).contains(status)
        {
            return Err(format!("status must be between 100 and 999, got {status}"));
        }
        Ok(self)
    }

    pub(crate) fn matches(&self, method: &str) -> bool {
        match &self.method {
            None => true,
            Some(m) => m.eq_ignore_ascii_case(method),
        }
    }
}

/// Error of parsing a `--fault` flag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FaultParseError(pub String);

impl fmt::Display for FaultParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid fault rule: {}", self.0)
    }
}

impl std::error::Error for FaultParseError {}

fn number<T: FromStr>(key: &str, value: Option<&str>) -> Result<T, FaultParseError> {
    let value = value.ok_or_else(|| FaultParseError(format!("`{key}` needs a value")))?;
    value
        .trim()
        .parse()
        .map_err(|_| FaultParseError(format!("`{key}={value}` is not a valid number")))
}

/// Flag syntax: `METHOD:ACTION[:OPTION]...`, e.g. `POST:status=503:times=1`,
/// `*:status=429:retry_after=1:times=2`, `DELETE:drop_after`, `PUT:latency=5000`,
/// `POST:status=500:content_type=text/html:probability=0.5:body=<html>oops</html>`.
///
/// `METHOD` is a verb or `*`. `ACTION` is one of `status=CODE`, `latency=MS`, `drop_before`,
/// `drop_after`, `malformed`. Options: `times=N`, `probability=P`, and for `status`:
/// `retry_after=SECONDS`, `content_type=TYPE`, `body=TEXT`. `body=` takes the rest of the rule
/// verbatim (it may contain `:`), so it must come last.
impl FromStr for FaultRule {
    type Err = FaultParseError;

    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let (method, mut rest) = spec.split_once(':').ok_or_else(|| {
            FaultParseError(format!("{spec:?}: expected METHOD:ACTION[:OPTION]..."))
        })?;
        let mut action: Option<FaultAction> = None;
        let mut times = None;
        let mut probability = None;
        let mut body = None;
        let mut content_type = None;
        let mut retry_after = None;
        while !rest.is_empty() {
            if let Some(b) = rest.strip_prefix("body=") {
                body = Some(b.to_owned());
                break;
            }
            let (part, tail) = rest.split_once(':').unwrap_or((rest, ""));
            rest = tail;
            let (key, value) = match part.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v)),
                None => (part.trim(), None),
            };
            let new_action = match key {
                "status" => Some(FaultAction::Status {
                    status: number(key, value)?,
                    body: None,
                    content_type: None,
                    retry_after: None,
                }),
                "latency" => Some(FaultAction::Latency {
                    ms: number(key, value)?,
                }),
                "drop_before" => Some(FaultAction::DropBefore),
                "drop_after" => Some(FaultAction::DropAfter),
                "malformed" => Some(FaultAction::Malformed),
                "times" => {
                    times = Some(number(key, value)?);
                    None
                }
                "probability" => {
                    probability = Some(number(key, value)?);
                    None
                }
                "retry_after" => {
                    retry_after = Some(number(key, value)?);
                    None
                }
                "content_type" => {
                    let v = value
                        .filter(|v| !v.is_empty())
                        .ok_or_else(|| FaultParseError("`content_type` needs a value".into()))?;
                    content_type = Some(v.to_owned());
                    None
                }
                "" => None,
                other => {
                    return Err(FaultParseError(format!(
                        "unknown key `{other}` (expected status, latency, drop_before, \
                         drop_after, malformed, times, probability, retry_after, content_type, body)"
                    )));
                }
            };
            if let Some(a) = new_action {
                if matches!(
                    a,
                    FaultAction::DropBefore | FaultAction::DropAfter | FaultAction::Malformed
                ) && value.is_some()
                {
                    return Err(FaultParseError(format!("`{key}` takes no value")));
                }
                if action.is_some() {
                    return Err(FaultParseError(format!("{spec:?}: more than one action")));
                }
                action = Some(a);
            }
        }
        let mut action = action.ok_or_else(|| {
            FaultParseError(format!(
                "{spec:?}: no action (status=CODE, latency=MS, drop_before, drop_after, malformed)"
            ))
        })?;
        match &mut action {
            FaultAction::Status {
                body: b,
                content_type: c,
                retry_after: r,
                ..
            } => {
                *b = body;
                *c = content_type;
                *r = retry_after;
            }
            _ => {
                if body.is_some() || content_type.is_some() || retry_after.is_some() {
                    return Err(FaultParseError(
                        "body, content_type and retry_after only go with status=CODE".into(),
                    ));
                }
            }
        }
        FaultRule {
            method: Some(method.to_owned()),
            action,
            times,
            probability,
        }
        .validate()
        .map_err(FaultParseError)
    }
}
