//! https: a certificate the operator gives, or a self-signed one generated once into the data
//! directory (for localhost, loopback addresses and the tenant's domain).

use std::path::PathBuf;

use anyhow::Context;
use axum_server::tls_rustls::RustlsConfig;

use crate::config::{Config, Tls};
use crate::files::write_private;
use std::os::unix::fs::DirBuilderExt;

pub async fn configure(config: &Config) -> anyhow::Result<(Option<RustlsConfig>, Option<PathBuf>)> {
    match &config.tls {
        Tls::Off => Ok((None, None)),
        Tls::Files { cert, key } => {
            let tls = RustlsConfig::from_pem_file(cert, key)
                .await
                .with_context(|| {
                    format!(
                        "reading the certificate {} and key {}",
                        cert.display(),
                        key.display()
                    )
                })?;
            Ok((Some(http1_only(tls)), Some(cert.clone())))
        }
        Tls::SelfSigned => {
            let directory = config.data_dir.join("tls");
            let (cert_path, key_path) = (directory.join("cert.pem"), directory.join("key.pem"));
            if !cert_path.exists() || !key_path.exists() {
                std::fs::DirBuilder::new()
                    .mode(0o700)
                    .recursive(true)
                    .create(&directory)?;
                let names = vec![
                    "localhost".to_string(),
                    "127.0.0.1".to_string(),
                    "::1".to_string(),
                    config.domain.clone(),
                ];
                let certified = rcgen::generate_simple_self_signed(names)
                    .context("generating a self-signed certificate")?;
                write_private(&cert_path, certified.cert.pem().as_bytes())?;
                write_private(&key_path, certified.signing_key.serialize_pem().as_bytes())?;
            }
            let tls = RustlsConfig::from_pem_file(&cert_path, &key_path).await?;
            Ok((Some(http1_only(tls)), Some(cert_path)))
        }
    }
}

/// The configuration offering HTTP/1.1 alone in its ALPN (the server speaks nothing else:
/// `connections`).
fn http1_only(tls: RustlsConfig) -> RustlsConfig {
    let mut config = (*tls.get_inner()).clone();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    tls.reload_from_config(std::sync::Arc::new(config));
    tls
}
