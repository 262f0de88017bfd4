//! The `cer` provider: its settings (each with an environment-variable fallback) and the CER
//! client it builds from them for every resource.

use crate::client::{Client, Settings};
use crate::diagnostics;
use crate::guard::Guarded;
use crate::resources::cucm_cluster::CucmClusterResource;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, Schema,
};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{Diagnostics, DynamicResource, Provider};

pub const DEFAULT_REQUEST_TIMEOUT_SECS: f64 = 60.0;
pub const DEFAULT_MAX_RETRIES: f64 = 3.0;
pub const DEFAULT_MAX_PARALLEL_REQUESTS: f64 = 10.0;

/// The client, filled by `configure` and read by every resource. Empty while the provider's
/// settings are unknown (planning against values from other resources).
#[derive(Default)]
pub struct ClientSlot(RwLock<Option<Arc<Client>>>);

impl ClientSlot {
    pub fn get(&self) -> Option<Arc<Client>> {
        self.0.read().ok().and_then(|slot| slot.clone())
    }

    fn set(&self, client: Client) {
        if let Ok(mut slot) = self.0.write() {
            *slot = Some(Arc::new(client));
        }
    }
}

#[derive(Default)]
pub struct CerProvider {
    client: Arc<ClientSlot>,
    /// Terraform configures each provider process once. Refusing a second call keeps another
    /// local process that reaches the plugin's port (see SECURITY.md) from pointing the client,
    /// and the secrets it will send, at a server of its choosing.
    configured: AtomicBool,
}

#[derive(Serialize, Deserialize, Default)]
pub struct ProviderConfig {
    pub url: Value<String>,
    pub username: Value<String>,
    pub password: Value<String>,
    pub insecure: Value<bool>,
    pub ca_certificate: Value<String>,
    pub request_timeout: Value<f64>,
    // f64, not i64: a fractional value must reach `resolve`, which names the attribute.
    pub max_retries: Value<f64>,
    pub max_parallel_requests: Value<f64>,
}

impl fmt::Debug for ProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderConfig")
            .field("url", &self.url)
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("insecure", &self.insecure)
            .field("ca_certificate", &!self.ca_certificate.is_null())
            .field("request_timeout", &self.request_timeout)
            .field("max_retries", &self.max_retries)
            .field("max_parallel_requests", &self.max_parallel_requests)
            .finish()
    }
}

/// Where the settings come from besides the configuration: the process environment in
/// production, a map in tests.
pub trait Environment {
    fn var(&self, name: &str) -> Option<String>;
}

pub struct ProcessEnvironment;

impl Environment for ProcessEnvironment {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok().filter(|value| !value.is_empty())
    }
}

impl Environment for HashMap<&str, &str> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).map(|value| value.to_string())
    }
}

/// The outcome of resolving the configuration.
#[derive(Debug)]
pub enum Resolved {
    Ready(Settings),
    /// A setting is unknown until apply: plan without a client.
    Unknown,
    Invalid(Vec<String>),
}

/// A configured value, else the environment variable, else nothing. `None` when unknown.
fn pick<T>(
    value: &Value<T>,
    env: &dyn Environment,
    var: &str,
    parse: impl Fn(&str) -> Result<T, String>,
    problems: &mut Vec<String>,
) -> Option<Option<T>>
where
    T: Clone,
{
    match value {
        Value::Value(v) => Some(Some(v.clone())),
        Value::Unknown => None,
        Value::Null => Some(env.var(var).and_then(|raw| match parse(&raw) {
            Ok(v) => Some(v),
            Err(why) => {
                problems.push(format!("The environment variable {var} is invalid: {why}."));
                None
            }
        })),
    }
}

fn parse_string(raw: &str) -> Result<String, String> {
    Ok(raw.to_owned())
}

fn parse_bool(raw: &str) -> Result<bool, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Ok(true),
        "false" | "0" | "no" => Ok(false),
        _ => Err("expected true or false".into()),
    }
}

fn parse_f64(raw: &str) -> Result<f64, String> {
    raw.trim().parse().map_err(|_| "expected a number".into())
}

