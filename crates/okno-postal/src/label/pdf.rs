//! PDF labels (F7p layout) and the F103-style batch list, drawn with krilla.
//!
//! Text is set in the embedded DejaVu Sans, which krilla subsets into each document (only the
//! glyphs used are embedded, with a ToUnicode map so the text can be searched and extracted).
//! Barcodes are drawn as filled rectangles, one per bar or dark module, with quiet zones.
//! Coordinates below are millimetres from the top-left corner.

use super::barcode::{bar_runs, code128, datamatrix};
use super::{LabelData, LabelError, LabelSize, mass, money, wrap};
use krilla::Document;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::paint::Stroke;
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use std::sync::LazyLock;

static REGULAR: &[u8] = include_bytes!("../../data/fonts/DejaVuSans-LatinCyrillic.ttf");
static BOLD: &[u8] = include_bytes!("../../data/fonts/DejaVuSans-Bold-LatinCyrillic.ttf");

/// Points per millimetre.
const PT: f32 = 72.0 / 25.4;
/// The average advance of a DejaVu Sans character in em (regular, bold), for wrapping; Cyrillic
/// letters are wider than Latin ones, so this errs on the wide side.
const AVERAGE_ADVANCE_EM: (f32, f32) = (0.62, 0.74);

#[allow(clippy::expect_used)]
static FONTS: LazyLock<(Font, Font)> = LazyLock::new(|| {
    (
        Font::new(REGULAR.into(), 0).expect("the embedded regular font parses"),
        Font::new(BOLD.into(), 0).expect("the embedded bold font parses"),
    )
});

/// A PDF could not be written.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The content cannot be drawn (a barcode it cannot encode).
    #[error(transparent)]
    Label(#[from] LabelError),
    /// krilla refused the document.
    #[error("pdf: {0}")]
    Write(String),
}

struct Pen<'a, 'b> {
    surface: &'a mut Surface<'b>,
    regular: Font,
    bold: Font,
}

impl Pen<'_, '_> {
    /// Text with its baseline at (x, y) mm, size in points.
    fn text(&mut self, x: f32, y: f32, size_pt: f32, bold: bool, text: &str) {
        let font = if bold {
            self.bold.clone()
        } else {
            self.regular.clone()
        };
        self.surface.draw_text(
            Point::from_xy(x * PT, y * PT),
            font,
            size_pt,
            text,
            false,
            TextDirection::Auto,
        );
    }

    /// Wrapped text from the baseline at y, returns the baseline after the last line.
    fn paragraph(
        &mut self,
        x: f32,
        mut y: f32,
        width_mm: f32,
        size_pt: f32,
        bold: bool,
        text: &str,
    ) -> f32 {
        let em = if bold {
            AVERAGE_ADVANCE_EM.1
        } else {
            AVERAGE_ADVANCE_EM.0
        };
        let chars = (width_mm * PT / (size_pt * em)).floor() as usize;
        for line in wrap(text, chars) {
            self.text(x, y, size_pt, bold, &line);
            y += size_pt / PT * 1.25;
        }
        y
    }

    fn rects(&mut self, rects: impl IntoIterator<Item = (f32, f32, f32, f32)>) {
        let mut path = PathBuilder::new();
        for (x, y, w, h) in rects {
            if let Some(rect) = Rect::from_xywh(x * PT, y * PT, w * PT, h * PT) {
                path.push_rect(rect);
            }
        }
        if let Some(path) = path.finish() {
            self.surface.draw_path(&path);
        }
    }

    fn frame(&mut self, x: f32, y: f32, w: f32, h: f32) {
        let mut path = PathBuilder::new();
        if let Some(rect) = Rect::from_xywh(x * PT, y * PT, w * PT, h * PT) {
            path.push_rect(rect);
        }
        if let Some(path) = path.finish() {
            self.surface.set_fill(None);
            self.surface.set_stroke(Some(Stroke {
                width: 0.8,
                ..Default::default()
            }));
            self.surface.draw_path(&path);
            self.surface.set_stroke(None);
            self.surface.set_fill(Some(Default::default()));
        }
    }
}

/// Adds a page of `width_mm` × `height_mm` to the document and draws it with the fonts.
fn draw_page(
    document: &mut Document,
    width_mm: f32,
    height_mm: f32,
    draw: impl FnOnce(&mut Pen<'_, '_>),
) -> Result<(), PdfError> {
    let settings = PageSettings::from_wh(width_mm * PT, height_mm * PT)
        .ok_or_else(|| PdfError::Write("bad page size".to_owned()))?;
    let mut page = document.start_page_with(settings);
    let mut surface = page.surface();
    let (regular, bold) = FONTS.clone();
    draw(&mut Pen {
        surface: &mut surface,
        regular,
        bold,
    });
    surface.finish();
    page.finish();
    Ok(())
}

