//! The Yandex Market template (`connectors/yandex-market.yaml`) on the real push API bodies
//! in `tests/data` (official MIT fixtures; see its README): every reply is compared whole with
//! the shape Market expects (reference notes §3.1), and the canonical order field by field
//! with what the sample says.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use okno_connectors::{Connector, Inbound, ReplyKind, StatusCommand, accepted_okno};
use serde_json::{Value, json};

/// The shipped file with its token given inline: the file names an environment variable, and
/// tests cannot set one (`set_var` is unsafe and the workspace forbids unsafe code).
fn connector(file: &str) -> Connector {
    Connector::load(file, &shipped(file)).unwrap()
}

/// The text of a shipped file with its token given inline.
fn shipped(file: &str) -> String {
    let path = format!("{}/../../connectors/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap().replace(
        "secret: {env: MARKET_PUSH_TOKEN}",
        "secret: {value: market-test-token}",
    )
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn token() -> Vec<(String, String)> {
    vec![("Authorization".to_owned(), "market-test-token".to_owned())]
}

fn json_of(bytes: &[u8]) -> Value {
    serde_json::from_slice(bytes).unwrap()
}

/// The reply of an endpoint that answers at once.
fn answer_now(connector: &Connector, endpoint: &str, body: &[u8]) -> (ReplyKind, u16, Value) {
    match connector.receive(endpoint, &token(), body).unwrap() {
        Inbound::Answer(answer) => (
            answer.kind,
            answer.reply.status,
            json_of(&answer.reply.body),
        ),
        Inbound::Create(create) => panic!("expected an answer, got an order {create:?}"),
    }
}

#[test]
fn cart_answers_every_item_available_in_markets_shape() {
    let connector = connector("yandex-market.yaml");
    let request = json_of(&sample("market.getCart.request.json"));
    let (kind, status, reply) =
        answer_now(&connector, "cart", &sample("market.getCart.request.json"));
    assert_eq!((kind, status), (ReplyKind::Ok, 200));
    // The keys of a real reply (pastebin sample), with the sample's items echoed as available.
    let real = json_of(&sample("pastebin.cart.response.json"));
    let real_keys: Vec<&String> = real["cart"].as_object().unwrap().keys().collect();
    let our_keys: Vec<&String> = reply["cart"].as_object().unwrap().keys().collect();
    assert_eq!(our_keys, real_keys);
    let items: Vec<Value> = request["cart"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| {
            json!({"feedId": item["feedId"], "offerId": item["offerId"],
                   "count": item["count"], "delivery": true})
        })
        .collect();
    assert_eq!(
        reply,
        json!({"cart": {"deliveryCurrency": "RUR", "items": items, "deliveryOptions": [],
                        "paymentMethods": ["YANDEX"], "taxSystem": "OSN"}})
    );
}

#[test]
fn accept_maps_the_market_order_to_a_valid_canonical_order() {
    let connector = connector("yandex-market.yaml");
    let Inbound::Create(create) = connector
        .receive(
            "accept",
            &token(),
            &sample("market.acceptOrder.request.json"),
        )
        .unwrap()
    else {
        panic!("the sample order must map to a valid order")
    };
    assert_eq!(create.idempotency_key.as_deref(), Some("12345"));
    let draft = &create.draft;
    assert_eq!(draft.client_order_number, "YM-12345");
    let address = draft.recipient.address.as_ref().unwrap();
    assert_eq!(address.postcode.as_deref(), Some("119313"));
    assert_eq!(address.place.as_deref(), Some("Москва"));
    assert_eq!(address.street.as_deref(), Some("Ленинский проспект"));
    assert_eq!(address.house.as_deref(), Some("90"));
    assert_eq!(
        draft.recipient.organisation.as_deref(),
        Some("Покупатель Маркета, заказ 12345")
    );
    let items = &draft.parcels[0].items;
    assert_eq!(items.len(), 2);
    assert_eq!(items[0].sku.as_deref(), Some("4609283881"));
    assert_eq!(items[0].name, "Чайник электрический 100 W");
    assert_eq!(items[0].price_kopecks, 120_000, "1200 roubles");
    assert_eq!(items[1].price_kopecks, 220_000);
    assert_eq!(items[0].vat_rate.as_str(), "vat20");
    // The reply after the order exists.
    let order = json!({"id": "0190f0e0-0000-7000-8000-000000000001",
                       "client_order_number": "YM-12345", "status": "accepted"});
    let reply = connector
        .accepted_reply("accept", &create.payload, &accepted_okno(&order, false))
        .unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.content_type, "application/json");
    assert_eq!(
        json_of(&reply.body),
        json!({"order": {"accepted": true, "id": "0190f0e0-0000-7000-8000-000000000001"}})
    );
}

