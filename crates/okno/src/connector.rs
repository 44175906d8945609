//! `okno connector check FILE` and `okno connector try FILE --sample PAYLOAD`: an analyst's
//! tools for connector files, working on files alone (no database, no server).
//!
//! `check` prints every error as `file:line:column: field: reason` and exits 2, or says the
//! file is good and lists its endpoints. `try` runs the sample through an endpoint without
//! authentication and prints, as JSON, the canonical order or every field error (with the
//! mapping field and line that produced it) and the reply the client would get; it exits 0
//! for an order or a reply, 1 when the sample is rejected, 2 when the file or sample cannot be
//! read.

use clap::Subcommand;
use okno_connectors::Connector;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The `okno connector` subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum ConnectorCommand {
    /// Check a connector file: every error with line and field (exit 2), or its endpoints.
    Check {
        /// The connector file (YAML).
        file: PathBuf,
    },
    /// Run a sample payload through a connector: the canonical order or every field error,
    /// and the reply the client would get. Nothing is created.
    Try {
        /// The connector file (YAML).
        file: PathBuf,
        /// The sample payload, in the client's format.
        #[arg(long)]
        sample: PathBuf,
        /// The endpoint id (default: the first that creates orders).
        #[arg(long)]
        endpoint: Option<String>,
    },
}

/// Runs a subcommand; errors are printed here, so the exit code carries the outcome.
pub(crate) fn run(command: ConnectorCommand) -> anyhow::Result<ExitCode> {
    match command {
        ConnectorCommand::Check { file } => {
            let Some(connector) = load(&file) else {
                return Ok(ExitCode::from(2));
            };
            println!(
                "{}: connector {} {} is valid",
                file.display(),
                connector.name(),
                connector.version()
            );
            for endpoint in connector.endpoints() {
                println!(
                    "  {} {} /connectors/<tenant>/{}{} ({})",
                    endpoint.id,
                    endpoint.method,
                    connector.name(),
                    endpoint.path,
                    endpoint.action
                );
            }
            for event in connector.event_types() {
                println!("  on {event}: outbound");
            }
            Ok(ExitCode::SUCCESS)
        }
        ConnectorCommand::Try {
            file,
            sample,
            endpoint,
        } => {
            let Some(connector) = load(&file) else {
                return Ok(ExitCode::from(2));
            };
            let bytes = match std::fs::read(&sample) {
                Ok(bytes) => bytes,
                Err(error) => {
                    eprintln!("{}: {error}", sample.display());
                    return Ok(ExitCode::from(2));
                }
            };
            let Some(endpoint) =
                endpoint.or_else(|| connector.default_endpoint().map(str::to_owned))
            else {
                eprintln!("{}: the connector has no endpoints", file.display());
                return Ok(ExitCode::from(2));
            };
            let trial = match connector.trial(&endpoint, &bytes) {
                Ok(trial) => trial,
                Err(error) => {
                    let known: Vec<String> = connector
                        .endpoints()
                        .into_iter()
                        .map(|info| info.id)
                        .collect();
                    eprintln!("{error}; the endpoints are: {}", known.join(", "));
                    return Ok(ExitCode::from(2));
                }
            };
            println!("{}", serde_json::to_string_pretty(&trial)?);
            for error in &trial.errors {
                eprintln!(
                    "{}:{}: {}: {} ({})",
                    file.display(),
                    error.line.map_or_else(String::new, |line| line.to_string()),
                    error.mapping_field.as_deref().unwrap_or("mapping"),
                    error.detail,
                    error.pointer
                );
            }
            Ok(if trial.outcome == "rejected" {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}

/// Loads a file, printing every error on failure.
fn load(file: &Path) -> Option<Connector> {
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("{}: {error}", file.display());
            return None;
        }
    };
    match Connector::load(&file.display().to_string(), &text) {
        Ok(connector) => Some(connector),
        Err(errors) => {
            eprintln!("{errors}");
            eprintln!("{} error(s)", errors.errors.len());
            None
        }
    }
}
