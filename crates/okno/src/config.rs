//! Server configuration: an optional TOML file, then `OKNO_*` environment variables, then
//! command-line flags, each overriding the one before.
//!
//! Every key is defined once in [`KEYS`] with its environment variable, default and meaning;
//! `okno config reference` prints the table and `docs/configuration.md` is generated from it (a
//! test fails when the committed page is stale). An unknown key in the file is an error that
//! names the key, the file and the line.
//!
//! Example `okno.toml`:
//!
//! ```toml
//! database_url = "postgres://okno@db.internal/okno"
//! listen = "0.0.0.0:8080"
//! body_bytes_max = 1048576
//! log_format = "json"
//! ```

use anyhow::{Context, bail};
use serde::Deserialize;
use std::path::Path;

/// One configuration key.
pub(crate) struct ConfigKey {
    pub(crate) name: &'static str,
    pub(crate) env: &'static str,
    pub(crate) default: &'static str,
    pub(crate) doc: &'static str,
}

/// All keys.
pub(crate) const KEYS: &[ConfigKey] = &[
    ConfigKey {
        name: "database_url",
        env: "OKNO_DATABASE_URL",
        default: "sqlite://okno-data/okno.db",
        doc: "Where okno keeps its state: `sqlite://PATH` (embedded, one file, created on first start) or `postgres://USER@HOST/DB` (shared by many okno nodes).",
    },
    ConfigKey {
        name: "listen",
        env: "OKNO_LISTEN",
        default: "127.0.0.1:8080",
        doc: "Address and port the HTTP server binds.",
    },
    ConfigKey {
        name: "body_bytes_max",
        env: "OKNO_BODY_BYTES_MAX",
        default: "1048576",
        doc: "Largest request body in bytes; larger bodies are refused with 413.",
    },
    ConfigKey {
        name: "tariff_file",
        env: "OKNO_TARIFF_FILE",
        default: "",
        doc: "TOML tariff tables (products, weight steps, zones, surcharges, fees, delivery days). Empty: the shipped illustrative tables (`crates/okno-postal/data/tariff.default.toml`, a template for your own). Checked at start; every problem is named.",
    },
    ConfigKey {
        name: "post_offices_file",
        env: "OKNO_POST_OFFICES_FILE",
        default: "",
        doc: "A real post office directory, CSV or JSON by its extension (`.csv`, `.json`; format in `docs/post-offices.md`), replacing the synthetic one seeded from the postcodes. Every row is checked at start and bad ones are named with row and field; `POST /v1/admin/post-offices:reload` re-reads the file without a restart.",
    },
    ConfigKey {
        name: "connectors_dir",
        env: "OKNO_CONNECTORS_DIR",
        default: "",
        doc: "A folder of connector files, `<dir>/<tenant-id>/*.yaml` (format in `docs/connectors.md`); each is served under `/connectors/<tenant-id>/<name>/…` for its tenant. Every file is checked at start and every error is named with file, line and field; `POST /v1/admin/connectors:reload` re-reads the folder without a restart. Empty: no connectors.",
    },
    ConfigKey {
        name: "tracknumber_block",
        env: "OKNO_TRACKNUMBER_BLOCK",
        default: "100",
        doc: "Track number serials a node reserves from the database at a time. Larger is faster; a crash leaves the unused rest of a block unissued (never issued twice).",
    },
    ConfigKey {
        name: "webhook_schedule",
        env: "OKNO_WEBHOOK_SCHEDULE",
        default: "0s,5s,5m,30m,2h,5h,10h,10h",
        doc: "When each webhook delivery attempt is made, comma-separated: the first counted from the event, each later one from the failure before it (units `ms`, `s`, `m`, `h`, `d`). The default is Standard Webhooks' suggestion; a delivery fails when the last attempt fails.",
    },
    ConfigKey {
        name: "webhook_request_timeout",
        env: "OKNO_WEBHOOK_REQUEST_TIMEOUT",
        default: "15s",
        doc: "Longest wait for one webhook request (connect, send, answer); longer counts as a failed attempt.",
    },
    ConfigKey {
        name: "webhook_lease",
        env: "OKNO_WEBHOOK_LEASE",
        default: "2m",
        doc: "How long a node holds a claimed webhook delivery; if the node dies, another node sends it after this. Longer than the request timeout.",
    },
    ConfigKey {
        name: "webhook_poll_interval",
        env: "OKNO_WEBHOOK_POLL_INTERVAL",
        default: "1s",
        doc: "How often an idle webhook dispatcher looks for due deliveries.",
    },
    ConfigKey {
        name: "webhook_disable_after",
        env: "OKNO_WEBHOOK_DISABLE_AFTER",
        default: "5d",
        doc: "A webhook endpoint whose every attempt has failed for this long is disabled (the reason is recorded; `POST /v1/webhooks/{id}:enable` turns it back on).",
    },
    ConfigKey {
        name: "webhook_secret_overlap",
        env: "OKNO_WEBHOOK_SECRET_OVERLAP",
        default: "24h",
        doc: "After `POST /v1/webhooks/{id}:rotate-secret`, how long the old secret keeps signing beside the new one.",
    },
    ConfigKey {
        name: "webhook_ca_file",
        env: "OKNO_WEBHOOK_CA_FILE",
        default: "",
        doc: "A PEM file of certificate authorities to trust for `https://` webhook endpoints besides the system's (a company's own CA). Empty: the system's roots only.",
    },
    ConfigKey {
        name: "log_format",
        env: "OKNO_LOG_FORMAT",
        default: "text",
        doc: "`text` for people, `json` for log collectors (one JSON object per line, with the request id).",
    },
    ConfigKey {
        name: "log_filter",
        env: "OKNO_LOG",
        default: "info",
        doc: "Log filter in `tracing` syntax, e.g. `info,okno_store=debug`.",
    },
];

