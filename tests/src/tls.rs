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
