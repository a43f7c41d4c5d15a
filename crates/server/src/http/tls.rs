//! TLS: the server's certificate and key, read from PEM files, and swapped
//! while serving when the operator asks (`TlsReloader::reload`, which the
//! CLI calls on SIGHUP), so a renewed certificate needs no restart.
//!
//! rustls asks a certificate resolver for the key at every handshake; ours
//! hands out whatever is current. A reload only changes what later
//! handshakes get: open connections keep the session they negotiated.

use std::path::Path;
use std::sync::{Arc, PoisonError, RwLock};

use rustls::crypto::CryptoProvider;
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

use crate::config::TlsFiles;

/// The certificate every new handshake gets.
#[derive(Debug)]
struct CurrentCertificate(RwLock<Arc<CertifiedKey>>);

impl ResolvesServerCert for CurrentCertificate {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        // A panic while holding the lock cannot leave a half-written Arc.
        Some(Arc::clone(
            &self.0.read().unwrap_or_else(PoisonError::into_inner),
        ))
    }
}

/// Re-reads the configured certificate and key files and, when they are
/// usable together, makes them the ones new connections get.
#[derive(Clone)]
pub struct TlsReloader {
    files: TlsFiles,
    provider: Arc<CryptoProvider>,
    current: Arc<CurrentCertificate>,
}

impl std::fmt::Debug for TlsReloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsReloader")
            .field("cert", &self.files.cert)
            .field("key", &self.files.key)
            .finish_non_exhaustive()
    }
}

impl TlsReloader {
    /// Reads the files again. On any problem (a file missing or unreadable,
    /// no certificate, a key that does not belong to the certificate) the
    /// certificate in use stays, and the error says why.
    pub fn reload(&self) -> Result<(), String> {
        let fresh = certified_key(&self.files, &self.provider)?;
        *self
            .current
            .0
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(fresh);
        Ok(())
    }

    /// The certificate and key files it reads.
    pub fn files(&self) -> &TlsFiles {
        &self.files
    }
}

/// The acceptor for `files`, and the handle that reloads them.
pub fn load(files: &TlsFiles) -> Result<(TlsAcceptor, TlsReloader), String> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let current = Arc::new(CurrentCertificate(RwLock::new(Arc::new(certified_key(
        files, &provider,
    )?))));
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::clone(&provider))
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_cert_resolver(Arc::clone(&current) as Arc<dyn ResolvesServerCert>);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let reloader = TlsReloader {
        files: files.clone(),
        provider,
        current,
    };
    Ok((TlsAcceptor::from(Arc::new(config)), reloader))
}

/// The chain and key from their PEM files, checked to belong together.
fn certified_key(files: &TlsFiles, provider: &CryptoProvider) -> Result<CertifiedKey, String> {
    let certs = read_chain(&files.cert)?;
    let key = PrivateKeyDer::from_pem_file(&files.key)
        .map_err(|e| format!("{}: {e}", files.key.display()))?;
    CertifiedKey::from_der(certs, key, provider).map_err(|e| {
        format!(
            "TLS certificate {} and key {} do not fit together: {e}",
            files.cert.display(),
            files.key.display()
        )
    })
}

fn read_chain(path: &Path) -> Result<Vec<CertificateDer<'static>>, String> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!("{}: no certificate found", path.display()));
    }
    Ok(certs)
}