fn check_numbers(timeout: f64, retries: f64, parallel: f64, problems: &mut Vec<String>) {
    if !(timeout > 0.0 && timeout <= 3600.0) {
        problems.push(format!(
            "`request_timeout` is {timeout}; it must be more than 0 and at most 3600 seconds."
        ));
    }
    if retries.fract() != 0.0 || !(0.0..=20.0).contains(&retries) {
        problems.push(format!(
            "`max_retries` is {retries}; it must be a whole number between 0 and 20."
        ));
    }
    if parallel.fract() != 0.0 || !(1.0..=256.0).contains(&parallel) {
        problems.push(format!(
            "`max_parallel_requests` is {parallel}; it must be a whole number between 1 and 256."
        ));
    }
}

/// Problems visible in the configuration alone, reported at validation so they show up with
/// the resources' own errors rather than only once the provider is configured.
pub fn validate_config(config: &ProviderConfig) -> Vec<String> {
    let mut problems = Vec::new();
    let known =
        |value: &Value<f64>, default: f64| value.as_ref_option().copied().unwrap_or(default);
    check_numbers(
        known(&config.request_timeout, DEFAULT_REQUEST_TIMEOUT_SECS),
        known(&config.max_retries, DEFAULT_MAX_RETRIES),
        known(&config.max_parallel_requests, DEFAULT_MAX_PARALLEL_REQUESTS),
        &mut problems,
    );
    problems
}

pub fn resolve(config: &ProviderConfig, env: &dyn Environment) -> Resolved {
    let mut problems = Vec::new();
    let p = &mut problems;
    let url = pick(&config.url, env, "CER_URL", parse_string, p);
    let username = pick(&config.username, env, "CER_USERNAME", parse_string, p);
    let password = pick(&config.password, env, "CER_PASSWORD", parse_string, p);
    let insecure = pick(&config.insecure, env, "CER_INSECURE", parse_bool, p);
    let ca = pick(
        &config.ca_certificate,
        env,
        "CER_CA_CERTIFICATE",
        parse_string,
        p,
    );
    let timeout = pick(
        &config.request_timeout,
        env,
        "CER_REQUEST_TIMEOUT",
        parse_f64,
        p,
    );
    let retries = pick(&config.max_retries, env, "CER_MAX_RETRIES", parse_f64, p);
    let parallel = pick(
        &config.max_parallel_requests,
        env,
        "CER_MAX_PARALLEL_REQUESTS",
        parse_f64,
        p,
    );
    let (
        Some(url),
        Some(username),
        Some(password),
        Some(insecure),
        Some(ca),
        Some(timeout),
        Some(retries),
        Some(parallel),
    ) = (
        url, username, password, insecure, ca, timeout, retries, parallel,
    )
    else {
        return Resolved::Unknown;
    };
    for (value, attribute, var) in [
        (&url, "url", "CER_URL"),
        (&username, "username", "CER_USERNAME"),
        (&password, "password", "CER_PASSWORD"),
    ] {
        if value.as_deref().is_none_or(|v| v.trim().is_empty()) {
            problems.push(format!(
                "`{attribute}` is not set: set it in the provider block or the {var} environment variable."
            ));
        }
    }
    let timeout = timeout.unwrap_or(DEFAULT_REQUEST_TIMEOUT_SECS);
    let retries = retries.unwrap_or(DEFAULT_MAX_RETRIES);
    let parallel = parallel.unwrap_or(DEFAULT_MAX_PARALLEL_REQUESTS);
    check_numbers(timeout, retries, parallel, &mut problems);
    if !problems.is_empty() {
        return Resolved::Invalid(problems);
    }
    let mut settings = Settings::new(
        url.as_deref().unwrap_or_default(),
        username.as_deref().unwrap_or_default(),
        password.as_deref().unwrap_or_default(),
    );
    settings.insecure = insecure.unwrap_or(false);
    settings.ca_certificate = ca.filter(|pem| !pem.trim().is_empty());
    settings.request_timeout = Duration::from_secs_f64(timeout);
    settings.max_retries = retries as u32;
    settings.max_parallel_requests = parallel as usize;
    Resolved::Ready(settings)
}

fn attribute(attr_type: AttributeType, description: &str, sensitive: bool) -> Attribute {
    Attribute {
        attr_type,
        description: Description::markdown(description),
        constraint: AttributeConstraint::Optional,
        sensitive,
        deprecated: false,
    }
}

