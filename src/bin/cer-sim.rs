//! `cer-sim`: a Cisco Emergency Responder simulator serving the CUCM cluster API on loopback.
//! See the documentation of `cer::sim` for the API, fault rules and admin endpoints.

use anyhow::{Context, Result, bail};
use cer::sim::{self, FaultRule, SimConfig, TlsMode};
use clap::Parser;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

const AFTER_HELP: &str = "\
FAULT RULES (--fault, repeatable; checked in order, the first live matching rule that fires applies):
  METHOD:ACTION[:OPTION]...   METHOD = POST, PUT, DELETE (any verb) or * for all
  Actions:
    status=CODE     answer CODE, body {\"status\":\"Failure\",\"message\":\"injected fault\"}; store unchanged
    latency=MS      wait MS milliseconds, then handle the request normally
    drop_before     read the request, close the connection without answering; store unchanged
    drop_after      apply the request to the store, then close the connection without answering
    malformed       answer 200 with truncated JSON {\"status\": \"Succ
  Options:
    times=N         fire for the first N matching requests only (default: forever)
    probability=P   fire with chance P in 0..1 (default 1); when it does not fire, later rules are tried
    retry_after=S   (status) add the header Retry-After: S
    content_type=T  (status) Content-Type of the body (default application/json)
    body=TEXT       (status) response body; takes the rest of the rule, so it must come last
  Faults apply to authenticated API requests only (a 401 never consumes a rule).
  Examples:
    --fault 'POST:status=503:times=1'
    --fault 'PUT:latency=5000'
    --fault 'DELETE:drop_after:times=1'
    --fault '*:status=429:retry_after=1:times=2'
    --fault 'POST:status=500:content_type=text/html:probability=0.5:body=<html>oops</html>'

ADMIN ENDPOINTS (no auth, not journaled, never faulted or delayed):
  GET    /_sim/health      {\"status\":\"ok\"}
  GET    /_sim/clusters    stored clusters, secrets masked;  POST: seed one cluster (cluster JSON)
  GET    /_sim/journal     API requests seen (secrets masked);  DELETE: clear
  GET    /_sim/faults      live rules;  POST: add one rule as JSON, e.g.
                           {\"method\":\"POST\",\"action\":\"status\",\"status\":503,\"times\":1};  DELETE: clear
  GET    /_sim/stats       {\"requests\":N,\"in_flight\":N,\"peak_in_flight\":N};  DELETE: reset the peak
  POST   /_sim/reset       clear clusters, journal, faults and stats

On start, prints one line to stdout: `cer-sim listening on https://127.0.0.1:PORT`.
Stops gracefully on SIGINT/SIGTERM.";

/// Cisco Emergency Responder simulator: serves the CUCM cluster API
/// (/cerappservices/service/cluster) with HTTP Basic auth, for testing Terraform pipelines.
#[derive(Parser, Debug)]
#[command(name = "cer-sim", version, after_help = AFTER_HELP)]
struct Args {
    /// Address to listen on (port 0 = a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    listen: SocketAddr,

    /// Serve plain HTTP instead of HTTPS.
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_key", "ca_out"])]
    http: bool,

    /// PEM certificate chain to serve instead of a generated certificate (needs --tls-key).
    #[arg(long, value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,

    /// PEM private key of --tls-cert.
    #[arg(long, value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

    /// Write the PEM certificate clients must trust (the generated CA) to PATH, e.g. for the
    /// provider's ca_certificate.
    #[arg(long, value_name = "PATH")]
    ca_out: Option<PathBuf>,

    /// Write the base URL to PATH once listening (written atomically; scripts can wait on it).
    #[arg(long, value_name = "PATH")]
    url_file: Option<PathBuf>,

    /// HTTP Basic auth user name.
    #[arg(long, env = "CER_SIM_USERNAME", default_value = "cer-admin")]
    username: String,

    /// HTTP Basic auth password [default: cer-sim-password].
    #[arg(
        long,
        env = "CER_SIM_PASSWORD",
        default_value = "cer-sim-password",
        hide_env_values = true,
        hide_default_value = true
    )]
    password: String,

    /// Delay every API request by N milliseconds (requests still overlap).
    #[arg(long, value_name = "N", default_value_t = 0)]
    latency_ms: u64,

    /// Load clusters from this JSON file at start (if it exists) and rewrite it after each change.
    #[arg(long, value_name = "PATH")]
    state_file: Option<PathBuf>,

    /// Fault rule METHOD:ACTION[:OPTION]... (repeatable; see below).
    #[arg(long, value_name = "RULE")]
    fault: Vec<FaultRule>,

    /// Log every API request to stderr.
    #[arg(long, short)]
    verbose: bool,
}

async fn wait_for_signal() -> Result<()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
        let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
        tokio::select! {
            _ = term.recv() => {}
            _ = int.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c().await?;
    Ok(())
}

async fn run(args: Args) -> Result<()> {
    let tls = match (args.http, args.tls_cert, args.tls_key) {
        (true, _, _) => TlsMode::Plain,
        (false, Some(cert), Some(key)) => TlsMode::Files { cert, key },
        (false, None, None) => TlsMode::SelfSigned,
        _ => bail!("--tls-cert and --tls-key go together"),
    };
    let config = SimConfig {
        listen: args.listen,
        tls,
        username: args.username,
        password: args.password,
        latency: Duration::from_millis(args.latency_ms),
        state_file: args.state_file,
        faults: args.fault,
        verbose: args.verbose,
    };
    let sim = sim::start(config).await?;
    if let Some(path) = &args.ca_out {
        let pem = sim
            .ca_pem()
            .context("no certificate to write with --http")?;
        sim::write_atomically(path, pem.as_bytes())
            .with_context(|| format!("writing --ca-out {}", path.display()))?;
    }
    let url = sim.url();
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "cer-sim listening on {url}")?;
        stdout.flush()?;
    }
    if let Some(path) = &args.url_file {
        sim::write_atomically(path, url.as_bytes())
            .with_context(|| format!("writing --url-file {}", path.display()))?;
    }
    wait_for_signal().await?;
    if args.verbose {
        eprintln!("cer-sim: stopping");
    }
    sim.shutdown().await;
    Ok(())
}

fn main() {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build();
    let result = match runtime {
        Ok(runtime) => runtime.block_on(run(args)),
        Err(e) => Err(e.into()),
    };
    if let Err(e) = result {
        eprintln!("cer-sim: {e:#}");
        std::process::exit(1);
    }
}
