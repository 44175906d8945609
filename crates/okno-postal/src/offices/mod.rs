//! Post offices, parcel lockers and pickup points: the directory, its spatial index and the
//! nearest search.
//!
//! [`Directory::synthetic`] seeds one office per postcode of the embedded geography (43,538),
//! with type, hours, payments and weight limit generated deterministically from the postcode
//! and flagged `synthetic`; coordinates GeoNames only estimated are moved near their city's
//! centre and flagged `coordinates_estimated` (see [`seed`]). [`import`] reads a real directory
//! from CSV or JSON instead. [`Directory::nearest`] walks an R-tree (`rstar`) of unit vectors on
//! the sphere, so the straight-line order it yields is the great-circle order, and stops at the
//! radius or the limit; distances are haversine metres. One tree per office type as well lets a
//! type filter skip the other types instead of walking past them.
//!
//! Pure: no clock (the instant to test opening hours against is an argument), no files, no
//! HTTP. Search "by address" takes a point the caller resolved: [`Directory::locate`] resolves a
//! postcode or a city name; the address normaliser plugs in the same way later.

pub mod hours;
pub mod import;
pub mod seed;

use crate::geo::{Geography, haversine_km};
use rstar::RTree;
use rstar::primitives::GeomWithData;
use serde::Serialize;
use std::collections::HashMap;

pub use hours::{Interval, WeeklyHours};
pub use import::{ImportError, ImportErrors};

/// Largest `limit` of one nearest search.
pub const LIMIT_MAX: usize = 100;
/// Largest search radius, in metres.
pub const RADIUS_M_MAX: u32 = 500_000;
/// The radius when the caller names none, in metres.
pub const RADIUS_M_DEFAULT: u32 = 50_000;
/// Largest parcel weight any office can take, in grams (a sanity bound for imports and queries).
pub const WEIGHT_GRAMS_MAX: i64 = 1_000_000;

/// Mean Earth radius used for distances, in metres (the same as [`haversine_km`]).
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// What kind of place an office is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OfficeType {
    /// A staffed post office (ОПС; Otpravka `type-code` `ГОПС`).
    PostOffice,
    /// A parcel locker (почтомат; `ПОЧТОМАТ`).
    ParcelLocker,
    /// A pickup point run by a partner (ПВЗ; `ПВЗ`).
    PickupPoint,
}

impl OfficeType {
    /// Every type.
    pub const ALL: [OfficeType; 3] = [
        OfficeType::PostOffice,
        OfficeType::ParcelLocker,
        OfficeType::PickupPoint,
    ];

    /// 0, 1, 2 in the order of [`OfficeType::ALL`].
    pub fn position(self) -> usize {
        match self {
            OfficeType::PostOffice => 0,
            OfficeType::ParcelLocker => 1,
            OfficeType::PickupPoint => 2,
        }
    }

    /// okno's name (`post_office`, `parcel_locker`, `pickup_point`).
    pub fn name(self) -> &'static str {
        match self {
            OfficeType::PostOffice => "post_office",
            OfficeType::ParcelLocker => "parcel_locker",
            OfficeType::PickupPoint => "pickup_point",
        }
    }

    /// Otpravka's `type-code`. `ГОПС` and `ПОЧТОМАТ` are seen in real answers; `ПВЗ` is the
    /// name Russian Post's passport export uses for pickup points (not seen in `type-code`).
    pub fn otpravka_code(self) -> &'static str {
        match self {
            OfficeType::PostOffice => "ГОПС",
            OfficeType::ParcelLocker => "ПОЧТОМАТ",
            OfficeType::PickupPoint => "ПВЗ",
        }
    }

    /// Parses okno's name or an Otpravka type code (`ГОПС`, `СОПС`, `ОПС` → post office).
    pub fn parse(text: &str) -> Option<OfficeType> {
        let text = text.trim();
        OfficeType::ALL
            .into_iter()
            .find(|t| t.name().eq_ignore_ascii_case(text) || t.otpravka_code() == text)
            .or(match text {
                "ОПС" | "СОПС" => Some(OfficeType::PostOffice),
                "АПС" => Some(OfficeType::ParcelLocker),
                _ => None,
            })
    }
}

