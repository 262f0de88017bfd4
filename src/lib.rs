//! terraform-provider-cer: the provider, its CER HTTP client and the CER simulator.

pub mod client;
pub mod provider;
pub mod resources;
pub mod sim;
