//! End-to-end: real terraform, real provider binary, simulator over HTTPS.

mod common;

use cer::client::wire::Cluster;
use cer::sim::{SimConfig, TlsMode};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lifecycle_create_noop_update_replace_destroy() {
    let sim = start_sim().await;
    let ws = Workspace::new();
    let provider = provider_block(&ws, &sim, "");
    let minimal = cluster_block("minimal", "10.1.1.1", "");
    let full = cluster_block("full", "cucm-pub.example.com", FULL_EXTRAS);
    ws.config(&format!("{provider}\n{minimal}\n{full}"));

    // Create: one POST each, the vendor's whole body, every value a string, defaults filled.
    ws.apply().ok();
    assert_eq!(sim_addresses(&sim), ["10.1.1.1", "cucm-pub.example.com"]);
    let journal = sim.journal();
    assert_eq!(methods(&journal), ["POST", "POST"]);
    for entry in &journal {
        assert!(entry.authorized, "request without valid Basic auth");
        assert_eq!(entry.path, "/cerappservices/service/cluster");
        assert_eq!(entry.header("content-type"), Some("application/json"));
        assert_eq!(entry.header("accept"), Some("application/json"));
        assert!(
            entry
                .header("user-agent")
                .is_some_and(|ua| ua.starts_with("terraform-provider-cer/")),
            "{:?}",
            entry.header("user-agent")
        );
    }
    let minimal_body = journal
        .iter()
        .find(|e| e.body["CUCM"] == "10.1.1.1")
        .map(|e| e.body.clone())
        .unwrap();
    assert_eq!(
        minimal_body,
        serde_json::json!({
            "CUCM": "10.1.1.1", "CTIManger": "10.1.1.2", "CTIUser": "cer_robot",
            "CTIPassword": CTI_PASSWORD, "BackupCTIMngr1": "", "BackupCTIMngr2": "",
            "TelePortAddr": "", "NumbrOfTelePorts": "",
            "SecureConnection": {
                "EnableSecureConn": "false", "TFTPIpAddr": "", "TFTPPort": "69",
                "BackupTFTPIp": "", "CAPFIpAddr": "", "CAPFPort": "3804",
                "InstanceIdPub": "", "AuthStringPub": "", "InstanceIdSub": "", "AuthStringSub": ""
            },
            "AXLSettings": { "AXLUser": "", "AXLPassword": "", "AXLPort": "8443" },
            "UseSnmpV3": "false"
        })
    );
    let stored = sim_cluster(&sim, "cucm-pub.example.com");
    assert_eq!(stored.teleport_count, "4");
    assert_eq!(stored.use_snmpv3, "true");
    assert_eq!(stored.secure_connection.enabled, "true");
    assert_eq!(stored.secure_connection.tftp_port, "69");
    assert_eq!(stored.secure_connection.subscriber_auth_string, SUB_AUTH);
    assert_eq!(stored.axl.password, AXL_PASSWORD);
    assert_eq!(stored.axl.port, "8443");

    // A plan right after apply has nothing to do, and calls CER not at all (no GET exists).
    sim.clear_journal();
    ws.assert_no_changes();
    assert!(sim.journal().is_empty());

    // In-place update: exactly one PUT with the whole new body.
    let updated = cluster_block("minimal", "10.1.1.1", "  cti_user = \"cer_robot2\"\n")
        .replace("  cti_user     = \"cer_robot\"\n", "");
    ws.config(&format!("{provider}\n{updated}\n{full}"));
    let plan = ws.plan().ok();
    assert!(plan.stdout.contains("1 to change"), "{}", plan.stdout);
    ws.apply().ok();
    let journal = sim.journal();
    assert_eq!(methods(&journal), ["PUT"]);
    assert_eq!(journal[0].body["CTIUser"], "cer_robot2");
    assert_eq!(journal[0].body["CTIPassword"], CTI_PASSWORD);
    ws.assert_no_changes();

    // Changing the address replaces: DELETE the old, POST the new.
    sim.clear_journal();
    let moved = cluster_block("minimal", "10.1.1.9", "  cti_user = \"cer_robot2\"\n")
        .replace("  cti_user     = \"cer_robot\"\n", "");
    ws.config(&format!("{provider}\n{moved}\n{full}"));
    let plan = ws.plan().ok();
    assert!(
        plan.stdout.contains("forces replacement"),
        "{}",
        plan.stdout
    );
    ws.apply().ok();
    let journal = sim.journal();
    assert_eq!(methods(&journal), ["DELETE", "POST"]);
    assert_eq!(journal[0].body, serde_json::json!({"cucm": "10.1.1.1"}));
    assert_eq!(sim_addresses(&sim), ["10.1.1.9", "cucm-pub.example.com"]);
    assert_eq!(ws.state_addresses(), sim_addresses(&sim));

    // Destroy: DELETE with the JSON body, nothing left anywhere.
    sim.clear_journal();
    ws.destroy().ok();
    let mut deleted: Vec<String> = sim
        .journal()
        .iter()
        .inspect(|e| assert_eq!(e.method, "DELETE"))
        .map(|e| e.body["cucm"].as_str().unwrap_or_default().to_owned())
        .collect();
    deleted.sort();
    assert_eq!(deleted, ["10.1.1.9", "cucm-pub.example.com"]);
    assert!(sim.clusters().is_empty());
    assert!(ws.state_list().is_empty());
}

