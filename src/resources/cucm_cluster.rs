//! `cer_cucm_cluster`: one CUCM cluster connection in CER.
//!
//! CER's API has no GET for clusters, so `read` keeps the state as last applied and drift made
//! outside Terraform cannot be seen. Create is POST, update is PUT of the whole body, delete is
//! DELETE with `{"cucm": ...}`; changing `cucm_address` replaces the cluster because the address
//! is the only key CER knows it by.

use crate::client::wire;
use crate::diagnostics;
use crate::provider::ClientSlot;
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use tf_provider::schema::{
    Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock, Schema,
};
use tf_provider::value::{Value, ValueEmpty, serde_as_vec};
use tf_provider::{AttributePath, Diagnostics, Resource};

pub const DEFAULT_TFTP_PORT: f64 = 69.0;
pub const DEFAULT_CAPF_PORT: f64 = 3804.0;
pub const DEFAULT_AXL_PORT: f64 = 8443.0;

#[derive(Serialize, Deserialize, Clone, Default, PartialEq)]
pub struct ClusterState {
    pub id: Value<String>,
    pub cucm_address: Value<String>,
    pub cti_manager: Value<String>,
    pub cti_user: Value<String>,
    pub cti_password: Value<String>,
    pub backup_cti_manager_1: Value<String>,
    pub backup_cti_manager_2: Value<String>,
    pub teleport_address: Value<String>,
    /// Numbers are `f64` so that `1.5` decodes and validation can name the attribute; the
    /// framework's `i64` would fail to decode with a message that names nothing.
    pub teleport_count: Value<f64>,
    pub use_snmpv3: Value<bool>,
    #[serde(with = "serde_as_vec")]
    pub secure_connection: Value<SecureConnectionState>,
    #[serde(with = "serde_as_vec")]
    pub axl: Value<AxlState>,
}

#[derive(Serialize, Deserialize, Clone, Default, PartialEq)]
pub struct SecureConnectionState {
    pub enabled: Value<bool>,
    pub tftp_server: Value<String>,
    pub tftp_port: Value<f64>,
    pub backup_tftp_server: Value<String>,
    pub capf_server: Value<String>,
    pub capf_port: Value<f64>,
    pub publisher_instance_id: Value<String>,
    pub publisher_auth_string: Value<String>,
    pub subscriber_instance_id: Value<String>,
    pub subscriber_auth_string: Value<String>,
}

#[derive(Serialize, Deserialize, Clone, Default, PartialEq)]
pub struct AxlState {
    pub username: Value<String>,
    pub password: Value<String>,
    pub port: Value<f64>,
}

// `Value`'s own Debug prints raw values, so state is shown through the redacted wire form.
impl fmt::Debug for ClusterState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_wire(), f)
    }
}

impl fmt::Debug for SecureConnectionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = ClusterState {
            secure_connection: Value::Value(self.clone()),
            ..Default::default()
        };
        fmt::Debug::fmt(&state.to_wire().secure_connection, f)
    }
}

impl fmt::Debug for AxlState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = ClusterState {
            axl: Value::Value(self.clone()),
            ..Default::default()
        };
        fmt::Debug::fmt(&state.to_wire().axl, f)
    }
}

pub struct CucmClusterResource {
    client: Arc<ClientSlot>,
}

impl CucmClusterResource {
    pub fn new(client: Arc<ClientSlot>) -> Self {
        Self { client }
    }
}

fn text(value: &Value<String>) -> String {
    value.as_ref_option().cloned().unwrap_or_default()
}

/// Validation guarantees whole numbers before apply; the vendor wants them as decimal strings.
fn number(value: &Value<f64>, default: Option<f64>) -> String {
    value
        .as_ref_option()
        .copied()
        .or(default)
        .map(|n| (n as i64).to_string())
        .unwrap_or_default()
}

fn flag(value: &Value<bool>) -> String {
    value.as_ref_option().copied().unwrap_or(false).to_string()
}

