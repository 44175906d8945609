//! The synthetic directory: one office per postcode of the geography.
//!
//! Everything generated comes from [`mix`], a hash of the postcode and a salt per attribute (no
//! random number generator, no state), so the same postcode always gets the same office on
//! every machine and every run.
//!
//! Coordinates: GeoNames accuracy 4 is kept as given, unless the point lies more than
//! [`CITY_DISTANCE_KM_MAX`] from the centre of the city the place names (GeoNames has some
//! postcodes a thousand km from their city, e.g. `656049,Барнаул 49` at 55.65, 66.25). Accuracy
//! 1 or unknown, or a point that far off, is replaced by a point spread 0.3–4 km around the
//! city's centre (`ru_cities.csv`), marked estimated. A place that names no city keeps its
//! GeoNames point, marked estimated unless accuracy is 4.

use super::hours::{Interval, WeeklyHours};
use super::{CoordinateSource, Directory, OfficeRegion, OfficeType, Origin, Payments, PostOffice};
use crate::geo::{City, Geography, haversine_km};
use std::collections::HashMap;

/// A GeoNames point farther than this from its city's centre is taken as wrong, in km.
pub const CITY_DISTANCE_KM_MAX: f64 = 50.0;
/// Estimated points are spread between these distances from the city centre, in km.
const SPREAD_KM: (f64, f64) = (0.3, 4.0);

/// A 64-bit hash of a postcode and a salt (SplitMix64's finaliser): the only source of
/// "randomness" in the synthetic directory.
pub fn mix(postcode: u32, salt: u64) -> u64 {
    let mut z = u64::from(postcode)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(salt.wrapping_mul(0xD1B5_4A32_D192_ED03));
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A number in 0..1 from the hash.
fn unit(postcode: u32, salt: u64) -> f64 {
    (mix(postcode, salt) >> 11) as f64 / (1u64 << 53) as f64
}

/// A number in 0..100 from the hash.
fn percent(postcode: u32, salt: u64) -> u64 {
    mix(postcode, salt) % 100
}

/// The settlement name in a GeoNames place (`Барнаул 49` → `Барнаул`, `г. Омск` → `Омск`):
/// trailing numbers and a leading `г`/`г.` dropped.
pub fn city_name_of(place: &str) -> &str {
    let place = place.trim();
    let place = place
        .strip_prefix("г. ")
        .or_else(|| place.strip_prefix("г.")) // "г.Омск"
        .or_else(|| place.strip_prefix("г "))
        .unwrap_or(place)
        .trim();
    place.trim_end_matches(|c: char| c.is_ascii_digit() || c.is_whitespace())
}

/// Whether a city of `city_iso` can hold a postcode GeoNames files under `postcode_iso`:
/// GeoNames puts the autonomous okrugs under their parent oblast.
fn regions_compatible(postcode_iso: &str, city_iso: &str) -> bool {
    postcode_iso == city_iso
        || matches!(
            (postcode_iso, city_iso),
            ("RU-TYU", "RU-KHM" | "RU-YAN") | ("RU-ARK", "RU-NEN")
        )
}

/// Finds the city a place names: the whole name, then with trailing words dropped
/// (`Москва Ems Ппс-1` → `Москва`), in a compatible region.
fn city_of<'g>(
    place: &str,
    region_iso: &str,
    by_name: &HashMap<&str, Vec<&'g City>>,
) -> Option<&'g City> {
    let name = city_name_of(place);
    let words: Vec<&str> = name.split_whitespace().collect();
    (1..=words.len()).rev().find_map(|n| {
        let candidate = words[..n].join(" ");
        by_name
            .get(candidate.as_str())?
            .iter()
            .copied()
            .find(|city| regions_compatible(region_iso, &city.region_iso))
    })
}

