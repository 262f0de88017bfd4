//! End-to-end harness: the real `terraform` binary, the built provider (through a temporary
//! CLI config with `dev_overrides`) and an in-process CER simulator over HTTPS.
#![allow(dead_code)] // each test binary uses a different part of the harness

use cer::client::wire::Cluster;
use cer::sim::{self, JournalEntry, Sim, SimConfig};
use std::path::{Path, PathBuf};
use std::process::Command;

pub const SOURCE: &str = "registry.terraform.io/cisco-cer/cer";
pub const CTI_PASSWORD: &str = "cti-Pa55-e2e";
pub const AXL_PASSWORD: &str = "axl-Pa55-e2e";
pub const PUB_AUTH: &str = "pub-Auth-e2e";
pub const SUB_AUTH: &str = "sub-Auth-e2e";

/// Every secret a test configuration carries, including the simulator's own password.
pub fn secrets() -> Vec<String> {
    let sim = SimConfig::default();
    let token = base64_basic(&sim.username, &sim.password);
    vec![
        CTI_PASSWORD.into(),
        AXL_PASSWORD.into(),
        PUB_AUTH.into(),
        SUB_AUTH.into(),
        sim.password,
        token,
    ]
}

fn base64_basic(user: &str, password: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

pub fn assert_no_secrets(what: &str, text: &str) {
    for secret in secrets() {
        assert!(!text.contains(&secret), "{what} leaks a secret:\n{text}");
    }
}

pub fn terraform_binary() -> String {
    let found = Command::new("terraform").arg("version").output();
    match found {
        Ok(output) if output.status.success() => "terraform".into(),
        _ => panic!(
            "terraform is not on PATH: end-to-end tests need Terraform >= 1.5 (https://developer.hashicorp.com/terraform/install)"
        ),
    }
}

pub fn provider_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_terraform-provider-cer"))
        .parent()
        .expect("binary has a directory")
        .to_path_buf()
}

pub async fn start_sim() -> Sim {
    sim::start(SimConfig::default())
        .await
        .expect("simulator starts")
}

pub struct Output {
    pub success: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// stdout and stderr with whitespace collapsed: Terraform wraps diagnostics at its own width.
    pub fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[track_caller]
    pub fn ok(self) -> Self {
        assert!(
            self.success,
            "terraform failed:\n{}\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn failed(self) -> Self {
        assert!(
            !self.success,
            "terraform should have failed:\n{}",
            self.all()
        );
        self
    }
}

/// A Terraform working directory wired to the built provider.
pub struct Workspace {
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

impl Workspace {
    /// A workspace using the freshly built provider through `dev_overrides`.
    pub fn new() -> Self {
        Self::with_cli_config(&format!(
            "provider_installation {{\n  dev_overrides {{\n    \"{SOURCE}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            provider_dir().display()
        ))
    }

