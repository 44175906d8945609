//! The story `okno demo` tells once the server listens: Yandex Market (played by the demo) sends
//! its real `acceptOrder` sample to the demo tenant's Yandex Market connector; the order runs
//! the marketplace process (`okno-shipment-deferred`) and waits after its address check; Market's
//! real `orderStatus` sample (PROCESSING) then asks for the shipment, and the process goes on to
//! the price, a track number and a label; Market's own API (played by the fake shop on
//! 127.0.0.1) receives the status callbacks in Market's format through the connector's mapping,
//! signed as webhooks. Each step is printed with where to look.

use anyhow::Context;
use okno_model::{EventKind, OrderId};
use okno_oms::Oms;
use okno_store::Tenant;
use okno_webhooks::{EndpointChange, Webhooks};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The token "Market" sends in `Authorization` to the demo connector.
pub(crate) const MARKET_TOKEN: &str = "demo-market-push-token";
/// The shipped connector, configured for the demo.
const CONNECTOR: &str = include_str!("../../../connectors/yandex-market.yaml");
/// The real acceptOrder sample (Yandex Market's MIT test fixtures).
const ACCEPT_SAMPLE: &str =
    include_str!("../../okno-connectors/tests/data/market.acceptOrder.request.json");
/// The real orderStatus sample (PROCESSING: Market confirmed the order).
const STATUS_SAMPLE: &str =
    include_str!("../../okno-connectors/tests/data/market.orderStatus.request.json");
/// The description that marks the demo's connector-format endpoint.
const DESCRIPTION: &str = "okno demo: Market callbacks through the connector";

/// Writes the demo tenant's Yandex Market connector into `<dir>/connectors/<tenant>/`, with
/// the demo token and the fake shop as Market's partner API; returns the connectors folder.
pub(crate) fn write_connector(
    dir: &Path,
    tenant: &Tenant,
    shop_base: &str,
) -> anyhow::Result<std::path::PathBuf> {
    let folder = dir.join("connectors");
    let tenant_folder = folder.join(tenant.id.to_string());
    std::fs::create_dir_all(&tenant_folder)
        .with_context(|| format!("cannot create {}", tenant_folder.display()))?;
    let text = CONNECTOR
        .replace(
            "secret: {env: MARKET_PUSH_TOKEN}",
            &format!("secret: {{value: \"{MARKET_TOKEN}\"}}"),
        )
        .replace(
            "api_base: \"https://api.partner.market.yandex.ru\"",
            &format!("api_base: \"{shop_base}/market\""),
        )
        .replace("campaign_id: \"0\"", "campaign_id: \"21000001\"")
        .replace("api_token: \"\"", "api_token: \"demo-partner-token\"");
    std::fs::write(tenant_folder.join("yandex-market.yaml"), text)?;
    Ok(folder)
}

/// Subscribes Market (through the connector's mapping) to the order events it maps.
pub(crate) async fn register_market_webhook(
    oms: &Oms,
    tenant: &Tenant,
    shop_url: &str,
) -> anyhow::Result<()> {
    let webhooks = Webhooks::new(Arc::clone(oms.store()), okno_webhooks::Settings::default());
    let now = chrono::Utc::now();
    let existing = webhooks
        .list(tenant.id)
        .await?
        .into_iter()
        .find(|endpoint| endpoint.description.as_deref() == Some(DESCRIPTION));
    let change = EndpointChange {
        url: Some(shop_url.to_owned()),
        event_types: Some(vec![
            EventKind::TrackNumberAssigned.as_str().to_owned(),
            EventKind::LabelIssued.as_str().to_owned(),
        ]),
        format: Some("connector:yandex-market".to_owned()),
        description: Some(DESCRIPTION.to_owned()),
        enabled: Some(true),
    };
    match existing {
        Some(endpoint) => webhooks.update(tenant.id, endpoint.id, change, now).await?,
        None => webhooks.create(tenant.id, change, now).await?,
    };
    Ok(())
}

/// Plays Market: posts the accept sample to the connector and follows the order.
pub(crate) async fn tell(oms: Oms, tenant: Tenant, base: String) {
    if let Err(error) = run(&oms, &tenant, &base).await {
        println!("  demo story stopped: {error:#}");
    }
}