/// A way to pay at an office.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Payment {
    /// Cash.
    Cash,
    /// Bank card.
    Card,
    /// The office hands out cash-on-delivery parcels (the recipient pays there).
    CashOnDelivery,
}

impl Payment {
    /// okno's name.
    pub fn name(self) -> &'static str {
        match self {
            Payment::Cash => "cash",
            Payment::Card => "card",
            Payment::CashOnDelivery => "cash_on_delivery",
        }
    }

    /// Parses okno's name (`cod` is accepted for cash on delivery).
    pub fn parse(text: &str) -> Option<Payment> {
        match text.trim().to_ascii_lowercase().as_str() {
            "cash" => Some(Payment::Cash),
            "card" => Some(Payment::Card),
            "cash_on_delivery" | "cod" => Some(Payment::CashOnDelivery),
            _ => None,
        }
    }
}

/// The payment methods an office accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Payments {
    /// Cash.
    pub cash: bool,
    /// Bank card.
    pub card: bool,
    /// Cash on delivery parcels are handed out here.
    pub cash_on_delivery: bool,
}

impl Payments {
    /// Whether this method is accepted.
    pub fn accepts(self, payment: Payment) -> bool {
        match payment {
            Payment::Cash => self.cash,
            Payment::Card => self.card,
            Payment::CashOnDelivery => self.cash_on_delivery,
        }
    }
}

/// Where an office's coordinates come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CoordinateSource {
    /// GeoNames matched the place (accuracy 4): the settlement's point, as given.
    Geonames,
    /// GeoNames only estimated the point (accuracy 1 or unknown) and no city of that name
    /// was found to place it by: kept, but estimated.
    GeonamesEstimated,
    /// Placed near the centre of its city (`ru_cities.csv`), spread a few km around it,
    /// because GeoNames only estimated the point or put it far from the city.
    CityCentre,
    /// From an imported directory, as given.
    Imported,
}

/// The region an office is in.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct OfficeRegion {
    /// ISO 3166-2 code (`RU-ALT`).
    pub iso: String,
    /// Name with its type (`Алтайский край`).
    pub name: String,
}

/// One post office, parcel locker or pickup point.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PostOffice {
    /// The office's postcode (its index), six digits.
    #[schema(value_type = String, example = "656049")]
    #[serde(serialize_with = "six_digits")]
    pub index: u32,
    /// Name.
    pub name: String,
    /// Kind of office.
    #[serde(rename = "type")]
    pub office_type: OfficeType,
    /// Place (settlement) as the data names it (`Барнаул 49`).
    pub place: String,
    /// Region.
    pub region: OfficeRegion,
    /// Address as one line.
    pub address: String,
    /// Latitude, WGS84 degrees.
    pub lat: f64,
    /// Longitude, WGS84 degrees.
    pub lon: f64,
    /// True when the coordinates are an estimate, not the office's known position.
    pub coordinates_estimated: bool,
    /// Where the coordinates come from.
    pub coordinate_source: CoordinateSource,
    /// The office's offset from UTC in hours; `hours` are local time at this offset.
    pub utc_offset_hours: i8,
    /// Weekly opening hours in local time: `mon` … `sun`, each a list of `HH:MM-HH:MM`.
    #[schema(value_type = Object)]
    pub hours: WeeklyHours,
    /// Payment methods.
    pub payments: Payments,
    /// Heaviest parcel the office takes, in grams.
    pub max_weight_grams: i64,
    /// True when type, hours, payments and weight limit were generated, not known.
    pub synthetic: bool,
}

fn six_digits<S: serde::Serializer>(index: &u32, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format!("{index:06}"))
}

impl PostOffice {
    /// Whether the office is open at an instant (seconds since the Unix epoch).
    pub fn open_at(&self, unix_seconds: i64) -> bool {
        self.hours.open_at(unix_seconds, self.utc_offset_hours)
    }