pub fn schema() -> Schema {
    use AttributeType::{Bool, Number, String};
    let attributes = [
        (
            "url",
            attribute(
                String,
                "Base URL of the CER publisher, `https://host[:port]` without a path; the provider appends `/cerappservices/service/cluster`. An `http://` URL works but sends credentials in clear text. Falls back to the `CER_URL` environment variable. Required.",
                false,
            ),
        ),
        (
            "username",
            attribute(
                String,
                "CER API user name (HTTP Basic auth). Falls back to `CER_USERNAME`. Required.",
                false,
            ),
        ),
        (
            "password",
            attribute(
                String,
                "CER API password. Falls back to `CER_PASSWORD`. Required.",
                true,
            ),
        ),
        (
            "insecure",
            attribute(
                Bool,
                "Skip verification of CER's TLS certificate. For testing only. Falls back to `CER_INSECURE`. Defaults to `false`.",
                false,
            ),
        ),
        (
            "ca_certificate",
            attribute(
                String,
                "PEM certificate(s) to trust in addition to the system roots, for CER's self-signed or private-CA certificate. Falls back to `CER_CA_CERTIFICATE` (PEM text).",
                false,
            ),
        ),
        (
            "request_timeout",
            attribute(
                Number,
                "Seconds to wait for each CER request. Falls back to `CER_REQUEST_TIMEOUT`. Defaults to `60`.",
                false,
            ),
        ),
        (
            "max_retries",
            attribute(
                Number,
                "Retries of a request after a transient fault (connection error, timeout, HTTP 408, 429, 502, 503, 504), with exponential backoff. Falls back to `CER_MAX_RETRIES`. Defaults to `3`.",
                false,
            ),
        ),
        (
            "max_parallel_requests",
            attribute(
                Number,
                "Most requests in flight to CER at once, across all resources. Lower it to protect a busy publisher. Falls back to `CER_MAX_PARALLEL_REQUESTS`. Defaults to `10`.",
                false,
            ),
        ),
    ];
    Schema {
        version: 1,
        block: Block {
            version: 1,
            description: Description::markdown(
                "Manages the CUCM cluster connections of Cisco Emergency Responder (CER) through its REST API.",
            ),
            attributes: attributes
                .into_iter()
                .map(|(name, attribute)| (name.to_owned(), attribute))
                .collect(),
            blocks: HashMap::new(),
            deprecated: false,
        },
    }
}

