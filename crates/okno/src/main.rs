//! The `okno` command: the server (`serve`, `demo`) and the operator's tools (`migrate`,
//! `tenant`, `key`, `orders import`, `bench`, `config`, `schema`). This crate is glue, not a
//! library: every rule lives in the crates below it.

/// mimalloc: okno allocates many small JSON values per request and per process step; the
/// system allocator spent a fifth of the connector benchmark in malloc and free.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench;
mod bench_flow;
mod config;
mod connector;
mod demo;
mod demo_shop;
mod demo_story;
mod import;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use config::Config;
use okno_oms::Oms;
use okno_store::{KeyRole, Store};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// okno: one window to every logistics service.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Cli {
    /// TOML configuration file (see `okno config reference`).
    #[arg(long, global = true, env = "OKNO_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL, overriding the file and OKNO_DATABASE_URL.
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP server.
    Serve {
        /// Address to bind, overriding the file and OKNO_LISTEN.
        #[arg(long)]
        listen: Option<String>,
    },
    /// Run a demo server on an embedded SQLite in a local folder, with demo data and fresh keys.
    Demo {
        /// Folder for the demo database.
        #[arg(long, default_value = "okno-demo")]
        dir: PathBuf,
        /// Address to bind.
        #[arg(long, default_value = "127.0.0.1:8080")]
        listen: String,
    },
    /// Create or upgrade the database schema, then exit.
    Migrate,
    /// Manage tenants.
    Tenant {
        #[command(subcommand)]
        command: TenantCommand,
    },
    /// Manage API keys.
    Key {
        #[command(subcommand)]
        command: KeyCommand,
    },
    /// Work with orders.
    Orders {
        #[command(subcommand)]
        command: OrdersCommand,
    },
    /// Measure performance.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Configuration help.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Print the JSON Schema of the canonical order draft.
    Schema,
    /// Check and try connector files.
    Connector {
        #[command(subcommand)]
        command: connector::ConnectorCommand,
    },
}

