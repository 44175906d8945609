//! Address labels in the layout of the Russian Post F7p form, as PDF and as ZPL, and the F103-style
//! list of a batch.
//!
//! [`LabelData`] is everything printed on one label, already formatted; it is built from an order's
//! parcel with [`LabelData::from_order`]. [`pdf::labels`] draws any number of labels, one per page,
//! in one of two [`LabelSize`]s with the embedded DejaVu Sans (subset by krilla); [`zpl::labels`]
//! writes the same content for Zebra printers (UTF-8, `^CI28`); [`pdf::f103`] lists a batch.

pub mod barcode;
pub mod pdf;
pub mod zpl;

use crate::tracknumber::TrackNumber;
use okno_model::{Address, MailCategory, MailType, Order, Party};
use serde::Deserialize;

/// The page size of a label.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub enum LabelSize {
    /// A6, 105 × 148 mm (office printers, four to an A4 sheet).
    #[serde(rename = "a6")]
    A6,
    /// 100 × 150 mm, the common thermal label.
    #[serde(rename = "100x150")]
    Thermal100x150,
}

impl LabelSize {
    /// Width and height in millimetres.
    pub fn mm(self) -> (f32, f32) {
        match self {
            LabelSize::A6 => (105.0, 148.0),
            LabelSize::Thermal100x150 => (100.0, 150.0),
        }
    }

    /// Parses `a6` or `100x150` (case-insensitive).
    pub fn parse(text: &str) -> Option<LabelSize> {
        match text.to_ascii_lowercase().as_str() {
            "a6" => Some(LabelSize::A6),
            "100x150" => Some(LabelSize::Thermal100x150),
            _ => None,
        }
    }
}

/// Everything printed on one label, formatted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LabelData {
    /// The track number as issued (no spaces): the Code 128 content.
    pub track_number: String,
    /// The DataMatrix content: the order reference (okno's order id).
    pub order_reference: String,
    /// The shop's own order number, printed.
    pub client_order_number: String,
    /// "Посылка нестандартная · обыкновенная".
    pub product: String,
    /// Sender's name (person or organisation).
    pub sender_name: String,
    /// Sender's address, one line per entry, without the postcode.
    pub sender_address: Vec<String>,
    /// Sender's postcode.
    pub sender_postcode: String,
    /// Recipient's name.
    pub recipient_name: String,
    /// Recipient's phone, as given.
    pub recipient_phone: Option<String>,
    /// Recipient's address, one line per entry, without the postcode.
    pub recipient_address: Vec<String>,
    /// Recipient's postcode, printed large.
    pub recipient_postcode: String,
    /// Mass, grams.
    pub mass_grams: i64,
    /// Declared value, kopecks.
    pub declared_value_kopecks: Option<i64>,
    /// Cash on delivery, kopecks.
    pub cash_on_delivery_kopecks: Option<i64>,
    /// Fragile handling.
    pub fragile: bool,
    /// "1/2" for the first of two parcels; `None` for a single parcel.
    pub parcel_of: Option<String>,
}

/// Why an order has no label.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    /// The parcel has no track number yet.
    #[error("parcel {parcel} has no track number yet; assign one first")]
    NoTrackNumber {
        /// Index of the parcel in the order.
        parcel: usize,
    },
    /// The recipient has no postcode.
    #[error("the recipient's address has no postcode")]
    NoRecipientPostcode,
    /// A barcode could not be encoded (content the symbology cannot carry).
    #[error("barcode: {0}")]
    Barcode(String),
}

impl LabelData {
    /// The label of parcel `index` of an order; `sender` is used when the order names none.
    pub fn from_order(
        order: &Order,
        index: usize,
        default_sender: &Party,
    ) -> Result<LabelData, LabelError> {
        let parcel = order
            .parcels
            .get(index)
            .ok_or(LabelError::NoTrackNumber { parcel: index })?;
        let track_number = parcel
            .track_number
            .clone()
            .ok_or(LabelError::NoTrackNumber { parcel: index })?;
        let sender = order.sender.as_ref().unwrap_or(default_sender);
        let recipient_address = order.recipient.address.clone().unwrap_or_default();
        let recipient_postcode = recipient_address
            .postcode
            .clone()
            .ok_or(LabelError::NoRecipientPostcode)?;
        let sender_address = sender.address.clone().unwrap_or_default();
        Ok(LabelData {
            track_number,
            order_reference: order.id.to_string(),
            client_order_number: order.client_order_number.clone(),
            product: product_name(parcel.mail_type, parcel.mail_category),
            sender_name: party_name(sender),
            sender_postcode: sender_address.postcode.clone().unwrap_or_default(),
            sender_address: address_lines(&sender_address),
            recipient_name: party_name(&order.recipient),
            recipient_phone: order.recipient.phone.clone(),
            recipient_address: address_lines(&recipient_address),
            recipient_postcode,
            mass_grams: parcel.mass_grams,
            declared_value_kopecks: parcel.declared_value_kopecks.filter(|&v| v > 0),
            cash_on_delivery_kopecks: parcel.cash_on_delivery_kopecks.filter(|&v| v > 0),
            fragile: parcel.fragile,
            parcel_of: (order.parcels.len() > 1)
                .then(|| format!("{}/{}", index + 1, order.parcels.len())),
        })
    }

