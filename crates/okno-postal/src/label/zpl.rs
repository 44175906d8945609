//! ZPL II labels for Zebra thermal printers at 203 dpi (8 dots per millimetre).
//!
//! Each label is one `^XA … ^XZ` format, UTF-8 (`^CI28`), with every field hex-escaped through
//! `^FH` so that `^` and `~` in shop data cannot inject commands. The layout follows the PDF
//! label: sender, recipient, the recipient's postcode large, mass, value, cash on delivery, the
//! track number as Code 128 (`^BC`, subset C for all-digit numbers) and human-readable, and the
//! order reference as DataMatrix (`^BX`, ECC 200). Text uses the printer's Unicode TrueType font
//! (`^CW`), because the built-in font 0 cannot print Cyrillic.

use super::{LabelData, LabelSize, mass, money, wrap};
use std::fmt::Write;

/// The font text is set in: `Z`, mapped by `^CW` to the Unicode TrueType font Zebra Link-OS
/// printers carry (Swiss 721, `E:TT0003M_.TTF`, with Cyrillic); the built-in font 0 has no
/// Cyrillic glyphs.
const TEXT_FONT: char = 'Z';
/// See [`TEXT_FONT`].
const TEXT_FONT_FILE: &str = "E:TT0003M_.TTF";

/// Dots per millimetre of a 203 dpi printer.
pub const DOTS_PER_MM: f32 = 8.0;

fn dots(mm: f32) -> i32 {
    (mm * DOTS_PER_MM).round() as i32
}

/// Field data escaped for `^FH_`: `_`, `^` and `~` become `_5F`, `_5E`, `_7E`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '_' => out.push_str("_5F"),
            '^' => out.push_str("_5E"),
            '~' => out.push_str("_7E"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

struct Zpl {
    out: String,
}

impl Zpl {
    fn text(&mut self, x_mm: f32, y_mm: f32, height_dots: i32, text: &str) {
        let _ = writeln!(
            self.out,
            "^FO{},{}^A{TEXT_FONT}N,{height_dots},{}^FH_^FD{}^FS",
            dots(x_mm),
            dots(y_mm),
            height_dots * 4 / 5,
            escape(text)
        );
    }

    fn paragraph(
        &mut self,
        x_mm: f32,
        mut y_mm: f32,
        width_mm: f32,
        height_dots: i32,
        text: &str,
    ) -> f32 {
        let chars = (width_mm * DOTS_PER_MM / (height_dots as f32 * 0.95)).floor() as usize;
        for line in wrap(text, chars) {
            self.text(x_mm, y_mm, height_dots, &line);
            y_mm += height_dots as f32 / DOTS_PER_MM * 1.2;
        }
        y_mm
    }

    fn frame(&mut self, x_mm: f32, y_mm: f32, w_mm: f32, h_mm: f32) {
        let _ = writeln!(
            self.out,
            "^FO{},{}^GB{},{},2^FS",
            dots(x_mm),
            dots(y_mm),
            dots(w_mm),
            dots(h_mm)
        );
    }
}

/// The ZPL of one label.
pub fn label(label: &LabelData, size: LabelSize) -> String {
    let (width, height) = size.mm();
    let margin = 4.0;
    let inner = width - 2.0 * margin;
    let mut z = Zpl {
        out: String::with_capacity(2048),
    };
    let _ = writeln!(
        z.out,
        "^XA\n^CI28\n^CW{TEXT_FONT},{TEXT_FONT_FILE}\n^PW{}\n^LL{}\n^LH0,0",
        dots(width),
        dots(height)
    );
    z.text(margin, 3.0, 32, "ф. 7п");
    z.paragraph(margin + 22.0, 2.0, inner - 22.0, 16, &label.product);
    z.frame(margin, 9.5, inner, 25.0);
    z.text(margin + 1.5, 11.0, 18, "От кого:");
    let mut y = z.paragraph(margin + 20.0, 11.0, inner - 22.0, 20, &label.sender_name);
    for line in &label.sender_address {
        y = z.paragraph(margin + 1.5, y, inner - 3.0, 18, line);
    }
    z.text(
        margin + 1.5,
        30.0,
        20,
        &format!("Индекс: {}", label.sender_postcode),
    );
    z.frame(margin, 36.5, inner, 42.0);
    z.text(margin + 1.5, 38.0, 18, "Кому:");
    let mut y = z.paragraph(margin + 14.0, 38.0, inner - 16.0, 26, &label.recipient_name);
    if let Some(phone) = &label.recipient_phone {
        z.text(margin + 1.5, y, 20, &format!("Тел.: {phone}"));
        y += 3.2;
    }
    for line in &label.recipient_address {
        y = z.paragraph(margin + 1.5, y, inner - 3.0, 22, line);
    }
    z.text(margin + 1.5, 66.0, 72, &label.recipient_postcode);
    if let Some(of) = &label.parcel_of {
        z.text(width - margin - 16.0, 70.0, 44, of);
    }
    let mut y = 81.0;
    z.text(margin, y, 22, &format!("Масса: {}", mass(label.mass_grams)));
    if label.fragile {
        z.text(margin + 40.0, y, 22, "ОСТОРОЖНО: хрупкое");
    }
    y += 4.0;
    if let Some(value) = label.declared_value_kopecks {
        z.text(
            margin,
            y,
            22,
            &format!("Объявленная ценность: {}", money(value)),
        );
        y += 4.0;
    }
    if let Some(cod) = label.cash_on_delivery_kopecks {
        z.text(margin, y, 22, &format!("Наложенный платёж: {}", money(cod)));
    }
    z.text(
        margin,
        97.0,
        20,
        &format!("Заказ: {}", label.client_order_number),
    );
    let all_digits = label.track_number.bytes().all(|b| b.is_ascii_digit());
    let subset_c = if all_digits && label.track_number.len().is_multiple_of(2) {
        ">;"
    } else {
        ""
    };
    let _ = writeln!(
        z.out,
        "^FO{},{}^BY3,3,{}^BCN,{},N,N,N^FH_^FD{subset_c}{}^FS",
        dots(margin + 4.0),
        dots(height - 38.0),
        dots(18.0),
        dots(18.0),
        escape(&label.track_number)
    );
    z.text(margin, height - 18.0, 34, &label.track_number_display());
    let _ = writeln!(
        z.out,
        "^FO{},{}^BXN,6,200^FH_^FD{}^FS",
        dots(width - margin - 20.0),
        dots(height - margin - 24.0),
        escape(&label.order_reference)
    );
    z.text(
        margin,
        height - margin - 2.0,
        16,
        &format!("Ссылка: {}", label.order_reference),
    );
    z.out.push_str("^XZ\n");
    z.out
}

/// Several labels, one format each, in one stream.
pub fn labels(labels: &[LabelData], size: LabelSize) -> String {
    labels.iter().map(|l| label(l, size)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shop_data_cannot_inject_commands() {
        assert_eq!(escape("a^XZ~JA_b"), "a_5EXZ_7EJA_5Fb");
        assert_eq!(escape("line\nbreak"), "line break");
    }
}
