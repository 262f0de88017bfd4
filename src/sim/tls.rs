//! TLS setup: a throw-away CA plus a `localhost` server certificate, or certificate files.

use anyhow::{Context, Result, anyhow};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::path::Path;
use std::sync::Arc;

/// A server config plus the PEM a client should trust.
pub(crate) struct Tls {
    pub config: Arc<ServerConfig>,
    pub ca_pem: String,
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<Arc<ServerConfig>> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .context("TLS certificate and key do not form a usable pair")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Generates a CA (whose PEM clients trust) and a server certificate it signs, valid for
/// `localhost`, `127.0.0.1` and `::1`.
pub(crate) fn self_signed() -> Result<Tls> {
    let ca_key = KeyPair::generate().context("generating the CA key")?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    let mut ca_name = DistinguishedName::new();
    ca_name.push(DnType::CommonName, "cer-sim local CA");
    ca_name.push(DnType::OrganizationName, "cer-sim");
    ca_params.distinguished_name = ca_name;
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca_params.self_signed(&ca_key).context("signing the CA")?;

    let key = KeyPair::generate().context("generating the server key")?;
    let mut params = CertificateParams::new(vec![
        "localhost".to_owned(),
        "127.0.0.1".to_owned(),
        "::1".to_owned(),
    ])?;
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, "localhost");
    params.distinguished_name = name;
    params.is_ca = IsCa::ExplicitNoCa;
    params.key_usages = vec![
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyEncipherment,
    ];
    params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    params.use_authority_key_identifier_extension = true;
    let cert = params
        .signed_by(&key, &ca_cert, &ca_key)
        .context("signing the server certificate")?;

    let chain = vec![cert.der().clone(), ca_cert.der().clone()];
    let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    Ok(Tls {
        config: server_config(chain, key_der)?,
        ca_pem: ca_cert.pem(),
    })
}

/// Loads a PEM certificate chain and a PEM private key. The "CA PEM" reported is the chain file.
pub(crate) fn from_files(cert: &Path, key: &Path) -> Result<Tls> {
    let cert_pem = std::fs::read_to_string(cert)
        .with_context(|| format!("reading TLS certificate {}", cert.display()))?;
    let chain = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("parsing TLS certificate {}: {e}", cert.display()))?;
    if chain.is_empty() {
        return Err(anyhow!("no certificate found in {}", cert.display()));
    }
    let key_der = PrivateKeyDer::from_pem_file(key)
        .map_err(|e| anyhow!("reading TLS key {}: {e}", key.display()))?;
    Ok(Tls {
        config: server_config(chain, key_der)?,
        ca_pem: cert_pem,
    })
}
