use super::*;
use crate::client::wire::{AxlSettings, SecureConnection};
use reqwest::{Client, Method, StatusCode};
use std::time::Instant;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const PATH: &str = "/cerappservices/service/cluster";
const USER: &str = "cer-admin";
const PASS: &str = "cer-sim-password";
const ADDED: &str = r#"{"status":"Success","message":"CUCM cluster added successfully"}"#;
const UPDATED: &str = r#"{"status":"Success","message":"CUCM cluster updated successfully"}"#;
const DELETED: &str = r#"{"status":"SUCESS","message":"CCM_Deleted_Successfully"}"#;

fn cluster(cucm: &str) -> Cluster {
    Cluster {
        cucm: cucm.to_owned(),
        cti_manager: "10.1.1.2".into(),
        cti_user: "CerUser".into(),
        cti_password: "secret-cti-pw".into(),
        backup_cti_manager_1: "10.1.1.3".into(),
        backup_cti_manager_2: String::new(),
        teleport_address: "+12".into(),
        teleport_count: "4".into(),
        secure_connection: SecureConnection {
            enabled: "false".into(),
            tftp_server: "10.1.1.4".into(),
            tftp_port: "69".into(),
            backup_tftp_server: String::new(),
            capf_server: "10.1.1.5".into(),
            capf_port: "3804".into(),
            publisher_instance_id: "pub1".into(),
            publisher_auth_string: "secret-pub-auth".into(),
            subscriber_instance_id: "sub1".into(),
            subscriber_auth_string: "secret-sub-auth".into(),
        },
        axl: AxlSettings {
            username: "axl".into(),
            password: "secret-axl-pw".into(),
            port: "8443".into(),
        },
        use_snmpv3: "true".into(),
    }
}

const SECRETS: [&str; 4] = [
    "secret-cti-pw",
    "secret-pub-auth",
    "secret-sub-auth",
    "secret-axl-pw",
];

fn client_for(sim: &Sim) -> Client {
    let mut builder = Client::builder()
        .use_rustls_tls()
        .no_proxy()
        .timeout(Duration::from_secs(10));
    if let Some(pem) = sim.ca_pem() {
        let cert = reqwest::Certificate::from_pem(pem.as_bytes()).expect("CA PEM");
        builder = builder.add_root_certificate(cert);
    }
    builder.build().expect("client")
}

async fn sim_with(config: SimConfig) -> (Sim, Client) {
    let sim = start(config).await.expect("sim starts");
    let client = client_for(&sim);
    (sim, client)
}

async fn default_sim() -> (Sim, Client) {
    sim_with(SimConfig::default()).await
}

struct Answer {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    body: String,
}

async fn call(
    client: &Client,
    sim: &Sim,
    method: Method,
    path: &str,
    body: Option<String>,
    auth: Option<(&str, &str)>,
) -> Result<Answer, reqwest::Error> {
    let mut request = client.request(method, format!("{}{path}", sim.url()));
    if let Some((user, pass)) = auth {
        request = request.basic_auth(user, Some(pass));
    }
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body);
    }
    let resp = request.send().await?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.text().await?;
    Ok(Answer {
        status,
        headers,
        body,
    })
}

async fn api(client: &Client, sim: &Sim, method: Method, body: String) -> Answer {
    call(client, sim, method, PATH, Some(body), Some((USER, PASS)))
        .await
        .expect("answer")
}

/// The client saw "connection closed before message completed".
fn assert_closed_before_answer(err: &reqwest::Error) {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            assert!(h.is_incomplete_message(), "{err:?}");
            return;
        }
        source = e.source();
    }
    panic!("not a connection error: {err:?}");
}

fn json_of(c: &Cluster) -> String {
    serde_json::to_string(c).expect("json")
}

fn delete_body(cucm: &str) -> String {
    serde_json::to_string(&DeleteRequest {
        cucm: cucm.to_owned(),
    })
    .expect("json")
}