    /// The six-digit index as text.
    pub fn index_text(&self) -> String {
        format!("{:06}", self.index)
    }
}

/// A set of office types (a filter).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TypeSet(u8);

impl TypeSet {
    /// Every type.
    pub const ALL: TypeSet = TypeSet(0b111);

    fn bit(office_type: OfficeType) -> u8 {
        1 << office_type.position()
    }

    /// These types only.
    pub fn of(types: &[OfficeType]) -> TypeSet {
        TypeSet(types.iter().fold(0, |set, &t| set | TypeSet::bit(t)))
    }

    /// One type only.
    pub fn only(office_type: OfficeType) -> TypeSet {
        TypeSet(TypeSet::bit(office_type))
    }

    /// Whether the set holds a type.
    pub fn contains(self, office_type: OfficeType) -> bool {
        self.0 & TypeSet::bit(office_type) != 0
    }
}

impl Default for TypeSet {
    fn default() -> Self {
        TypeSet::ALL
    }
}

/// "Open at" for a filter: an instant, or a wall-clock time taken as each office's local time
/// (Otpravka's `current-date-time` has no offset: "the client's date-time in the client's
/// time zone").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenAt {
    /// Seconds since the Unix epoch; converted to each office's local time.
    Instant(i64),
    /// A local weekday (0 = Monday) and minute of the day, the same for every office.
    LocalTime {
        /// 0 = Monday … 6 = Sunday.
        weekday: usize,
        /// Minutes after local midnight.
        minute: u16,
    },
}

/// What a nearest search keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Filter {
    /// Only these types (all by default).
    pub types: TypeSet,
    /// Only offices open at this time.
    pub open_at: Option<OpenAt>,
    /// Only offices that accept this payment.
    pub payment: Option<Payment>,
    /// Only offices that take a parcel this heavy, in grams.
    pub weight_grams: Option<i64>,
}

impl Filter {
    /// Whether an office passes.
    pub fn matches(&self, office: &PostOffice) -> bool {
        self.types.contains(office.office_type)
            && self.payment.is_none_or(|p| office.payments.accepts(p))
            && self
                .weight_grams
                .is_none_or(|w| w <= office.max_weight_grams)
            && self.open_at.is_none_or(|at| match at {
                OpenAt::Instant(unix_seconds) => office.open_at(unix_seconds),
                OpenAt::LocalTime { weekday, minute } => {
                    office.hours.open_at_local(weekday, minute)
                }
            })
    }
}

/// A nearest-office question.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NearestQuery {
    /// Latitude of the origin, −90…90.
    pub lat: f64,
    /// Longitude of the origin, −180…180.
    pub lon: f64,
    /// What to keep.
    pub filter: Filter,
    /// At most this many offices, 1…[`LIMIT_MAX`].
    pub limit: usize,
    /// Only offices this close, in metres, 1…[`RADIUS_M_MAX`].
    pub radius_m: u32,
}

impl NearestQuery {
    /// The ten nearest offices within the default radius, unfiltered.
    pub fn new(lat: f64, lon: f64) -> NearestQuery {
        NearestQuery {
            lat,
            lon,
            filter: Filter::default(),
            limit: 10,
            radius_m: RADIUS_M_DEFAULT,
        }
    }
}

/// The part of a nearest query that is out of range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueryField {
    /// Latitude.
    Lat,
    /// Longitude.
    Lon,
    /// Limit.
    Limit,
    /// Radius.
    Radius,
    /// Parcel weight.
    Weight,
}

/// A nearest query that cannot be answered: which field and why.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{field:?}: {detail}")]
pub struct QueryError {
    /// The field.
    pub field: QueryField,
    /// Why.
    pub detail: String,
}

/// One office found, with its distance from the origin.
#[derive(Clone, Copy, Debug)]
pub struct Found<'a> {
    /// The office.
    pub office: &'a PostOffice,
    /// Great-circle (haversine) distance, metres.
    pub distance_m: f64,
}