impl ClusterState {
    /// The vendor's whole body: every key present, every value a string, unset values as `""`
    /// and documented defaults where the practitioner left a setting out (block included).
    pub fn to_wire(&self) -> wire::Cluster {
        let secure = self.secure_connection.as_ref_option().cloned();
        let secure = secure.unwrap_or_default();
        let axl = self.axl.as_ref_option().cloned().unwrap_or_default();
        wire::Cluster {
            cucm: text(&self.cucm_address),
            cti_manager: text(&self.cti_manager),
            cti_user: text(&self.cti_user),
            cti_password: text(&self.cti_password),
            backup_cti_manager_1: text(&self.backup_cti_manager_1),
            backup_cti_manager_2: text(&self.backup_cti_manager_2),
            teleport_address: text(&self.teleport_address),
            teleport_count: number(&self.teleport_count, None),
            secure_connection: wire::SecureConnection {
                enabled: flag(&secure.enabled),
                tftp_server: text(&secure.tftp_server),
                tftp_port: number(&secure.tftp_port, Some(DEFAULT_TFTP_PORT)),
                backup_tftp_server: text(&secure.backup_tftp_server),
                capf_server: text(&secure.capf_server),
                capf_port: number(&secure.capf_port, Some(DEFAULT_CAPF_PORT)),
                publisher_instance_id: text(&secure.publisher_instance_id),
                publisher_auth_string: text(&secure.publisher_auth_string),
                subscriber_instance_id: text(&secure.subscriber_instance_id),
                subscriber_auth_string: text(&secure.subscriber_auth_string),
            },
            axl: wire::AxlSettings {
                username: text(&axl.username),
                password: text(&axl.password),
                port: number(&axl.port, Some(DEFAULT_AXL_PORT)),
            },
            use_snmpv3: flag(&self.use_snmpv3),
        }
    }

    /// Fill defaults where the *configuration* leaves a value out, and derive `id`. Filling from
    /// the configuration rather than the proposal makes deleting a line return to the default.
    fn planned(mut self, config: &ClusterState) -> Self {
        self.id = self.cucm_address.clone();
        default_if_null(&mut self.use_snmpv3, &config.use_snmpv3, false);
        if let (Value::Value(secure), Value::Value(config)) =
            (&mut self.secure_connection, &config.secure_connection)
        {
            default_if_null(&mut secure.enabled, &config.enabled, false);
            default_if_null(&mut secure.tftp_port, &config.tftp_port, DEFAULT_TFTP_PORT);
            default_if_null(&mut secure.capf_port, &config.capf_port, DEFAULT_CAPF_PORT);
        }
        if let (Value::Value(axl), Value::Value(config)) = (&mut self.axl, &config.axl) {
            default_if_null(&mut axl.port, &config.port, DEFAULT_AXL_PORT);
        }
        self
    }

    fn secrets(&self) -> Vec<String> {
        let wire = self.to_wire();
        vec![
            wire.cti_password,
            wire.secure_connection.publisher_auth_string,
            wire.secure_connection.subscriber_auth_string,
            wire.axl.password,
        ]
    }
}

fn default_if_null<T: Clone>(planned: &mut Value<T>, config: &Value<T>, default: T) {
    if config.is_null() {
        *planned = Value::Value(default);
    }
}

// ---------------------------------------------------------------------------------------------
// Validation

/// One problem with the configuration, at an attribute path.
#[derive(Debug, PartialEq)]
pub struct Problem {
    pub path: AttributePath,
    pub summary: String,
    pub detail: String,
}

fn problem(path: AttributePath, summary: &str, detail: String) -> Problem {
    Problem {
        path,
        summary: summary.to_owned(),
        detail,
    }
}

fn is_hostname(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
        // An all-numeric dotted name is a mistyped IPv4 address, not a hostname.
        && !name.split('.').all(|label| label.chars().all(|c| c.is_ascii_digit()))
}

fn is_address(value: &str) -> bool {
    value.parse::<IpAddr>().is_ok() || is_hostname(value)
}

/// A path as the practitioner writes it: `secure_connection.tftp_port`, not `[0]`-indexed.
fn shown(path: &AttributePath) -> String {
    path.to_string().replace("[0]", "")
}

fn check_address(problems: &mut Vec<Problem>, path: AttributePath, value: &Value<String>) {
    if let Value::Value(address) = value
        && !is_address(address)
    {
        problems.push(problem(
            path.clone(),
            "Invalid address",
            format!(
                "`{}` is {address:?}, which is neither an IPv4/IPv6 address nor a DNS hostname. Use a value like \"10.10.20.1\", \"2001:db8::1\" or \"cucm-pub.example.com\".",
                shown(&path)
            ),
        ));
    }
}