    pub fn with_cli_config(cli_config_text: &str) -> Self {
        terraform_binary();
        let dir = tempfile::tempdir().expect("temp dir");
        let cli_config = dir.path().join("cli.tfrc");
        std::fs::write(&cli_config, cli_config_text).expect("write CLI config");
        let env = vec![
            (
                "TF_CLI_CONFIG_FILE".into(),
                cli_config.display().to_string(),
            ),
            ("TF_IN_AUTOMATION".into(), "1".into()),
            ("CHECKPOINT_DISABLE".into(), "1".into()),
        ];
        Self { dir, env }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn set_env(&mut self, key: &str, value: &str) {
        self.env.push((key.into(), value.into()));
    }

    pub fn write(&self, name: &str, content: &str) {
        std::fs::write(self.path().join(name), content).expect("write file");
    }

    /// `main.tf` = the terraform block + `body`.
    pub fn config(&self, body: &str) {
        self.write(
            "main.tf",
            &format!(
                "terraform {{\n  required_providers {{\n    cer = {{ source = \"cisco-cer/cer\" }}\n  }}\n}}\n\n{body}"
            ),
        );
    }

    pub fn run(&self, args: &[&str]) -> Output {
        let output = self.command(args).output().expect("run terraform");
        Output {
            success: output.status.success(),
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// A terraform command with the workspace's environment, not yet started.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(terraform_binary());
        command.current_dir(self.path()).args(args);
        for var in [
            "CER_URL",
            "CER_USERNAME",
            "CER_PASSWORD",
            "CER_INSECURE",
            "CER_CA_CERTIFICATE",
            "CER_REQUEST_TIMEOUT",
            "CER_MAX_RETRIES",
            "CER_MAX_PARALLEL_REQUESTS",
            "TF_LOG",
            "TF_LOG_PATH",
        ] {
            command.env_remove(var);
        }
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    pub fn apply(&self) -> Output {
        self.run(&["apply", "-auto-approve", "-input=false", "-no-color"])
    }

    pub fn destroy(&self) -> Output {
        self.run(&["destroy", "-auto-approve", "-input=false", "-no-color"])
    }

    pub fn plan(&self) -> Output {
        self.run(&["plan", "-input=false", "-no-color"])
    }

    /// `terraform plan -detailed-exitcode`: true when there are no changes.
    #[track_caller]
    pub fn assert_no_changes(&self) {
        let plan = self.run(&["plan", "-input=false", "-no-color", "-detailed-exitcode"]);
        assert_eq!(plan.code, Some(0), "plan should be empty:\n{}", plan.all());
    }

    pub fn state_list(&self) -> Vec<String> {
        let out = self.run(&["state", "list"]);
        out.stdout
            .lines()
            .map(str::to_owned)
            .filter(|l| !l.is_empty())
            .collect()
    }

    /// CUCM addresses of the clusters in Terraform state, sorted.
    pub fn state_addresses(&self) -> Vec<String> {
        let out = self.run(&["show", "-json"]).ok();
        let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("show -json");
        let mut addresses: Vec<String> = json["values"]["root_module"]["resources"]
            .as_array()
            .map(|resources| {
                resources
                    .iter()
                    .filter(|r| r["type"] == "cer_cucm_cluster")
                    .filter_map(|r| r["values"]["cucm_address"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        addresses.sort();
        addresses
    }
}

/// The provider block for a simulator, trusting its certificate from a file in the workspace.
pub fn provider_block(ws: &Workspace, sim: &Sim, extra: &str) -> String {
    ws.write("ca.pem", &sim.ca_pem().expect("self-signed sim has a CA"));
    let config = SimConfig::default();
    format!(
        "provider \"cer\" {{\n  url            = \"{}\"\n  username       = \"{}\"\n  password       = \"{}\"\n  ca_certificate = file(\"${{path.module}}/ca.pem\")\n{extra}}}\n",
        sim.url(),
        config.username,
        config.password
    )
}

/// A cluster resource block; `extra` is appended inside it.
pub fn cluster_block(name: &str, address: &str, extra: &str) -> String {
    format!(
        "resource \"cer_cucm_cluster\" \"{name}\" {{\n  cucm_address = \"{address}\"\n  cti_manager  = \"10.1.1.2\"\n  cti_user     = \"cer_robot\"\n  cti_password = \"{CTI_PASSWORD}\"\n{extra}}}\n"
    )
}

pub const FULL_EXTRAS: &str = r#"
  backup_cti_manager_1 = "10.1.1.3"
  backup_cti_manager_2 = "cucm-sub2.example.com"
  teleport_address     = "+15550100"
  teleport_count       = 4
  use_snmpv3           = true
  secure_connection {
    enabled                = true
    tftp_server            = "10.1.1.4"
    capf_server            = "10.1.1.5"
    publisher_instance_id  = "pub-1"
    publisher_auth_string  = "pub-Auth-e2e"
    subscriber_instance_id = "sub-1"
    subscriber_auth_string = "sub-Auth-e2e"
  }
  axl {
    username = "axl_user"
    password = "axl-Pa55-e2e"
  }
"#;

/// CUCM addresses stored by the simulator, sorted.
pub fn sim_addresses(sim: &Sim) -> Vec<String> {
    let mut addresses: Vec<String> = sim.clusters().into_iter().map(|c| c.cucm).collect();
    addresses.sort();
    addresses
}

pub fn sim_cluster(sim: &Sim, address: &str) -> Cluster {
    sim.clusters()
        .into_iter()
        .find(|c| c.cucm == address)
        .unwrap_or_else(|| panic!("simulator has no cluster {address}"))
}

/// Journal entries of the cluster API, as "METHOD status" for compact assertions.
pub fn methods(journal: &[JournalEntry]) -> Vec<String> {
    journal.iter().map(|e| e.method.clone()).collect()
}
