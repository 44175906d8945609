//! `okno demo`: a ready-to-try server on the embedded SQLite in a local folder, with a demo
//! tenant, a handful of realistic orders (one of them cancelled, three with track numbers, two
//! of those with a tracking history), fresh keys printed once, a fake shop receiving signed
//! webhooks, and the Yandex Market story (`demo_story`): Market's real accept sample through
//! the connector and the shipment process to a label, with Market's callbacks arriving at the
//! fake shop in Market's format.

use chrono::Offset;
use okno_model::Actor;
use okno_oms::{Oms, SecretKey};
use okno_store::{KeyRole, Tenant};
use serde_json::{Value, json};

/// The demo tenant's name.
pub(crate) const DEMO_TENANT: &str = "demo-shop";

/// (number, surname, given name, raw address, postcode, place, street, house, mass g, COD kopecks)
type DemoRow = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    i64,
    i64,
);

const DEMO_ORDERS: &[DemoRow] = &[
    (
        "DEMO-1001",
        "Иванов",
        "Иван",
        "117105, г Москва, ш Варшавское, д. 37",
        "117105",
        "г Москва",
        "ш Варшавское",
        "37",
        2000,
        150000,
    ),
    (
        "DEMO-1002",
        "Петрова",
        "Анна",
        "Саратов Московская 12-34",
        "410012",
        "г Саратов",
        "ул Московская",
        "12",
        850,
        0,
    ),
    (
        "DEMO-1003",
        "Сидоров",
        "Пётр",
        "656049 Алтайский край, Барнаул, пр-т Ленина д.61А",
        "656049",
        "г Барнаул",
        "пр-кт Ленина",
        "61А",
        3400,
        499000,
    ),
    (
        "DEMO-1004",
        "Кузнецова",
        "Мария",
        "630099, Новосибирск, ул. Советская, 18",
        "630099",
        "г Новосибирск",
        "ул Советская",
        "18",
        1200,
        0,
    ),
    (
        "DEMO-1005",
        "Смирнов",
        "Алексей",
        "620014, Екатеринбург, ул. Малышева, д. 5, кв. 12",
        "620014",
        "г Екатеринбург",
        "ул Малышева",
        "5",
        560,
        89000,
    ),
    (
        "DEMO-1006",
        "Волкова",
        "Елена",
        "420111, Казань, ул. Баумана, 44",
        "420111",
        "г Казань",
        "ул Баумана",
        "44",
        4100,
        0,
    ),
    (
        "DEMO-1007",
        "Морозов",
        "Дмитрий",
        "190000, Санкт-Петербург, наб. реки Мойки, 59",
        "190000",
        "г Санкт-Петербург",
        "наб реки Мойки",
        "59",
        990,
        120000,
    ),
    (
        "DEMO-1008",
        "Новикова",
        "Ольга",
        "690091, Владивосток, ул. Светланская, 29",
        "690091",
        "г Владивосток",
        "ул Светланская",
        "29",
        15000,
        0,
    ),
];

fn demo_document(row: &DemoRow) -> Value {
    let (number, surname, given_name, raw, postcode, place, street, house, mass_grams, cod) = *row;
    let (category, declared) = if cod > 0 {
        ("WITH_DECLARED_VALUE_AND_CASH_ON_DELIVERY", json!(cod))
    } else {
        ("ORDINARY", Value::Null)
    };
    json!({
        "client_order_number": number,
        "priority": if mass_grams > 10_000 { "high" } else { "normal" },
        "sender": {"organisation": "ООО «Демо-магазин»", "phone": "+7 495 000-00-00",
                   "address": {"raw": "101000, г Москва, ул Мясницкая, 1", "postcode": "101000",
                               "place": "г Москва"}},
        "recipient": {"surname": surname, "given_name": given_name, "phone": "+7 900 123-45-67",
                      "address": {"raw": raw, "postcode": postcode, "place": place,
                                  "street": street, "house": house}},
        "parcels": [{"mass_grams": mass_grams, "mail_type": "POSTAL_PARCEL",
                     "mail_category": category, "declared_value_kopecks": declared,
                     "cash_on_delivery_kopecks": if cod > 0 { json!(cod) } else { Value::Null },
                     "items": [{"name": "Товар", "quantity": 1, "price_kopecks": cod.max(10000),
                                "vat_rate": "vat22"}]}],
        "services": ["sms_notice"]
    })
}