#[async_trait]
impl Provider for CerProvider {
    type Config<'a> = ProviderConfig;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: ProviderConfig) -> Option<()> {
        let problems = validate_config(&config);
        if !problems.is_empty() {
            diagnostics::error(
                diags,
                "Invalid cer provider configuration",
                problems.join("\n"),
            );
        }
        Some(())
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        _terraform_version: String,
        config: ProviderConfig,
    ) -> Option<()> {
        if self.configured.swap(true, Ordering::SeqCst) {
            diagnostics::error(
                diags,
                "The cer provider is already configured",
                "A provider process is configured once; this second request was refused.",
            );
            return None;
        }
        let settings = match resolve(&config, &ProcessEnvironment) {
            Resolved::Ready(settings) => settings,
            Resolved::Unknown => return Some(()),
            Resolved::Invalid(problems) => {
                diagnostics::error(
                    diags,
                    "Invalid cer provider configuration",
                    problems.join("\n"),
                );
                return None;
            }
        };
        if settings
            .url
            .trim()
            .to_ascii_lowercase()
            .starts_with("http://")
        {
            diagnostics::warning(
                diags,
                "CER url uses plain HTTP",
                "Credentials and cluster passwords travel in clear text. Use an https:// url with `ca_certificate` for CER's certificate.",
            );
        }
        match Client::new(settings) {
            Ok(client) => {
                self.client.set(client);
                Some(())
            }
            Err(error) => {
                diagnostics::client_error(diags, "Invalid cer provider configuration", &error, &[]);
                None
            }
        }
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        Some(HashMap::from([(
            "cucm_cluster".to_owned(),
            Guarded(CucmClusterResource::new(self.client.clone())).into(),
        )]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(url: &str, username: &str, password: &str) -> ProviderConfig {
        ProviderConfig {
            url: Value::Value(url.into()),
            username: Value::Value(username.into()),
            password: Value::Value(password.into()),
            ..Default::default()
        }
    }

    #[test]
    fn config_wins_over_env_and_defaults_fill_the_rest() {
        let env = HashMap::from([
            ("CER_URL", "https://env.example.com"),
            ("CER_MAX_RETRIES", "7"),
        ]);
        let Resolved::Ready(settings) = resolve(&config("https://cfg.example.com", "u", "p"), &env)
        else {
            panic!("not ready")
        };
        assert_eq!(settings.url, "https://cfg.example.com");
        assert_eq!(settings.max_retries, 7);
        assert_eq!(settings.max_parallel_requests, 10);
        assert_eq!(settings.request_timeout, Duration::from_secs(60));
        assert!(!settings.insecure);
    }

    #[test]
    fn env_alone_configures_everything() {
        let env = HashMap::from([
            ("CER_URL", "https://cer.example.com"),
            ("CER_USERNAME", "robot"),
            ("CER_PASSWORD", "pw"),
            ("CER_INSECURE", "true"),
            ("CER_CA_CERTIFICATE", "-----BEGIN CERTIFICATE-----"),
            ("CER_REQUEST_TIMEOUT", "2.5"),
            ("CER_MAX_PARALLEL_REQUESTS", "3"),
        ]);
        let Resolved::Ready(settings) = resolve(&ProviderConfig::default(), &env) else {
            panic!("not ready")
        };
        assert_eq!(settings.username, "robot");
        assert!(settings.insecure);
        assert!(settings.ca_certificate.is_some());
        assert_eq!(settings.request_timeout, Duration::from_millis(2500));
        assert_eq!(settings.max_parallel_requests, 3);
    }

    #[test]
    fn missing_settings_name_attribute_and_env_var_in_one_error() {
        let Resolved::Invalid(problems) =
            resolve(&ProviderConfig::default(), &HashMap::<&str, &str>::new())
        else {
            panic!("should be invalid")
        };
        let text = problems.join("\n");
        for needle in [
            "`url`",
            "CER_URL",
            "`username`",
            "CER_USERNAME",
            "`password`",
            "CER_PASSWORD",
        ] {
            assert!(text.contains(needle), "{needle} missing from {text}");
        }
    }

    #[test]
    fn bad_numbers_and_env_values_are_reported() {
        let mut cfg = config("https://cer.example.com", "u", "p");
        cfg.max_parallel_requests = Value::Value(2.5);
        cfg.request_timeout = Value::Value(-1.0);
        let env = HashMap::from([("CER_INSECURE", "maybe")]);
        let Resolved::Invalid(problems) = resolve(&cfg, &env) else {
            panic!("should be invalid")
        };
        let text = problems.join("\n");
        assert!(text.contains("max_parallel_requests"), "{text}");
        assert!(text.contains("request_timeout"), "{text}");
        assert!(text.contains("CER_INSECURE"), "{text}");
    }

    #[test]
    fn validation_sees_bad_numbers_in_the_configuration_alone() {
        let mut cfg = ProviderConfig::default();
        assert!(
            validate_config(&cfg).is_empty(),
            "defaults and unset values are fine"
        );
        cfg.max_retries = Value::Value(1.5);
        cfg.max_parallel_requests = Value::Unknown;
        let problems = validate_config(&cfg).join("\n");
        assert!(problems.contains("`max_retries` is 1.5"), "{problems}");
        assert!(!problems.contains("max_parallel_requests"), "{problems}");
    }

    #[test]
    fn unknown_settings_defer_configuration() {
        let mut cfg = config("https://cer.example.com", "u", "p");
        cfg.url = Value::Unknown;
        assert!(matches!(resolve(&cfg, &HashMap::new()), Resolved::Unknown));
    }

    #[tokio::test]
    async fn a_second_configuration_is_refused_and_keeps_the_first_client() {
        let provider = CerProvider::default();
        let mut diags = Diagnostics::default();
        let first = config("https://cer.example.com", "u", "p");
        assert!(
            provider
                .configure(&mut diags, "1.11".into(), first)
                .await
                .is_some()
        );
        let second = config("https://attacker.example.com", "u", "p");
        assert!(
            provider
                .configure(&mut diags, "1.11".into(), second)
                .await
                .is_none()
        );
        assert_eq!(
            diags.errors[0].summary,
            "The cer provider is already configured"
        );
        let client = provider.client.get().expect("first client kept");
        assert!(format!("{client:?}").contains("cer.example.com"));
        assert!(!format!("{client:?}").contains("attacker"));
    }

    #[test]
    fn only_the_password_is_sensitive() {
        let sensitive: Vec<_> = schema()
            .block
            .attributes
            .iter()
            .filter(|(_, attribute)| attribute.sensitive)
            .map(|(name, _)| name.clone())
            .collect();
        assert_eq!(sensitive, ["password"]);
    }
}
