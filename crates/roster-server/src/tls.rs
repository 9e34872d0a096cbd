//! https: a certificate the operator gives, or a self-signed one generated once into the data
//! directory (for localhost, loopback addresses and the tenant's domain).

use std::path::PathBuf;

use anyhow::Context;
use axum_server::tls_rustls::RustlsConfig;

use crate::{Config, Tls};

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
            Ok((Some(tls), Some(cert.clone())))
        }
        Tls::SelfSigned => {
            let directory = config.data_dir.join("tls");
            let (cert_path, key_path) = (directory.join("cert.pem"), directory.join("key.pem"));
            if !cert_path.exists() || !key_path.exists() {
                std::fs::create_dir_all(&directory)?;
                let names = vec![
                    "localhost".to_string(),
                    "127.0.0.1".to_string(),
                    "::1".to_string(),
                    config.domain.clone(),
                ];
                let certified = rcgen::generate_simple_self_signed(names)
                    .context("generating a self-signed certificate")?;
                std::fs::write(&cert_path, certified.cert.pem())?;
                write_private(&key_path, certified.signing_key.serialize_pem().as_bytes())?;
            }
            let tls = RustlsConfig::from_pem_file(&cert_path, &key_path).await?;
            Ok((Some(tls), Some(cert_path)))
        }
    }
}

/// Writes a file that only its owner may read.
fn write_private(path: &std::path::Path, contents: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)?;
    file.write_all(contents)
}
