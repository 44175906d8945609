//! Tariff and delivery time: what sending one parcel costs and how long it takes.
//!
//! [`Tariff`] joins [`TariffTables`] with the [`Geography`] and precomputes the zone of every
//! pair of regions, so a quote is a handful of array reads and integer operations. All money is
//! integer kopecks; VAT is computed per amount (half up) and shown beside it, never folded in.
//! A request for something that cannot be sent (no such product or category, mass or size over
//! the limit, unknown postcode) is an error that names the field and the limit: never a price.

mod tables;

pub use tables::{
    DEFAULT_TABLES_TOML, Product, Surcharges, TablesError, TariffTables, Zones, category_code,
    category_of_code,
};

use crate::geo::Geography;
use okno_model::{Dimensions, MailCategory, MailType, RequestedService};
use serde::Serialize;

/// What is to be sent, from where to where.
#[derive(Clone, Debug, PartialEq)]
pub struct TariffRequest {
    /// Otpravka mail type.
    pub mail_type: MailType,
    /// Otpravka mail category.
    pub mail_category: MailCategory,
    /// Postcode of the accepting office.
    pub from_postcode: u32,
    /// Postcode of the delivering office.
    pub to_postcode: u32,
    /// Mass, grams.
    pub mass_grams: i64,
    /// Outer dimensions, if known.
    pub dimensions: Option<Dimensions>,
    /// Declared value, kopecks.
    pub declared_value_kopecks: Option<i64>,
    /// Cash on delivery, kopecks.
    pub cash_on_delivery_kopecks: Option<i64>,
    /// Fragile handling.
    pub fragile: bool,
    /// Extra services with a fixed fee.
    pub services: Vec<RequestedService>,
}

/// An amount without VAT and its VAT.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Rate {
    /// Kopecks without VAT.
    pub rate: i64,
    /// VAT on it, kopecks.
    pub vat: i64,
}

/// One extra service's fee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ServiceFee {
    /// okno's service name.
    pub service: RequestedService,
    /// Its fee.
    pub fee: Rate,
}

/// Minimum and maximum delivery days.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DeliveryTime {
    /// At the earliest, days.
    pub min_days: u32,
    /// At the latest, days.
    pub max_days: u32,
}

/// The price and delivery time of one parcel.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Quote {
    /// The tables' name.
    pub tariff: String,
    /// True when the tables are illustrative, not a real price list.
    pub illustrative: bool,
    /// The tariff.pochta.ru object code (type × 1000 + category × 10).
    pub object_code: u32,
    /// The product's name.
    pub product: String,
    /// Zone 1 (one region) and up.
    pub zone: u8,
    /// Distance between the two regions' capitals, whole km.
    pub distance_km: u32,
    /// The base rate by zone and weight.
    pub base: Rate,
    /// The fragile surcharge (already inside `ground`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fragile: Option<Rate>,
    /// The oversize surcharge (already inside `ground`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oversize: Option<Rate>,
    /// Carriage: base plus surcharges.
    pub ground: Rate,
    /// Declared-value fee.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub insurance: Option<Rate>,
    /// Cash-on-delivery fee.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cash_on_delivery: Option<Rate>,
    /// Extra services' fees.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub services: Vec<ServiceFee>,
    /// Everything: ground + insurance + cash on delivery + services.
    pub total: Rate,
    /// Total with VAT, kopecks.
    pub total_with_vat_kopecks: i64,
    /// Delivery time.
    pub delivery: DeliveryTime,
}

/// The part of a request a [`TariffError`] is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TariffField {
    /// The sending postcode.
    FromPostcode,
    /// The receiving postcode.
    ToPostcode,
    /// Mail type (or the object code).
    MailType,
    /// Mail category (or the object code).
    MailCategory,
    /// Mass.
    Mass,
    /// Dimensions.
    Dimensions,
    /// Declared value.
    DeclaredValue,
    /// Cash on delivery.
    CashOnDelivery,
    /// An extra service.
    Services,
}

/// Why a request has no price. `code` is stable; `detail` names the limit.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{detail}")]
pub struct TariffError {
    /// What part of the request.
    pub field: TariffField,
    /// Stable machine code: `unknown_postcode`, `not_sold`, `mass_zero`, `mass_over_limit`,
    /// `too_large`, `declared_value_required`, `declared_value_not_allowed`,
    /// `cash_on_delivery_not_allowed`, `cash_on_delivery_over_declared_value`, `negative`,
    /// `service_not_offered`.
    pub code: &'static str,
    /// In words, with the limit.
    pub detail: String,
}

fn error(field: TariffField, code: &'static str, detail: String) -> TariffError {
    TariffError {
        field,
        code,
        detail,
    }
}

/// Tables joined with geography, ready to quote.
#[derive(Debug)]
pub struct Tariff {
    tables: TariffTables,
    geo: &'static Geography,
    /// `zone_of[a * regions + b]`.
    zone_of: Vec<u8>,
    /// Whole km between capitals, same layout.
    distance_of: Vec<u32>,
    regions: usize,
}