    /// Every label of an order, one per parcel.
    pub fn all_of(order: &Order, default_sender: &Party) -> Result<Vec<LabelData>, LabelError> {
        (0..order.parcels.len())
            .map(|i| LabelData::from_order(order, i, default_sender))
            .collect()
    }

    /// The track number grouped for reading: `RA 12345678 5 RU`, `800930 53 62499 2`.
    pub fn track_number_display(&self) -> String {
        match TrackNumber::parse(&self.track_number) {
            Ok(TrackNumber::S10(s)) => {
                format!(
                    "{} {:08} {} {}",
                    s.service_indicator, s.serial, s.check_digit, s.country
                )
            }
            Ok(TrackNumber::Russian14(r)) => {
                format!(
                    "{} {:02} {:05} {}",
                    r.office_index, r.month_code, r.serial, r.check_digit
                )
            }
            Err(_) => self.track_number.clone(),
        }
    }
}

/// "Посылка нестандартная · обыкновенная".
pub fn product_name(mail_type: MailType, category: MailCategory) -> String {
    let kind = match mail_type {
        MailType::PostalParcel => "Посылка нестандартная",
        MailType::OnlineParcel => "Посылка онлайн",
        MailType::OnlineCourier => "Курьер онлайн",
        MailType::Ems | MailType::EmsOptimal | MailType::EmsRt | MailType::EmsTender => "EMS",
        MailType::Letter => "Письмо",
        MailType::LetterClass1 => "Письмо 1 класса",
        MailType::Banderol => "Бандероль",
        MailType::BanderolClass1 => "Бандероль 1 класса",
        MailType::ParcelClass1 => "Посылка 1 класса",
        MailType::BusinessCourier | MailType::BusinessCourierEs => "Бизнес курьер",
        MailType::Ecom => "ЕКОМ",
        MailType::EasyReturn => "Лёгкий возврат",
        MailType::SmallPacket => "Мелкий пакет",
        MailType::Vsd | MailType::VgpoClass1 | MailType::Combined | MailType::Undefined => {
            "Отправление"
        }
    };
    let category = match category {
        MailCategory::Simple => "простое",
        MailCategory::Ordered => "заказное",
        MailCategory::Ordinary => "обыкновенное",
        MailCategory::WithDeclaredValue => "с объявленной ценностью",
        MailCategory::WithDeclaredValueAndCashOnDelivery => "с объявл. ценностью и нал. платежом",
        MailCategory::WithCompulsoryPayment => "с обязательным платежом",
        MailCategory::WithDeclaredValueAndCompulsoryPayment => {
            "с объявл. ценностью и обяз. платежом"
        }
        MailCategory::Combined => "комбинированное",
    };
    format!("{kind} · {category}")
}

/// A person's full name, or the organisation.
pub fn party_name(party: &Party) -> String {
    let person: Vec<&str> = [&party.surname, &party.given_name, &party.middle_name]
        .into_iter()
        .filter_map(|part| part.as_deref())
        .collect();
    match (&party.organisation, person.is_empty()) {
        (Some(org), true) => org.clone(),
        (Some(org), false) => format!("{org}, {}", person.join(" ")),
        (None, _) => person.join(" "),
    }
}

/// Street line, place line, region line; the raw text when nothing is structured.
pub fn address_lines(address: &Address) -> Vec<String> {
    let mut street = Vec::new();
    if let Some(s) = &address.street {
        street.push(s.clone());
    }
    for (prefix, part) in [
        ("д. ", &address.house),
        ("корп. ", &address.corpus),
        ("стр. ", &address.building),
        ("лит. ", &address.letter),
        ("кв. ", &address.room),
        ("оф. ", &address.office),
    ] {
        if let Some(value) = part {
            street.push(format!("{prefix}{value}"));
        }
    }
    let place: Vec<String> = [&address.location, &address.place, &address.area]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let lines: Vec<String> = [
        street.join(", "),
        place.join(", "),
        address.region.clone().unwrap_or_default(),
    ]
    .into_iter()
    .filter(|line| !line.is_empty())
    .collect();
    if lines.is_empty() {
        address.raw.iter().cloned().collect()
    } else {
        lines
    }
}

/// `1 234,56 руб.`
pub fn money(kopecks: i64) -> String {
    let rubles = kopecks.div_euclid(100);
    let digits = rubles.to_string();
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('\u{a0}');
        }
        grouped.push(c);
    }
    format!("{grouped},{:02} руб.", kopecks.rem_euclid(100))
}

/// `1,250 кг`
pub fn mass(grams: i64) -> String {
    format!("{},{:03} кг", grams / 1000, grams % 1000)
}

/// Splits text into lines of at most `width` characters at spaces (long words are cut).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > width {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(word.drain(..width).collect());
        }
        let word: String = word.into_iter().collect();
        if word.is_empty() {
            continue;
        }
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(money(12_345_678), "123\u{a0}456,78 руб.");
        assert_eq!(money(5), "0,05 руб.");
        assert_eq!(mass(1250), "1,250 кг");
        assert_eq!(
            wrap("г. Москва, ул. Тверская, д. 7", 12),
            vec!["г. Москва,", "ул.", "Тверская, д.", "7"]
        );
        assert_eq!(wrap("абвгдеёжзий", 4), vec!["абвг", "деёж", "зий"]);
    }
}
