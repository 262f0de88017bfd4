//! The vendor's JSON, key for key. Every value is a string on the wire and the keys keep the
//! vendor's spelling (`CTIManger`, `NumbrOfTelePorts`, ...): do not "fix" them.
//!
//! No field is defaulted on decode, so a body missing a key fails to parse: the simulator relies
//! on that to reject incomplete bodies the way a strict server would.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Body of POST and PUT `/cerappservices/service/cluster`.
#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Default)]
pub struct Cluster {
    #[serde(rename = "CUCM")]
    pub cucm: String,
    #[serde(rename = "CTIManger")]
    pub cti_manager: String,
    #[serde(rename = "CTIUser")]
    pub cti_user: String,
    #[serde(rename = "CTIPassword")]
    pub cti_password: String,
    #[serde(rename = "BackupCTIMngr1")]
    pub backup_cti_manager_1: String,
    #[serde(rename = "BackupCTIMngr2")]
    pub backup_cti_manager_2: String,
    #[serde(rename = "TelePortAddr")]
    pub teleport_address: String,
    #[serde(rename = "NumbrOfTelePorts")]
    pub teleport_count: String,
    #[serde(rename = "SecureConnection")]
    pub secure_connection: SecureConnection,
    #[serde(rename = "AXLSettings")]
    pub axl: AxlSettings,
    #[serde(rename = "UseSnmpV3")]
    pub use_snmpv3: String,
}

#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Default)]
pub struct SecureConnection {
    #[serde(rename = "EnableSecureConn")]
    pub enabled: String,
    #[serde(rename = "TFTPIpAddr")]
    pub tftp_server: String,
    #[serde(rename = "TFTPPort")]
    pub tftp_port: String,
    #[serde(rename = "BackupTFTPIp")]
    pub backup_tftp_server: String,
    #[serde(rename = "CAPFIpAddr")]
    pub capf_server: String,
    #[serde(rename = "CAPFPort")]
    pub capf_port: String,
    #[serde(rename = "InstanceIdPub")]
    pub publisher_instance_id: String,
    #[serde(rename = "AuthStringPub")]
    pub publisher_auth_string: String,
    #[serde(rename = "InstanceIdSub")]
    pub subscriber_instance_id: String,
    #[serde(rename = "AuthStringSub")]
    pub subscriber_auth_string: String,
}

#[derive(Serialize, Deserialize, Clone, PartialEq, Eq, Default)]
pub struct AxlSettings {
    #[serde(rename = "AXLUser")]
    pub username: String,
    #[serde(rename = "AXLPassword")]
    pub password: String,
    #[serde(rename = "AXLPort")]
    pub port: String,
}

/// Body of DELETE `/cerappservices/service/cluster`: the only lower-case key of the API.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct DeleteRequest {
    pub cucm: String,
}

/// What every answer of the API carries. Both fields default so an answer that lacks one still
/// classifies instead of failing to parse.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq, Default)]
pub struct ApiResponse {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub message: String,
}

impl ApiResponse {
    pub fn new(status: &str, message: &str) -> Self {
        Self {
            status: status.to_owned(),
            message: message.to_owned(),
        }
    }

    /// The vendor answers `Success` to POST/PUT and `SUCESS` to DELETE.
    pub fn is_success(&self) -> bool {
        let status = self.status.trim();
        status.eq_ignore_ascii_case("success") || status.eq_ignore_ascii_case("sucess")
    }
}

const MASK: &str = "<redacted>";

fn mask(secret: &str) -> &'static str {
    if secret.is_empty() { "" } else { MASK }
}

// Hand-written Debug impls: a derived one would print passwords and auth strings into any log or
// error message that formats these structs.
impl fmt::Debug for Cluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cluster")
            .field("cucm", &self.cucm)
            .field("cti_manager", &self.cti_manager)
            .field("cti_user", &self.cti_user)
            .field("cti_password", &mask(&self.cti_password))
            .field("backup_cti_manager_1", &self.backup_cti_manager_1)
            .field("backup_cti_manager_2", &self.backup_cti_manager_2)
            .field("teleport_address", &self.teleport_address)
            .field("teleport_count", &self.teleport_count)
            .field("secure_connection", &self.secure_connection)
            .field("axl", &self.axl)
            .field("use_snmpv3", &self.use_snmpv3)
            .finish()
    }
}

impl fmt::Debug for SecureConnection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SecureConnection")
            .field("enabled", &self.enabled)
            .field("tftp_server", &self.tftp_server)
            .field("tftp_port", &self.tftp_port)
            .field("backup_tftp_server", &self.backup_tftp_server)
            .field("capf_server", &self.capf_server)
            .field("capf_port", &self.capf_port)
            .field("publisher_instance_id", &self.publisher_instance_id)
            .field("publisher_auth_string", &mask(&self.publisher_auth_string))
            .field("subscriber_instance_id", &self.subscriber_instance_id)
            .field(
                "subscriber_auth_string",
                &mask(&self.subscriber_auth_string),
            )
            .finish()
    }
}

impl fmt::Debug for AxlSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AxlSettings")
            .field("username", &self.username)
            .field("password", &mask(&self.password))
            .field("port", &self.port)
            .finish()
    }
}

impl Cluster {
    /// A copy safe to show a person (simulator journal, demo output): secrets replaced by a mask.
    pub fn redacted(&self) -> Self {
        let mut copy = self.clone();
        for secret in [
            &mut copy.cti_password,
            &mut copy.secure_connection.publisher_auth_string,
            &mut copy.secure_connection.subscriber_auth_string,
            &mut copy.axl.password,
        ] {
            if !secret.is_empty() {
                *secret = MASK.to_owned();
            }
        }
        copy
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_words_are_the_vendors_two_spellings_in_any_case() {
        for (status, ok) in [
            ("Success", true),
            ("SUCESS", true),
            ("success", true),
            (" SUCCESS ", true),
            ("Sucess", true),
            ("Failure", false),
            ("", false),
            ("SUCCESSFUL", false),
        ] {
            assert_eq!(ApiResponse::new(status, "").is_success(), ok, "{status:?}");
        }
    }

    #[test]
    fn debug_and_redacted_hide_every_secret() {
        let mut cluster = Cluster {
            cti_password: "pw-cti".into(),
            ..Default::default()
        };
        cluster.secure_connection.publisher_auth_string = "pw-pub".into();
        cluster.secure_connection.subscriber_auth_string = "pw-sub".into();
        cluster.axl.password = "pw-axl".into();
        let shown = format!(
            "{cluster:?} {}",
            serde_json::to_string(&cluster.redacted()).unwrap()
        );
        for secret in ["pw-cti", "pw-pub", "pw-sub", "pw-axl"] {
            assert!(!shown.contains(secret), "{secret} leaked in {shown}");
        }
        assert!(shown.contains(MASK));
    }

    #[test]
    fn a_body_missing_a_key_does_not_parse() {
        let mut body = serde_json::to_value(Cluster::default()).unwrap();
        body.as_object_mut().unwrap().remove("CTIManger");
        assert!(serde_json::from_value::<Cluster>(body).is_err());
    }
}
