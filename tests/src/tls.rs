//! A throw-away certificate authority for the TLS tests, made with rcgen.

use std::path::Path;

use samprio_server::config::TlsConfig;

/// File name of the CA certificate written beside the server's certificate.
pub const CA_FILE: &str = "test-ca.pem";

pub struct TestCa {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
}

/// A CA and a server certificate it issued for `names` (DNS names or IP
/// addresses).
pub fn test_ca(names: &[&str]) -> TestCa {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "samprio test CA");
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().expect("server key");
    let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    let cert = CertificateParams::new(names)
        .expect("server params")
        .signed_by(&key, &issuer)
        .expect("server certificate");
    TestCa {
        ca_pem: ca_cert.pem(),
        cert_pem: cert.pem(),
        key_pem: key.serialize_pem(),
    }
}

/// Server settings that require a client certificate (mutual TLS), and a
/// client certificate and key the CA issued to a partner system.
pub struct MutualTls {
    pub server: TlsConfig,
    pub ca_pem: String,
    pub client_cert_pem: String,
    pub client_key_pem: String,
}

/// Like [`server_tls`], with `client_ca_file` set to the same CA and a client
/// certificate issued by it for "partner-system".
pub fn mutual_tls(dir: &Path) -> MutualTls {
    use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "samprio partner CA");
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().expect("server key");
    let server_cert = CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
        .expect("server params")
        .signed_by(&server_key, &issuer)
        .expect("server certificate");
    let client_key = KeyPair::generate().expect("client key");
    let mut client_params = CertificateParams::new(vec!["partner-system".to_owned()]).expect("client params");
    client_params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let client_cert = client_params
        .signed_by(&client_key, &issuer)
        .expect("client certificate");
    let write = |name: &str, pem: &str| {
        let path = dir.join(name);
        std::fs::write(&path, pem).expect("write test certificate");
        path
    };
    let ca_file = write(CA_FILE, &ca_cert.pem());
    MutualTls {
        server: TlsConfig {
            cert_file: write("server-cert.pem", &server_cert.pem()),
            key_file: write("server-key.pem", &server_key.serialize_pem()),
            client_ca_file: Some(ca_file),
        },
        ca_pem: ca_cert.pem(),
        client_cert_pem: client_cert.pem(),
        client_key_pem: client_key.serialize_pem(),
    }
}

/// Writes a fresh CA and a certificate for `localhost` into `dir` and returns
/// the server's TLS settings; the CA is `dir/test-ca.pem`.
pub fn server_tls(dir: &Path) -> TlsConfig {
    let ca = test_ca(&["localhost", "127.0.0.1"]);
    let write = |name: &str, pem: &str| {
        let path = dir.join(name);
        std::fs::write(&path, pem).expect("write test certificate");
        path
    };
    write(CA_FILE, &ca.ca_pem);
    TlsConfig {
        cert_file: write("server-cert.pem", &ca.cert_pem),
        key_file: write("server-key.pem", &ca.key_pem),
        client_ca_file: None,
    }
}
