//! Certificates the TLS tests generate (rcgen): a CA, a server certificate
//! for 127.0.0.1 and localhost signed by it, and a client certificate for
//! mutual TLS; written as PEM files where the `OTEL_EXPORTER_OTLP_*`
//! variables can point.

use std::path::PathBuf;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};

use super::TempDir;

/// A test CA and what it signed, as PEM text and files.
pub struct TestPki {
    pub ca_pem: String,
    pub server_cert_pem: String,
    pub server_key_pem: String,
    pub client_cert_pem: String,
    pub client_key_pem: String,
    dir: TempDir,
}

impl TestPki {
    /// A fresh CA named `name`, with a server and a client certificate.
    pub fn generate(name: &str) -> TestPki {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, format!("tracewire test CA {name}"));
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();

        let server_key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let server = params.signed_by(&server_key, &ca).unwrap();

        let client_key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "tracewire test client");
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let client = params.signed_by(&client_key, &ca).unwrap();

        let pki = TestPki {
            ca_pem: ca.pem(),
            server_cert_pem: server.pem(),
            server_key_pem: server_key.serialize_pem(),
            client_cert_pem: client.pem(),
            client_key_pem: client_key.serialize_pem(),
            dir: TempDir::new(&format!("pki-{name}")),
        };
        for (file, pem) in [
            ("ca.pem", &pki.ca_pem),
            ("client.pem", &pki.client_cert_pem),
            ("client.key", &pki.client_key_pem),
        ] {
            std::fs::write(pki.dir.path().join(file), pem).unwrap();
        }
        pki
    }

    /// The CA certificate's file.
    pub fn ca_file(&self) -> String {
        self.path("ca.pem")
    }

    /// The client certificate's file.
    pub fn client_cert_file(&self) -> String {
        self.path("client.pem")
    }

    /// The client key's file.
    pub fn client_key_file(&self) -> String {
        self.path("client.key")
    }

    fn path(&self, file: &str) -> String {
        let path: PathBuf = self.dir.path().join(file);
        path.display().to_string()
    }
}
