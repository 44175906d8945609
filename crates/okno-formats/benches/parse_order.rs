//! Benchmark: parse a realistic 30-field order (a shop's order with customer, address and
//! three items) from JSON and from XML into the value tree, on one thread, and print orders
//! per second. Parse only: mapping and validation come with okno-connectors.
//!
//! Run with `cargo bench -p okno-formats --bench parse_order` (release profile). Criterion-free
//! on purpose: a plain `Instant` loop, each format measured for about two seconds after a warm-up.
#![allow(clippy::unwrap_used)]

use okno_formats::Limits;
use okno_formats::xml::{self, XmlOptions};
use std::hint::black_box;
use std::time::{Duration, Instant};

const ORDER_JSON: &str = r#"{"order":{"id":"YM-77881234","created":"2026-11-28T10:15:00+03:00",
"status":"PROCESSING","currency":"RUR","paymentType":"PREPAID","paymentMethod":"YANDEX",
"total":4589.50,"deliveryTotal":350,"comment":"Позвонить за час до доставки",
"customer":{"lastName":"Иванов","firstName":"Иван","middleName":"Иванович",
"phone":"+79001234567","email":"ivanov@example.com"},
"address":{"postcode":"119313","country":"Россия","region":"Москва","city":"Москва",
"street":"Ленинский проспект","house":"90","apartment":"15","floor":"6"},
"items":[{"offerId":"SKU-1001","name":"Чайник электрический","count":1,"price":2499.00,"vat":"VAT_20","weight":1200},
{"offerId":"SKU-2002","name":"Кружка керамическая","count":2,"price":495.25,"vat":"VAT_20","weight":350},
{"offerId":"SKU-3003","name":"Чай листовой 100 г","count":3,"price":250.00,"vat":"VAT_10","weight":100}]}}"#;

const ORDER_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<order id="YM-77881234" created="2026-11-28T10:15:00+03:00" status="PROCESSING">
  <currency>RUR</currency><paymentType>PREPAID</paymentType><paymentMethod>YANDEX</paymentMethod>
  <total>4589.50</total><deliveryTotal>350</deliveryTotal>
  <comment>Позвонить за час до доставки</comment>
  <customer><lastName>Иванов</lastName><firstName>Иван</firstName><middleName>Иванович</middleName>
    <phone>+79001234567</phone><email>ivanov@example.com</email></customer>
  <address><postcode>119313</postcode><country>Россия</country><region>Москва</region><city>Москва</city>
    <street>Ленинский проспект</street><house>90</house><apartment>15</apartment><floor>6</floor></address>
  <items>
    <item offerId="SKU-1001"><name>Чайник электрический</name><count>1</count><price>2499.00</price><vat>VAT_20</vat><weight>1200</weight></item>
    <item offerId="SKU-2002"><name>Кружка керамическая</name><count>2</count><price>495.25</price><vat>VAT_20</vat><weight>350</weight></item>
    <item offerId="SKU-3003"><name>Чай листовой 100 г</name><count>3</count><price>250.00</price><vat>VAT_10</vat><weight>100</weight></item>
  </items>
</order>"#;

/// Runs `parse` for about `duration` after a short warm-up and returns parses per second.
fn measure(duration: Duration, mut parse: impl FnMut()) -> f64 {
    for _ in 0..1_000 {
        parse();
    }
    let started = Instant::now();
    let mut count = 0_u64;
    while started.elapsed() < duration {
        for _ in 0..100 {
            parse();
        }
        count += 100;
    }
    count as f64 / started.elapsed().as_secs_f64()
}

fn main() {
    let limits = Limits::default();
    let options = XmlOptions::default().with_list("order.items.item");
    // The two documents hold the same order.
    let from_json = okno_formats::json::read(ORDER_JSON.as_bytes(), &limits).unwrap();
    let from_xml = xml::read(ORDER_XML.as_bytes(), &options, &limits).unwrap();
    assert_eq!(from_json["order"]["items"].as_array().unwrap().len(), 3);
    assert_eq!(
        from_xml["order"]["items"]["item"].as_array().unwrap().len(),
        3
    );
    let duration = Duration::from_secs(2);
    let json_rate = measure(duration, || {
        black_box(okno_formats::json::read(black_box(ORDER_JSON.as_bytes()), &limits).unwrap());
    });
    let xml_rate = measure(duration, || {
        black_box(xml::read(black_box(ORDER_XML.as_bytes()), &options, &limits).unwrap());
    });
    println!(
        "parse_order json: {json_rate:.0} orders/s on one thread ({} bytes)",
        ORDER_JSON.len()
    );
    println!(
        "parse_order xml:  {xml_rate:.0} orders/s on one thread ({} bytes)",
        ORDER_XML.len()
    );
}
