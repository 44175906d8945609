//! Writes a sample label as PDF (A6 and 100×150), ZPL and PNG previews into a directory, to look
//! at the layout: `cargo run -p okno-postal --example render_labels -- /tmp/labels`.
#![allow(clippy::unwrap_used)]

use okno_postal::label::{LabelData, LabelSize, pdf, zpl};
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "labels".to_owned()),
    );
    std::fs::create_dir_all(&dir).unwrap();
    let label = LabelData {
        track_number: "80093053624992".to_owned(),
        order_reference: "0190f6b5-7c1e-7a1b-9c3d-2e4f5a6b7c8d".to_owned(),
        client_order_number: "ZK-2026-000417".to_owned(),
        product: "Посылка нестандартная · с объявл. ценностью и нал. платежом".to_owned(),
        sender_name: "ООО «Ромашка»".to_owned(),
        sender_address: vec![
            "ул. Профсоюзная, д. 93, оф. 12".to_owned(),
            "Москва".to_owned(),
        ],
        sender_postcode: "109440".to_owned(),
        recipient_name: "Константинопольский Александр Владимирович".to_owned(),
        recipient_phone: Some("+7 913 555-01-02".to_owned()),
        recipient_address: vec![
            "ул. Красногвардейская, д. 12, корп. 3, кв. 145".to_owned(),
            "Омск".to_owned(),
            "Омская обл".to_owned(),
        ],
        recipient_postcode: "644015".to_owned(),
        mass_grams: 1250,
        declared_value_kopecks: Some(500_000),
        cash_on_delivery_kopecks: Some(420_050),
        fragile: true,
        parcel_of: Some("1/2".to_owned()),
    };
    for (size, name) in [
        (LabelSize::A6, "a6"),
        (LabelSize::Thermal100x150, "100x150"),
    ] {
        let bytes = pdf::labels(std::slice::from_ref(&label), size).unwrap();
        std::fs::write(dir.join(format!("label-{name}.pdf")), &bytes).unwrap();
        let pdf = hayro::hayro_syntax::Pdf::new(bytes).unwrap();
        let pages =
            hayro::render_pdf(&pdf, 3.0, Default::default(), &Default::default(), None).unwrap();
        for pixmap in pages {
            std::fs::write(
                dir.join(format!("label-{name}.png")),
                pixmap.into_png().unwrap(),
            )
            .unwrap();
        }
        std::fs::write(
            dir.join(format!("label-{name}.zpl")),
            zpl::label(&label, size),
        )
        .unwrap();
    }
}