/// The demo orders that get track numbers (so their labels can be printed at once).
const DEMO_WITH_TRACK_NUMBERS: &[&str] = &["DEMO-1001", "DEMO-1002", "DEMO-1003"];

/// A track number range for the demo tenant: Russian 14-digit numbers of the Moscow office
/// 101000 for the current month, and track numbers for the first demo orders.
async fn issue_demo_track_numbers(oms: &Oms, tenant: &Tenant) -> anyhow::Result<()> {
    use chrono::Datelike;
    let err = |error: okno_oms::OmsError| anyhow::anyhow!("{error}");
    let today = chrono::Utc::now();
    let month = okno_postal::tracknumber::month_code(today.year(), today.month());
    // Parcels of the demo orders, and the online parcels Yandex Market orders are sent as
    // (S10 numbers of the RA series).
    oms.add_tracknumber_range(
        tenant.id,
        okno_oms::NewRange {
            mail_type: okno_model::MailType::PostalParcel,
            kind: okno_store::RangeKind::Russian14,
            prefix: format!("101000{month:02}"),
            country: None,
            first_serial: 0,
            last_serial: 99_999,
            warn_remaining: None,
        },
    )
    .await
    .map_err(err)?;
    oms.add_tracknumber_range(
        tenant.id,
        okno_oms::NewRange {
            mail_type: okno_model::MailType::OnlineParcel,
            kind: okno_store::RangeKind::S10,
            prefix: "RA".to_owned(),
            country: Some("RU".to_owned()),
            first_serial: 10_000_000,
            last_serial: 19_999_999,
            warn_remaining: None,
        },
    )
    .await
    .map_err(err)?;
    for number in DEMO_WITH_TRACK_NUMBERS {
        if let Some(order) = oms
            .store()
            .order_by_client_number(tenant.id, number)
            .await?
        {
            oms.assign_tracknumbers(tenant.id, order.id, Actor::cli())
                .await
                .map_err(err)?;
        }
    }
    Ok(())
}

/// The UTC offset of the place of a postcode, in seconds (its region's cities' time zone;
/// Moscow time when unknown).
fn offset_of(postcode: &str) -> chrono::FixedOffset {
    let geography = okno_postal::Geography::embedded();
    let hours = postcode
        .parse()
        .ok()
        .and_then(|code| geography.region_of(code))
        .and_then(|region| {
            geography
                .cities()
                .iter()
                .find(|city| city.region == Some(region))
        })
        .map_or(3, |city| i32::from(city.utc_offset_hours));
    chrono::FixedOffset::east_opt(hours * 3600).unwrap_or(chrono::Utc.fix())
}

