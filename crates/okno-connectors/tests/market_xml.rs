//! The Yandex Market XML template (`connectors/yandex-market-xml.yaml`): the accept and cart
//! bodies of the JSON fixtures in Market's legacy XML convention (see `tests/data/README.md`)
//! must give the same canonical order as the JSON template, and replies in kebab-case
//! attributes; hostile XML ends in Market's error reply, quickly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use okno_connectors::{Connector, Inbound, ReplyKind, accepted_okno};
use std::time::{Duration, Instant};

fn connector(file: &str) -> Connector {
    let path = format!("{}/../../connectors/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap().replace(
        "secret: {env: MARKET_PUSH_TOKEN}",
        "secret: {value: market-test-token}",
    );
    Connector::load(file, &text).unwrap()
}

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn token() -> Vec<(String, String)> {
    vec![("Authorization".to_owned(), "market-test-token".to_owned())]
}

fn create(connector: &Connector, body: &[u8]) -> okno_connectors::Create {
    match connector.receive("accept", &token(), body).unwrap() {
        Inbound::Create(create) => *create,
        Inbound::Answer(answer) => panic!(
            "refused: {:?} {}",
            answer.errors,
            String::from_utf8_lossy(&answer.reply.body)
        ),
    }
}

#[test]
fn the_xml_accept_gives_the_same_order_as_the_json_one() {
    let xml = connector("yandex-market-xml.yaml");
    let json = connector("yandex-market.yaml");
    let from_xml = create(&xml, &sample("market.acceptOrder.request.xml"));
    let from_json = create(&json, &sample("market.acceptOrder.request.json"));
    assert_eq!(from_xml.draft, from_json.draft);
    assert_eq!(from_xml.idempotency_key.as_deref(), Some("12345"));
    let order = serde_json::json!({"id": "0190f0e0-0000-7000-8000-000000000001"});
    let reply = xml
        .accepted_reply("accept", &from_xml.payload, &accepted_okno(&order, false))
        .unwrap();
    assert_eq!(reply.content_type, "application/xml; charset=UTF-8");
    assert_eq!(
        String::from_utf8(reply.body).unwrap(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <order accepted=\"true\" id=\"0190f0e0-0000-7000-8000-000000000001\"/>"
    );
}

#[test]
fn the_xml_cart_answers_in_kebab_case_attributes() {
    let xml = connector("yandex-market-xml.yaml");
    let Inbound::Answer(answer) = xml
        .receive("cart", &token(), &sample("market.getCart.request.xml"))
        .unwrap()
    else {
        panic!("a cart is answered")
    };
    assert_eq!((answer.kind, answer.reply.status), (ReplyKind::Ok, 200));
    assert_eq!(
        String::from_utf8(answer.reply.body).unwrap(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <cart delivery-currency=\"RUR\" tax-system=\"OSN\"><items>\
         <item count=\"1\" delivery=\"true\" feed-id=\"12345\" offer-id=\"4609283881\"/>\
         </items><payment-methods><payment-method>YANDEX</payment-method></payment-methods></cart>"
    );
}

/// Each hostile body must end in the `error` reply (400, Market's error element) within a
/// bounded time, never a panic.
#[test]
fn hostile_xml_is_refused_in_the_clients_error_shape() {
    let xml = connector("yandex-market-xml.yaml");
    let bomb = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">\
        <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]>\
        <order id=\"&lol2;\"/>";
    let deep = format!("{}{}", "<a>".repeat(10_000), "</a>".repeat(10_000));
    let huge = format!("<order note=\"{}\"/>", "x".repeat(11 * 1024 * 1024));
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "malformed",
            b"<order id=\"1\"><items></order>".to_vec(),
            "line",
        ),
        ("entity bomb", bomb.as_bytes().to_vec(), "DTD"),
        ("deep", deep.into_bytes(), "deeper"),
        ("huge", huge.into_bytes(), "limit"),
        ("bad utf-8", b"<order id=\"\xff\xfe\"/>".to_vec(), "UTF-8"),
        (
            "utf-16",
            "<?xml version=\"1.0\" encoding=\"UTF-16\"?><order/>"
                .as_bytes()
                .to_vec(),
            "UTF-16",
        ),
    ];
    for (name, body, expected) in cases {
        let started = Instant::now();
        let Inbound::Answer(answer) = xml.receive("accept", &token(), &body).unwrap() else {
            panic!("{name}: accepted")
        };
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{name}: too slow"
        );
        assert_eq!(
            (answer.kind, answer.reply.status),
            (ReplyKind::Error, 400),
            "{name}"
        );
        let text = String::from_utf8(answer.reply.body).unwrap();
        assert!(text.contains("code=\"BAD_REQUEST\""), "{name}: {text}");
        assert!(text.contains(expected), "{name}: {text}");
    }
}