/// A point a caller resolved an address to, and how.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Located {
    /// Latitude.
    pub lat: f64,
    /// Longitude.
    pub lon: f64,
    /// What the text was taken as: `postcode`, `city`, or `address` (read by the normaliser).
    pub matched: &'static str,
    /// The postcode or city name that matched.
    pub name: String,
}

/// Where a directory came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Seeded from the postcode data; type, hours, payments and weight limits are generated.
    Synthetic,
    /// Imported from a file.
    Imported,
}

type Point = GeomWithData<[f64; 3], u32>;

/// The offices, indexed by postcode and by position.
#[derive(Debug)]
pub struct Directory {
    offices: Vec<PostOffice>,
    by_index: HashMap<u32, u32>,
    /// Every office.
    tree: RTree<Point>,
    /// The offices of each type (by [`OfficeType::position`]), so a type filter skips the rest.
    by_type: [RTree<Point>; 3],
    origin: Origin,
}

/// Two offices of one directory share an index.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("index {0:06} appears twice")]
pub struct DuplicateIndex(pub u32);

/// A point on the unit sphere.
fn unit_vector(lat: f64, lon: f64) -> [f64; 3] {
    let (phi, lambda) = (lat.to_radians(), lon.to_radians());
    [
        phi.cos() * lambda.cos(),
        phi.cos() * lambda.sin(),
        phi.sin(),
    ]
}

/// Haversine distance in metres.
pub fn distance_m(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    haversine_km(lat1, lon1, lat2, lon2) * 1000.0
}

/// Checks a coordinate pair: finite and within −90…90, −180…180.
pub fn check_coordinates(lat: f64, lon: f64) -> Result<(), QueryError> {
    if !(lat.is_finite() && (-90.0..=90.0).contains(&lat)) {
        return Err(QueryError {
            field: QueryField::Lat,
            detail: format!("latitude must be between -90 and 90, got {lat}"),
        });
    }
    if !(lon.is_finite() && (-180.0..=180.0).contains(&lon)) {
        return Err(QueryError {
            field: QueryField::Lon,
            detail: format!("longitude must be between -180 and 180, got {lon}"),
        });
    }
    Ok(())
}

impl Directory {
    /// A directory of these offices, which must have distinct indexes and valid coordinates
    /// (import and seed guarantee both).
    pub fn new(offices: Vec<PostOffice>, origin: Origin) -> Result<Directory, DuplicateIndex> {
        let mut by_index = HashMap::with_capacity(offices.len());
        let mut points = Vec::with_capacity(offices.len());
        let mut typed: [Vec<Point>; 3] = Default::default();
        for (position, office) in offices.iter().enumerate() {
            let position = position as u32;
            if by_index.insert(office.index, position).is_some() {
                return Err(DuplicateIndex(office.index));
            }
            let point = Point::new(unit_vector(office.lat, office.lon), position);
            typed[office.office_type.position()].push(point);
            points.push(point);
        }
        Ok(Directory {
            offices,
            by_index,
            tree: RTree::bulk_load(points),
            by_type: typed.map(RTree::bulk_load),
            origin,
        })
    }

    /// Every office, in the order they were given.
    pub fn offices(&self) -> &[PostOffice] {
        &self.offices
    }

    /// Whether the directory was seeded (synthetic) or imported.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// True when the directory's type, hours, payments and weight limits are generated.
    pub fn is_synthetic(&self) -> bool {
        self.origin == Origin::Synthetic
    }

    /// The office with this index.
    pub fn get(&self, index: u32) -> Option<&PostOffice> {
        let position = *self.by_index.get(&index)?;
        self.offices.get(position as usize)
    }