/// Tracking histories for the first two demo parcels, as the Post would report them: one
/// delivered, one waiting at its delivery office. Times are relative to now, in the local time
/// of each place.
async fn track_demo_parcels(oms: &Oms, tenant: &Tenant) -> anyhow::Result<()> {
    use chrono::DurationRound;
    let now = chrono::Utc::now()
        .duration_trunc(chrono::Duration::minutes(1))
        .unwrap_or_else(|_| chrono::Utc::now());
    let mut operations = Vec::new();
    for (number, delivered) in [("DEMO-1001", true), ("DEMO-1002", false)] {
        let Some(order) = oms
            .store()
            .order_by_client_number(tenant.id, number)
            .await?
        else {
            continue;
        };
        let Some(track_number) = order.parcels.first().and_then(|p| p.track_number.clone()) else {
            continue;
        };
        let destination = order
            .recipient
            .address
            .as_ref()
            .and_then(|address| address.postcode.clone())
            .unwrap_or_else(|| "101000".to_owned());
        let moscow = offset_of("101000");
        let there = offset_of(&destination);
        let mut steps = vec![
            (1, 1, 74, "101000", "Москва 101000", moscow),
            (8, 1, 70, "101000", "Москва 101000", moscow),
            (8, 3, 48, "140983", "Московский АСЦ Цех Посылок", moscow),
            (8, 4, 45, "140983", "Московский АСЦ Цех Посылок", moscow),
            (8, 2, 20, destination.as_str(), "Отделение связи", there),
        ];
        if delivered {
            steps.push((2, 1, 2, destination.as_str(), "Отделение связи", there));
        }
        for (operation_type, attr, hours_ago, index, name, offset) in steps {
            operations.push(okno_model::TrackingOperation {
                track_number: track_number.clone(),
                operation_type,
                operation_attr: Some(attr),
                operated_at: (now - chrono::Duration::hours(hours_ago)).with_timezone(&offset),
                office_index: Some(index.to_owned()),
                office_name: Some(name.to_owned()),
                destination_index: Some(destination.clone()),
                destination_name: None,
                country: Some("RU".to_owned()),
                mass_grams: order.parcels.first().map(|p| p.mass_grams),
                declared_value_kopecks: None,
                cod_kopecks: None,
                mail_type: Some(4),
                mail_category: None,
                item_name: None,
                sender: None,
                recipient: None,
            });
        }
    }
    oms.ingest_tracking_operations(tenant.id, "demo", operations)
        .await
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    Ok(())
}

/// The track number of the first demo parcel, for the banner.
pub(crate) async fn tracked_number(oms: &Oms, tenant: &Tenant) -> anyhow::Result<Option<String>> {
    Ok(oms
        .store()
        .order_by_client_number(tenant.id, "DEMO-1001")
        .await?
        .and_then(|order| order.parcels.first().and_then(|p| p.track_number.clone())))
}

/// Creates the demo tenant and orders if missing; returns the tenant and fresh keys.
/// The demo tenant with its data, its keys, and the fake shop's webhook endpoint at `shop_url`
/// (registered before the orders, so their events reach it).
pub(crate) async fn prepare(
    oms: &Oms,
    shop_url: &str,
) -> anyhow::Result<(Tenant, SecretKey, SecretKey, uuid::Uuid)> {
    let err = |error: okno_oms::OmsError| anyhow::anyhow!("{error}");
    let (tenant, tenant_key) = match oms.store().tenant_by_name(DEMO_TENANT).await? {
        Some(tenant) => {
            let (_, key) = oms
                .create_api_key(KeyRole::Tenant(tenant.id), Some("demo"))
                .await
                .map_err(err)?;
            (tenant, key)
        }
        None => {
            let (tenant, _, key) = oms.create_tenant(DEMO_TENANT).await.map_err(err)?;
            (tenant, key)
        }
    };
    let shop = crate::demo_shop::register(oms, &tenant, shop_url).await?;
    if oms.store().count_orders(tenant.id).await? == 0 {
        for row in DEMO_ORDERS {
            oms.create_order(tenant.id, Actor::cli(), &demo_document(row), None)
                .await
                .map_err(err)?;
        }
        let cancelled = oms
            .store()
            .order_by_client_number(tenant.id, "DEMO-1006")
            .await?;
        if let Some(order) = cancelled {
            oms.cancel_order(
                tenant.id,
                order.id,
                Actor::cli(),
                Some("the buyer changed their mind".to_owned()),
                None,
                None,
            )
            .await
            .map_err(err)?;
        }
        issue_demo_track_numbers(oms, &tenant).await?;
        track_demo_parcels(oms, &tenant).await?;
    }
    let (_, operator_key) = oms
        .create_api_key(KeyRole::Operator, Some("demo operator"))
        .await
        .map_err(err)?;
    Ok((tenant, tenant_key, operator_key, shop))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_orders_are_valid() {
        for row in DEMO_ORDERS {
            let document = demo_document(row);
            okno_model::parse_order_draft(&document)
                .unwrap_or_else(|errors| panic!("{}: {errors:#?}", row.0));
        }
    }
}
