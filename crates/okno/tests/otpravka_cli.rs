//! `okno tenant otpravka-account`: the real binary creates an Otpravka login of a tenant with a
//! generated password (printed once) or one read from stdin, and the service then accepts
//! exactly that pair with the tenant's key; a bad login is refused with exit code 2.

// Test helpers outside #[test] functions may unwrap: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod support;

use okno_oms::{Oms, OmsError, OtpravkaCredentials};
use okno_store::testing::TestDatabase;
use std::io::Write;
use std::process::{Command, Stdio};
use support::*;

async fn check(database: &TestDatabase, key: &str, password: &str) -> Result<(), OmsError> {
    let oms = Oms::new(database.open().await.unwrap());
    let credentials = OtpravkaCredentials {
        token: key.to_owned(),
        login: "shop@example.ru".to_owned(),
        password: password.to_owned(),
    };
    oms.authenticate_otpravka(&credentials).await.map(|_| ())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_are_set_from_the_command_line() {
    let database = TestDatabase::sqlite();
    let url = database.url();
    let (tenant_id, key) = create_tenant(url, "shop");

    let output = okno(
        url,
        &["tenant", "otpravka-account", "shop", "shop@example.ru"],
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    let generated = stdout
        .lines()
        .find_map(|line| line.strip_prefix("password (shown once, keep it safe): "))
        .unwrap()
        .to_owned();
    assert_eq!(generated.len(), 24);
    check(&database, &key, &generated).await.unwrap();

    let mut child = Command::new(OKNO)
        .args(["--database-url", url, "tenant", "otpravka-account"])
        .arg(tenant_id.to_string())
        .args(["shop@example.ru", "--password-stdin"])
        .env_remove("OKNO_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"chosen password\n")
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(output.status.success(), "{stdout}");
    assert!(
        !stdout.contains("chosen password"),
        "a chosen password is not echoed"
    );
    check(&database, &key, "chosen password").await.unwrap();
    assert!(matches!(
        check(&database, &key, &generated).await,
        Err(OmsError::Unauthenticated)
    ));

    let refused = okno(url, &["tenant", "otpravka-account", "shop", "bad:login"]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8(refused.stderr).unwrap();
    assert!(stderr.contains("/login"), "{stderr}");
}