#[derive(Debug, Subcommand)]
enum TenantCommand {
    /// Create a tenant and print its first API key (shown once).
    Create {
        /// Unique name.
        name: String,
    },
    /// List tenants.
    List,
    /// Create an Otpravka account of a tenant (the login and password of
    /// `X-User-Authorization`), or set its password. The password is read from the first line
    /// of stdin with `--password-stdin`, or else generated and printed once.
    OtpravkaAccount {
        /// Tenant name or id.
        tenant: String,
        /// Login (no spaces, no colon).
        login: String,
        /// Read the password from stdin instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
enum KeyCommand {
    /// Issue a new key for a tenant (name or id) and print it once.
    Create {
        /// Tenant name or id.
        tenant: String,
        /// Label shown in listings.
        #[arg(long)]
        label: Option<String>,
    },
    /// Issue an operator key (administration: tenants and keys) and print it once.
    Operator {
        /// Label shown in listings.
        #[arg(long)]
        label: Option<String>,
    },
    /// Revoke a key by id.
    Revoke {
        /// Key id.
        id: String,
    },
}

#[derive(Debug, Subcommand)]
enum OrdersCommand {
    /// Import orders from JSON lines (.jsonl, .ndjson) or CSV (.csv).
    Import {
        /// The file.
        file: PathBuf,
        /// Tenant name or id.
        #[arg(long)]
        tenant: String,
        /// Force the format instead of guessing from the extension.
        #[arg(long, value_parser = ["jsonl", "csv"])]
        format: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Create orders over HTTP with concurrent keep-alive connections.
    Orders {
        /// Databases to compare side by side; `sqlite` means a fresh temporary file.
        /// Repeat the flag to compare (e.g. `--database sqlite --database postgres://…`).
        #[arg(long = "database", default_value = "sqlite")]
        databases: Vec<String>,
        /// Concurrent keep-alive connections.
        #[arg(long, default_value_t = 64)]
        connections: usize,
        /// Measured seconds.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Warm-up seconds before measuring.
        #[arg(long, default_value_t = 2)]
        warmup: u64,
        /// Also write the results as CSV to this file.
        #[arg(long)]
        csv: Option<PathBuf>,
    },
    /// Run orders through the whole default process (accept, address, price, track number,
    /// label, tracking, the client's webhook) and report orders/s and end-to-end latency.
    Flow {
        /// Databases to compare side by side; `sqlite` means a fresh temporary file.
        #[arg(long = "database", default_value = "sqlite")]
        databases: Vec<String>,
        /// Orders to run.
        #[arg(long, default_value_t = 2000)]
        orders: u64,
        /// Orders unfinished at a time.
        #[arg(long, default_value_t = 64)]
        in_flight: usize,
    },
    /// Send the sorter's weighing (`POST /v1/parcels:register`, label in the answer) at a fixed
    /// rate and report its latency.
    Sorter {
        /// Databases to compare side by side; `sqlite` means a fresh temporary file.
        #[arg(long = "database", default_value = "sqlite")]
        databases: Vec<String>,
        /// Requests per second.
        #[arg(long, default_value_t = 500)]
        rate: u64,
        /// Seconds of load.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Label formats to ask for (`Accept`), each a run of its own, side by side.
        #[arg(long = "label", value_enum, default_value = "pdf")]
        labels: Vec<bench_flow::LabelFormat>,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Print the reference of every configuration key (Markdown).
    Reference,
    /// Print the configuration in effect.
    Show,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("okno: cannot start the async runtime: {error}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("okno: {error:#}");
            ExitCode::from(2)
        }
    }
}

fn load_config(cli: &Cli) -> anyhow::Result<Config> {
    let mut config = Config::load(cli.config.as_deref())?;
    if let Some(url) = &cli.database_url {
        config.database_url = url.clone();
    }
    Ok(config)
}

fn init_logs(config: &Config) {
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log_filter)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

async fn open_store(config: &Config) -> anyhow::Result<Arc<dyn Store>> {
    okno_store::open(&config.database_url)
        .await
        .with_context(|| format!("cannot open the database {}", config.database_url))
}

fn oms_error(error: okno_oms::OmsError) -> anyhow::Error {
    anyhow::anyhow!("{error}")
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = load_config(&cli)?;
    match cli.command {
        Command::Serve { listen } => {
            init_logs(&config);
            let listen = listen.unwrap_or_else(|| config.listen.clone());
            let store = open_store(&config).await?;
            serve(
                Oms::new(store).with_tracknumber_block(config.tracknumber_block),
                &listen,
                &config,
                None,
            )
            .await?;
        }
        Command::Demo { dir, listen } => {
            init_logs(&config);
            let url = format!("sqlite://{}", dir.join("okno.db").display());
            let store = okno_store::open(&url)
                .await
                .with_context(|| format!("cannot open {url}"))?;
            let oms = Oms::new(store).with_tracknumber_block(config.tracknumber_block);
            let (shop_listener, shop_url) = demo_shop::bind().await?;
            let (tenant, tenant_key, operator_key, _) = demo::prepare(&oms, &shop_url).await?;
            demo_shop::spawn(shop_listener, oms.clone(), tenant.clone());
            let tracked = demo::tracked_number(&oms, &tenant).await?;
            // The story: a Yandex Market connector whose partner API is the fake shop.
            let shop_base = shop_url.trim_end_matches("/webhooks").to_owned();
            let mut config = config.clone();
            config.connectors_dir = demo_story::write_connector(&dir, &tenant, &shop_base)?
                .display()
                .to_string();
            demo_story::register_market_webhook(&oms, &tenant, &shop_url).await?;
            let story = (oms.clone(), tenant.clone());
            let banner = move |address: std::net::SocketAddr| {
                tokio::spawn(demo_story::tell(
                    story.0,
                    story.1,
                    format!("http://{address}"),
                ));
                demo_banner(
                    address,
                    &url,
                    &tenant,
                    (tenant_key.expose(), operator_key.expose()),
                    tracked.as_deref(),
                    &shop_url,
                )
            };
            serve(oms, &listen, &config, Some(Box::new(banner))).await?;
        }
        Command::Migrate => {
            let store = open_store(&config).await?;
            println!("{} database is at the current schema", store.backend());
        }
        Command::Tenant { command } => tenant_command(&config, command).await?,
        Command::Key { command } => key_command(&config, command).await?,
        Command::Orders {
            command:
                OrdersCommand::Import {
                    file,
                    tenant,
                    format,
                },
        } => {
            let csv = match format.as_deref() {
                Some(format) => format == "csv",
                None => file
                    .extension()
                    .is_some_and(|extension| extension.eq_ignore_ascii_case("csv")),
            };
            let oms = Oms::new(open_store(&config).await?);
            let tenant = oms.find_tenant(&tenant).await.map_err(oms_error)?;
            let summary = import::run(&oms, &tenant, &file, csv).await?;
            import::print_summary(&summary, &file);
            if !summary.rejected.is_empty() {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Bench {
            command:
                BenchCommand::Orders {
                    databases,
                    connections,
                    seconds,
                    warmup,
                    csv,
                },
        } => {
            if connections == 0 || seconds == 0 {
                bail!("--connections and --seconds must be above 0");
            }
            let options = bench::BenchOptions {
                connections,
                duration: Duration::from_secs(seconds),
                warmup: Duration::from_secs(warmup),
            };
            bench_orders(&databases, &options, csv.as_deref()).await?;
        }
        Command::Bench {
            command:
                BenchCommand::Flow {
                    databases,
                    orders,
                    in_flight,
                },
        } => {
            if orders == 0 || in_flight == 0 {
                bail!("--orders and --in-flight must be above 0");
            }
            let folder = tempfile_folder()?;
            let mut results = Vec::new();
            for (index, database) in databases.iter().enumerate() {
                let url = bench_url(&folder, index, database);
                results.push(bench_flow::flow(&url, orders, in_flight).await?);
            }
            bench_flow::print(
                &format!(
                    "orders through the whole default process, {in_flight} in flight (accept -> client webhook)"
                ),
                "orders/s",
                &results,
            );
            let _ = std::fs::remove_dir_all(&folder);
        }
        Command::Bench {
            command:
                BenchCommand::Sorter {
                    databases,
                    rate,
                    seconds,
                    labels,
                },
        } => {
            if rate == 0 || seconds == 0 {
                bail!("--rate and --seconds must be above 0");
            }
            let folder = tempfile_folder()?;
            let mut results = Vec::new();
            let mut index = 0;
            for database in &databases {
                for &label in &labels {
                    let url = bench_url(&folder, index, database);
                    index += 1;
                    results.push(bench_flow::sorter(&url, rate, seconds, label).await?);
                }
            }
            bench_flow::print(
                &format!(
                    "sorter: POST /v1/parcels:register at {rate}/s with the label in the answer"
                ),
                "requests/s",
                &results,
            );
            let _ = std::fs::remove_dir_all(&folder);
        }
        Command::Config {
            command: ConfigCommand::Reference,
        } => print!("{}", config::reference()),
        Command::Config {
            command: ConfigCommand::Show,
        } => println!("{config:#?}"),
        Command::Connector { command } => return connector::run(command),
        Command::Schema => {
            println!(
                "{}",
                serde_json::to_string_pretty(&okno_api::openapi::order_draft_schema())?
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn tenant_command(config: &Config, command: TenantCommand) -> anyhow::Result<()> {
    let oms = Oms::new(open_store(config).await?);
    match command {
        TenantCommand::Create { name } => {
            let (tenant, _, key) = oms.create_tenant(&name).await.map_err(oms_error)?;
            println!("tenant {} created: {}", tenant.name, tenant.id);
            println!("API key (shown once, keep it safe): {}", key.expose());
        }
        TenantCommand::List => {
            for tenant in oms.store().tenants().await? {
                println!(
                    "{}  {}  {}",
                    tenant.id,
                    tenant.created_at.to_rfc3339(),
                    tenant.name
                );
            }
        }
        TenantCommand::OtpravkaAccount {
            tenant,
            login,
            password_stdin,
        } => {
            let tenant = oms.find_tenant(&tenant).await.map_err(oms_error)?;
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line)?;
                Some(line.trim_end_matches(['\r', '\n']).to_owned())
            } else {
                None
            };
            let generated = password.is_none();
            let password = oms
                .set_otpravka_account(tenant.id, &login, password)
                .await
                .map_err(|error| match error {
                    okno_oms::OmsError::Invalid(fields) => anyhow::anyhow!(
                        "{}",
                        fields
                            .iter()
                            .map(|field| format!("{}: {}", field.pointer, field.detail))
                            .collect::<Vec<_>>()
                            .join("; ")
                    ),
                    other => oms_error(other),
                })?;
            println!("Otpravka account {login} of tenant {} set", tenant.name);
            if generated {
                println!("password (shown once, keep it safe): {password}");
            }
        }
    }
    Ok(())
}

async fn key_command(config: &Config, command: KeyCommand) -> anyhow::Result<()> {
    let oms = Oms::new(open_store(config).await?);
    match command {
        KeyCommand::Create { tenant, label } => {
            let tenant = oms.find_tenant(&tenant).await.map_err(oms_error)?;
            let (record, key) = oms
                .create_api_key(KeyRole::Tenant(tenant.id), label.as_deref())
                .await
                .map_err(oms_error)?;
            println!("key {} for tenant {}", record.id, tenant.name);
            println!("API key (shown once, keep it safe): {}", key.expose());
        }
        KeyCommand::Operator { label } => {
            let (record, key) = oms
                .create_api_key(KeyRole::Operator, label.as_deref())
                .await
                .map_err(oms_error)?;
            println!("operator key {}", record.id);
            println!("API key (shown once, keep it safe): {}", key.expose());
        }
        KeyCommand::Revoke { id } => {
            let id = id
                .parse()
                .map_err(|_| anyhow::anyhow!("{id:?} is not a key id"))?;
            oms.revoke_api_key(id).await.map_err(oms_error)?;
            println!("key {id} revoked");
        }
    }
    Ok(())
}

fn bench_url(folder: &std::path::Path, index: usize, database: &str) -> String {
    if database == "sqlite" {
        format!(
            "sqlite://{}",
            folder.join(format!("bench-{index}.db")).display()
        )
    } else {
        database.to_owned()
    }
}

async fn bench_orders(
    databases: &[String],
    options: &bench::BenchOptions,
    csv: Option<&std::path::Path>,
) -> anyhow::Result<()> {
    let folder = tempfile_folder()?;
    let mut results = Vec::new();
    for (index, database) in databases.iter().enumerate() {
        let url = if database == "sqlite" {
            format!(
                "sqlite://{}",
                folder.join(format!("bench-{index}.db")).display()
            )
        } else {
            database.clone()
        };
        results.push(bench::run_in_process(&url, options).await?);
    }
    bench::print_table(&results, options);
    if let Some(path) = csv {
        bench::write_csv(&results, path)?;
    }
    let _ = std::fs::remove_dir_all(&folder);
    Ok(())
}

fn tempfile_folder() -> anyhow::Result<PathBuf> {
    let folder = std::env::temp_dir().join(format!("okno-bench-{}", std::process::id()));
    std::fs::create_dir_all(&folder)?;
    Ok(folder)
}

fn demo_banner(
    address: std::net::SocketAddr,
    url: &str,
    tenant: &okno_store::Tenant,
    (tenant_key, operator_key): (&str, &str),
    tracked: Option<&str>,
    shop_url: &str,
) -> String {
    let base = format!("http://{address}");
    let tracking = tracked.map_or_else(String::new, |number| {
        format!(
            "\x20 DEMO-1001 has been delivered: its tracking page is {base}/track/{number}\n\
             \x20 (JSON: GET {base}/v1/tracking/{number}; SOAP: POST {base}/rtm34).\n\n"
        )
    });
    let text = format!(
        "\n  okno demo is running on {url}\n\n\
         \x20 API browser     {base}/docs\n\
         \x20 OpenAPI         {base}/openapi.json\n\
         \x20 Order schema    {base}/schemas/order.json\n\
         \x20 Orders          {base}/v1/orders\n\
         \x20 Metrics         {base}/metrics\n\n\
         \x20 tenant {name} key:  {tenant_key}\n\
         \x20 operator key:        {operator_key}\n\n\
         \x20 Try:\n\
         \x20   curl -H 'Authorization: Bearer {tenant_key}' {base}/v1/orders\n\
         \x20   curl '{base}/tariff/v1/calculate?json&object=4030&from=109440&to=644015&weight=1000'\n\n\
         \x20 DEMO-1001 to DEMO-1003 have track numbers: print their labels with\n\
         \x20 GET {base}/v1/orders/ID/label?format=pdf (or zpl, size=100x150).\n\n\
         \x20 Webhooks: every order event goes to a fake shop at {shop_url}, which\n\
         \x20 verifies each signature and logs it (GET {base}/v1/webhooks shows the log).\n\n\
         \x20 Below, Yandex Market sends an order through its connector and it runs the\n\
         \x20 shipment process to a label; Market's API (the fake shop) gets the callbacks.\n\n",
        name = tenant.name,
    );
    format!("{text}{tracking}")
}

/// What the server prints once it knows its address.
type Banner = Box<dyn FnOnce(std::net::SocketAddr) -> String + Send>;

async fn serve(
    oms: Oms,
    listen: &str,
    config: &Config,
    banner: Option<Banner>,
) -> anyhow::Result<()> {
    let api_config = okno_api::ApiConfig {
        body_bytes_max: config.body_bytes_max,
    };
    let mut state = okno_api::AppState::new(oms.clone(), api_config);
    if !config.tariff_file.is_empty() {
        let text = std::fs::read_to_string(&config.tariff_file)
            .with_context(|| format!("cannot read tariff_file {}", config.tariff_file))?;
        let tables = okno_postal::TariffTables::from_toml(&text)
            .map_err(|error| anyhow::anyhow!("{}: {error}", config.tariff_file))?;
        state = state.with_tariff(okno_postal::Tariff::new(
            tables,
            okno_postal::Geography::embedded(),
        ));
    }
    if !config.post_offices_file.is_empty() {
        state = state
            .with_post_offices_file(&config.post_offices_file)
            .map_err(|error| {
                anyhow::anyhow!("post_offices_file (OKNO_POST_OFFICES_FILE): {error}")
            })?;
    }
    if !config.connectors_dir.is_empty() {
        state = state
            .with_connectors_dir(&config.connectors_dir)
            .map_err(|error| anyhow::anyhow!("connectors_dir (OKNO_CONNECTORS_DIR): {error}"))?;
    }
    state = state.with_webhook_settings(config.webhooks.clone());
    // Every accepted order runs its process (okno's workers for the shipped job types).
    state = state.with_order_processes();
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let address = listener.local_addr()?;
    tokio::spawn(purge_idempotency_hourly(oms));
    // The webhook outbox: due deliveries, retries, disabling endpoints that keep failing.
    let _webhooks = state.spawn_webhook_dispatcher();
    // Timers, inbox commands between instances, buffered messages, jobs whose lock ran out.
    let _processes = state.processes.spawn_background();
    match banner {
        Some(banner) => println!("{}", banner(address)),
        None => println!("okno listening on http://{address}"),
    }
    tracing::info!(%address, "serving");
    axum::serve(listener, okno_api::app(state))
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server failed")?;
    tracing::info!("stopped");
    Ok(())
}

async fn purge_idempotency_hourly(oms: Oms) {
    let mut interval = tokio::time::interval(Duration::from_secs(3600));
    loop {
        interval.tick().await;
        match oms.purge_idempotency().await {
            Ok(purged) => tracing::info!(purged, "expired idempotency keys purged"),
            Err(error) => tracing::warn!(%error, "idempotency purge failed"),
        }
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut terminate =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(signal) => signal,
                Err(_) => {
                    let _ = interrupt.await;
                    return;
                }
            };
        tokio::select! {
            _ = interrupt => {},
            _ = terminate.recv() => {},
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}