impl Tariff {
    /// Joins the tables with the geography.
    pub fn new(tables: TariffTables, geo: &'static Geography) -> Tariff {
        let regions = geo.regions().len();
        let mut zone_of = vec![0u8; regions * regions];
        let mut distance_of = vec![0u32; regions * regions];
        for a in 0..regions {
            for b in 0..regions {
                let (ia, ib) = (a as u16, b as u16);
                let km = geo.capital_distance_km(ia, ib).unwrap_or(0.0);
                let zone = if a == b {
                    1
                } else {
                    2 + tables
                        .zones
                        .bounds_km
                        .iter()
                        .filter(|&&bound| km > f64::from(bound))
                        .count()
                };
                zone_of[a * regions + b] = u8::try_from(zone).unwrap_or(u8::MAX);
                distance_of[a * regions + b] = km.round() as u32;
            }
        }
        Tariff {
            tables,
            geo,
            zone_of,
            distance_of,
            regions,
        }
    }

    /// The shipped illustrative tables over the embedded geography.
    pub fn default_tariff() -> Result<Tariff, TablesError> {
        Ok(Tariff::new(
            TariffTables::default_tables()?,
            Geography::embedded(),
        ))
    }

    /// The tables in use.
    pub fn tables(&self) -> &TariffTables {
        &self.tables
    }

    /// The product for a mail type, if sold.
    pub fn product(&self, mail_type: MailType) -> Option<&Product> {
        self.tables
            .products
            .iter()
            .find(|p| p.mail_type == mail_type)
    }

    /// The mail type and category of a tariff.pochta.ru object code.
    pub fn resolve_object(&self, object: u32) -> Option<(MailType, MailCategory)> {
        let product = self
            .tables
            .products
            .iter()
            .find(|p| p.type_code == object / 1000)?;
        let category = category_of_code((object % 1000) / 10)?;
        product
            .categories
            .contains(&category)
            .then_some((product.mail_type, category))
    }

    fn vat(&self, kopecks: i64) -> i64 {
        (kopecks * self.tables.vat_percent + 50).div_euclid(100)
    }

    fn rate(&self, kopecks: i64) -> Rate {
        Rate {
            rate: kopecks,
            vat: self.vat(kopecks),
        }
    }

    /// Price and delivery time, or why it cannot be sent.
    pub fn quote(&self, request: &TariffRequest) -> Result<Quote, TariffError> {
        let product = self.product(request.mail_type).ok_or_else(|| {
            error(
                TariffField::MailType,
                "not_sold",
                format!(
                    "mail type {} is not in the tariff",
                    request.mail_type.as_str()
                ),
            )
        })?;
        if !product.categories.contains(&request.mail_category) {
            let sold: Vec<&str> = product.categories.iter().map(|c| c.as_str()).collect();
            return Err(error(
                TariffField::MailCategory,
                "not_sold",
                format!(
                    "{} is not sold as {}; categories: {}",
                    request.mail_type.as_str(),
                    request.mail_category.as_str(),
                    sold.join(", ")
                ),
            ));
        }
        let from = self.geo.region_of(request.from_postcode).ok_or_else(|| {
            error(
                TariffField::FromPostcode,
                "unknown_postcode",
                format!(
                    "postcode {:06} is not in the directory",
                    request.from_postcode
                ),
            )
        })?;
        let to = self.geo.region_of(request.to_postcode).ok_or_else(|| {
            error(
                TariffField::ToPostcode,
                "unknown_postcode",
                format!(
                    "postcode {:06} is not in the directory",
                    request.to_postcode
                ),
            )
        })?;
        let mass = request.mass_grams;
        if mass <= 0 {
            return Err(error(
                TariffField::Mass,
                "mass_zero",
                format!("mass must be at least 1 g, got {mass}"),
            ));
        }
        if mass > product.max_mass_grams {
            return Err(error(
                TariffField::Mass,
                "mass_over_limit",
                format!(
                    "{mass} g is over the {} limit of {} g",
                    product.mail_type.as_str(),
                    product.max_mass_grams
                ),
            ));
        }
        let oversize = match request.dimensions {
            Some(d) => check_size(product, d)?,
            None => false,
        };
        let (declared, cod) = check_money(request)?;

        let pair = from as usize * self.regions + to as usize;
        let zone = self.zone_of[pair];
        let zone_index =
            usize::from(zone.saturating_sub(1)).min(product.base_kopecks.len().saturating_sub(1));
        let extra_steps = if mass > product.first_step_grams {
            (mass - product.first_step_grams + product.step_grams - 1) / product.step_grams
        } else {
            0
        };
        let base =
            product.base_kopecks[zone_index] + extra_steps * product.per_step_kopecks[zone_index];
        let surcharges = &self.tables.surcharges;
        let percent_of = |percent: i64| (base * percent + 50).div_euclid(100);
        let fragile = request
            .fragile
            .then(|| percent_of(surcharges.fragile_percent));
        let oversize = oversize.then(|| percent_of(surcharges.oversize_percent));
        let ground = base + fragile.unwrap_or(0) + oversize.unwrap_or(0);
        let basis = |amount: i64, bp: i64| (amount * bp + 9_999).div_euclid(10_000);
        let insurance = declared.map(|value| basis(value, surcharges.declared_value_basis_points));
        let cash_on_delivery = cod.map(|value| {
            basis(value, surcharges.cash_on_delivery_basis_points)
                .max(surcharges.cash_on_delivery_min_kopecks)
        });
        let mut services = Vec::new();
        for service in &request.services {
            if *service == RequestedService::Fragile {
                continue; // priced as the fragile surcharge
            }
            let Some(&fee) = self.tables.services.get(service.as_str()) else {
                return Err(error(
                    TariffField::Services,
                    "service_not_offered",
                    format!("service {} is not in the tariff", service.as_str()),
                ));
            };
            services.push(ServiceFee {
                service: *service,
                fee: self.rate(fee),
            });
        }
        let ground_rate = self.rate(ground);
        let insurance = insurance.map(|k| self.rate(k));
        let cash_on_delivery = cash_on_delivery.map(|k| self.rate(k));
        let mut total = ground_rate;
        for part in insurance
            .iter()
            .chain(cash_on_delivery.iter())
            .chain(services.iter().map(|s| &s.fee))
        {
            total.rate += part.rate;
            total.vat += part.vat;
        }
        let [min_days, max_days] = product.delivery_days[zone_index];
        Ok(Quote {
            tariff: self.tables.name.clone(),
            illustrative: self.tables.illustrative,
            object_code: product.type_code * 1000 + category_code(request.mail_category) * 10,
            product: product.name.clone(),
            zone,
            distance_km: self.distance_of[pair],
            base: self.rate(base),
            fragile: fragile.map(|k| self.rate(k)),
            oversize: oversize.map(|k| self.rate(k)),
            ground: ground_rate,
            insurance,
            cash_on_delivery,
            services,
            total,
            total_with_vat_kopecks: total.rate + total.vat,
            delivery: DeliveryTime { min_days, max_days },
        })
    }
}