fn existing(address: &str) -> Cluster {
    Cluster {
        cucm: address.into(),
        cti_manager: "10.9.9.9".into(),
        cti_user: "old_robot".into(),
        cti_password: "old-password".into(),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_by_cli_adopts_without_post_then_puts_the_config() {
    let sim = start_sim().await;
    sim.insert(existing("10.2.2.1"));
    let ws = Workspace::new();
    let provider = provider_block(&ws, &sim, "");
    ws.config(&format!(
        "{provider}\n{}",
        cluster_block("main", "10.2.2.1", "")
    ));

    let bad = ws.run(&[
        "import",
        "-no-color",
        "cer_cucm_cluster.main",
        "not an address!",
    ]);
    let bad = bad.failed().all();
    assert!(bad.contains("Invalid import ID"), "{bad}");
    assert!(ws.state_list().is_empty());

    let import = ws
        .run(&["import", "-no-color", "cer_cucm_cluster.main", "10.2.2.1"])
        .ok();
    assert!(
        import.stdout.contains("Import successful"),
        "{}",
        import.stdout
    );
    assert!(sim.journal().is_empty(), "import must not call CER");
    assert_eq!(ws.state_addresses(), ["10.2.2.1"]);

    ws.apply().ok();
    assert_eq!(methods(&sim.journal()), ["PUT"]);
    let stored = sim_cluster(&sim, "10.2.2.1");
    assert_eq!(stored.cti_manager, "10.1.1.2");
    assert_eq!(stored.cti_password, CTI_PASSWORD);
    ws.assert_no_changes();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn import_block_adopts_and_updates_in_one_apply() {
    let sim = start_sim().await;
    sim.insert(existing("cucm-b.example.com"));
    let ws = Workspace::new();
    let provider = provider_block(&ws, &sim, "");
    let cluster = cluster_block("main", "cucm-b.example.com", "");
    ws.config(&format!(
        "{provider}\n{cluster}\nimport {{\n  to = cer_cucm_cluster.main\n  id = \"cucm-b.example.com\"\n}}\n"
    ));
    let plan = ws.plan().ok();
    assert!(plan.stdout.contains("1 to import"), "{}", plan.stdout);
    ws.apply().ok();
    assert_eq!(methods(&sim.journal()), ["PUT"]);
    assert_eq!(
        sim_cluster(&sim, "cucm-b.example.com").cti_user,
        "cer_robot"
    );
    ws.assert_no_changes();
    assert_eq!(sim.clusters().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_create_shows_the_error_and_leaves_nothing_in_state() {
    let sim = start_sim().await;
    sim.insert(existing("10.3.3.1"));
    let ws = Workspace::new();
    let provider = provider_block(&ws, &sim, "");
    ws.config(&format!(
        "{provider}\n{}",
        cluster_block("dup", "10.3.3.1", "")
    ));
    let apply = ws.apply().failed();
    let text = apply.all();
    assert!(
        text.contains("Could not create CUCM cluster \"10.3.3.1\""),
        "{text}"
    );
    assert!(text.contains("already exists"), "{text}");
    assert!(text.contains("terraform import"), "{text}");
    assert!(ws.state_list().is_empty());
    // The existing cluster was not touched.
    assert_eq!(sim_cluster(&sim, "10.3.3.1").cti_user, "old_robot");
    assert_no_secrets("failed apply", &text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_appear_in_plan_apply_or_show() {
    let sim = start_sim().await;
    let ws = Workspace::new();
    let provider = provider_block(&ws, &sim, "");
    ws.config(&format!(
        "{provider}\n{}",
        cluster_block("s", "10.4.4.1", FULL_EXTRAS)
    ));
    let plan = ws.plan().ok();
    assert!(plan.stdout.contains("(sensitive value)"), "{}", plan.stdout);
    assert_no_secrets("plan", &plan.all());
    assert_no_secrets("apply", &ws.apply().ok().all());
    assert_no_secrets("show", &ws.run(&["show", "-no-color"]).ok().all());
    let changed = FULL_EXTRAS.replace(AXL_PASSWORD, "axl-Changed-e2e");
    ws.config(&format!(
        "{provider}\n{}",
        cluster_block("s", "10.4.4.1", &changed)
    ));
    let update = ws.apply().ok().all();
    assert_no_secrets("update", &update);
    assert!(!update.contains("axl-Changed-e2e"), "{update}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_is_verified_unless_trusted_or_insecure() {
    let sim = start_sim().await;
    let ws = Workspace::new();
    let config = SimConfig::default();
    let bare = format!(
        "provider \"cer\" {{\n  url      = \"{}\"\n  username = \"{}\"\n  password = \"{}\"\nEXTRA}}\n",
        sim.url(),
        config.username,
        config.password
    );
    let cluster = cluster_block("t", "10.5.5.1", "");

    ws.config(&format!("{}\n{cluster}", bare.replace("EXTRA", "")));
    let rejected = ws.apply().failed().all();
    assert!(rejected.contains("certificate"), "{rejected}");
    assert!(sim.clusters().is_empty());
    assert!(ws.state_list().is_empty());

    ws.config(&format!(
        "{}\n{cluster}",
        bare.replace("EXTRA", "  insecure = true\n")
    ));
    ws.apply().ok();
    assert_eq!(sim_addresses(&sim), ["10.5.5.1"]);

    ws.config(&format!("{}\n{cluster}", provider_block(&ws, &sim, "")));
    ws.destroy().ok();
    assert!(sim.clusters().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn environment_variables_configure_the_provider() {
    let sim = start_sim().await;
    let mut ws = Workspace::new();
    let config = SimConfig::default();
    ws.config(&format!(
        "provider \"cer\" {{}}\n\n{}",
        cluster_block("e", "10.6.6.1", "")
    ));

    let missing = ws.plan();
    let missing = missing.failed().all();
    for needle in [
        "`url`",
        "CER_URL",
        "`username`",
        "CER_USERNAME",
        "`password`",
        "CER_PASSWORD",
    ] {
        assert!(missing.contains(needle), "{needle} not in:\n{missing}");
    }

    ws.set_env("CER_URL", &sim.url());
    ws.set_env("CER_USERNAME", &config.username);
    ws.set_env("CER_PASSWORD", &config.password);
    ws.set_env("CER_CA_CERTIFICATE", &sim.ca_pem().unwrap());
    ws.apply().ok();
    assert_eq!(sim_addresses(&sim), ["10.6.6.1"]);
    ws.destroy().ok();
    assert!(sim.clusters().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_configuration_fails_at_plan_naming_the_attribute() {
    let sim = start_sim().await;
    let ws = Workspace::new();
    let provider = provider_block(&ws, &sim, "");
    let bad = cluster_block(
        "v",
        "10.7.7",
        "  teleport_count = -1\n  teleport_address = \"+1\"\n  axl {\n    port = 70000\n  }\n  secure_connection {\n    enabled = true\n  }\n",
    );
    ws.config(&format!("{provider}\n{bad}"));
    let plan = ws.plan().failed().all();
    for needle in [
        "Invalid address",
        "`cucm_address`",
        "`teleport_count` is -1",
        "`axl.port` is 70000",
        "`secure_connection.tftp_server` must be set",
        "`secure_connection.capf_server` must be set",
    ] {
        assert!(plan.contains(needle), "{needle} not in:\n{plan}");
    }
    assert!(sim.journal().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fractional_numbers_are_named_errors_without_backtraces() {
    let sim = start_sim().await;
    let mut ws = Workspace::new();
    ws.set_env("RUST_BACKTRACE", "1");
    let provider = provider_block(&ws, &sim, "  max_parallel_requests = 2.5\n");
    let cluster = cluster_block(
        "f",
        "10.7.7.1",
        "  teleport_address = \"+1\"\n  teleport_count = 2.5\n  axl {\n    port = 8443.5\n  }\n",
    );
    ws.config(&format!("{provider}\n{cluster}"));
    let provider_errors = ws.plan().failed().all();
    assert!(
        provider_errors.contains("`max_parallel_requests` is 2.5"),
        "{provider_errors}"
    );

    ws.config(&format!("{}\n{cluster}", provider_block(&ws, &sim, "")));
    let resource_errors = ws.plan().failed().all();
    for needle in [
        "`teleport_count` is 2.5; it must be a whole number",
        "`axl.port` is 8443.5",
    ] {
        assert!(
            resource_errors.contains(needle),
            "{needle} not in:\n{resource_errors}"
        );
    }
    for text in [provider_errors, resource_errors] {
        assert!(
            !text.contains("/rustc/") && !text.contains("backtrace"),
            "{text}"
        );
    }
    assert!(sim.journal().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_provider_settings_do_not_break_plan() {
    let sim = start_sim().await;
    let ws = Workspace::new();
    let config = SimConfig::default();
    ws.write("ca.pem", &sim.ca_pem().unwrap());
    ws.config(&format!(
        "resource \"terraform_data\" \"cer\" {{\n  input = \"{}\"\n}}\n\nprovider \"cer\" {{\n  url            = terraform_data.cer.output\n  username       = \"{}\"\n  password       = \"{}\"\n  ca_certificate = file(\"${{path.module}}/ca.pem\")\n}}\n\n{}",
        sim.url(),
        config.username,
        config.password,
        cluster_block("u", "10.8.8.1", "")
    ));
    let plan = ws.plan().ok();
    assert!(plan.stdout.contains("2 to add"), "{}", plan.stdout);
    ws.apply().ok();
    assert_eq!(sim_addresses(&sim), ["10.8.8.1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_works_with_a_warning() {
    let sim = cer::sim::start(SimConfig {
        tls: TlsMode::Plain,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let ws = Workspace::new();
    let config = SimConfig::default();
    ws.config(&format!(
        "provider \"cer\" {{\n  url      = \"{}\"\n  username = \"{}\"\n  password = \"{}\"\n}}\n\n{}",
        sim.url(),
        config.username,
        config.password,
        cluster_block("h", "10.9.9.1", "")
    ));
    let apply = ws.apply().ok().all();
    assert!(apply.contains("CER url uses plain HTTP"), "{apply}");
    assert_eq!(sim_addresses(&sim), ["10.9.9.1"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_is_an_authentication_error_naming_the_user() {
    let sim = start_sim().await;
    let ws = Workspace::new();
    let provider =
        provider_block(&ws, &sim, "").replace(&SimConfig::default().password, "wrong-Pa55word");
    ws.config(&format!(
        "{provider}\n{}",
        cluster_block("a", "10.10.10.1", "")
    ));
    let apply = ws.apply().failed().all();
    assert!(
        apply.contains("rejected the credentials of user \"cer-admin\""),
        "{apply}"
    );
    assert!(!apply.contains("wrong-Pa55word"), "{apply}");
    assert!(ws.state_list().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_parallel_requests_caps_requests_in_flight() {
    let sim = cer::sim::start(SimConfig {
        latency: std::time::Duration::from_millis(300),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let ws = Workspace::new();
    let provider = provider_block(&ws, &sim, "  max_parallel_requests = 2\n");
    let clusters: String = (1..=6)
        .map(|i| cluster_block(&format!("p{i}"), &format!("10.11.0.{i}"), ""))
        .collect();
    ws.config(&format!("{provider}\n{clusters}"));
    ws.apply().ok();
    assert_eq!(sim.clusters().len(), 6);
    assert_eq!(
        sim.peak_in_flight(),
        2,
        "Terraform runs 10 at once; the provider caps at 2"
    );
}

#[test]
fn run_by_hand_the_binary_explains_itself_and_exits_non_zero() {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_terraform-provider-cer"))
        .env_remove("TF_PLUGIN_MAGIC_COOKIE")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        output.stdout.is_empty(),
        "stdout belongs to the plugin handshake"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("is a Terraform provider plugin"),
        "{stderr}"
    );
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_reaches_trace_logs_or_the_plugin_log_file() {
    let sim = start_sim().await;
    // Include a failing request so error paths are logged too.
    sim.add_fault(
        cer::sim::FaultRule::new(
            Some("POST"),
            cer::sim::FaultAction::Status {
                status: 503,
                body: None,
                content_type: None,
                retry_after: None,
            },
        )
        .times(1),
    )
    .expect("valid fault rule");
    let mut ws = Workspace::new();
    let tf_log = ws.path().join("tf.log");
    let plugin_log = ws.path().join("plugin.log");
    ws.set_env("TF_LOG", "TRACE");
    ws.set_env("TF_LOG_PATH", &tf_log.display().to_string());
    ws.set_env("PLUGIN_LOG_FILE", &plugin_log.display().to_string());
    ws.set_env("RUST_BACKTRACE", "1");
    let provider = provider_block(&ws, &sim, "");
    ws.config(&format!(
        "{provider}\n{}",
        cluster_block("l", "10.12.0.1", FULL_EXTRAS)
    ));
    let apply = ws.apply().ok();
    ws.config(&format!(
        "{provider}\n{}",
        cluster_block(
            "l",
            "10.12.0.1",
            &FULL_EXTRAS.replace("axl_user", "axl_user2")
        )
    ));
    let update = ws.apply().ok();
    let destroy = ws.destroy().ok();
    let tf_log = std::fs::read_to_string(&tf_log).unwrap();
    let plugin_log = std::fs::read_to_string(&plugin_log).unwrap_or_default();
    // The logs are really there and carry the provider's own request lines.
    assert!(
        tf_log.contains("retrying CER request"),
        "provider logs missing from TF_LOG"
    );
    assert!(tf_log.contains("\"status\":503") || tf_log.contains("status=503"));
    for (what, text) in [
        ("apply output", apply.all()),
        ("update output", update.all()),
        ("destroy output", destroy.all()),
        ("TF_LOG=TRACE", tf_log),
        ("PLUGIN_LOG_FILE", plugin_log),
    ] {
        assert_no_secrets(what, &text);
        assert!(
            !text.contains("stack backtrace"),
            "{what} carries a backtrace"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_are_reused_across_resources() {
    let sim = start_sim().await;
    let ws = Workspace::new();
    let provider = provider_block(&ws, &sim, "  max_parallel_requests = 4\n");
    let clusters: String = (1..=60)
        .map(|i| cluster_block(&format!("r{i}"), &format!("10.13.0.{i}"), ""))
        .collect();
    ws.config(&format!("{provider}\n{clusters}"));
    ws.apply().ok();
    let stats = sim.stats();
    assert_eq!(stats.requests, 60);
    // At most 4 requests at once: a handful of TLS sessions, not one per cluster. A connection
    // returns to the pool just after its permit is released, so allow a few extra.
    assert!(
        stats.connections <= 12,
        "{} connections for 60 requests",
        stats.connections
    );
}
