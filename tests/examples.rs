//! The examples under `examples/` are formatted and valid against the live provider schema.

#[path = "docs/support.rs"]
mod support;

use std::path::Path;
use support::{REQUIRED_PROVIDERS_TF, TempDir, repo_root, run_ok, terraform};

/// Example directories that must each be a valid root module.
const EXAMPLE_DIRS: &[&str] = &[
    "examples/provider",
    "examples/resources/cer_cucm_cluster",
    "examples/quickstart",
];

#[test]
fn examples_are_formatted() {
    let root = repo_root();
    run_ok(
        terraform(&root).args(["fmt", "-check", "-recursive", "-diff", "examples"]),
        "terraform fmt -check -recursive examples (fix with `terraform fmt -recursive examples`)",
    );
}

#[test]
fn examples_are_valid() {
    for dir in EXAMPLE_DIRS {
        validate_example(&repo_root().join(dir), dir);
    }
}

/// Copies the example to a scratch directory (so no `.terraform` lands in the repository)
/// and runs `terraform validate` there with the dev_overrides CLI configuration.
fn validate_example(source: &Path, name: &str) {
    let scratch = TempDir::new("example");
    support::copy_dir(source, scratch.path());

    // Registry-style resource examples have no `terraform` block: without one, Terraform
    // would look for `hashicorp/cer`.
    let declares_provider = std::fs::read_dir(scratch.path())
        .expect("read scratch dir")
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "tf"))
        .any(|e| {
            std::fs::read_to_string(e.path())
                .unwrap_or_default()
                .contains("cisco-cer/cer")
        });
    if !declares_provider {
        std::fs::write(
            scratch.path().join("zz_required_providers.tf"),
            REQUIRED_PROVIDERS_TF,
        )
        .expect("write zz_required_providers.tf");
    }

    let out = terraform(scratch.path())
        .args(["validate", "-no-color"])
        .output()
        .unwrap_or_else(|e| panic!("cannot run terraform validate: {e}"));
    if out.status.success() {
        return;
    }
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stderr.contains("terraform init") {
        // Some Terraform versions want an initialised directory even under dev_overrides.
        run_ok(
            terraform(scratch.path()).args(["init", "-backend=false", "-input=false", "-no-color"]),
            &format!("terraform init in {name}"),
        );
        run_ok(
            terraform(scratch.path()).args(["validate", "-no-color"]),
            &format!("terraform validate in {name}"),
        );
        return;
    }
    panic!(
        "terraform validate in {name} failed ({}):\n--- stdout ---\n{}\n--- stderr ---\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        stderr
    );
}
