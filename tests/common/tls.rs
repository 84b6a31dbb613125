use std::path::{Path, PathBuf};

use tonic::transport::Identity;

/// A self-signed certificate for 127.0.0.1, its PEM written to `dir/ca.pem`.
pub fn self_signed(dir: &Path) -> (Identity, PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let rcgen::CertifiedKey { cert, signing_key } =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string(), "localhost".to_string()])
            .expect("a certificate");
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, cert.pem()).unwrap();
    (
        Identity::from_pem(cert.pem(), signing_key.serialize_pem()),
        ca,
    )
}