/// One PDF, one page per label.
pub fn labels(labels: &[LabelData], size: LabelSize) -> Result<Vec<u8>, PdfError> {
    let (width, height) = size.mm();
    let mut document = Document::new();
    for label in labels {
        let bars = code128(&label.track_number)?;
        let matrix = datamatrix(&label.order_reference)?;
        draw_page(&mut document, width, height, |pen| {
            draw_label(pen, label, width, height, &bars, &matrix);
        })?;
    }
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}

fn draw_label(
    pen: &mut Pen<'_, '_>,
    label: &LabelData,
    width: f32,
    height: f32,
    bars: &[bool],
    matrix: &super::barcode::Matrix,
) {
    let margin = 4.0;
    let inner = width - 2.0 * margin;
    // Header: form name and parcel count, then the product on its own line.
    pen.text(margin, 6.5, 11.0, true, "ф. 7п");
    pen.paragraph(margin + 16.0, 5.0, inner - 16.0, 6.0, false, &label.product);
    // Sender block.
    pen.frame(margin, 9.5, inner, 25.0);
    pen.text(margin + 1.5, 13.0, 6.5, true, "От кого:");
    let mut y = pen.paragraph(
        margin + 14.0,
        13.0,
        inner - 16.0,
        7.5,
        false,
        &label.sender_name,
    );
    for line in &label.sender_address {
        y = pen.paragraph(margin + 1.5, y, inner - 3.0, 7.0, false, line);
    }
    pen.text(
        margin + 1.5,
        33.0,
        7.5,
        true,
        &format!("Индекс: {}", label.sender_postcode),
    );
    // Recipient block.
    pen.frame(margin, 36.5, inner, 42.0);
    pen.text(margin + 1.5, 40.5, 6.5, true, "Кому:");
    let mut y = pen.paragraph(
        margin + 10.0,
        40.5,
        inner - 12.0,
        9.5,
        true,
        &label.recipient_name,
    );
    if let Some(phone) = &label.recipient_phone {
        pen.text(margin + 1.5, y, 7.5, false, &format!("Тел.: {phone}"));
        y += 3.6;
    }
    for line in &label.recipient_address {
        y = pen.paragraph(margin + 1.5, y, inner - 3.0, 8.5, false, line);
    }
    pen.text(margin + 1.5, 76.0, 26.0, true, &label.recipient_postcode);
    if let Some(of) = &label.parcel_of {
        pen.text(width - margin - 16.0, 76.0, 16.0, true, of);
    }
    // Mass, value, cash on delivery, handling.
    let mut y = 84.0;
    pen.text(
        margin,
        y,
        8.0,
        false,
        &format!("Масса: {}", mass(label.mass_grams)),
    );
    if label.fragile {
        pen.text(margin + 36.0, y, 8.0, true, "ОСТОРОЖНО: хрупкое");
    }
    y += 4.0;
    if let Some(value) = label.declared_value_kopecks {
        pen.text(
            margin,
            y,
            8.0,
            false,
            &format!("Объявленная ценность: {}", money(value)),
        );
        y += 4.0;
    }
    if let Some(cod) = label.cash_on_delivery_kopecks {
        pen.text(
            margin,
            y,
            8.0,
            true,
            &format!("Наложенный платёж: {}", money(cod)),
        );
    }
    pen.text(
        margin,
        100.0,
        7.5,
        false,
        &format!("Заказ: {}", label.client_order_number),
    );
    // Track number: Code 128 with 10-module quiet zones, human-readable below.
    let dm_size = 20.0;
    let bar_width = inner - dm_size - 4.0;
    let module = (bar_width / (bars.len() + 20) as f32).min(0.5);
    let (bar_x, bar_y, bar_h) = (margin + 10.0 * module, height - 38.0, 18.0);
    pen.rects(bar_runs(bars).into_iter().map(|(start, run)| {
        (
            bar_x + start as f32 * module,
            bar_y,
            run as f32 * module,
            bar_h,
        )
    }));
    pen.text(
        margin,
        bar_y + bar_h + 5.0,
        11.0,
        true,
        &label.track_number_display(),
    );
    // Order reference: DataMatrix, bottom right, with its quiet zone inside the margin.
    let cell = dm_size / matrix.width.max(matrix.height) as f32;
    let (dm_x, dm_y) = (width - margin - dm_size, height - margin - dm_size - 4.0);
    let cells = (0..matrix.height).flat_map(|row| {
        (0..matrix.width)
            .filter(move |&col| matrix.get(col, row))
            .map(move |col| {
                (
                    dm_x + col as f32 * cell,
                    dm_y + row as f32 * cell,
                    cell,
                    cell,
                )
            })
    });
    pen.rects(cells);
    pen.text(
        margin,
        height - margin,
        5.5,
        false,
        &format!("Ссылка: {}", label.order_reference),
    );
}