use crate::client::wire::DeleteRequest;

fn content_type(a: &Answer) -> &str {
    a.headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn temp_path(name: &str) -> PathBuf {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("cer-sim-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir.join(name)
}

// ---------------------------------------------------------------------------------------------
// API

#[tokio::test]
async fn post_put_delete_happy_path_with_exact_answers() {
    let (sim, client) = default_sim().await;
    assert!(sim.url().starts_with("https://127.0.0.1:"));
    assert!(!sim.url().ends_with('/'));

    let c = cluster("10.0.0.1");
    let a = api(&client, &sim, Method::POST, json_of(&c)).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body, ADDED);
    assert_eq!(content_type(&a), "application/json");
    assert_eq!(sim.clusters(), vec![c.clone()]);

    let mut changed = c.clone();
    changed.axl.port = "9443".into();
    changed.cti_password = "new-pw".into();
    let a = api(&client, &sim, Method::PUT, json_of(&changed)).await;
    assert_eq!((a.status.as_u16(), a.body.as_str()), (200, UPDATED));
    assert_eq!(sim.clusters(), vec![changed]);

    let a = api(&client, &sim, Method::DELETE, delete_body("10.0.0.1")).await;
    assert_eq!((a.status.as_u16(), a.body.as_str()), (200, DELETED));
    assert_eq!(content_type(&a), "application/json");
    assert!(sim.clusters().is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn duplicate_post_is_400_case_insensitively() {
    let (sim, client) = default_sim().await;
    let a = api(
        &client,
        &sim,
        Method::POST,
        json_of(&cluster("cucm-a.example.com")),
    )
    .await;
    assert_eq!(a.status, 200);
    let a = api(
        &client,
        &sim,
        Method::POST,
        json_of(&cluster("CUCM-A.example.com")),
    )
    .await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.body,
        r#"{"status":"Failure","message":"CUCM cluster CUCM-A.example.com already exists"}"#
    );
    assert_eq!(sim.clusters().len(), 1);
    assert_eq!(sim.clusters()[0].cucm, "cucm-a.example.com");
}

#[tokio::test]
async fn bad_bodies_are_400_saying_what_is_wrong() {
    let (sim, client) = default_sim().await;
    let mut missing = serde_json::to_value(cluster("10.0.0.1")).expect("value");
    missing.as_object_mut().expect("object").remove("CTIManger");
    let mut number = serde_json::to_value(cluster("10.0.0.1")).expect("value");
    number["SecureConnection"]["TFTPPort"] = serde_json::json!(69);
    let cases = [
        (Method::POST, "not json".to_owned(), "not valid JSON"),
        (Method::POST, String::new(), "empty"),
        (Method::POST, missing.to_string(), "CTIManger"),
        (
            Method::PUT,
            number.to_string(),
            "SecureConnection.TFTPPort: invalid type: integer `69`, expected a string",
        ),
        (
            Method::POST,
            json_of(&cluster("  ")),
            "CUCM must not be empty",
        ),
        (Method::DELETE, r#"{"CUCM":"x"}"#.to_owned(), "cucm"),
        (Method::DELETE, delete_body(""), "must not be empty"),
    ];
    for (method, body, expected) in cases {
        let a = api(&client, &sim, method.clone(), body.clone()).await;
        assert_eq!(a.status, 400, "{method} {body}");
        let answer: ApiResponse = serde_json::from_str(&a.body).expect("JSON answer");
        assert_eq!(answer.status, "Failure");
        assert!(
            answer.message.contains(expected),
            "{method} {body}: {:?} lacks {expected:?}",
            answer.message
        );
    }
    assert!(sim.clusters().is_empty());
}

use crate::client::wire::ApiResponse;

#[tokio::test]
async fn put_and_delete_of_unknown_cluster_are_404() {
    let (sim, client) = default_sim().await;
    sim.insert(cluster("10.0.0.9"));
    let a = api(&client, &sim, Method::PUT, json_of(&cluster("10.0.0.1"))).await;
    assert_eq!(a.status, 404);
    assert_eq!(
        a.body,
        r#"{"status":"Failure","message":"CUCM cluster 10.0.0.1 not found"}"#
    );
    let a = api(&client, &sim, Method::DELETE, delete_body("10.0.0.2")).await;
    assert_eq!(a.status, 404);
    assert_eq!(
        a.body,
        r#"{"status":"Failure","message":"CUCM cluster 10.0.0.2 not found"}"#
    );
    assert_eq!(sim.clusters(), vec![cluster("10.0.0.9")]);
}

#[tokio::test]
async fn missing_or_wrong_credentials_are_401_html() {
    let (sim, client) = default_sim().await;
    let body = Some(json_of(&cluster("10.0.0.1")));
    for auth in [None, Some((USER, "wrong")), Some(("someone", PASS))] {
        let a = call(&client, &sim, Method::POST, PATH, body.clone(), auth)
            .await
            .expect("answer");
        assert_eq!(a.status, 401, "{auth:?}");
        assert_eq!(
            a.body,
            "<html><body><h1>401 Unauthorized</h1></body></html>"
        );
        assert_eq!(content_type(&a), "text/html");
        assert_eq!(
            a.headers.get("www-authenticate").map(|v| v.as_bytes()),
            Some(&b"Basic realm=\"CER\""[..])
        );
    }
    // Auth is checked before routing.
    let a = call(
        &client,
        &sim,
        Method::GET,
        "/cerappservices/other",
        None,
        None,
    )
    .await
    .expect("answer");
    assert_eq!(a.status, 401);
    assert!(sim.clusters().is_empty());
    let journal = sim.journal();
    assert_eq!(journal.len(), 4);
    assert!(
        journal
            .iter()
            .all(|e| !e.authorized && e.status == Some(401))
    );
    assert_eq!(journal[1].header("authorization"), Some("<redacted>"));
}

#[tokio::test]
async fn custom_credentials_and_unpadded_base64_are_accepted() {
    let (sim, client) = sim_with(SimConfig {
        username: "u".into(),
        password: "p".into(),
        ..Default::default()
    })
    .await;
    let a = call(
        &client,
        &sim,
        Method::DELETE,
        PATH,
        Some(delete_body("x")),
        Some(("u", "p")),
    )
    .await
    .expect("answer");
    assert_eq!(a.status, 404);
    // base64("u:pp") is "dTpwcA==": a lower-case scheme and no padding are accepted too.
    let (sim2, client2) = sim_with(SimConfig {
        username: "u".into(),
        password: "pp".into(),
        ..Default::default()
    })
    .await;
    let resp = client2
        .delete(format!("{}{PATH}", sim2.url()))
        .header("authorization", "basic dTpwcA")
        .body(delete_body("x"))
        .send()
        .await
        .expect("answer");
    assert_eq!(resp.status(), 404);
    drop(sim);
}

#[tokio::test]
async fn other_paths_are_404_and_other_verbs_405() {
    let (sim, client) = default_sim().await;
    let auth = Some((USER, PASS));
    let a = call(
        &client,
        &sim,
        Method::POST,
        "/cerappservices/service/other",
        Some("{}".into()),
        auth,
    )
    .await
    .expect("answer");
    assert_eq!(a.status, 404);
    assert_eq!(content_type(&a), "application/json");
    let a = call(&client, &sim, Method::GET, PATH, None, auth)
        .await
        .expect("answer");
    assert_eq!(a.status, 405);
    assert_eq!(
        a.headers.get("allow").map(|v| v.as_bytes()),
        Some(&b"POST, PUT, DELETE"[..])
    );
    assert_eq!(content_type(&a), "application/json");
    let a = call(&client, &sim, Method::GET, "/", None, None)
        .await
        .expect("answer");
    assert_eq!(a.status, 404);
}

#[tokio::test]
async fn keep_alive_serves_several_requests_on_one_connection() {
    let (sim, _) = sim_with(SimConfig {
        tls: TlsMode::Plain,
        ..Default::default()
    })
    .await;
    assert!(sim.url().starts_with("http://127.0.0.1:"));
    let mut stream = tokio::net::TcpStream::connect(sim.addr())
        .await
        .expect("connect");
    let body = delete_body("nope");
    let request = format!(
        "DELETE {PATH} HTTP/1.1\r\nhost: x\r\nauthorization: Basic Y2VyLWFkbWluOmNlci1zaW0tcGFzc3dvcmQ=\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut seen = String::new();
    for _ in 0..2 {
        stream.write_all(request.as_bytes()).await.expect("write");
        let mut buf = vec![0u8; 4096];
        let n = stream.read(&mut buf).await.expect("read");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert_eq!(seen.matches("HTTP/1.1 404 Not Found").count(), 2, "{seen}");
    assert_eq!(sim.journal().len(), 2);
}

// ---------------------------------------------------------------------------------------------
// Faults

#[tokio::test]
async fn status_fault_answers_without_touching_the_store_then_is_spent() {
    let (sim, client) = sim_with(SimConfig {
        faults: vec!["POST:status=503:times=1".parse().expect("rule")],
        ..Default::default()
    })
    .await;
    let body = json_of(&cluster("10.0.0.1"));
    let a = api(&client, &sim, Method::POST, body.clone()).await;
    assert_eq!(a.status, 503);
    assert_eq!(a.body, r#"{"status":"Failure","message":"injected fault"}"#);
    assert_eq!(content_type(&a), "application/json");
    assert!(sim.clusters().is_empty());
    assert!(sim.faults().is_empty(), "times=1 rule is spent");
    let a = api(&client, &sim, Method::POST, body).await;
    assert_eq!((a.status.as_u16(), a.body.as_str()), (200, ADDED));
    assert_eq!(sim.clusters().len(), 1);
}

#[tokio::test]
async fn status_fault_with_html_body_and_retry_after() {
    let (sim, client) = default_sim().await;
    sim.add_fault(
        "*:status=429:retry_after=7:content_type=text/html:body=<html>a:b</html>"
            .parse()
            .expect("rule"),
    )
    .expect("valid fault rule");
    let a = api(&client, &sim, Method::DELETE, delete_body("x")).await;
    assert_eq!(a.status, 429);
    assert_eq!(a.body, "<html>a:b</html>");
    assert_eq!(content_type(&a), "text/html");
    assert_eq!(
        a.headers.get("retry-after").map(|v| v.as_bytes()),
        Some(&b"7"[..])
    );
    // Forever: the next one too.
    let a = api(&client, &sim, Method::PUT, json_of(&cluster("y"))).await;
    assert_eq!(a.status, 429);
}

#[tokio::test]
async fn faults_match_their_verb_and_never_consume_on_401() {
    let (sim, client) = default_sim().await;
    sim.add_fault(FaultRule::new(Some("put"), FaultAction::Malformed).times(1))
        .expect("valid fault rule");
    let a = call(
        &client,
        &sim,
        Method::PUT,
        PATH,
        Some(json_of(&cluster("a"))),
        None,
    )
    .await
    .expect("answer");
    assert_eq!(a.status, 401);
    let a = api(&client, &sim, Method::POST, json_of(&cluster("a"))).await;
    assert_eq!(a.body, ADDED, "POST is not affected by a PUT rule");
    let mut changed = cluster("a");
    changed.cti_user = "other".into();
    let a = api(&client, &sim, Method::PUT, json_of(&changed)).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body, r#"{"status": "Succ"#);
    assert_eq!(content_type(&a), "application/json");
    assert_eq!(
        sim.clusters(),
        vec![cluster("a")],
        "malformed does not apply"
    );
    let a = api(&client, &sim, Method::PUT, json_of(&changed)).await;
    assert_eq!(a.body, UPDATED);
}

#[tokio::test]
async fn rules_apply_in_order_and_count_down() {
    let (sim, client) = sim_with(SimConfig {
        faults: vec![
            "*:status=503:times=2".parse().expect("rule"),
            "POST:status=500".parse().expect("rule"),
        ],
        ..Default::default()
    })
    .await;
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(
            api(&client, &sim, Method::POST, "{}".into())
                .await
                .status
                .as_u16(),
        );
    }
    assert_eq!(seen, [503, 503, 500, 500]);
    let remaining = sim.faults();
    assert_eq!(remaining.len(), 1);
    assert_eq!(
        remaining[0].action,
        FaultAction::Status {
            status: 500,
            body: None,
            content_type: None,
            retry_after: None
        }
    );
}

#[tokio::test]
async fn probability_zero_never_fires_and_half_fires_about_half() {
    let (sim, client) = default_sim().await;
    sim.add_fault(
        FaultRule::new(None, FaultAction::DropBefore)
            .times(1)
            .probability(0.0),
    )
    .expect("valid fault rule");
    sim.add_fault(
        FaultRule::new(
            None,
            FaultAction::Status {
                status: 418,
                body: None,
                content_type: None,
                retry_after: None,
            },
        )
        .probability(0.5),
    )
    .expect("valid fault rule");
    let mut fired = 0;
    for _ in 0..200 {
        let a = api(&client, &sim, Method::DELETE, delete_body("x")).await;
        match a.status.as_u16() {
            418 => fired += 1,
            404 => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!((50..=150).contains(&fired), "fired {fired} of 200");
    assert_eq!(
        sim.faults()[0].times,
        Some(1),
        "a rule that did not fire is not consumed"
    );
}

#[tokio::test]
async fn latency_fault_delays_then_handles() {
    let (sim, client) = default_sim().await;
    sim.add_fault("POST:latency=300:times=1".parse().expect("rule"))
        .expect("valid fault rule");
    let started = Instant::now();
    let a = api(&client, &sim, Method::POST, json_of(&cluster("a"))).await;
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(a.body, ADDED);
    assert_eq!(sim.clusters().len(), 1);
    assert!(sim.journal()[0].duration_ms >= 300);
    let started = Instant::now();
    api(&client, &sim, Method::DELETE, delete_body("a")).await;
    assert!(started.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn drop_before_closes_without_answer_and_keeps_the_store() {
    let (sim, client) = default_sim().await;
    sim.add_fault("POST:drop_before:times=1".parse().expect("rule"))
        .expect("valid fault rule");
    let err = call(
        &client,
        &sim,
        Method::POST,
        PATH,
        Some(json_of(&cluster("a"))),
        Some((USER, PASS)),
    )
    .await
    .err()
    .expect("transport error");
    assert_closed_before_answer(&err);
    assert!(sim.clusters().is_empty());
    let journal = sim.journal();
    assert_eq!(journal.len(), 1);
    assert_eq!(journal[0].status, None);
    assert_eq!(sim.stats().in_flight, 0);
    // The client recovers on a new connection.
    let a = api(&client, &sim, Method::POST, json_of(&cluster("a"))).await;
    assert_eq!(a.body, ADDED);
}

#[tokio::test]
async fn drop_after_commits_then_closes_without_answer() {
    let (sim, client) = default_sim().await;
    sim.add_fault("DELETE:drop_after:times=1".parse().expect("rule"))
        .expect("valid fault rule");
    sim.add_fault("POST:drop_after:times=1".parse().expect("rule"))
        .expect("valid fault rule");
    let err = call(
        &client,
        &sim,
        Method::POST,
        PATH,
        Some(json_of(&cluster("a"))),
        Some((USER, PASS)),
    )
    .await
    .err()
    .expect("transport error");
    assert_closed_before_answer(&err);
    assert_eq!(sim.clusters(), vec![cluster("a")]);
    assert_eq!(sim.journal()[0].status, None);
    let a = api(&client, &sim, Method::POST, json_of(&cluster("a"))).await;
    assert_eq!(a.status, 400, "the retry sees the committed cluster");

    // Raw: not a single response byte.
    let (plain, _) = sim_with(SimConfig {
        tls: TlsMode::Plain,
        faults: vec!["DELETE:drop_after".parse().expect("rule")],
        ..Default::default()
    })
    .await;
    plain.insert(cluster("b"));
    let mut stream = tokio::net::TcpStream::connect(plain.addr())
        .await
        .expect("connect");
    let body = delete_body("b");
    let request = format!(
        "DELETE {PATH} HTTP/1.1\r\nhost: x\r\nauthorization: Basic Y2VyLWFkbWluOmNlci1zaW0tcGFzc3dvcmQ=\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut answer))
        .await
        .expect("closed, not hanging");
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert!(plain.clusters().is_empty(), "the delete was committed");
}

#[test]
fn fault_flag_syntax_and_json_agree() {
    let cases: [(&str, &str); 6] = [
        (
            "POST:status=503:times=1",
            r#"{"method":"POST","action":"status","status":503,"times":1}"#,
        ),
        (
            "put:latency=5000",
            r#"{"method":"PUT","action":"latency","ms":5000}"#,
        ),
        (
            "DELETE:drop_after:times=1",
            r#"{"method":"DELETE","action":"drop_after","times":1}"#,
        ),
        ("*:drop_before", r#"{"action":"drop_before"}"#),
        (
            "*:status=429:retry_after=1:times=2",
            r#"{"method":"*","action":"status","status":429,"retry_after":1,"times":2}"#,
        ),
        (
            "POST:status=500:content_type=text/html:probability=0.5:body=<html>oops: x</html>",
            r#"{"method":"POST","action":"status","status":500,"content_type":"text/html","body":"<html>oops: x</html>","probability":0.5}"#,
        ),
    ];
    for (flag, json) in cases {
        let from_flag: FaultRule = flag.parse().expect(flag);
        let from_json = serde_json::from_str::<FaultRule>(json)
            .expect(json)
            .validate()
            .expect(json);
        assert_eq!(from_flag, from_json, "{flag}");
        let again: FaultRule =
            serde_json::from_str(&serde_json::to_string(&from_flag).expect("ser")).expect("de");
        assert_eq!(again, from_flag);
    }
    for bad in [
        "POST",
        "POST:times=1",
        "POST:status=abc",
        "POST:status=503:malformed",
        "POST:probability=2:malformed",
        "POST:latency=10:body=x",
        "POST:explode",
        "POST:drop_before=1",
        "PO ST:malformed",
        "POST:status=42",
    ] {
        assert!(bad.parse::<FaultRule>().is_err(), "{bad} should not parse");
    }
    assert!(serde_json::from_str::<FaultRule>(r#"{"action":"teleport"}"#).is_err());
}

// ---------------------------------------------------------------------------------------------
// State, admin, stats

#[tokio::test]
async fn state_file_round_trip() {
    let path = temp_path("state.json");
    let config = SimConfig {
        state_file: Some(path.clone()),
        ..Default::default()
    };
    let (sim, client) = sim_with(config.clone()).await;
    api(&client, &sim, Method::POST, json_of(&cluster("b"))).await;
    api(&client, &sim, Method::POST, json_of(&cluster("a"))).await;
    api(&client, &sim, Method::DELETE, delete_body("b")).await;
    let on_disk: Vec<Cluster> =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("file")).expect("json");
    assert_eq!(on_disk, vec![cluster("a")]);
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().expect("dir"))
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name() != "state.json")
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
    sim.shutdown().await;

    let (again, _) = sim_with(config.clone()).await;
    assert_eq!(again.clusters(), vec![cluster("a")]);
    again.insert(cluster("c"));
    drop(again);
    let on_disk: Vec<Cluster> =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("file")).expect("json");
    assert_eq!(on_disk, vec![cluster("a"), cluster("c")]);

    std::fs::write(&path, "not json").expect("write");
    assert!(
        start(config).await.is_err(),
        "a corrupt state file is not clobbered"
    );
}

async fn admin_get(client: &Client, sim: &Sim, what: &str) -> serde_json::Value {
    let a = call(
        client,
        sim,
        Method::GET,
        &format!("/_sim/{what}"),
        None,
        None,
    )
    .await
    .expect("answer");
    assert_eq!(a.status, 200, "{what}: {}", a.body);
    assert_eq!(content_type(&a), "application/json");
    for secret in SECRETS {
        assert!(
            !a.body.contains(secret),
            "{what} leaks {secret}: {}",
            a.body
        );
    }
    serde_json::from_str(&a.body).expect("json")
}

#[tokio::test]
async fn admin_endpoints_mask_secrets_and_are_not_journaled_or_faulted() {
    let (sim, client) = default_sim().await;
    api(&client, &sim, Method::POST, json_of(&cluster("a"))).await;
    sim.add_fault("*:status=500".parse().expect("rule"))
        .expect("valid fault rule");

    let clusters = admin_get(&client, &sim, "clusters").await;
    assert_eq!(
        clusters,
        serde_json::to_value(vec![cluster("a").redacted()]).expect("v")
    );
    let journal = admin_get(&client, &sim, "journal").await;
    assert_eq!(journal.as_array().map(Vec::len), Some(1));
    assert_eq!(journal[0]["status"], 200);
    assert_eq!(journal[0]["authorized"], true);
    assert_eq!(
        journal[0]["body"]["AXLSettings"]["AXLPassword"],
        "<redacted>"
    );
    assert_eq!(journal[0]["body"]["AXLSettings"]["AXLUser"], "axl");
    // In-process the journal keeps the exact body; Debug does not show it.
    let entry = &sim.journal()[0];
    assert_eq!(entry.body["CTIPassword"], "secret-cti-pw");
    let debug = format!("{entry:?}");
    assert!(SECRETS.iter().all(|s| !debug.contains(s)), "{debug}");

    let faults = admin_get(&client, &sim, "faults").await;
    assert_eq!(
        faults,
        serde_json::json!([{"action":"status","status":500}])
    );
    let del = call(&client, &sim, Method::DELETE, "/_sim/faults", None, None)
        .await
        .expect("answer");
    assert_eq!(del.status, 200);
    assert!(sim.faults().is_empty());
    let add = call(
        &client,
        &sim,
        Method::POST,
        "/_sim/faults",
        Some(r#"{"method":"POST","action":"status","status":503,"times":1}"#.into()),
        None,
    )
    .await
    .expect("answer");
    assert_eq!(add.status, 200, "{}", add.body);
    assert_eq!(
        sim.faults(),
        vec!["POST:status=503:times=1".parse().expect("rule")]
    );
    let bad = call(
        &client,
        &sim,
        Method::POST,
        "/_sim/faults",
        Some(r#"{"action":"status","status":503,"probability":3}"#.into()),
        None,
    )
    .await
    .expect("answer");
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("probability"), "{}", bad.body);

    let seed = call(
        &client,
        &sim,
        Method::POST,
        "/_sim/clusters",
        Some(json_of(&cluster("z"))),
        None,
    )
    .await
    .expect("answer");
    assert_eq!(seed.status, 200);
    assert_eq!(sim.clusters().len(), 2);

    let stats = admin_get(&client, &sim, "stats").await;
    assert_eq!(
        stats,
        serde_json::json!({"requests":1,"connections":1,"in_flight":0,"peak_in_flight":1})
    );
    assert_eq!(sim.journal().len(), 1, "admin requests are not journaled");

    let del = call(&client, &sim, Method::DELETE, "/_sim/journal", None, None)
        .await
        .expect("answer");
    assert_eq!(del.status, 200);
    assert!(sim.journal().is_empty());

    api(&client, &sim, Method::DELETE, delete_body("x")).await;
    let reset = call(&client, &sim, Method::POST, "/_sim/reset", None, None)
        .await
        .expect("answer");
    assert_eq!(reset.status, 200);
    assert!(sim.clusters().is_empty() && sim.journal().is_empty() && sim.faults().is_empty());
    assert_eq!(
        sim.stats(),
        Stats {
            requests: 0,
            connections: 0,
            in_flight: 0,
            peak_in_flight: 0
        }
    );
    let unknown = call(&client, &sim, Method::GET, "/_sim/nothing", None, None)
        .await
        .expect("answer");
    assert_eq!(unknown.status, 404);
}

#[tokio::test]
async fn latency_overlaps_and_peak_in_flight_is_tracked() {
    let (sim, client) = sim_with(SimConfig {
        latency: Duration::from_millis(300),
        ..Default::default()
    })
    .await;
    let started = Instant::now();
    let requests = (0..6).map(|i| {
        let client = client.clone();
        let sim = &sim;
        async move {
            api(
                &client,
                sim,
                Method::POST,
                json_of(&cluster(&format!("c{i}"))),
            )
            .await
        }
    });
    let answers = futures::future::join_all(requests).await;
    let elapsed = started.elapsed();
    assert!(answers.iter().all(|a| a.body == ADDED));
    assert!(elapsed >= Duration::from_millis(300));
    assert!(
        elapsed < Duration::from_millis(1500),
        "requests overlap: {elapsed:?}"
    );
    assert_eq!(sim.peak_in_flight(), 6);
    let stats = sim.stats();
    assert_eq!((stats.requests, stats.in_flight), (6, 0));
    sim.reset_peak();
    assert_eq!(sim.peak_in_flight(), 0);
    let a = call(&client, &sim, Method::DELETE, "/_sim/stats", None, None)
        .await
        .expect("answer");
    assert_eq!(
        a.body,
        r#"{"requests":6,"connections":6,"in_flight":0,"peak_in_flight":0}"#
    );
}

#[tokio::test]
async fn dropping_or_shutting_down_stops_the_server() {
    let (sim, client) = default_sim().await;
    let addr = sim.addr();
    let a = api(&client, &sim, Method::DELETE, delete_body("x")).await;
    assert_eq!(a.status, 404);
    drop(sim);
    let mut refused = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(addr).await.is_err() {
            refused = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(refused, "still listening after drop");

    let (sim, _) = default_sim().await;
    let addr = sim.addr();
    sim.shutdown().await;
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn certificate_files_are_served() {
    let key = rcgen::KeyPair::generate().expect("key");
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .expect("params")
        .self_signed(&key)
        .expect("cert");
    let cert_path = temp_path("cert.pem");
    let key_path = temp_path("key.pem");
    std::fs::write(&cert_path, cert.pem()).expect("write");
    std::fs::write(&key_path, key.serialize_pem()).expect("write");
    let (sim, client) = sim_with(SimConfig {
        tls: TlsMode::Files {
            cert: cert_path,
            key: key_path,
        },
        ..Default::default()
    })
    .await;
    assert_eq!(sim.ca_pem(), Some(cert.pem()));
    let a = api(&client, &sim, Method::POST, json_of(&cluster("a"))).await;
    assert_eq!(a.body, ADDED);

    // A client that does not trust the certificate fails the handshake.
    let stranger = Client::builder()
        .use_rustls_tls()
        .no_proxy()
        .build()
        .expect("client");
    assert!(
        stranger
            .get(format!("{}/_sim/health", sim.url()))
            .send()
            .await
            .is_err()
    );
}
