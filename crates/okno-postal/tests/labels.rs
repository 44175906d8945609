//! Labels read back: the text extracted from the PDF, and the barcodes decoded from the PDF
//! rendered to pixels (hayro) and from the ZPL rendered by an independent interpreter (Zebrash,
//! through `web/tools/render-zpl.mjs`), must equal what was put in.
#![allow(clippy::unwrap_used)]

use okno_postal::label::{LabelData, LabelSize, pdf, zpl};
use rxing::BarcodeFormat;
use std::path::PathBuf;
use std::process::{Command, Stdio};

fn label(track_number: &str) -> LabelData {
    LabelData {
        track_number: track_number.to_owned(),
        order_reference: "0190f6b5-7c1e-7a1b-9c3d-2e4f5a6b7c8d".to_owned(),
        client_order_number: "ZK-2026-000417".to_owned(),
        product: "Посылка нестандартная · обыкновенная".to_owned(),
        sender_name: "ООО «Ромашка»".to_owned(),
        sender_address: vec![
            "ул. Профсоюзная, д. 93, оф. 12".to_owned(),
            "Москва".to_owned(),
        ],
        sender_postcode: "109440".to_owned(),
        recipient_name: "Иванов Иван Иванович".to_owned(),
        recipient_phone: Some("+7 913 555-01-02".to_owned()),
        recipient_address: vec![
            "ул. Ленина, д. 12, кв. 5".to_owned(),
            "Омск".to_owned(),
            "Омская обл".to_owned(),
        ],
        recipient_postcode: "644015".to_owned(),
        mass_grams: 1250,
        declared_value_kopecks: Some(500_000),
        cash_on_delivery_kopecks: Some(420_050),
        fragile: true,
        parcel_of: Some("1/2".to_owned()),
    }
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

fn decode_all(luma: Vec<u8>, width: u32, height: u32) -> Vec<(BarcodeFormat, String)> {
    let mut found: Vec<(BarcodeFormat, String)> =
        rxing::helpers::detect_multiple_in_luma(luma, width, height)
            .unwrap_or_default()
            .into_iter()
            .map(|r| (*r.getBarcodeFormat(), r.getText().to_owned()))
            .collect();
    found.sort_by(|a, b| a.1.cmp(&b.1));
    found.dedup();
    found
}

fn render_pdf(bytes: Vec<u8>) -> Vec<(Vec<u8>, u32, u32)> {
    let pdf = hayro::hayro_syntax::Pdf::new(bytes).unwrap();
    let pages =
        hayro::render_pdf(&pdf, 3.0, Default::default(), &Default::default(), None).unwrap();
    pages
        .into_iter()
        .map(|pixmap| {
            let (w, h) = (u32::from(pixmap.width()), u32::from(pixmap.height()));
            let luma = pixmap
                .data_as_u8_slice()
                .chunks_exact(4)
                .map(|p| {
                    ((u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000)
                        as u8
                })
                .collect();
            (luma, w, h)
        })
        .collect()
}

#[test]
fn pdf_labels_carry_their_text_and_barcodes_in_both_sizes() {
    for size in [LabelSize::A6, LabelSize::Thermal100x150] {
        let labels = [label("80093053624992"), label("RA123456785RU")];
        let bytes = pdf::labels(&labels, size).unwrap();
        let pages = pdf_extract::extract_text_from_mem_by_pages(&bytes).unwrap();
        assert_eq!(pages.len(), 2, "one page per label");
        for (page, label) in pages.iter().zip(&labels) {
            let text = squeeze(page);
            for expected in [
                "ф.7п",
                "Иванов",
                "ИвановИванИвановичТел.:+7913555-01-02",
                "644015",
                "ООО«Ромашка»",
                "ул.Ленина,д.12,кв.5",
                "Масса:1,250кг",
                "Объявленнаяценность:5000,00руб.",
                "Наложенныйплатёж:4200,50руб.",
                "ОСТОРОЖНО:хрупкое",
                "ZK-2026-000417",
                &label.track_number,
            ] {
                assert!(
                    text.contains(&squeeze(expected)),
                    "{size:?}: {expected:?} not in {text:?}"
                );
            }
        }
        for ((luma, w, h), label) in render_pdf(bytes).into_iter().zip(&labels) {
            let found = decode_all(luma, w, h);
            assert!(
                found.contains(&(BarcodeFormat::CODE_128, label.track_number.clone())),
                "{size:?}: Code 128 {} not decoded; found {found:?}",
                label.track_number
            );
            assert!(
                found.contains(&(BarcodeFormat::DATA_MATRIX, label.order_reference.clone())),
                "{size:?}: DataMatrix not decoded; found {found:?}"
            );
        }
    }
}

#[test]
fn the_f103_list_totals_its_rows_across_pages() {
    let rows: Vec<pdf::ListRow> = (0..30)
        .map(|i| pdf::ListRow {
            track_number: format!("8009305362{i:04}"),
            recipient: format!("Получатель {i}"),
            postcode: "644015".to_owned(),
            mass_grams: 1000 + i,
            declared_value_kopecks: 10_000,
            cash_on_delivery_kopecks: 0,
            postage_kopecks: 36_790,
        })
        .collect();
    let heading = pdf::ListHeading {
        batch: "17".to_owned(),
        sender: "ООО «Ромашка»".to_owned(),
        product: "Посылка нестандартная · обыкновенная".to_owned(),
        date: "28.11.2026".to_owned(),
    };
    let bytes = pdf::f103(&heading, &rows).unwrap();
    let pages = pdf_extract::extract_text_from_mem_by_pages(&bytes).unwrap();
    assert_eq!(pages.len(), 2);
    let all = squeeze(&pages.concat());
    assert!(all.contains("Список№17(ф.103)"), "{all}");
    for row in &rows {
        assert!(
            all.contains(&row.track_number),
            "{} missing",
            row.track_number
        );
    }
    let last = squeeze(&pages[1]);
    assert!(last.contains("Итого:30отправлений"), "{last}");
    assert!(
        last.contains(&squeeze("30,435")),
        "total mass 30,435 kg: {last}"
    );
    assert!(
        last.contains(&squeeze("11 037,00")),
        "total postage: {last}"
    );
}

fn web_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../web")
}

#[test]
fn zpl_labels_render_in_an_independent_interpreter_and_their_barcodes_decode() {
    let renderer = web_dir().join("node_modules/zpl-renderer-js");
    if !renderer.exists() {
        assert!(
            std::env::var_os("OKNO_TEST_NODE_REQUIRED").is_none(),
            "web/node_modules is missing: run `npm ci --prefix web`"
        );
        eprintln!("skipping: web/node_modules missing (npm ci --prefix web)");
        return;
    }
    let labels = [label("80093053624992"), label("RA123456785RU")];
    let text = zpl::labels(&labels, LabelSize::Thermal100x150);
    assert_eq!(text.matches("^XA").count(), 2);
    assert_eq!(text.matches("^CI28").count(), 2);
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("label");
    let mut child = Command::new("node")
        .arg(web_dir().join("tools/render-zpl.mjs"))
        .args(["100", "150", "8"])
        .arg(&prefix)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let paths: Vec<&str> = std::str::from_utf8(&output.stdout)
        .unwrap()
        .lines()
        .collect();
    assert_eq!(paths.len(), 2, "one image per label");
    for (path, label) in paths.iter().zip(&labels) {
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
        let mut reader = decoder.read_info().unwrap();
        let mut buffer = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buffer).unwrap();
        let channels = info.color_type.samples();
        let luma: Vec<u8> = buffer[..info.buffer_size()]
            .chunks_exact(channels)
            .map(|p| {
                if channels >= 3 {
                    ((u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2])) / 3) as u8
                } else {
                    p[0]
                }
            })
            .collect();
        let found = decode_all(luma, info.width, info.height);
        assert!(
            found.contains(&(BarcodeFormat::CODE_128, label.track_number.clone())),
            "found {found:?}"
        );
        assert!(
            found.contains(&(BarcodeFormat::DATA_MATRIX, label.order_reference.clone())),
            "found {found:?}"
        );
    }
}