/// A point spread deterministically around a centre.
fn spread(postcode: u32, lat: f64, lon: f64) -> (f64, f64) {
    let angle = unit(postcode, 11) * std::f64::consts::TAU;
    let distance_km = SPREAD_KM.0 + (SPREAD_KM.1 - SPREAD_KM.0) * unit(postcode, 12).sqrt();
    let dlat = distance_km * angle.cos() / 111.32;
    let dlon = distance_km * angle.sin() / (111.32 * lat.to_radians().cos().max(0.05));
    ((lat + dlat).clamp(-90.0, 90.0), wrap_lon(lon + dlon))
}

fn wrap_lon(lon: f64) -> f64 {
    if lon > 180.0 {
        lon - 360.0
    } else if lon < -180.0 {
        lon + 360.0
    } else {
        lon
    }
}

/// Where one postcode's office goes: lat, lon, estimated, source.
pub fn place_office(
    postcode: &crate::geo::Postcode,
    city: Option<&City>,
) -> (f64, f64, bool, CoordinateSource) {
    let valid = postcode.lat.is_finite()
        && postcode.lon.is_finite()
        && (-90.0..=90.0).contains(&postcode.lat)
        && (-180.0..=180.0).contains(&postcode.lon);
    let matched = postcode.accuracy == Some(4);
    match city {
        Some(city) => {
            let near = valid
                && haversine_km(postcode.lat, postcode.lon, city.lat, city.lon)
                    <= CITY_DISTANCE_KM_MAX;
            if matched && near {
                (
                    postcode.lat,
                    postcode.lon,
                    false,
                    CoordinateSource::Geonames,
                )
            } else {
                let (lat, lon) = spread(postcode.code, city.lat, city.lon);
                (lat, lon, true, CoordinateSource::CityCentre)
            }
        }
        None if valid && matched => (
            postcode.lat,
            postcode.lon,
            false,
            CoordinateSource::Geonames,
        ),
        None if valid => (
            postcode.lat,
            postcode.lon,
            true,
            CoordinateSource::GeonamesEstimated,
        ),
        // No usable point and no city: never happens with the shipped data (every row has a
        // point); a caller's own geography might. The point (0, 0) is marked estimated.
        None => (0.0, 0.0, true, CoordinateSource::GeonamesEstimated),
    }
}

fn interval(open_hour: u16, close_hour: u16) -> Interval {
    Interval {
        open: open_hour * 60,
        close: close_hour * 60,
    }
}

/// The generated type of a postcode's office: 80 % post offices, 10 % parcel lockers, 10 %
/// pickup points.
pub fn office_type(postcode: u32) -> OfficeType {
    match percent(postcode, 1) {
        0..80 => OfficeType::PostOffice,
        80..90 => OfficeType::ParcelLocker,
        _ => OfficeType::PickupPoint,
    }
}

/// Generated weekly hours.
fn hours(postcode: u32, office_type: OfficeType, in_city: bool) -> WeeklyHours {
    match office_type {
        OfficeType::ParcelLocker => WeeklyHours::always(),
        OfficeType::PickupPoint => {
            let close = if percent(postcode, 2) < 50 { 21 } else { 20 };
            WeeklyHours::every_day(&[interval(10, close)])
        }
        OfficeType::PostOffice => {
            let lunch = !in_city && percent(postcode, 3) < 60;
            let weekday: Vec<Interval> = match (percent(postcode, 4), lunch) {
                (_, true) => vec![interval(9, 13), interval(14, 17)],
                (0..60, false) => vec![interval(8, 20)],
                (60..85, false) => vec![interval(9, 19)],
                _ => vec![interval(8, 22)],
            };
            let saturday = match percent(postcode, 5) {
                0..50 => vec![interval(9, 18)],
                50..80 => vec![interval(10, 16)],
                _ => vec![],
            };
            let sunday = if in_city && percent(postcode, 6) < 30 {
                vec![interval(10, 15)]
            } else {
                vec![]
            };
            // Rural offices are often closed on Mondays.
            let monday = if !in_city && percent(postcode, 7) < 40 {
                vec![]
            } else {
                weekday.clone()
            };
            let days = [
                monday,
                weekday.clone(),
                weekday.clone(),
                weekday.clone(),
                weekday,
                saturday,
                sunday,
            ];
            WeeklyHours::new(days).unwrap_or_default()
        }
    }
}

