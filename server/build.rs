//! Marks the PostgreSQL integration tests as ignored (with the reason shown by
//! `cargo test`) unless SAMPRIO_TEST_POSTGRES_URL names a server to run them on.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(samprio_pg)");
    println!("cargo::rerun-if-env-changed=SAMPRIO_TEST_POSTGRES_URL");
    if std::env::var("SAMPRIO_TEST_POSTGRES_URL").is_ok_and(|u| !u.is_empty()) {
        println!("cargo::rustc-cfg=samprio_pg");
    }
}
