//! Throughput of the postal services on one thread: tariff quotes, PDF labels, ZPL labels.
//! Run with `cargo bench -p okno-postal --bench postal`; figures go to stdout.
#![allow(clippy::unwrap_used)]

mod support;

use okno_model::{MailCategory, MailType};
use okno_postal::label::{LabelData, LabelSize, pdf, zpl};
use okno_postal::{Geography, Tariff, TariffRequest};
use std::hint::black_box;
use std::time::{Duration, Instant};
use support::rate;

fn main() {
    let tariff = Tariff::default_tariff().unwrap();
    let postcodes: Vec<u32> = Geography::embedded()
        .postcodes()
        .iter()
        .map(|p| p.code)
        .step_by(7)
        .collect();
    rate(
        "tariff quote (random postcode pairs)",
        Duration::from_secs(3),
        |i| {
            let i = i as usize;
            let request = TariffRequest {
                mail_type: MailType::PostalParcel,
                mail_category: MailCategory::WithDeclaredValue,
                from_postcode: postcodes[i % postcodes.len()],
                to_postcode: postcodes[(i * 7919) % postcodes.len()],
                mass_grams: 300 + (i as i64 % 19_000),
                dimensions: None,
                declared_value_kopecks: Some(150_000),
                cash_on_delivery_kopecks: None,
                fragile: i.is_multiple_of(3),
                services: vec![],
            };
            black_box(tariff.quote(black_box(&request)).unwrap());
        },
    );
    let label = LabelData {
        track_number: "80093053624992".to_owned(),
        order_reference: "0190f6b5-7c1e-7a1b-9c3d-2e4f5a6b7c8d".to_owned(),
        client_order_number: "ZK-2026-000417".to_owned(),
        product: "Посылка нестандартная · с объявленной ценностью".to_owned(),
        sender_name: "ООО «Ромашка»".to_owned(),
        sender_address: vec![
            "ул. Профсоюзная, д. 93, оф. 12".to_owned(),
            "Москва".to_owned(),
        ],
        sender_postcode: "109440".to_owned(),
        recipient_name: "Иванов Иван Иванович".to_owned(),
        recipient_phone: Some("+7 913 555-01-02".to_owned()),
        recipient_address: vec!["ул. Ленина, д. 12, кв. 5".to_owned(), "Омск".to_owned()],
        recipient_postcode: "644015".to_owned(),
        mass_grams: 1250,
        declared_value_kopecks: Some(500_000),
        cash_on_delivery_kopecks: None,
        fragile: true,
        parcel_of: None,
    };
    rate(
        "PDF label, one per document (A6)",
        Duration::from_secs(3),
        |_| {
            black_box(pdf::labels(std::slice::from_ref(&label), LabelSize::A6).unwrap());
        },
    );
    let batch: Vec<LabelData> = (0..100).map(|_| label.clone()).collect();
    let started = Instant::now();
    let mut pages = 0;
    while started.elapsed() < Duration::from_secs(3) {
        black_box(pdf::labels(&batch, LabelSize::Thermal100x150).unwrap());
        pages += batch.len();
    }
    println!(
        "{:<44} {:>12.0} /s  ({pages} in {:.2?})",
        "PDF label, pages of a 100-label batch",
        pages as f64 / started.elapsed().as_secs_f64(),
        started.elapsed()
    );
    rate("ZPL label", Duration::from_secs(3), |_| {
        black_box(zpl::label(&label, LabelSize::Thermal100x150));
    });
}