async fn run(oms: &Oms, tenant: &Tenant, base: &str) -> anyhow::Result<()> {
    let url = format!("{base}/connectors/{}/yandex-market/order/accept", tenant.id);
    tokio::time::sleep(Duration::from_millis(500)).await;
    println!("\n  The story: Yandex Market sends an order\n");
    println!("  1. Market POSTs its acceptOrder sample to {url}");
    let (status, reply) = post(base, &url, ACCEPT_SAMPLE).await?;
    println!("     okno answers {status} in Market's shape: {reply}");
    let value: serde_json::Value = serde_json::from_str(&reply).unwrap_or_default();
    let Some(id) = value["order"]["id"]
        .as_str()
        .and_then(|id| id.parse::<OrderId>().ok())
    else {
        anyhow::bail!("the connector did not accept the order");
    };
    println!("  2. The order {id} runs the marketplace process okno-shipment-deferred:");
    let mut seen = 0;
    follow(
        oms,
        tenant,
        id,
        &mut seen,
        &[EventKind::StatusChanged, EventKind::HoldPlaced],
    )
    .await?;
    println!("     … and waits for Market to confirm the order");
    let url = format!("{base}/connectors/{}/yandex-market/order/status", tenant.id);
    println!("  3. Market POSTs its orderStatus sample (PROCESSING) to {url}");
    let (status, reply) = post(base, &url, STATUS_SAMPLE).await?;
    println!("     okno answers {status}: {reply}; the shipment is asked for");
    follow(
        oms,
        tenant,
        id,
        &mut seen,
        &[EventKind::ClientNotified, EventKind::HoldPlaced],
    )
    .await?;
    let order = oms.order(tenant.id, id).await?;
    let number = order.parcels.first().and_then(|p| p.track_number.clone());
    println!("  4. Where to look (with the tenant key as `Authorization: Bearer …`):");
    println!("     the order      {base}/v1/orders/{id}");
    println!("     its events     {base}/v1/orders/{id}/events");
    println!("     its process    {base}/v1/process-instances/{id}/history");
    println!("     the label PDF  {base}/v1/orders/{id}/label");
    if let Some(number) = number {
        println!("     tracking page  {base}/track/{number}   (no key)");
    }
    println!("     the callbacks  {base}/v1/webhooks  (deliveries of each endpoint)");
    println!("  5. Market's API (the fake shop) receives the callbacks in Market's format:");
    Ok(())
}

/// Prints the order's events after `seen` until one of `until` (or a minute) has passed.
async fn follow(
    oms: &Oms,
    tenant: &Tenant,
    id: OrderId,
    seen: &mut i64,
    until: &[EventKind],
) -> anyhow::Result<()> {
    for _ in 0..600 {
        let events = oms.order_events(tenant.id, id, *seen, 100).await?;
        for event in &events {
            *seen = event.sequence;
            println!(
                "     {:>2}. {:<28} {}",
                event.sequence,
                event.kind.as_str(),
                step(event)
            );
        }
        if events.iter().any(|event| until.contains(&event.kind)) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

/// POSTs a JSON body with Market's token; the status and the body as text.
async fn post(base: &str, url: &str, body: &str) -> anyhow::Result<(u16, String)> {
    use http_body_util::{BodyExt, Full};
    let authority = base.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&authority).await?;
    let (mut sender, driver) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream)).await?;
    tokio::spawn(driver);
    let path = url.trim_start_matches(base);
    let request = hyper::Request::post(path)
        .header("host", authority)
        .header("authorization", MARKET_TOKEN)
        .header("content-type", "application/json")
        .body(Full::new(bytes::Bytes::from(body.to_owned())))?;
    let response = sender.send_request(request).await?;
    let status = response.status().as_u16();
    let bytes = response.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&bytes).into_owned()))
}

/// One line about what an event says.
fn step(event: &okno_model::OrderEvent) -> String {
    let payload = &event.payload;
    match event.kind {
        EventKind::Created => "accepted from the connector".to_owned(),
        EventKind::StatusChanged => format!("address check {}", payload["address_check"]),
        EventKind::HoldPlaced => format!("held: {}", payload),
        EventKind::Priced => format!(
            "executor {}, price {} kopecks, up to {} days",
            payload["executor"], payload["price_kopecks"], payload["delivery_days_max"]
        ),
        EventKind::TrackNumberAssigned => format!("track number {}", payload["track_numbers"]),
        EventKind::LabelIssued => format!("label issued, status {}", payload["to"]),
        EventKind::TrackingRegistered => "registered in tracking".to_owned(),
        EventKind::ClientNotified => "the shop is told (webhook)".to_owned(),
        EventKind::RecipientChanged => {
            let recipient = &payload["recipient"];
            let name = ["surname", "given_name", "middle_name"]
                .iter()
                .filter_map(|key| recipient[*key].as_str())
                .collect::<Vec<_>>()
                .join(" ");
            format!("the buyer from Market's notice: {name}")
        }
        _ => payload.to_string(),
    }
}