/// The settings in effect.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    pub(crate) database_url: String,
    pub(crate) listen: String,
    pub(crate) body_bytes_max: usize,
    pub(crate) log_format: String,
    pub(crate) log_filter: String,
    pub(crate) tariff_file: String,
    pub(crate) post_offices_file: String,
    pub(crate) connectors_dir: String,
    pub(crate) tracknumber_block: i64,
    #[serde(skip)]
    pub(crate) webhooks: okno_webhooks::Settings,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    listen: Option<String>,
    body_bytes_max: Option<usize>,
    log_format: Option<String>,
    log_filter: Option<String>,
    tariff_file: Option<String>,
    post_offices_file: Option<String>,
    connectors_dir: Option<String>,
    tracknumber_block: Option<i64>,
    webhook_schedule: Option<String>,
    webhook_request_timeout: Option<String>,
    webhook_lease: Option<String>,
    webhook_poll_interval: Option<String>,
    webhook_disable_after: Option<String>,
    webhook_secret_overlap: Option<String>,
    webhook_ca_file: Option<String>,
}

fn default_of(name: &str) -> String {
    KEYS.iter()
        .find(|key| key.name == name)
        .map(|key| key.default.to_owned())
        .unwrap_or_default()
}

fn env_name(name: &str) -> &'static str {
    KEYS.iter()
        .find(|key| key.name == name)
        .map_or("", |key| key.env)
}

fn env_of(name: &str) -> Option<String> {
    let key = KEYS.iter().find(|key| key.name == name)?;
    std::env::var(key.env)
        .ok()
        .filter(|value| !value.is_empty())
}