#[test]
fn accept_of_the_beru_fixture_with_numeric_offer_ids_is_valid_too() {
    let connector = connector("yandex-market.yaml");
    let Inbound::Create(create) = connector
        .receive("accept", &token(), &sample("beru.acceptOrder.request.json"))
        .unwrap()
    else {
        panic!("the Beru sample must map")
    };
    let items = &create.draft.parcels[0].items;
    assert_eq!(items[0].sku.as_deref(), Some("100423035876"));
    assert_eq!(items[0].name, "offer 100423035876");
    assert_eq!(items[0].quantity, 3);
    // No street address in the Beru fixture: the region names the place.
    let address = create.draft.recipient.address.as_ref().unwrap();
    assert_eq!(address.place.as_deref(), Some("Москва"));
}

#[test]
fn accept_of_a_broken_order_is_refused_in_markets_shape_naming_each_field() {
    let connector = connector("yandex-market.yaml");
    let mut order = json_of(&sample("market.acceptOrder.request.json"));
    order["order"]["items"][1]["count"] = json!(0);
    order["order"]["items"][0]["vat"] = json!("VAT_99");
    let body = serde_json::to_vec(&order).unwrap();
    let Inbound::Answer(answer) = connector.receive("accept", &token(), &body).unwrap() else {
        panic!("a broken order must be refused")
    };
    assert_eq!(answer.kind, ReplyKind::Rejected);
    assert_eq!(answer.reply.status, 200);
    assert_eq!(
        json_of(&answer.reply.body),
        json!({"order": {"accepted": false, "reason": "OUT_OF_DATE"}})
    );
    let found: Vec<(&str, &str, Option<&str>)> = answer
        .errors
        .iter()
        .map(|error| {
            (
                error.pointer.as_str(),
                error.code.as_str(),
                error.mapping_field.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            (
                "/parcels/0/items/0/vat_rate",
                "enum",
                Some("mapping.parcels[0].items.map.vat_rate")
            ),
            (
                "/parcels/0/items/1/quantity",
                "range",
                Some("mapping.parcels[0].items.map.quantity")
            ),
        ]
    );
    let text = std::fs::read_to_string(format!(
        "{}/../../connectors/yandex-market.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let quantity_line = text
        .lines()
        .position(|line| line.contains("quantity: \"=item.count\""))
        .unwrap()
        + 1;
    assert_eq!(answer.errors[1].line, Some(quantity_line));
}

#[test]
fn status_notice_is_acknowledged() {
    let connector = connector("yandex-market.yaml");
    let Inbound::Answer(answer) = connector
        .receive(
            "status",
            &token(),
            &sample("market.orderStatus.request.json"),
        )
        .unwrap()
    else {
        panic!("a status notice is answered")
    };
    assert_eq!((answer.kind, answer.reply.status), (ReplyKind::Ok, 200));
    assert_eq!(json_of(&answer.reply.body), json!({}));
    let notice = answer.status_notice.unwrap();
    assert_eq!(
        (notice.order_key.as_str(), notice.status.as_str()),
        ("12345", "PROCESSING")
    );
    // PROCESSING asks for the shipment of the order okno knows as YM-12345.
    assert_eq!(notice.client_order_number.as_deref(), Some("YM-12345"));
    assert_eq!(notice.command, Some(StatusCommand::RequestShipment));
    // The buyer comes with the status, mapped by the file's own mapping.
    let recipient = notice.recipient.unwrap();
    assert_eq!(
        (
            recipient.surname.as_deref(),
            recipient.given_name.as_deref(),
            recipient.phone.as_deref()
        ),
        (Some("Иванов"), Some("Иван"), Some("+71234567890"))
    );
    assert_eq!(recipient.organisation, None);
}

fn with_status(status: &str) -> Vec<u8> {
    let mut notice = json_of(&sample("market.orderStatus.request.json"));
    notice["order"]["status"] = json!(status);
    serde_json::to_vec(&notice).unwrap()
}

#[test]
fn status_notices_map_to_commands_and_a_wrong_command_is_the_clients_error() {
    let connector = connector("yandex-market.yaml");
    let command = |status: &str| {
        let Inbound::Answer(answer) = connector
            .receive("status", &token(), &with_status(status))
            .unwrap()
        else {
            panic!("a status notice is answered")
        };
        answer.status_notice.unwrap().command
    };
    assert_eq!(command("CANCELLED"), Some(StatusCommand::Cancel));
    assert_eq!(command("DELIVERY"), None);
    assert_eq!(command("UNPAID"), None);

    // A file whose command gives a word okno does not know: the client gets the error reply
    // naming it, and nothing is done.
    let text = shipped("yandex-market.yaml");
    let odd = text.replace(r#"then \"request_shipment\""#, r#"then \"ship_it\""#);
    assert_ne!(odd, text);
    let connector = Connector::load("odd.yaml", &odd).unwrap();
    let Inbound::Answer(answer) = connector
        .receive(
            "status",
            &token(),
            &sample("market.orderStatus.request.json"),
        )
        .unwrap()
    else {
        panic!("a status notice is answered")
    };
    assert_eq!((answer.kind, answer.reply.status), (ReplyKind::Error, 400));
    assert!(answer.status_notice.is_none());
    let message = json_of(&answer.reply.body)["error"]["message"].clone();
    assert_eq!(
        message,
        json!("command: `ship_it` is not one of cancel, request_shipment")
    );

    // A command without a way to find the order is refused when the file loads.
    let blind = text.replace(
        "    client_order_number: \"=\\\"YM-\\\" + string(order.id)\"\n    update_recipient:",
        "    update_recipient:",
    );
    assert_ne!(blind, text);
    let errors = Connector::load("blind.yaml", &blind)
        .unwrap_err()
        .to_string();
    assert!(
        errors.contains("a command needs `client_order_number`"),
        "{errors}"
    );
    assert!(
        errors.contains("update_recipient needs `client_order_number`"),
        "{errors}"
    );
}

#[test]
fn a_wrong_token_and_a_bad_body_answer_in_markets_error_shape() {
    let connector = connector("yandex-market.yaml");
    let wrong = vec![("Authorization".to_owned(), "nope".to_owned())];
    let Inbound::Answer(answer) = connector.receive("accept", &wrong, b"{}").unwrap() else {
        panic!("refused")
    };
    assert_eq!(answer.reply.status, 403);
    assert_eq!(json_of(&answer.reply.body)["error"]["code"], "FORBIDDEN");
    let (kind, status, reply) = answer_now(&connector, "accept", b"{\"order\": ");
    assert_eq!((kind, status), (ReplyKind::Error, 400));
    assert_eq!(reply["error"]["code"], "BAD_REQUEST");
    assert!(
        reply["error"]["message"]
            .as_str()
            .unwrap()
            .contains("line 1"),
        "{reply}"
    );
}

#[test]
fn a_track_number_goes_back_to_market() {
    let connector = connector("yandex-market.yaml");
    let order = json!({"id": "x", "client_order_number": "YM-12345",
        "parcels": [{"track_number": "80085512345678"}]});
    let requests = connector
        .outbound("order.tracknumber_assigned", &order)
        .unwrap();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.url,
        "https://api.partner.market.yandex.ru/campaigns/0/orders/12345/delivery/track"
    );
    assert_eq!(
        json_of(&request.body),
        json!({"trackCode": "80085512345678", "deliveryServiceId": 1})
    );
    assert_eq!(request.retry.attempts_max, 8);
    assert_eq!(request.retry.delay_ms(1), Some(1_000));
    assert_eq!(request.retry.delay_ms(4), Some(8_000));
    assert_eq!(request.retry.delay_ms(8), None);
    assert!(
        connector
            .outbound("order.cancelled", &order)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn the_base_url_setting_is_kept_whole_and_must_be_http() {
    let path = format!(
        "{}/../../connectors/yandex-market.yaml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap().replace(
        "secret: {env: MARKET_PUSH_TOKEN}",
        "secret: {value: market-test-token}",
    );
    let order = json!({"id": "x", "client_order_number": "YM-12345",
        "parcels": [{"track_number": "80085512345678"}]});
    let local = text.replace(
        "api_base: \"https://api.partner.market.yandex.ru\"",
        "api_base: \"http://127.0.0.1:9000/market/\"",
    );
    let connector = Connector::load("local.yaml", &local).unwrap();
    let requests = connector.outbound("order.label_issued", &order).unwrap();
    assert_eq!(
        requests[0].url,
        "http://127.0.0.1:9000/market/campaigns/0/orders/12345/status"
    );
    let wrong = text.replace(
        "api_base: \"https://api.partner.market.yandex.ru\"",
        "api_base: \"ftp://example\"",
    );
    let connector = Connector::load("wrong.yaml", &wrong).unwrap();
    let error = connector
        .outbound("order.label_issued", &order)
        .unwrap_err()
        .to_string();
    assert!(error.contains("not an http:// or https:// URL"), "{error}");
}
