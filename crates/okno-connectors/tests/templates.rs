//! The OZON FBS and CSV templates on their samples (see `tests/data/README.md`), and every
//! shipped template loads. Replies are compared whole.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine;
use okno_connectors::{Connector, Inbound, ReplyKind, accepted_okno};
use serde_json::{Value, json};

fn templates_dir() -> String {
    format!("{}/../../connectors", env!("CARGO_MANIFEST_DIR"))
}

/// A shipped file with its secret given inline (tests cannot set environment variables).
fn connector(file: &str, env: &str, secret: &str) -> Connector {
    let text = std::fs::read_to_string(format!("{}/{file}", templates_dir()))
        .unwrap()
        .replace(&format!("{{env: {env}}}"), &format!("{{value: {secret}}}"));
    Connector::load(file, &text).unwrap()
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

#[test]
fn every_shipped_template_loads() {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(templates_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path
            .extension()
            .is_some_and(|extension| extension == "yaml")
        {
            let text = std::fs::read_to_string(&path).unwrap();
            let connector = Connector::load(&path.display().to_string(), &text)
                .unwrap_or_else(|errors| panic!("{errors}"));
            names.push(connector.name().to_owned());
        }
    }
    names.sort();
    assert_eq!(
        names,
        ["csv-shop", "ozon-fbs", "yandex-market", "yandex-market-xml"]
    );
}

#[test]
fn an_ozon_posting_becomes_an_order_and_a_repeat_has_the_same_key() {
    let ozon = connector("ozon-fbs.yaml", "OZON_INBOUND_KEY", "k-1");
    let headers = vec![("X-Api-Key".to_owned(), "k-1".to_owned())];
    let posting: Value = serde_json::from_slice(&sample("ozon.posting.json")).unwrap();
    let Inbound::Create(create) = ozon
        .receive("posting", &headers, &sample("ozon.posting.json"))
        .unwrap()
    else {
        panic!("the posting maps")
    };
    let result = &posting["result"];
    assert_eq!(
        create.idempotency_key.as_deref(),
        result["posting_number"].as_str()
    );
    let draft = &create.draft;
    assert_eq!(draft.client_order_number, "57195475-0050-3");
    assert_eq!(draft.recipient.given_name.as_deref(), Some("Петрова Анна"));
    assert_eq!(draft.recipient.phone.as_deref(), Some("+79161234567"));
    let address = draft.recipient.address.as_ref().unwrap();
    assert_eq!(address.postcode.as_deref(), Some("125009"));
    assert_eq!(address.raw.as_deref(), Some("ул. Тверская, д. 7, кв. 12"));
    let items = &draft.parcels[0].items;
    assert_eq!(items[0].price_kopecks, 48_900, "\"489.00\" roubles");
    assert_eq!(items[1].price_kopecks, 65_050, "\"650.50\" roubles");
    assert_eq!(items[0].quantity, 2);
    let okno = accepted_okno(&json!({"id": "o-1", "status": "accepted"}), true);
    let reply = ozon
        .accepted_reply("posting", &create.payload, &okno)
        .unwrap();
    assert_eq!(reply.status, 201);
    assert_eq!(
        serde_json::from_slice::<Value>(&reply.body).unwrap(),
        json!({"posting_number": "57195475-0050-3", "order_id": "o-1", "replayed": true})
    );
    let order = json!({"client_order_number": "57195475-0050-3",
                       "parcels": [{"track_number": "80085512345678"}]});
    let requests = ozon.outbound("order.tracknumber_assigned", &order).unwrap();
    assert_eq!(
        serde_json::from_slice::<Value>(&requests[0].body).unwrap(),
        json!({"tracking_numbers": [{"posting_number": "57195475-0050-3",
                                     "tracking_number": "80085512345678"}]})
    );
    assert_eq!(
        requests[0].headers[0],
        ("Content-Type".to_owned(), "application/json".to_owned())
    );
}

#[test]
fn a_windows_1251_csv_order_becomes_one_order_with_its_rows_as_items() {
    let shop = connector("csv-shop.yaml", "CSV_SHOP_PASSWORD", "pw");
    let credentials = base64::engine::general_purpose::STANDARD.encode("shop:pw");
    let headers = vec![("Authorization".to_owned(), format!("Basic {credentials}"))];
    let Inbound::Create(create) = shop
        .receive("import", &headers, &sample("shop-order.csv"))
        .unwrap()
    else {
        panic!("the CSV maps")
    };
    let draft = &create.draft;
    assert_eq!(create.idempotency_key.as_deref(), Some("SHOP-1017"));
    assert_eq!(draft.recipient.surname.as_deref(), Some("Смирнов"));
    assert_eq!(draft.recipient.given_name.as_deref(), Some("Пётр"));
    let parcel = &draft.parcels[0];
    assert_eq!(
        parcel.mass_grams,
        2 * 350 + 60 + 100,
        "items plus packaging"
    );
    assert_eq!(parcel.items.len(), 2);
    assert_eq!(parcel.items[0].name, "Кружка «Уральская»");
    assert_eq!(parcel.items[0].price_kopecks, 45_000);
    assert_eq!(parcel.items[1].price_kopecks, 29_990);
    // A wrong password answers 401 in the shop's JSON.
    let wrong = vec![("Authorization".to_owned(), "Basic c2hvcDp4".to_owned())];
    let Inbound::Answer(answer) = shop
        .receive("import", &wrong, &sample("shop-order.csv"))
        .unwrap()
    else {
        panic!("refused")
    };
    assert_eq!(
        (answer.kind, answer.reply.status),
        (ReplyKind::Unauthorized, 401)
    );
    // A row with a missing quantity is refused naming the row's field and the mapping field.
    let text = encoding_fix(&sample("shop-order.csv")).replace(";2;450,00;", ";;450,00;");
    let body = windows_1251(&text);
    let Inbound::Answer(answer) = shop.receive("import", &headers, &body).unwrap() else {
        panic!("refused")
    };
    assert_eq!(answer.reply.status, 422);
    let reply: Value = serde_json::from_slice(&answer.reply.body).unwrap();
    assert_eq!(reply["number"], "SHOP-1017");
    let pointers: Vec<&str> = reply["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["pointer"].as_str().unwrap())
        .collect();
    assert!(pointers.contains(&"/parcels/0/items/0/quantity"), "{reply}");
}

fn encoding_fix(bytes: &[u8]) -> String {
    bytes.iter().map(|&byte| cp1251(byte)).collect()
}

/// Windows-1251 for the characters the sample uses (ASCII, Cyrillic, «», ё/Ё).
fn cp1251(byte: u8) -> char {
    match byte {
        0x00..=0x7F => char::from(byte),
        0xC0..=0xFF => char::from_u32(0x0410 + u32::from(byte - 0xC0)).unwrap_or('?'),
        0xA8 => 'Ё',
        0xB8 => 'ё',
        0xAB => '«',
        0xBB => '»',
        _ => '?',
    }
}

fn windows_1251(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            'Ё' => 0xA8,
            'ё' => 0xB8,
            '«' => 0xAB,
            '»' => 0xBB,
            c if (c as u32) < 0x80 => c as u8,
            c => u8::try_from(c as u32 - 0x0410 + 0xC0).unwrap_or(b'?'),
        })
        .collect()
}
