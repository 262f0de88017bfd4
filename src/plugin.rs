//! Process-level concerns of running as a Terraform plugin, kept out of `main`.

use crate::log::{self, Level};
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};

/// go-plugin's magic cookie for Terraform providers: Terraform sets it when it starts a plugin.
const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
const MAGIC_COOKIE_VALUE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

pub fn launched_by_terraform() -> bool {
    std::env::var(MAGIC_COOKIE_KEY).is_ok_and(|value| value == MAGIC_COOKIE_VALUE)
}

pub const NOT_LAUNCHED_BY_TERRAFORM: &str = "terraform-provider-cer is a Terraform provider plugin: Terraform (or OpenTofu) starts it. Use it from a configuration with `required_providers { cer = { source = \"cisco-cer/cer\" } }`; see the README for installation and the dev_overrides loop.";

/// Panics are reported as one levelled log line (the diagnostic comes from `guard`), not as
/// the default multi-line stderr dump.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let message = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let location = info.location().map(|l| l.to_string()).unwrap_or_default();
        log::emit(
            Level::Error,
            "provider panic",
            &[("panic", message.into()), ("location", location.into())],
        );
    }));
}

/// tf-provider leaves Nagle's algorithm on for its gRPC listener, so every small response waits
/// for a delayed ACK (~40 ms). The framework prints the handshake line right after it binds;
/// holding stdout in a pipe lets us set TCP_NODELAY on our own listening socket (accepted
/// sockets inherit it) before Terraform learns the address and connects.
///
/// Call before the framework starts. Failure to set the option is logged, never fatal.
pub fn forward_handshake_with_nodelay() -> std::io::Result<()> {
    let terraform_stdout: OwnedFd = rustix::io::dup(std::io::stdout().as_fd())?;
    let (reader, writer) = rustix::pipe::pipe()?;
    rustix::stdio::dup2_stdout(&writer)?;
    drop(writer);
    std::thread::Builder::new()
        .name("handshake".into())
        .spawn(move || relay(reader, terraform_stdout))?;
    Ok(())
}

fn relay(reader: OwnedFd, terraform_stdout: OwnedFd) {
    let mut lines = BufReader::new(std::fs::File::from(reader));
    let mut out = std::fs::File::from(terraform_stdout);
    let mut line = String::new();
    if lines.read_line(&mut line).unwrap_or(0) > 0 {
        if let Some(address) = handshake_address(&line) {
            set_nodelay_on_listener(address);
        }
        let _ = out.write_all(line.as_bytes());
        let _ = out.flush();
    }
    // Anything printed after the handshake is not for Terraform; keep draining so a stray
    // write never blocks on a full pipe.
    let mut rest = Vec::new();
    while lines.read_until(b'\n', &mut rest).unwrap_or(0) > 0 {
        rest.clear();
    }
}

/// `CORE-VERSION|APP-VERSION|NETWORK|ADDRESS|PROTOCOL|CERT`
pub fn handshake_address(line: &str) -> Option<SocketAddr> {
    let mut fields = line.trim_end().split('|');
    let network = fields.nth(2)?;
    let address = fields.next()?;
    (network == "tcp").then(|| address.parse().ok()).flatten()
}

fn set_nodelay_on_listener(address: SocketAddr) {
    let found = open_fds().into_iter().any(|raw| {
        // SAFETY: the descriptor is open (listed by the OS) and only borrowed for this call;
        // the framework owns it and keeps it open while it serves.
        let fd = unsafe { BorrowedFd::borrow_raw(raw) };
        let is_listener = rustix::net::getsockname(fd)
            .ok()
            .and_then(|name| SocketAddr::try_from(name).ok())
            .is_some_and(|local| local == address);
        is_listener && rustix::net::sockopt::set_tcp_nodelay(fd, true).is_ok()
    });
    if !found {
        log::emit(
            Level::Debug,
            "could not set TCP_NODELAY on the plugin listener",
            &[("address", address.to_string().into())],
        );
    }
}

fn open_fds() -> Vec<i32> {
    let listing = std::fs::read_dir("/proc/self/fd").or_else(|_| std::fs::read_dir("/dev/fd"));
    let Ok(listing) = listing else {
        return Vec::new();
    };
    listing
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
        .filter(|fd| *fd > 2)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handshake_address_is_the_fourth_field_of_a_tcp_line() {
        assert_eq!(
            handshake_address("1|6|tcp|127.0.0.1:10001|grpc|MIIB\n"),
            Some("127.0.0.1:10001".parse().unwrap())
        );
        assert_eq!(handshake_address("1|6|unix|/tmp/plugin|grpc|"), None);
        assert_eq!(handshake_address("garbage"), None);
    }

    #[test]
    fn nodelay_is_set_on_the_listener_bound_to_the_address() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        set_nodelay_on_listener(address);
        let accepted_side = std::net::TcpStream::connect(address).unwrap();
        let (accepted, _) = listener.accept().unwrap();
        assert!(
            accepted.nodelay().unwrap(),
            "accepted socket did not inherit TCP_NODELAY"
        );
        drop(accepted_side);
    }
}
