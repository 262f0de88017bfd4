//! terraform-provider-cer: the provider, its CER HTTP client and the CER simulator.

pub mod client;
pub mod diagnostics;
pub mod guard;
pub mod log;
pub mod plugin;
pub mod provider;
pub mod resources;
pub mod sim;