impl Config {
    /// Loads the file (if any), then the environment.
    pub(crate) fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let from_file = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read config file {}", path.display()))?;
                toml::from_str::<FileConfig>(&text)
                    .map_err(|error| anyhow::anyhow!("{}: {error}", path.display()))?
            }
            None => FileConfig::default(),
        };
        let pick = |name: &str, file_value: Option<String>| {
            env_of(name)
                .or(file_value)
                .unwrap_or_else(|| default_of(name))
        };
        let body_bytes_max_text = pick(
            "body_bytes_max",
            from_file.body_bytes_max.map(|value| value.to_string()),
        );
        let body_bytes_max = body_bytes_max_text.parse().with_context(|| {
            format!("body_bytes_max (OKNO_BODY_BYTES_MAX) must be a number of bytes, not {body_bytes_max_text:?}")
        })?;
        let block_text = pick(
            "tracknumber_block",
            from_file.tracknumber_block.map(|value| value.to_string()),
        );
        let tracknumber_block = block_text
            .parse::<i64>()
            .ok()
            .filter(|block| (1..=1_000_000).contains(block))
            .with_context(|| {
                format!("tracknumber_block (OKNO_TRACKNUMBER_BLOCK) must be 1 to 1000000, not {block_text:?}")
            })?;
        let duration = |name: &str, value: Option<String>| {
            let text = pick(name, value);
            okno_webhooks::settings::parse_duration(&text)
                .map_err(|reason| anyhow::anyhow!("{name} ({}): {reason}", env_name(name)))
        };
        let schedule_text = pick("webhook_schedule", from_file.webhook_schedule);
        let webhooks = okno_webhooks::Settings {
            schedule: okno_webhooks::settings::parse_schedule(&schedule_text).map_err(
                |reason| anyhow::anyhow!("webhook_schedule (OKNO_WEBHOOK_SCHEDULE): {reason}"),
            )?,
            request_timeout: duration(
                "webhook_request_timeout",
                from_file.webhook_request_timeout,
            )?,
            lease: duration("webhook_lease", from_file.webhook_lease)?,
            poll_interval: duration("webhook_poll_interval", from_file.webhook_poll_interval)?,
            disable_after: duration("webhook_disable_after", from_file.webhook_disable_after)?,
            secret_overlap: duration("webhook_secret_overlap", from_file.webhook_secret_overlap)?,
            extra_roots: match pick("webhook_ca_file", from_file.webhook_ca_file).as_str() {
                "" => Vec::new(),
                path => okno_webhooks::settings::read_ca_file(std::path::Path::new(path)).map_err(
                    |reason| anyhow::anyhow!("webhook_ca_file (OKNO_WEBHOOK_CA_FILE): {reason}"),
                )?,
            },
            ..okno_webhooks::Settings::default()
        };
        if webhooks.lease <= webhooks.request_timeout {
            bail!("webhook_lease (OKNO_WEBHOOK_LEASE) must be longer than webhook_request_timeout");
        }
        let config = Config {
            webhooks,
            tariff_file: pick("tariff_file", from_file.tariff_file),
            post_offices_file: pick("post_offices_file", from_file.post_offices_file),
            connectors_dir: pick("connectors_dir", from_file.connectors_dir),
            tracknumber_block,
            database_url: pick("database_url", from_file.database_url),
            listen: pick("listen", from_file.listen),
            body_bytes_max,
            log_format: pick("log_format", from_file.log_format),
            log_filter: pick("log_filter", from_file.log_filter),
        };
        if !["text", "json"].contains(&config.log_format.as_str()) {
            bail!(
                "log_format (OKNO_LOG_FORMAT) must be text or json, not {:?}",
                config.log_format
            );
        }
        Ok(config)
    }
}

/// The Markdown reference page.
pub(crate) fn reference() -> String {
    let mut page = String::from(
        "# okno configuration\n\n\
         Generated by `okno config reference`; do not edit by hand.\n\n\
         Settings come from an optional TOML file (`okno serve --config okno.toml`), then from \
         environment variables, then from command-line flags; each overrides the one before. \
         An unknown key in the file is an error naming the key and the line.\n\n\
         | key | environment | default | meaning |\n|---|---|---|---|\n",
    );
    for key in KEYS {
        page.push_str(&format!(
            "| `{}` | `{}` | `{}` | {} |\n",
            key.name, key.env, key.default, key.doc
        ));
    }
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn committed_reference_is_current() {
        let committed = include_str!("../../../docs/configuration.md");
        assert_eq!(
            committed,
            reference(),
            "docs/configuration.md is stale: run `okno config reference > docs/configuration.md`"
        );
    }

    #[test]
    fn unknown_file_key_names_key_and_line() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("okno.toml");
        std::fs::write(&path, "listen = \"127.0.0.1:1\"\ndatabse_url = \"x\"\n").unwrap();
        let error = Config::load(Some(&path)).unwrap_err().to_string();
        assert!(error.contains("databse_url"), "{error}");
        assert!(error.contains("line 2"), "{error}");
        assert!(error.contains("okno.toml"), "{error}");
    }

    #[test]
    fn file_values_apply() {
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("okno.toml");
        std::fs::write(&path, "body_bytes_max = 2048\nlog_format = \"json\"\n").unwrap();
        let config = Config::load(Some(&path)).unwrap();
        assert_eq!(config.body_bytes_max, 2048);
        assert_eq!(config.log_format, "json");
    }
}
