//! Release packaging: `scripts/release` packs the provider in the Registry layout, and Terraform
//! installs that zip from a filesystem mirror (`terraform init` + apply + destroy of the
//! quickstart against the simulator) with a lock file that records the zip's hash.

mod common;

use base64::Engine;
use cer::sim::SimConfig;
use common::*;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::Command;

const NAME: &str = "terraform-provider-cer";
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let arch = match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{os}_{arch}")
}

fn sha256_hex(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap();
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn zip_entries(zip: &Path) -> Vec<String> {
    let listing = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))",
        ])
        .arg(zip)
        .output()
        .expect("python3 lists the zip");
    String::from_utf8_lossy(&listing.stdout)
        .lines()
        .map(str::to_owned)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn release_zip_installs_from_a_filesystem_mirror() {
    let work = tempfile::tempdir().unwrap();
    let dist = work.path().join("dist");
    let packed = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/release"))
        .env(
            "RELEASE_BINARY",
            env!("CARGO_BIN_EXE_terraform-provider-cer"),
        )
        .env("DIST_DIR", &dist)
        .output()
        .unwrap();
    assert!(
        packed.status.success(),
        "{}",
        String::from_utf8_lossy(&packed.stderr)
    );

    // The three Registry assets, named from Cargo.toml's version.
    let zip_name = format!("{NAME}_{VERSION}_{}.zip", platform());
    let zip = dist.join(&zip_name);
    let manifest = dist.join(format!("{NAME}_{VERSION}_manifest.json"));
    let sums = dist.join(format!("{NAME}_{VERSION}_SHA256SUMS"));
    assert_eq!(zip_entries(&zip), [format!("{NAME}_v{VERSION}")]);
    let manifest_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).unwrap()).unwrap();
    assert_eq!(
        manifest_json,
        serde_json::json!({"version": 1, "metadata": {"protocol_versions": ["6.0"]}})
    );
    let sums_text = std::fs::read_to_string(&sums).unwrap();
    let zip_sha = sha256_hex(&zip);
    assert!(
        sums_text.contains(&format!("{zip_sha}  {zip_name}")),
        "{sums_text}"
    );
    assert!(sums_text.contains(&sha256_hex(&manifest)), "{sums_text}");

    // Install from a filesystem mirror, as a practitioner without registry access would.
    let mirror = work.path().join("mirror");
    let provider_dir = mirror.join("registry.terraform.io/cisco-cer/cer");
    std::fs::create_dir_all(&provider_dir).unwrap();
    std::fs::copy(&zip, provider_dir.join(&zip_name)).unwrap();
    let mut ws = Workspace::with_cli_config(&format!(
        "provider_installation {{\n  filesystem_mirror {{\n    path    = \"{}\"\n    include = [\"{SOURCE}\"]\n  }}\n  direct {{\n    exclude = [\"{SOURCE}\"]\n  }}\n}}\n",
        mirror.display()
    ));
    let quickstart = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/examples/quickstart/main.tf"
    ))
    .unwrap();
    ws.write("main.tf", &quickstart);
    let init = ws.run(&["init", "-input=false", "-no-color"]).ok();
    assert!(
        init.stdout
            .contains(&format!("Installed cisco-cer/cer v{VERSION}")),
        "{}",
        init.stdout
    );
    // A mirror install records the `h1:` hash of the zip's contents (Go's dirhash): sha256 over
    // "<sha256 hex>  <file name>\n" of each file.
    let binary = std::fs::read(env!("CARGO_BIN_EXE_terraform-provider-cer")).unwrap();
    let binary_sha: String = Sha256::digest(&binary)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let listing = format!("{binary_sha}  {NAME}_v{VERSION}\n");
    let h1 = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(listing.as_bytes()));
    let lock = std::fs::read_to_string(ws.path().join(".terraform.lock.hcl")).unwrap();
    assert!(
        lock.contains(&format!("\"h1:{h1}\"")),
        "lock file lacks the zip's hash:\n{lock}"
    );

    let sim = start_sim().await;
    let config = SimConfig::default();
    ws.set_env("CER_URL", &sim.url());
    ws.set_env("CER_USERNAME", &config.username);
    ws.set_env("CER_PASSWORD", &config.password);
    ws.set_env("CER_CA_CERTIFICATE", &sim.ca_pem().unwrap());
    ws.apply().ok();
    assert_eq!(sim.clusters().len(), 2);
    ws.destroy().ok();
    assert!(sim.clusters().is_empty());
}
