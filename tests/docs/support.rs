//! Helpers shared by `tests/docs.rs` and `tests/examples.rs` (not by the end-to-end tests).
//!
//! They run the real `terraform` binary against the provider binary cargo built for this
//! test run, through a `dev_overrides` CLI configuration, so that no `terraform init` and no
//! registry access is needed.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The provider's source address, as Terraform spells it in `dev_overrides`.
pub const PROVIDER_SOURCE: &str = "registry.terraform.io/cisco-cer/cer";

/// A `terraform` block that selects this provider; written into scratch configurations.
pub const REQUIRED_PROVIDERS_TF: &str = r#"terraform {
  required_providers {
    cer = {
      source = "cisco-cer/cer"
    }
  }
}
"#;

/// The repository root (the package directory).
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The provider binary cargo built for this test run.
pub fn provider_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_terraform-provider-cer"))
}

/// A directory under the system temp dir, removed on drop.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "cer-{label}-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display()));
        TempDir(path)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Copies the files (recursively) of `from` into `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap_or_else(|e| panic!("cannot create {}: {e}", to.display()));
    let entries =
        std::fs::read_dir(from).unwrap_or_else(|e| panic!("cannot read {}: {e}", from.display()));
    for entry in entries {
        let entry = entry.expect("directory entry");
        let name = entry.file_name();
        if name == ".terraform" {
            continue;
        }
        let source = entry.path();
        let target = to.join(&name);
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&source, &target);
        } else {
            std::fs::copy(&source, &target).unwrap_or_else(|e| {
                panic!(
                    "cannot copy {} to {}: {e}",
                    source.display(),
                    target.display()
                )
            });
        }
    }
}

/// A Terraform CLI configuration whose `dev_overrides` point at the provider binary built
/// for this test run. Lives as long as the test binary (in a process-wide temp dir).
pub fn dev_cli_config() -> &'static Path {
    static CONFIG: OnceLock<(TempDir, PathBuf)> = OnceLock::new();
    let (_, file) = CONFIG.get_or_init(|| {
        let dir = TempDir::new("tfrc");
        let bin_dir = provider_binary()
            .parent()
            .expect("the provider binary has a parent directory")
            .to_path_buf();
        let file = dir.path().join("terraformrc");
        let text = format!(
            "provider_installation {{\n  dev_overrides {{\n    \"{PROVIDER_SOURCE}\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            bin_dir.display().to_string().replace('\\', "\\\\").replace('"', "\\\"")
        );
        std::fs::write(&file, text).expect("write the CLI configuration");
        (dir, file)
    });
    file
}

/// A `terraform` command in `dir`, using the dev_overrides CLI configuration and never
/// prompting. Panics with an installation hint when Terraform is not on PATH: these tests
/// fail rather than skip without it.
pub fn terraform(dir: &Path) -> Command {
    static CHECKED: OnceLock<()> = OnceLock::new();
    CHECKED.get_or_init(|| match Command::new("terraform").arg("version").output() {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "`terraform version` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!(
            "Terraform >= 1.5 must be on PATH: https://developer.hashicorp.com/terraform/install ({e})"
        ),
    });
    let mut cmd = Command::new("terraform");
    cmd.current_dir(dir)
        .env("TF_CLI_CONFIG_FILE", dev_cli_config())
        .env("TF_INPUT", "0")
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .env_remove("TF_LOG")
        .env_remove("TF_DATA_DIR")
        .env_remove("TF_WORKSPACE");
    cmd
}

/// Runs a command, panicking with its output when it fails.
pub fn run_ok(cmd: &mut Command, what: &str) -> Output {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    if !out.status.success() {
        panic!(
            "{what} failed ({}):\n--- stdout ---\n{}\n--- stderr ---\n{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    out
}

/// The live provider schema (`terraform providers schema -json`), fetched once per test binary.
/// Returns the entry for this provider: `{ "provider": ..., "resource_schemas": ... }`.
pub fn provider_schema() -> &'static serde_json::Value {
    static SCHEMA: OnceLock<serde_json::Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let dir = TempDir::new("schema");
        std::fs::write(dir.path().join("main.tf"), REQUIRED_PROVIDERS_TF).expect("write main.tf");
        let out = run_ok(
            terraform(dir.path()).args(["providers", "schema", "-json"]),
            "terraform providers schema -json",
        );
        let mut all: serde_json::Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("schema output is not JSON: {e}"));
        all["provider_schemas"][PROVIDER_SOURCE].take()
    })
}
