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

fn mask(secret: &mut String) {
    if !secret.is_empty() {
        *secret = MASK.to_owned();
    }
}

impl Cluster {
    /// A copy safe to show a person (simulator journal, demo output): secrets replaced by a mask.
    pub fn redacted(&self) -> Self {
        let mut copy = self.clone();
        mask(&mut copy.cti_password);
        copy.secure_connection = copy.secure_connection.redacted();
        copy.axl = copy.axl.redacted();
        copy
    }
}

impl SecureConnection {
    pub fn redacted(&self) -> Self {
        let mut copy = self.clone();
        mask(&mut copy.publisher_auth_string);
        mask(&mut copy.subscriber_auth_string);
        copy
    }
}

impl AxlSettings {
    pub fn redacted(&self) -> Self {
        let mut copy = self.clone();
        mask(&mut copy.password);
        copy
    }
}

// Debug shows the redacted JSON: a derived Debug would print passwords and auth strings into any
// log or error message that formats these structs.
macro_rules! redacted_debug {
    ($($wire:ty),+) => {$(
        impl fmt::Debug for $wire {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let json = serde_json::to_string(&self.redacted()).map_err(|_| fmt::Error)?;
                f.write_str(&json)
            }
        }
    )+};
}

redacted_debug!(Cluster, SecureConnection, AxlSettings);

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