fn check_whole(
    problems: &mut Vec<Problem>,
    path: AttributePath,
    value: &Value<f64>,
    range: std::ops::RangeInclusive<f64>,
    summary: &str,
    rule: &str,
) {
    if let Value::Value(n) = value
        && (n.fract() != 0.0 || !range.contains(n))
    {
        problems.push(problem(
            path.clone(),
            summary,
            format!("`{}` is {n}; {rule}.", shown(&path)),
        ));
    }
}

fn check_port(problems: &mut Vec<Problem>, path: AttributePath, value: &Value<f64>) {
    let rule = "a TCP port must be a whole number between 1 and 65535";
    check_whole(problems, path, value, 1.0..=65535.0, "Invalid port", rule);
}

fn check_not_empty(problems: &mut Vec<Problem>, path: AttributePath, value: &Value<String>) {
    if matches!(value, Value::Value(v) if v.trim().is_empty()) {
        problems.push(problem(
            path.clone(),
            "Empty value",
            format!("`{}` must not be empty.", shown(&path)),
        ));
    }
}

/// Every problem with a configuration. Unknown values (known only after apply) are skipped,
/// not failed: they are checked again once known.
pub fn validate(config: &ClusterState) -> Vec<Problem> {
    let mut problems = Vec::new();
    let at = AttributePath::new;
    for (name, value) in [
        ("cucm_address", &config.cucm_address),
        ("cti_manager", &config.cti_manager),
        ("cti_user", &config.cti_user),
        ("cti_password", &config.cti_password),
    ] {
        check_not_empty(&mut problems, at(name), value);
    }
    for (name, value) in [
        ("cucm_address", &config.cucm_address),
        ("cti_manager", &config.cti_manager),
        ("backup_cti_manager_1", &config.backup_cti_manager_1),
        ("backup_cti_manager_2", &config.backup_cti_manager_2),
    ] {
        check_address(&mut problems, at(name), value);
    }
    check_whole(
        &mut problems,
        at("teleport_count"),
        &config.teleport_count,
        0.0..=1e9,
        "Invalid teleport count",
        "it must be a whole number, 0 or more",
    );
    match (&config.teleport_address, &config.teleport_count) {
        (Value::Value(_), Value::Null) => problems.push(problem(
            at("teleport_count"),
            "Missing teleport count",
            "`teleport_address` is set, so set `teleport_count` too (the number of teleports)."
                .into(),
        )),
        (Value::Null, Value::Value(_)) => problems.push(problem(
            at("teleport_address"),
            "Missing teleport address",
            "`teleport_count` is set, so set `teleport_address` too (the first teleport address)."
                .into(),
        )),
        _ => {}
    }
    if let Value::Value(secure) = &config.secure_connection {
        let inside = |name: &'static str| at("secure_connection").index(0).attribute(name);
        for (name, value) in [
            ("tftp_server", &secure.tftp_server),
            ("backup_tftp_server", &secure.backup_tftp_server),
            ("capf_server", &secure.capf_server),
        ] {
            check_address(&mut problems, inside(name), value);
        }
        check_port(&mut problems, inside("tftp_port"), &secure.tftp_port);
        check_port(&mut problems, inside("capf_port"), &secure.capf_port);
        if secure.enabled == Value::Value(true) {
            for (name, value) in [
                ("tftp_server", &secure.tftp_server),
                ("capf_server", &secure.capf_server),
            ] {
                if value.is_null() {
                    problems.push(problem(
                        inside(name),
                        "Missing secure connection setting",
                        format!("`secure_connection.enabled` is true, so `secure_connection.{name}` must be set."),
                    ));
                }
            }
        }
    }
    if let Value::Value(axl) = &config.axl {
        check_port(
            &mut problems,
            at("axl").index(0).attribute("port"),
            &axl.port,
        );
    }
    problems
}

// ---------------------------------------------------------------------------------------------
// Schema