    /// The nearest offices that pass the filter, nearest first, within the radius.
    pub fn nearest(&self, query: &NearestQuery) -> Result<Vec<Found<'_>>, QueryError> {
        check_coordinates(query.lat, query.lon)?;
        if !(1..=LIMIT_MAX).contains(&query.limit) {
            return Err(QueryError {
                field: QueryField::Limit,
                detail: format!("limit must be 1 to {LIMIT_MAX}, got {}", query.limit),
            });
        }
        if !(1..=RADIUS_M_MAX).contains(&query.radius_m) {
            return Err(QueryError {
                field: QueryField::Radius,
                detail: format!(
                    "radius must be 1 to {RADIUS_M_MAX} metres, got {}",
                    query.radius_m
                ),
            });
        }
        if let Some(weight) = query.filter.weight_grams
            && !(1..=WEIGHT_GRAMS_MAX).contains(&weight)
        {
            return Err(QueryError {
                field: QueryField::Weight,
                detail: format!("weight must be 1 to {WEIGHT_GRAMS_MAX} grams, got {weight}"),
            });
        }
        let types = query.filter.types;
        if types == TypeSet::ALL {
            return Ok(self.nearest_in(&self.tree, query));
        }
        // The nearest `limit` of a union are among the nearest `limit` of each part.
        let mut found = Vec::with_capacity(query.limit);
        for office_type in OfficeType::ALL {
            if types.contains(office_type) {
                found.extend(self.nearest_in(&self.by_type[office_type.position()], query));
            }
        }
        found.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
        found.truncate(query.limit);
        Ok(found)
    }

    /// The nearest offices of one tree that pass the filter (the query is already checked).
    fn nearest_in(&self, tree: &RTree<Point>, query: &NearestQuery) -> Vec<Found<'_>> {
        let origin = unit_vector(query.lat, query.lon);
        // The chord of the radius's arc, squared, with a little slack for rounding; the exact
        // test is the haversine distance below.
        let angle = f64::from(query.radius_m) / EARTH_RADIUS_M;
        let chord = 2.0 * (angle / 2.0).sin();
        let chord_squared_max = chord * chord * (1.0 + 1e-9) + 1e-15;
        let mut found = Vec::with_capacity(query.limit);
        for (point, chord_squared) in tree.nearest_neighbor_iter_with_distance_2(&origin) {
            if chord_squared > chord_squared_max {
                break;
            }
            let Some(office) = self.offices.get(point.data as usize) else {
                continue;
            };
            if !query.filter.matches(office) {
                continue;
            }
            let distance = distance_m(query.lat, query.lon, office.lat, office.lon);
            if distance > f64::from(query.radius_m) {
                continue;
            }
            found.push(Found {
                office,
                distance_m: distance,
            });
            if found.len() == query.limit {
                break;
            }
        }
        found
    }

    /// Resolves a search text to a point: a six-digit postcode of this directory (the office's
    /// own position) or of the geography, else a city name (`Барнаул`, `г. Барнаул`; the
    /// largest city of that name). The seam for the address normaliser: it will resolve full
    /// addresses to a point and call [`Directory::nearest`] the same way.
    pub fn locate(&self, text: &str, geography: &Geography) -> Option<Located> {
        let text = text.trim();
        if text.len() == 6
            && text.bytes().all(|b| b.is_ascii_digit())
            && let Ok(code) = text.parse::<u32>()
        {
            if let Some(office) = self.get(code) {
                return Some(Located {
                    lat: office.lat,
                    lon: office.lon,
                    matched: "postcode",
                    name: office.index_text(),
                });
            }
            return geography.postcode(code).and_then(|p| {
                (p.lat.is_finite() && p.lon.is_finite()).then(|| Located {
                    lat: p.lat,
                    lon: p.lon,
                    matched: "postcode",
                    name: text.to_owned(),
                })
            });
        }
        let name = seed::city_name_of(text);
        let city = geography
            .cities()
            .iter()
            .find(|c| c.name.to_lowercase() == name.to_lowercase())?;
        Some(Located {
            lat: city.lat,
            lon: city.lon,
            matched: "city",
            name: city.name.clone(),
        })
    }
}

#[cfg(test)]
mod tests;
