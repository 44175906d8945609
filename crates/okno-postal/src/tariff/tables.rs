//! The tariff tables file: products by mail type, weight steps, zones, surcharges and fees.
//!
//! Read from TOML (`data/tariff.default.toml` is the shipped, illustrative default) and checked
//! as a whole on load: every problem is reported with the product and the field.

use okno_model::{MailCategory, MailType, RequestedService};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The shipped default tables (illustrative, see the file's header).
pub const DEFAULT_TABLES_TOML: &str = include_str!("../../data/tariff.default.toml");

/// The whole tariff.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TariffTables {
    /// A name shown with every quote.
    pub name: String,
    /// True for tables that are examples, not a real price list; shown with every quote.
    #[serde(default)]
    pub illustrative: bool,
    /// VAT rate in percent, shown separately on every amount.
    pub vat_percent: i64,
    /// How two postcodes give a zone.
    pub zones: Zones,
    /// Percent and basis-point surcharges and fees.
    pub surcharges: Surcharges,
    /// Fixed fees of extra services, kopecks, by okno's service name.
    #[serde(default)]
    pub services: BTreeMap<String, i64>,
    /// One entry per mail type.
    pub products: Vec<Product>,
}

/// Zone rule: 1 inside one region, else by the distance between the regions' capitals.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zones {
    /// Ascending distance bounds, km: zone = 2 + the number of bounds the distance exceeds.
    pub bounds_km: Vec<u32>,
}

impl Zones {
    /// The number of zones this rule produces.
    pub fn count(&self) -> usize {
        self.bounds_km.len() + 2
    }
}

/// Surcharges in percent of the base rate and fees in basis points of an amount.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Surcharges {
    /// Fragile handling, percent of the base rate.
    pub fragile_percent: i64,
    /// Oversize (beyond the product's standard size), percent of the base rate.
    pub oversize_percent: i64,
    /// Declared value fee, basis points of the declared value (rounded up to a kopeck).
    pub declared_value_basis_points: i64,
    /// Cash-on-delivery fee, basis points of the amount to collect.
    pub cash_on_delivery_basis_points: i64,
    /// The least cash-on-delivery fee.
    pub cash_on_delivery_min_kopecks: i64,
}

/// One product: a mail type with its categories, weights, sizes, rates and delivery times.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    /// The Otpravka mail type.
    pub mail_type: MailType,
    /// The tariff.pochta.ru type code (object = type × 1000 + category × 10).
    pub type_code: u32,
    /// Human name.
    pub name: String,
    /// Categories this product is sold in.
    pub categories: Vec<MailCategory>,
    /// Heaviest parcel accepted, grams.
    pub max_mass_grams: i64,
    /// The base rate covers up to this mass.
    pub first_step_grams: i64,
    /// Each further started step adds `per_step_kopecks`.
    pub step_grams: i64,
    /// Base rate per zone (index 0 = zone 1), kopecks without VAT.
    pub base_kopecks: Vec<i64>,
    /// Rate per further weight step per zone, kopecks without VAT.
    pub per_step_kopecks: Vec<i64>,
    /// Longest side without the oversize surcharge.
    pub standard_max_side_mm: i64,
    /// Largest sum of the three sides without the oversize surcharge.
    pub standard_max_sum_mm: i64,
    /// Longest side accepted at all.
    pub max_side_mm: i64,
    /// Largest sum of sides accepted at all.
    pub max_sum_mm: i64,
    /// Delivery time per zone, `[min, max]` days.
    pub delivery_days: Vec<[u32; 2]>,
}

/// The tariff.pochta.ru category code of an Otpravka mail category.
pub fn category_code(category: MailCategory) -> u32 {
    match category {
        MailCategory::Simple => 0,
        MailCategory::Ordered => 1,
        MailCategory::WithDeclaredValue => 2,
        MailCategory::Ordinary => 3,
        MailCategory::WithDeclaredValueAndCashOnDelivery => 4,
        MailCategory::WithCompulsoryPayment => 5,
        MailCategory::WithDeclaredValueAndCompulsoryPayment => 6,
        MailCategory::Combined => 9,
    }
}

/// The Otpravka mail category of a tariff.pochta.ru category code.
pub fn category_of_code(code: u32) -> Option<MailCategory> {
    Some(match code {
        0 => MailCategory::Simple,
        1 => MailCategory::Ordered,
        2 => MailCategory::WithDeclaredValue,
        3 => MailCategory::Ordinary,
        4 => MailCategory::WithDeclaredValueAndCashOnDelivery,
        5 => MailCategory::WithCompulsoryPayment,
        6 => MailCategory::WithDeclaredValueAndCompulsoryPayment,
        _ => return None,
    })
}

/// A problem in a tables file.
#[derive(Debug, thiserror::Error)]
pub enum TablesError {
    /// Not TOML, or not the expected shape (the message has line and column).
    #[error("tariff tables: {0}")]
    Syntax(String),
    /// The shape is right but values contradict each other; one line per problem.
    #[error("tariff tables:\n{}", .0.join("\n"))]
    Invalid(Vec<String>),
}

impl TariffTables {
    /// Reads and checks tables from TOML text.
    pub fn from_toml(text: &str) -> Result<TariffTables, TablesError> {
        let tables: TariffTables =
            toml::from_str(text).map_err(|e| TablesError::Syntax(e.to_string()))?;
        tables.check()?;
        Ok(tables)
    }

    /// The shipped illustrative default.
    pub fn default_tables() -> Result<TariffTables, TablesError> {
        TariffTables::from_toml(DEFAULT_TABLES_TOML)
    }

    fn check(&self) -> Result<(), TablesError> {
        let mut problems = Vec::new();
        let zones = self.zones.count();
        if !(0..=100).contains(&self.vat_percent) {
            problems.push(format!(
                "vat_percent: {} is not between 0 and 100",
                self.vat_percent
            ));
        }
        if self.zones.bounds_km.windows(2).any(|w| w[0] >= w[1]) {
            problems.push("zones.bounds_km: must be strictly ascending".to_owned());
        }
        for name in self.services.keys() {
            if RequestedService::parse(name).is_none() {
                problems.push(format!("services.{name}: not an okno service name"));
            }
        }
        let mut seen = Vec::new();
        for product in &self.products {
            let at = format!("products[{}]", product.mail_type.as_str());
            if seen.contains(&product.mail_type) {
                problems.push(format!("{at}: mail type listed twice"));
            }
            seen.push(product.mail_type);
            for (field, len) in [
                ("base_kopecks", product.base_kopecks.len()),
                ("per_step_kopecks", product.per_step_kopecks.len()),
                ("delivery_days", product.delivery_days.len()),
            ] {
                if len != zones {
                    problems.push(format!(
                        "{at}.{field}: {len} entries, the zones need {zones}"
                    ));
                }
            }
            if product.first_step_grams <= 0 || product.step_grams <= 0 {
                problems.push(format!(
                    "{at}: first_step_grams and step_grams must be positive"
                ));
            }
            if product.max_mass_grams < product.first_step_grams {
                problems.push(format!("{at}.max_mass_grams: below first_step_grams"));
            }
            if product.standard_max_side_mm > product.max_side_mm
                || product.standard_max_sum_mm > product.max_sum_mm
            {
                problems.push(format!(
                    "{at}: a standard size exceeds the accepted maximum"
                ));
            }
            if product.delivery_days.iter().any(|[min, max]| min > max) {
                problems.push(format!("{at}.delivery_days: min above max"));
            }
            if product.categories.is_empty() {
                problems.push(format!("{at}.categories: empty"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(TablesError::Invalid(problems))
        }
    }
}
