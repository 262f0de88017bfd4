//! Property tests: response parsing and the state → wire conversion never panic, whatever
//! they are given, and keep their contracts.

use cer::client::classify;
use cer::resources::cucm_cluster::{AxlState, ClusterState, SecureConnectionState, validate};
use proptest::prelude::*;
use tf_provider::value::Value;

fn value<T: std::fmt::Debug + Clone + 'static>(
    inner: impl Strategy<Value = T> + 'static,
) -> impl Strategy<Value = Value<T>> {
    prop_oneof![
        Just(Value::Null),
        Just(Value::Unknown),
        inner.prop_map(Value::Value),
    ]
}

fn text() -> impl Strategy<Value = Value<String>> {
    value(any::<String>())
}

prop_compose! {
    fn secure()(
        enabled in value(any::<bool>()), tftp_server in text(), tftp_port in value(any::<f64>()),
        backup_tftp_server in text(), capf_server in text(), capf_port in value(any::<f64>()),
        publisher_instance_id in text(), publisher_auth_string in text(),
        subscriber_instance_id in text(), subscriber_auth_string in text(),
    ) -> SecureConnectionState {
        SecureConnectionState {
            enabled, tftp_server, tftp_port, backup_tftp_server, capf_server, capf_port,
            publisher_instance_id, publisher_auth_string, subscriber_instance_id,
            subscriber_auth_string,
        }
    }
}

prop_compose! {
    fn axl()(username in text(), password in text(), port in value(any::<f64>())) -> AxlState {
        AxlState { username, password, port }
    }
}

prop_compose! {
    fn state()(
        cucm_address in text(), cti_manager in text(), cti_user in text(), cti_password in text(),
        backup_cti_manager_1 in text(), backup_cti_manager_2 in text(),
        teleport_address in text(), teleport_count in value(any::<f64>()),
        use_snmpv3 in value(any::<bool>()),
        secure_connection in prop_oneof![Just(Value::Null), secure().prop_map(Value::Value)],
        axl in prop_oneof![Just(Value::Null), axl().prop_map(Value::Value)],
    ) -> ClusterState {
        ClusterState {
            id: Value::Null, cucm_address, cti_manager, cti_user, cti_password,
            backup_cti_manager_1, backup_cti_manager_2, teleport_address, teleport_count,
            use_snmpv3, secure_connection, axl,
        }
    }
}

const KEYS: [&str; 11] = [
    "CUCM",
    "CTIManger",
    "CTIUser",
    "CTIPassword",
    "BackupCTIMngr1",
    "BackupCTIMngr2",
    "TelePortAddr",
    "NumbrOfTelePorts",
    "SecureConnection",
    "AXLSettings",
    "UseSnmpV3",
];

fn all_strings(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(_) => true,
        serde_json::Value::Object(map) => map.values().all(all_strings),
        _ => false,
    }
}

proptest! {
    #[test]
    fn classify_never_panics_and_success_needs_2xx(status in 0u16..1000, body in proptest::collection::vec(any::<u8>(), 0..300)) {
        if classify(status, &body, "robot").is_ok() {
            prop_assert!((200..300).contains(&status));
        }
    }

    #[test]
    fn classify_accepts_only_success_words(status in 200u16..300, word in "[A-Za-z ]{0,12}", message in ".{0,40}") {
        let body = serde_json::json!({"status": word, "message": message}).to_string();
        let ok = classify(status, body.as_bytes(), "robot").is_ok();
        let expected = ["success", "sucess"].contains(&word.trim().to_ascii_lowercase().as_str());
        prop_assert_eq!(ok, expected);
    }

    #[test]
    fn wire_bodies_always_have_every_key_as_strings(state in state()) {
        let wire = serde_json::to_value(state.to_wire()).unwrap();
        let object = wire.as_object().unwrap();
        prop_assert_eq!(object.len(), KEYS.len());
        for key in KEYS {
            prop_assert!(object.contains_key(key), "missing {}", key);
        }
        prop_assert!(all_strings(&wire));
        prop_assert!(["true", "false"].contains(&wire["UseSnmpV3"].as_str().unwrap()));
        let _ = validate(&state);
        let _ = format!("{state:?}");
    }
}