/// `Ok(true)` when the parcel is accepted but beyond the standard size.
fn check_size(product: &Product, d: Dimensions) -> Result<bool, TariffError> {
    let sides = [d.length_mm, d.width_mm, d.height_mm];
    if sides.iter().any(|&side| side <= 0) {
        return Err(error(
            TariffField::Dimensions,
            "negative",
            "every side must be at least 1 mm".to_owned(),
        ));
    }
    let longest = sides.iter().copied().max().unwrap_or(0);
    let sum: i64 = sides.iter().sum();
    if longest > product.max_side_mm || sum > product.max_sum_mm {
        return Err(error(
            TariffField::Dimensions,
            "too_large",
            format!(
                "{}×{}×{} mm is over the {} limit: longest side {} mm, sum of sides {} mm",
                d.length_mm,
                d.width_mm,
                d.height_mm,
                product.mail_type.as_str(),
                product.max_side_mm,
                product.max_sum_mm
            ),
        ));
    }
    Ok(longest > product.standard_max_side_mm || sum > product.standard_max_sum_mm)
}

/// The declared value and cash on delivery the category allows, as `(declared, cod)`.
fn check_money(request: &TariffRequest) -> Result<(Option<i64>, Option<i64>), TariffError> {
    let category = request.mail_category;
    let declared = request.declared_value_kopecks.filter(|&v| v != 0);
    let cod = request.cash_on_delivery_kopecks.filter(|&v| v != 0);
    for (field, value) in [
        (TariffField::DeclaredValue, declared),
        (TariffField::CashOnDelivery, cod),
    ] {
        if value.is_some_and(|v| v < 0) {
            return Err(error(
                field,
                "negative",
                "an amount cannot be negative".to_owned(),
            ));
        }
    }
    let with_declared = matches!(
        category,
        MailCategory::WithDeclaredValue
            | MailCategory::WithDeclaredValueAndCashOnDelivery
            | MailCategory::WithDeclaredValueAndCompulsoryPayment
    );
    let with_cod = category == MailCategory::WithDeclaredValueAndCashOnDelivery;
    match (with_declared, declared) {
        (true, None) => {
            return Err(error(
                TariffField::DeclaredValue,
                "declared_value_required",
                format!(
                    "category {} needs a declared value above 0",
                    category.as_str()
                ),
            ));
        }
        (false, Some(_)) => {
            return Err(error(
                TariffField::DeclaredValue,
                "declared_value_not_allowed",
                format!("category {} has no declared value", category.as_str()),
            ));
        }
        _ => {}
    }
    match (with_cod, cod) {
        (false, Some(_)) => Err(error(
            TariffField::CashOnDelivery,
            "cash_on_delivery_not_allowed",
            format!("category {} has no cash on delivery", category.as_str()),
        )),
        (true, Some(amount)) if declared.is_some_and(|d| amount > d) => Err(error(
            TariffField::CashOnDelivery,
            "cash_on_delivery_over_declared_value",
            "cash on delivery cannot exceed the declared value".to_owned(),
        )),
        _ => Ok((declared, cod)),
    }
}

#[cfg(test)]
mod tests;