fn attribute(
    attr_type: AttributeType,
    constraint: AttributeConstraint,
    description: &str,
) -> Attribute {
    Attribute {
        attr_type,
        description: Description::markdown(description),
        constraint,
        ..Default::default()
    }
}

fn secret(description: &str, constraint: AttributeConstraint) -> Attribute {
    Attribute {
        sensitive: true,
        ..attribute(AttributeType::String, constraint, description)
    }
}

fn block(description: &str, attributes: Vec<(&str, Attribute)>) -> Block {
    Block {
        version: 1,
        description: Description::markdown(description),
        attributes: attributes
            .into_iter()
            .map(|(name, attribute)| (name.to_owned(), attribute))
            .collect(),
        blocks: HashMap::new(),
        deprecated: false,
    }
}

pub fn schema() -> Schema {
    use AttributeConstraint::{Computed, Optional, OptionalComputed, Required};
    use AttributeType::{Bool, Number, String};
    let secure_connection = block(
        "Secure (TLS) connection to the cluster's CTI Manager, with the TFTP and CAPF servers CER gets certificates from. Leave the block out to use a non-secure connection.",
        vec![
            (
                "enabled",
                attribute(
                    Bool,
                    OptionalComputed,
                    "Whether CER connects to the cluster securely. Defaults to `false`. When `true`, `tftp_server` and `capf_server` are required.",
                ),
            ),
            (
                "tftp_server",
                attribute(String, Optional, "TFTP server IP address or hostname."),
            ),
            (
                "tftp_port",
                attribute(
                    Number,
                    OptionalComputed,
                    &format!("TFTP server port, 1–65535. Defaults to `{DEFAULT_TFTP_PORT}`."),
                ),
            ),
            (
                "backup_tftp_server",
                attribute(
                    String,
                    Optional,
                    "Backup TFTP server IP address or hostname.",
                ),
            ),
            (
                "capf_server",
                attribute(String, Optional, "CAPF server IP address or hostname."),
            ),
            (
                "capf_port",
                attribute(
                    Number,
                    OptionalComputed,
                    &format!("CAPF server port, 1–65535. Defaults to `{DEFAULT_CAPF_PORT}`."),
                ),
            ),
            (
                "publisher_instance_id",
                attribute(String, Optional, "CAPF instance ID of the publisher."),
            ),
            (
                "publisher_auth_string",
                secret("CAPF authentication string of the publisher.", Optional),
            ),
            (
                "subscriber_instance_id",
                attribute(String, Optional, "CAPF instance ID of the subscriber."),
            ),
            (
                "subscriber_auth_string",
                secret("CAPF authentication string of the subscriber.", Optional),
            ),
        ],
    );
    let axl = block(
        "AXL (Administrative XML) credentials CER uses to read the cluster's configuration. Leave the block out to send no AXL credentials.",
        vec![
            ("username", attribute(String, Optional, "AXL user name.")),
            ("password", secret("AXL password.", Optional)),
            (
                "port",
                attribute(
                    Number,
                    OptionalComputed,
                    &format!("AXL port, 1–65535. Defaults to `{DEFAULT_AXL_PORT}`."),
                ),
            ),
        ],
    );
    let mut root = block(
        "A CUCM cluster connection in Cisco Emergency Responder (the cluster's robotic account). CER's API has no read operation for clusters: Terraform keeps the settings as last applied and cannot detect changes made outside Terraform.",
        vec![
            ("id", attribute(String, Computed, "Same as `cucm_address`.")),
            (
                "cucm_address",
                attribute(
                    String,
                    Required,
                    "IP address or hostname of the cluster's CUCM publisher: the key CER knows the cluster by. Changing it replaces the cluster.",
                ),
            ),
            (
                "cti_manager",
                attribute(String, Required, "CTI Manager IP address or hostname."),
            ),
            (
                "cti_user",
                attribute(
                    String,
                    Required,
                    "CTI Manager user name (the robotic account).",
                ),
            ),
            ("cti_password", secret("CTI Manager password.", Required)),
            (
                "backup_cti_manager_1",
                attribute(
                    String,
                    Optional,
                    "First backup CTI Manager IP address or hostname.",
                ),
            ),
            (
                "backup_cti_manager_2",
                attribute(
                    String,
                    Optional,
                    "Second backup CTI Manager IP address or hostname.",
                ),
            ),
            (
                "teleport_address",
                attribute(
                    String,
                    Optional,
                    "First telephony port (CTI port) directory number. Set together with `teleport_count`.",
                ),
            ),
            (
                "teleport_count",
                attribute(
                    Number,
                    Optional,
                    "Number of telephony ports, 0 or more. Set together with `teleport_address`.",
                ),
            ),
            (
                "use_snmpv3",
                attribute(
                    Bool,
                    OptionalComputed,
                    "Whether CER uses SNMPv3 with this cluster's switches. Defaults to `false`.",
                ),
            ),
        ],
    );
    root.blocks = HashMap::from([
        (
            "secure_connection".to_owned(),
            NestedBlock::Optional(secure_connection),
        ),
        ("axl".to_owned(), NestedBlock::Optional(axl)),
    ]);
    Schema {
        version: 1,
        block: root,
    }
}

