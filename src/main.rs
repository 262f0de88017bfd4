use cer::guard::Guarded;
use cer::plugin;
use cer::provider::CerProvider;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Before any thread starts: the framework's diagnostics would otherwise carry a Rust
    // backtrace whenever the user's shell has RUST_BACKTRACE set.
    // SAFETY: single-threaded at this point.
    unsafe { std::env::set_var("RUST_LIB_BACKTRACE", "0") };

    if !plugin::launched_by_terraform() {
        eprintln!("{}", plugin::NOT_LAUNCHED_BY_TERRAFORM);
        return ExitCode::from(1);
    }
    plugin::install_panic_hook();
    // tonic and reqwest share rustls; choose its crypto provider once, explicitly.
    let _ = rustls::crypto::ring::default_provider().install_default();
    if let Err(error) = plugin::forward_handshake_with_nodelay() {
        eprintln!("could not intercept the plugin handshake, serving without TCP_NODELAY: {error}");
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("could not start the async runtime: {error}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(tf_provider::serve("cer", Guarded(CerProvider::default()))) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("terraform-provider-cer stopped: {error}");
            ExitCode::from(1)
        }
    }
}
