//! Fault matrix: apply, update and destroy of several clusters while the simulator misbehaves.
//! Whatever the outcome, Terraform state and the simulator's store must agree afterwards: no
//! lost cluster, no duplicate, no orphan.

mod common;

use cer::sim::{FaultAction, FaultRule, Sim};
use common::*;
use std::time::Duration;

const ADDRESSES: [&str; 3] = ["10.20.0.1", "10.20.0.2", "cucm-f.example.com"];

fn config(ws: &Workspace, sim: &Sim, cti_user: &str) {
    let provider = provider_block(ws, sim, "  request_timeout = 1\n  max_retries     = 3\n");
    let clusters: String = ADDRESSES
        .iter()
        .enumerate()
        .map(|(i, address)| {
            cluster_block(&format!("c{i}"), address, "").replace(
                "cti_user     = \"cer_robot\"",
                &format!("cti_user     = \"{cti_user}\""),
            )
        })
        .collect();
    ws.config(&format!("{provider}\n{clusters}"));
}

/// (address, cti_user) of every cluster, as Terraform state has them and as the simulator does.
fn assert_consistent(ws: &Workspace, sim: &Sim, phase: &str) {
    let show = ws.run(&["show", "-json"]).ok();
    let json: serde_json::Value = serde_json::from_str(&show.stdout).unwrap();
    let mut in_state: Vec<(String, String)> = json["values"]["root_module"]["resources"]
        .as_array()
        .map(|resources| {
            resources
                .iter()
                .map(|r| {
                    let v = &r["values"];
                    (
                        v["cucm_address"].as_str().unwrap_or_default().to_owned(),
                        v["cti_user"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    in_state.sort();
    let mut in_sim: Vec<(String, String)> = sim
        .clusters()
        .into_iter()
        .map(|c| (c.cucm, c.cti_user))
        .collect();
    in_sim.sort();
    assert_eq!(in_state, in_sim, "{phase}: state and simulator disagree");
}

/// Requests delayed past the client's timeout still finish on the server; wait for them.
async fn settle(sim: &Sim) {
    for _ in 0..100 {
        if sim.stats().in_flight == 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("simulator still busy");
}

enum Expect {
    Success,
    /// The step fails, showing this text; a clean retry then succeeds.
    Failure(&'static str),
}

async fn matrix(rule: impl Fn(&str) -> FaultRule, expect: Expect) {
    let sim = start_sim().await;
    let ws = Workspace::new();
    type Step = fn(&Workspace) -> Output;
    let phases: [(&str, &str, Step); 3] = [
        ("POST", "create", Workspace::apply),
        ("PUT", "update", Workspace::apply),
        ("DELETE", "destroy", Workspace::destroy),
    ];
    for (verb, phase, step) in phases {
        config(
            &ws,
            &sim,
            if phase == "create" {
                "robot_a"
            } else {
                "robot_b"
            },
        );
        let fault = rule(verb);
        let drop_after = fault.action == FaultAction::DropAfter;
        sim.clear_journal();
        let requests_before = sim.stats().requests;
        sim.add_fault(fault).expect("valid fault rule");
        let outcome = step(&ws);
        match expect {
            Expect::Success => {
                outcome.ok();
            }
            Expect::Failure(text) => {
                let all = outcome.failed().all();
                assert!(all.contains(text), "{phase}: {text:?} not in:\n{all}");
                assert_no_secrets(phase, &all);
            }
        }
        settle(&sim).await;
        // Recovery is visible: more requests than clusters reached the simulator.
        let journal = sim.journal();
        let sent = sim.stats().requests - requests_before;
        if let Expect::Success = expect {
            assert!(
                sent > ADDRESSES.len() as u64,
                "{phase}: no retry seen in {journal:?}"
            );
        }
        if drop_after && verb == "POST" {
            // The retried POST is refused (the first one committed) and PUT settles it.
            assert!(
                journal
                    .iter()
                    .any(|e| e.method == "POST" && e.status == Some(400))
            );
            assert!(
                journal
                    .iter()
                    .any(|e| e.method == "PUT" && e.status == Some(200))
            );
        }
        assert_consistent(&ws, &sim, phase);
        sim.clear_faults();
        if let Expect::Failure(_) = expect {
            step(&ws).ok();
            assert_consistent(&ws, &sim, &format!("{phase} after recovery"));
        }
        let expected: usize = if phase == "destroy" {
            0
        } else {
            ADDRESSES.len()
        };
        assert_eq!(
            sim.clusters().len(),
            expected,
            "{phase}: {:?}",
            sim_addresses(&sim)
        );
    }
}

fn rule(verb: &str, action: FaultAction) -> FaultRule {
    FaultRule::new(Some(verb), action)
}

fn status(code: u16) -> FaultAction {
    FaultAction::Status {
        status: code,
        body: None,
        content_type: None,
        retry_after: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_once_is_retried() {
    matrix(|verb| rule(verb, status(503)).times(1), Expect::Success).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_503_forever_fails_clearly_after_retries() {
    matrix(|verb| rule(verb, status(503)), Expect::Failure("HTTP 503")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_with_retry_after_is_honoured() {
    let action = FaultAction::Status {
        status: 429,
        body: None,
        content_type: None,
        retry_after: Some(1),
    };
    matrix(|verb| rule(verb, action.clone()).times(2), Expect::Success).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_before_the_answer_is_retried() {
    matrix(
        |verb| rule(verb, FaultAction::DropBefore).times(1),
        Expect::Success,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_dropped_after_the_server_committed_is_settled_without_duplicates() {
    matrix(
        |verb| rule(verb, FaultAction::DropAfter).times(1),
        Expect::Success,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn latency_beyond_the_request_timeout_is_retried() {
    matrix(
        |verb| rule(verb, FaultAction::Latency { ms: 2500 }).times(1),
        Expect::Success,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_is_a_clear_error() {
    matrix(
        |verb| rule(verb, FaultAction::Malformed).times(1),
        Expect::Failure("not the expected JSON"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_html_error_page_is_a_clear_error() {
    let action = FaultAction::Status {
        status: 500,
        body: Some(
            "<html><body><h1>Internal Server Error</h1><p>CER is restarting</p></body></html>"
                .into(),
        ),
        content_type: Some("text/html".into()),
        retry_after: None,
    };
    matrix(
        |verb| rule(verb, action.clone()).times(1),
        Expect::Failure("Internal Server Error CER is restarting"),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_401_is_an_authentication_error() {
    let action = FaultAction::Status {
        status: 401,
        body: Some("<html><body><h1>401 Unauthorized</h1></body></html>".into()),
        content_type: Some("text/html".into()),
        retry_after: None,
    };
    matrix(
        |verb| rule(verb, action.clone()),
        Expect::Failure("rejected the credentials of user \"cer-admin\""),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_apply_leaves_state_and_simulator_in_agreement() {
    let sim = cer::sim::start(cer::sim::SimConfig {
        latency: Duration::from_millis(800),
        ..Default::default()
    })
    .await
    .unwrap();
    let ws = Workspace::new();
    let provider = provider_block(&ws, &sim, "");
    let clusters: String = (1..=8)
        .map(|i| cluster_block(&format!("i{i}"), &format!("10.30.0.{i}"), ""))
        .collect();
    ws.config(&format!("{provider}\n{clusters}"));

    let apply = ws
        .command(&[
            "apply",
            "-auto-approve",
            "-input=false",
            "-no-color",
            "-parallelism=2",
        ])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Interrupt once some creates are in flight and some have finished.
    for _ in 0..100 {
        if !sim.clusters().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &apply.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    let output = apply.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string()
        + &String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "apply should stop early:\n{text}");
    assert!(text.contains("Interrupt received"), "{text}");
    settle(&sim).await;
    let created = sim.clusters().len();
    assert!(
        (1..8).contains(&created),
        "interrupt came too late or too early: {created} created"
    );
    assert_eq!(ws.state_addresses(), sim_addresses(&sim));

    // A clean apply afterwards completes the rest without duplicates.
    ws.apply().ok();
    assert_eq!(sim.clusters().len(), 8);
    assert_eq!(ws.state_addresses(), sim_addresses(&sim));
}