// ---------------------------------------------------------------------------------------------
// Lifecycle

#[derive(Clone, Copy)]
enum Write {
    Create,
    Update,
}

impl CucmClusterResource {
    fn client(&self, diags: &mut Diagnostics) -> Option<Arc<crate::client::Client>> {
        let client = self.client.get();
        if client.is_none() {
            diagnostics::error(
                diags,
                "The cer provider is not configured",
                "The provider's settings were unknown when this operation ran. Make `url`, `username` and `password` known before apply (or set CER_URL, CER_USERNAME, CER_PASSWORD).",
            );
        }
        client
    }

    /// POST or PUT the planned settings; on success they are the new state as they are.
    async fn write(
        &self,
        diags: &mut Diagnostics,
        kind: Write,
        planned: ClusterState,
    ) -> Option<(ClusterState, ValueEmpty)> {
        let client = self.client(diags)?;
        let body = planned.to_wire();
        let (action, result) = match kind {
            Write::Create => ("create", client.create(&body).await),
            Write::Update => ("update", client.update(&body).await),
        };
        match result {
            Ok(()) => Some((planned, ValueEmpty::default())),
            Err(error) => {
                report(diags, action, &planned, &error);
                None
            }
        }
    }
}

fn report(
    diags: &mut Diagnostics,
    action: &str,
    state: &ClusterState,
    error: &crate::client::Error,
) {
    let secrets = state.secrets();
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    diagnostics::client_error(
        diags,
        format!(
            "Could not {action} CUCM cluster {:?}",
            text(&state.cucm_address)
        ),
        error,
        &secrets,
    );
}

#[async_trait]
impl Resource for CucmClusterResource {
    type State<'a> = ClusterState;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: ClusterState) -> Option<()> {
        for found in validate(&config) {
            diagnostics::error_at(diags, found.path, found.summary, found.detail);
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        _diags: &mut Diagnostics,
        state: ClusterState,
        private_state: ValueEmpty,
        _provider_meta_state: ValueEmpty,
    ) -> Option<(ClusterState, ValueEmpty)> {
        // No GET in CER's API: the state as last applied is the best knowledge there is.
        Some((state, private_state))
    }

