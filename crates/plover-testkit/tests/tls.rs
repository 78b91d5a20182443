//! PostgreSQL's `sslmode` values against the local server (which serves a self-signed
//! certificate for `localhost` when TLS is on; the tests skip when it is off).

use plover::core::Driver;
use plover_testkit::{PgDatabase, query_i64};

const SNAKEOIL: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
/// A root CA that did not sign the server's certificate.
const OTHER_CA: &str = "/etc/ssl/certs/ISRG_Root_X1.pem";

/// The test database's URL with `sslmode` (and more) set, when the server offers TLS.
async fn url_with(params: &str) -> Option<(PgDatabase, String)> {
    let db = PgDatabase::create().await?;
    let mut conn = plover_postgres::connect(&db.url).await.unwrap();
    let rows = conn
        .query("SELECT current_setting('ssl')", &[])
        .await
        .unwrap();
    if rows[0][0].as_str() != Some("on") {
        eprintln!("skipped: the server does not offer TLS");
        return None;
    }
    let base = db
        .url
        .split('?')
        .next()
        .unwrap()
        .replace("127.0.0.1", "localhost");
    Some((db, format!("{base}?{params}")))
}

async fn uses_tls(conn: &mut dyn Driver) -> bool {
    query_i64(
        conn,
        "SELECT count(*) FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl",
    )
    .await
        == 1
}

#[tokio::test]
async fn disable_prefer_and_require() {
    let Some((_db, _)) = url_with("").await else {
        return;
    };
    for (mode, encrypted) in [("disable", false), ("prefer", true), ("require", true)] {
        let (_db, url) = url_with(&format!("sslmode={mode}")).await.unwrap();
        let mut conn = plover_postgres::connect(&url)
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        assert_eq!(uses_tls(&mut conn).await, encrypted, "sslmode={mode}");
    }
}

#[tokio::test]
async fn verify_full_checks_the_chain_and_the_name() {
    let Some((_db, url)) = url_with("sslmode=verify-full").await else {
        return;
    };
    if std::path::Path::new(OTHER_CA).exists() {
        let untrusted = format!("{url}&sslrootcert={OTHER_CA}");
        let error = plover_postgres::connect(&untrusted).await.unwrap_err();
        assert!(
            error.message.to_lowercase().contains("certificate"),
            "a certificate from another CA: {error}"
        );
    }
    if std::path::Path::new(SNAKEOIL).exists() {
        let trusted = format!("{url}&sslrootcert={SNAKEOIL}");
        let mut conn = plover_postgres::connect(&trusted)
            .await
            .unwrap_or_else(|e| panic!("trusted: {e}"));
        assert!(uses_tls(&mut conn).await);
        let wrong_name = trusted.replace("localhost", "127.0.0.1");
        assert!(
            plover_postgres::connect(&wrong_name).await.is_err(),
            "the name 127.0.0.1 is not on the certificate"
        );
    }
}

#[tokio::test]
async fn verify_ca_ignores_the_name() {
    let Some((_db, url)) = url_with(&format!("sslmode=verify-ca&sslrootcert={SNAKEOIL}")).await
    else {
        return;
    };
    if !std::path::Path::new(SNAKEOIL).exists() {
        return;
    }
    let by_address = url.replace("localhost", "127.0.0.1");
    let mut conn = plover_postgres::connect(&by_address)
        .await
        .unwrap_or_else(|e| panic!("verify-ca: {e}"));
    assert!(uses_tls(&mut conn).await);
}