/// One row of an F103-style batch list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListRow {
    /// Track number.
    pub track_number: String,
    /// Recipient's name.
    pub recipient: String,
    /// Recipient's postcode.
    pub postcode: String,
    /// Mass, grams.
    pub mass_grams: i64,
    /// Declared value, kopecks.
    pub declared_value_kopecks: i64,
    /// Cash on delivery, kopecks.
    pub cash_on_delivery_kopecks: i64,
    /// Postage with VAT, kopecks.
    pub postage_kopecks: i64,
}

/// The heading of an F103-style list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListHeading {
    /// Batch name or number.
    pub batch: String,
    /// Sender (the shop).
    pub sender: String,
    /// "Посылка нестандартная · обыкновенная".
    pub product: String,
    /// Date of sending, as printed.
    pub date: String,
}

const ROWS_PER_PAGE: usize = 22;

/// An F103-style list of a batch on A4 landscape pages with totals on the last page.
pub fn f103(heading: &ListHeading, rows: &[ListRow]) -> Result<Vec<u8>, PdfError> {
    let (width, height) = (297.0, 210.0);
    let mut document = Document::new();
    let pages = rows.len().div_ceil(ROWS_PER_PAGE).max(1);
    let columns: [(&str, f32); 8] = [
        ("№", 12.0),
        ("ШПИ", 55.0),
        ("Адресат", 77.0),
        ("Индекс", 160.0),
        ("Масса, кг", 180.0),
        ("Объявл. ценность", 200.0),
        ("Нал. платёж", 232.0),
        ("Плата, с НДС", 262.0),
    ];
    for page_index in 0..pages {
        draw_page(&mut document, width, height, |pen| {
            pen.text(
                12.0,
                15.0,
                13.0,
                true,
                &format!("Список № {} (ф. 103)", heading.batch),
            );
            pen.text(
                12.0,
                22.0,
                9.0,
                false,
                &format!("Отправитель: {}", heading.sender),
            );
            pen.text(
                12.0,
                27.0,
                9.0,
                false,
                &format!("{} · дата {}", heading.product, heading.date),
            );
            pen.text(
                width - 40.0,
                15.0,
                8.0,
                false,
                &format!("Лист {} из {}", page_index + 1, pages),
            );
            let mut y = 38.0;
            for (title, x) in columns {
                pen.text(x, y, 8.0, true, title);
            }
            pen.rects([(12.0, y + 1.5, width - 24.0, 0.3)]);
            for (offset, row) in rows
                .iter()
                .enumerate()
                .skip(page_index * ROWS_PER_PAGE)
                .take(ROWS_PER_PAGE)
            {
                y += 6.5;
                let cells = [
                    (offset + 1).to_string(),
                    row.track_number.clone(),
                    row.recipient.chars().take(45).collect(),
                    row.postcode.clone(),
                    format!("{},{:03}", row.mass_grams / 1000, row.mass_grams % 1000),
                    money(row.declared_value_kopecks),
                    money(row.cash_on_delivery_kopecks),
                    money(row.postage_kopecks),
                ];
                for ((_, x), cell) in columns.iter().zip(cells) {
                    pen.text(*x, y, 8.0, false, &cell);
                }
            }
            if page_index + 1 == pages {
                y += 9.0;
                pen.rects([(12.0, y - 5.0, width - 24.0, 0.3)]);
                let sum = |f: fn(&ListRow) -> i64| rows.iter().map(f).sum::<i64>();
                let total_mass = sum(|r| r.mass_grams);
                pen.text(
                    12.0,
                    y,
                    8.5,
                    true,
                    &format!("Итого: {} отправлений", rows.len()),
                );
                pen.text(
                    180.0,
                    y,
                    8.5,
                    true,
                    &format!("{},{:03}", total_mass / 1000, total_mass % 1000),
                );
                pen.text(
                    200.0,
                    y,
                    8.5,
                    true,
                    &money(sum(|r| r.declared_value_kopecks)),
                );
                pen.text(
                    232.0,
                    y,
                    8.5,
                    true,
                    &money(sum(|r| r.cash_on_delivery_kopecks)),
                );
                pen.text(262.0, y, 8.5, true, &money(sum(|r| r.postage_kopecks)));
            }
        })?;
    }
    document
        .finish()
        .map_err(|e| PdfError::Write(format!("{e:?}")))
}