    async fn plan_create<'a>(
        &self,
        _diags: &mut Diagnostics,
        proposed_state: ClusterState,
        config_state: ClusterState,
        _provider_meta_state: ValueEmpty,
    ) -> Option<(ClusterState, ValueEmpty)> {
        Some((proposed_state.planned(&config_state), ValueEmpty::default()))
    }

    async fn plan_update<'a>(
        &self,
        _diags: &mut Diagnostics,
        prior_state: ClusterState,
        proposed_state: ClusterState,
        config_state: ClusterState,
        _prior_private_state: ValueEmpty,
        _provider_meta_state: ValueEmpty,
    ) -> Option<(ClusterState, ValueEmpty, Vec<AttributePath>)> {
        let planned = proposed_state.planned(&config_state);
        let replace = if planned.cucm_address != prior_state.cucm_address {
            vec![AttributePath::new("cucm_address")]
        } else {
            vec![]
        };
        Some((planned, ValueEmpty::default(), replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior_state: ClusterState,
        _prior_private_state: ValueEmpty,
        _provider_meta_state: ValueEmpty,
    ) -> Option<ValueEmpty> {
        Some(ValueEmpty::default())
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned_state: ClusterState,
        _config_state: ClusterState,
        _planned_private_state: ValueEmpty,
        _provider_meta_state: ValueEmpty,
    ) -> Option<(ClusterState, ValueEmpty)> {
        self.write(diags, Write::Create, planned_state).await
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        _prior_state: ClusterState,
        planned_state: ClusterState,
        _config_state: ClusterState,
        _planned_private_state: ValueEmpty,
        _provider_meta_state: ValueEmpty,
    ) -> Option<(ClusterState, ValueEmpty)> {
        self.write(diags, Write::Update, planned_state).await
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: ClusterState,
        _planned_private_state: ValueEmpty,
        _provider_meta_state: ValueEmpty,
    ) -> Option<()> {
        let client = self.client(diags)?;
        match client.delete(&text(&prior_state.cucm_address)).await {
            Ok(()) => Some(()),
            Err(error) => {
                report(diags, "delete", &prior_state, &error);
                None
            }
        }
    }

    /// Adopts a cluster that already exists on CER, by its CUCM address, without calling CER
    /// (there is nothing to read). The next apply PUTs the configured settings.
    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(ClusterState, ValueEmpty)> {
        let id = id.trim().to_owned();
        if !is_address(&id) {
            diagnostics::error(
                diags,
                "Invalid import ID",
                format!(
                    "The import ID {id:?} must be the cluster's CUCM address (an IP address or hostname), e.g. `terraform import cer_cucm_cluster.main 10.10.20.1`."
                ),
            );
            return None;
        }
        let state = ClusterState {
            id: Value::Value(id.clone()),
            cucm_address: Value::Value(id),
            ..Default::default()
        };
        Some((state, ValueEmpty::default()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(value: &str) -> Value<String> {
        Value::Value(value.to_owned())
    }

    fn minimal() -> ClusterState {
        ClusterState {
            cucm_address: s("10.10.20.1"),
            cti_manager: s("10.10.20.2"),
            cti_user: s("cer_robot"),
            cti_password: s("cti-secret"),
            ..Default::default()
        }
    }

    fn full() -> ClusterState {
        ClusterState {
            backup_cti_manager_1: s("10.10.20.3"),
            backup_cti_manager_2: s("cucm-sub2.example.com"),
            teleport_address: s("+12"),
            teleport_count: Value::Value(4.0),
            use_snmpv3: Value::Value(true),
            secure_connection: Value::Value(SecureConnectionState {
                enabled: Value::Value(true),
                tftp_server: s("10.10.20.4"),
                tftp_port: Value::Value(6969.0),
                backup_tftp_server: s("10.10.20.5"),
                capf_server: s("10.10.20.6"),
                capf_port: Value::Value(3805.0),
                publisher_instance_id: s("pub-1"),
                publisher_auth_string: s("pub-secret"),
                subscriber_instance_id: s("sub-1"),
                subscriber_auth_string: s("sub-secret"),
            }),
            axl: Value::Value(AxlState {
                username: s("axl_user"),
                password: s("axl-secret"),
                port: Value::Value(8444.0),
            }),
            ..minimal()
        }
    }

    #[test]
    fn wire_bodies_have_every_vendor_key_and_only_strings() {
        let cases = [
            (
                minimal(),
                serde_json::json!({
                    "CUCM": "10.10.20.1", "CTIManger": "10.10.20.2", "CTIUser": "cer_robot",
                    "CTIPassword": "cti-secret", "BackupCTIMngr1": "", "BackupCTIMngr2": "",
                    "TelePortAddr": "", "NumbrOfTelePorts": "",
                    "SecureConnection": {
                        "EnableSecureConn": "false", "TFTPIpAddr": "", "TFTPPort": "69",
                        "BackupTFTPIp": "", "CAPFIpAddr": "", "CAPFPort": "3804",
                        "InstanceIdPub": "", "AuthStringPub": "", "InstanceIdSub": "",
                        "AuthStringSub": ""
                    },
                    "AXLSettings": { "AXLUser": "", "AXLPassword": "", "AXLPort": "8443" },
                    "UseSnmpV3": "false"
                }),
            ),
            (
                full(),
                serde_json::json!({
                    "CUCM": "10.10.20.1", "CTIManger": "10.10.20.2", "CTIUser": "cer_robot",
                    "CTIPassword": "cti-secret", "BackupCTIMngr1": "10.10.20.3",
                    "BackupCTIMngr2": "cucm-sub2.example.com",
                    "TelePortAddr": "+12", "NumbrOfTelePorts": "4",
                    "SecureConnection": {
                        "EnableSecureConn": "true", "TFTPIpAddr": "10.10.20.4", "TFTPPort": "6969",
                        "BackupTFTPIp": "10.10.20.5", "CAPFIpAddr": "10.10.20.6", "CAPFPort": "3805",
                        "InstanceIdPub": "pub-1", "AuthStringPub": "pub-secret",
                        "InstanceIdSub": "sub-1", "AuthStringSub": "sub-secret"
                    },
                    "AXLSettings": { "AXLUser": "axl_user", "AXLPassword": "axl-secret", "AXLPort": "8444" },
                    "UseSnmpV3": "true"
                }),
            ),
            (
                // Blocks present but with every optional left out: the same defaults as without.
                ClusterState {
                    teleport_count: Value::Value(0.0),
                    teleport_address: s("+1"),
                    secure_connection: Value::Value(SecureConnectionState::default()),
                    axl: Value::Value(AxlState::default()),
                    ..minimal()
                },
                {
                    let mut body = serde_json::to_value(minimal().to_wire()).unwrap();
                    body["TelePortAddr"] = "+1".into();
                    body["NumbrOfTelePorts"] = "0".into();
                    body
                },
            ),
        ];
        for (state, expected) in cases {
            assert_eq!(serde_json::to_value(state.to_wire()).unwrap(), expected);
        }
    }

    #[test]
    fn plan_fills_defaults_from_config_and_sets_id() {
        let config = ClusterState {
            secure_connection: Value::Value(SecureConnectionState::default()),
            axl: Value::Value(AxlState::default()),
            ..minimal()
        };
        // A proposal still carrying an old value (the user deleted the line) returns to default.
        let mut proposed = config.clone();
        proposed.use_snmpv3 = Value::Value(true);
        let planned = proposed.planned(&config);
        assert_eq!(planned.id, s("10.10.20.1"));
        assert_eq!(planned.use_snmpv3, Value::Value(false));
        let secure = planned.secure_connection.as_ref_option().unwrap();
        assert_eq!(secure.enabled, Value::Value(false));
        assert_eq!(secure.tftp_port, Value::Value(DEFAULT_TFTP_PORT));
        assert_eq!(secure.capf_port, Value::Value(DEFAULT_CAPF_PORT));
        assert_eq!(
            planned.axl.as_ref_option().unwrap().port,
            Value::Value(DEFAULT_AXL_PORT)
        );

        // Set values are kept, an unknown address gives an unknown id, absent blocks stay absent.
        let mut config = full();
        config.cucm_address = Value::Unknown;
        let planned = config.clone().planned(&config);
        assert_eq!(planned.id, Value::Unknown);
        assert_eq!(planned.use_snmpv3, Value::Value(true));
        assert_eq!(
            planned.secure_connection.as_ref_option().unwrap().tftp_port,
            Value::Value(6969.0)
        );
        assert!(minimal().planned(&minimal()).axl.is_null());
    }

    #[test]
    fn validation_table() {
        let path = |p: &str| -> String { p.to_owned() };
        let cases: Vec<(&str, ClusterState, Vec<String>)> = vec![
            ("minimal", minimal(), vec![]),
            ("full", full(), vec![]),
            (
                "bad addresses",
                ClusterState {
                    cucm_address: s("10.10.20"),
                    cti_manager: s("cti manager"),
                    backup_cti_manager_1: s("-bad-.example.com"),
                    backup_cti_manager_2: s("fe80::1::2"),
                    ..minimal()
                },
                vec![
                    path("cucm_address"),
                    path("cti_manager"),
                    path("backup_cti_manager_1"),
                    path("backup_cti_manager_2"),
                ],
            ),
            (
                "ipv6 and hostnames are fine",
                ClusterState {
                    cucm_address: s("2001:db8::10"),
                    cti_manager: s("cucm-pub.example.com."),
                    ..minimal()
                },
                vec![],
            ),
            (
                "empty required strings",
                ClusterState {
                    cti_user: s(" "),
                    cti_password: s(""),
                    ..minimal()
                },
                vec![path("cti_user"), path("cti_password")],
            ),
            (
                "teleport count negative",
                ClusterState {
                    teleport_address: s("+1"),
                    teleport_count: Value::Value(-1.0),
                    ..minimal()
                },
                vec![path("teleport_count")],
            ),
            (
                "teleport address without count",
                ClusterState {
                    teleport_address: s("+1"),
                    ..minimal()
                },
                vec![path("teleport_count")],
            ),
            (
                "teleport count without address",
                ClusterState {
                    teleport_count: Value::Value(2.0),
                    ..minimal()
                },
                vec![path("teleport_address")],
            ),
            (
                "ports out of range and secure without servers",
                ClusterState {
                    secure_connection: Value::Value(SecureConnectionState {
                        enabled: Value::Value(true),
                        tftp_port: Value::Value(0.0),
                        capf_port: Value::Value(65536.5),
                        ..Default::default()
                    }),
                    axl: Value::Value(AxlState {
                        port: Value::Value(70000.0),
                        ..Default::default()
                    }),
                    ..minimal()
                },
                vec![
                    path("secure_connection[0].tftp_port"),
                    path("secure_connection[0].capf_port"),
                    path("secure_connection[0].tftp_server"),
                    path("secure_connection[0].capf_server"),
                    path("axl[0].port"),
                ],
            ),
            (
                "unknown values are skipped",
                ClusterState {
                    cucm_address: Value::Unknown,
                    cti_manager: Value::Unknown,
                    teleport_address: Value::Unknown,
                    teleport_count: Value::Unknown,
                    secure_connection: Value::Value(SecureConnectionState {
                        enabled: Value::Unknown,
                        tftp_port: Value::Unknown,
                        ..Default::default()
                    }),
                    ..minimal()
                },
                vec![],
            ),
        ];
        for (name, config, expected) in cases {
            let found: Vec<String> = validate(&config)
                .iter()
                .map(|p| p.path.to_string())
                .collect();
            assert_eq!(found, expected, "{name}");
        }
    }

    #[test]
    fn problems_name_the_attribute_and_say_how_to_fix_it() {
        let config = ClusterState {
            cti_manager: s("not an address"),
            ..minimal()
        };
        let problems = validate(&config);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].detail.contains("`cti_manager`"),
            "{}",
            problems[0].detail
        );
        assert!(
            problems[0].detail.contains("cucm-pub.example.com"),
            "{}",
            problems[0].detail
        );
    }

    #[test]
    fn debug_of_state_masks_secrets() {
        let shown = format!("{:?}", full());
        for secret in ["cti-secret", "pub-secret", "sub-secret", "axl-secret"] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("10.10.20.1"));
    }

    #[test]
    fn schema_marks_every_secret_sensitive_and_only_those() {
        let schema = schema();
        let mut sensitive = Vec::new();
        let root = &schema.block;
        for (name, attribute) in &root.attributes {
            if attribute.sensitive {
                sensitive.push(name.clone());
            }
        }
        for (block_name, nested) in &root.blocks {
            let NestedBlock::Optional(block) = nested else {
                panic!("{block_name} must be an optional (0..1) block");
            };
            for (name, attribute) in &block.attributes {
                if attribute.sensitive {
                    sensitive.push(format!("{block_name}.{name}"));
                }
            }
        }
        sensitive.sort();
        assert_eq!(
            sensitive,
            [
                "axl.password",
                "cti_password",
                "secure_connection.publisher_auth_string",
                "secure_connection.subscriber_auth_string"
            ]
        );
    }

    #[test]
    fn state_round_trips_through_terraform_json_with_blocks_as_lists() {
        let value = serde_json::to_value(full()).unwrap();
        assert!(value["axl"].is_array() && value["secure_connection"].is_array());
        let back: ClusterState = serde_json::from_value(value).unwrap();
        assert!(back == full());
        let empty = serde_json::to_value(minimal()).unwrap();
        assert_eq!(empty["axl"], serde_json::json!([]));
    }
}
