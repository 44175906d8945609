//! What the binary's end-to-end tests share: running `okno` commands, a server process that
//! prints its address and can be killed with SIGKILL, and waiting until it is ready.
#![allow(dead_code)]

use okno_model::TenantId;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub(crate) const OKNO: &str = env!("CARGO_BIN_EXE_okno");

pub(crate) fn okno(database_url: &str, arguments: &[&str]) -> std::process::Output {
    Command::new(OKNO)
        .arg("--database-url")
        .arg(database_url)
        .args(arguments)
        .env_remove("OKNO_CONFIG")
        .output()
        .unwrap()
}

/// Creates a tenant through the CLI; returns its id and key as printed.
pub(crate) fn create_tenant(database_url: &str, name: &str) -> (TenantId, String) {
    let output = okno(database_url, &["tenant", "create", name]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let id = stdout
        .lines()
        .next()
        .unwrap()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let key = stdout
        .split_whitespace()
        .find(|word| word.starts_with("okno_t_"))
        .unwrap();
    (id, key.to_owned())
}

/// A server process and the address it printed.
pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) base: String,
    pub(crate) printed: String,
    /// Everything printed so far (the drain thread keeps adding).
    pub(crate) output: Arc<Mutex<String>>,
}

impl Server {
    pub(crate) fn start(command: &mut Command, marker: &str) -> Server {
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        let mut printed = String::new();
        let base = loop {
            let line = lines
                .next()
                .expect("the server prints its address")
                .unwrap();
            printed.push_str(&line);
            printed.push('\n');
            if let Some(at) = line.find(marker) {
                let rest = &line[at + marker.len()..];
                break rest
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .trim_end_matches('/')
                    .to_owned();
            }
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        let banner = Arc::new(Mutex::new(printed));
        let sink = Arc::clone(&banner);
        std::thread::spawn(move || {
            for line in lines.map_while(Result::ok) {
                let mut sink = sink.lock().unwrap();
                sink.push_str(&line);
                sink.push('\n');
            }
        });
        let printed = banner.lock().unwrap().clone();
        Server {
            child,
            base,
            printed,
            output: banner,
        }
    }

    pub(crate) fn serve(database_url: &str) -> Server {
        let mut command = Command::new(OKNO);
        command
            .args([
                "--database-url",
                database_url,
                "serve",
                "--listen",
                "127.0.0.1:0",
            ])
            .env_remove("OKNO_CONFIG");
        Server::start(&mut command, "listening on ")
    }

    pub(crate) fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL on Unix.
        self.child.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn order(number: &str) -> Value {
    json!({
        "client_order_number": number,
        "recipient": {"surname": "Петрова", "given_name": "Анна",
                      "address": {"raw": "117105, г Москва, ш Варшавское, д. 37", "postcode": "117105",
                                  "place": "г Москва"}},
        "parcels": [{"mass_grams": 850, "mail_type": "POSTAL_PARCEL", "mail_category": "ORDINARY"}]
    })
}

pub(crate) async fn wait_healthy(client: &reqwest::Client, base: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(response) = client.get(format!("{base}/readyz")).send().await
            && response.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{base} never became ready");
}