fn payments(postcode: u32, office_type: OfficeType) -> Payments {
    match office_type {
        OfficeType::PostOffice => Payments {
            cash: true,
            card: percent(postcode, 8) < 85,
            cash_on_delivery: true,
        },
        OfficeType::ParcelLocker => Payments {
            cash: false,
            card: true,
            cash_on_delivery: percent(postcode, 8) < 50,
        },
        OfficeType::PickupPoint => Payments {
            cash: true,
            card: true,
            cash_on_delivery: percent(postcode, 8) < 70,
        },
    }
}

fn max_weight_grams(postcode: u32, office_type: OfficeType) -> i64 {
    match (office_type, percent(postcode, 9)) {
        (OfficeType::PostOffice, 0..10) => 50_000,
        (OfficeType::PostOffice, _) => 20_000,
        (OfficeType::ParcelLocker, _) => 15_000,
        (OfficeType::PickupPoint, 0..30) => 31_500,
        (OfficeType::PickupPoint, _) => 15_000,
    }
}

fn name(office_type: OfficeType, place: &str, code: u32) -> String {
    match office_type {
        OfficeType::PostOffice => format!("Отделение почтовой связи {place} {code:06}"),
        OfficeType::ParcelLocker => format!("Почтомат {code:06}"),
        OfficeType::PickupPoint => format!("Пункт выдачи {code:06}"),
    }
}

impl Directory {
    /// One synthetic office per postcode of the geography (which needs its cities loaded to
    /// place estimated points; the embedded geography has them).
    pub fn synthetic(geography: &Geography) -> Directory {
        let mut by_name: HashMap<&str, Vec<&City>> = HashMap::new();
        for city in geography.cities() {
            by_name.entry(city.name.as_str()).or_default().push(city);
        }
        // A region's offset is its largest city's (cities come largest first).
        let mut region_offset: HashMap<&str, i8> = HashMap::new();
        for city in geography.cities() {
            region_offset
                .entry(city.region_iso.as_str())
                .or_insert(city.utc_offset_hours);
        }
        let regions = geography.regions();
        let offices = geography
            .postcodes()
            .iter()
            .filter_map(|postcode| {
                let region = regions.get(postcode.region as usize)?;
                let city = city_of(&postcode.place, &region.iso_code, &by_name);
                let (lat, lon, estimated, source) = place_office(postcode, city);
                let office_type = office_type(postcode.code);
                let in_city = city.is_some();
                let utc_offset_hours = city.map_or_else(
                    || {
                        region_offset
                            .get(region.iso_code.as_str())
                            .copied()
                            .unwrap_or(3)
                    },
                    |c| c.utc_offset_hours,
                );
                Some(PostOffice {
                    index: postcode.code,
                    name: name(office_type, &postcode.place, postcode.code),
                    office_type,
                    place: postcode.place.clone(),
                    region: OfficeRegion {
                        iso: region.iso_code.clone(),
                        name: region.name.clone(),
                    },
                    address: format!("{:06}, {}, {}", postcode.code, region.name, postcode.place),
                    lat,
                    lon,
                    coordinates_estimated: estimated,
                    coordinate_source: source,
                    utc_offset_hours,
                    hours: hours(postcode.code, office_type, in_city),
                    payments: payments(postcode.code, office_type),
                    max_weight_grams: max_weight_grams(postcode.code, office_type),
                    synthetic: true,
                })
            })
            .collect();
        // Postcodes are unique in the geography (its dense table has one slot per code).
        Directory::new(offices, Origin::Synthetic).unwrap_or_else(|_| Directory {
            offices: Vec::new(),
            by_index: HashMap::new(),
            tree: rstar::RTree::new(),
            by_type: Default::default(),
            origin: Origin::Synthetic,
        })
    }

    /// The synthetic directory over the embedded geography, built once per process.
    pub fn embedded() -> &'static Directory {
        static DIRECTORY: std::sync::OnceLock<Directory> = std::sync::OnceLock::new();
        DIRECTORY.get_or_init(|| Directory::synthetic(Geography::embedded()))
    }
}
