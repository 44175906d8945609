//! Postcodes, cities and regions of Russia, from the embedded offline data (see
//! `data/ATTRIBUTION.md`).
//!
//! [`Geography::embedded`] parses the two CSV files once per process. Lookups by postcode are a
//! direct index into a dense table (one slot per six-digit code), so a tariff request costs two
//! array reads to find both regions.

use serde::Serialize;
use std::collections::HashMap;
use std::sync::OnceLock;

const POSTCODES_CSV: &str = include_str!("../data/ru_postcodes.csv");
const REGIONS_CSV: &str = include_str!("../data/ru_regions.csv");
const CITIES_CSV: &str = include_str!("../data/ru_cities.csv");

/// The number of six-digit postcodes (000000–999999).
const POSTCODE_SPACE: usize = 1_000_000;
/// Marks an unused slot of the dense postcode table.
const NO_REGION: u16 = u16::MAX;

/// One federal subject with its capital.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Region {
    /// ISO 3166-2 code as the data gives it (`RU-MOW`).
    pub iso_code: String,
    /// Name with its type (`г Москва`, `Омская обл`).
    pub name: String,
    /// The regional capital.
    pub capital: String,
    /// Latitude of the capital, WGS84 degrees.
    pub capital_lat: f64,
    /// Longitude of the capital, WGS84 degrees.
    pub capital_lon: f64,
}

/// One postcode of the directory.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Postcode {
    /// The six-digit code.
    pub code: u32,
    /// Place name as GeoNames gives it.
    pub place: String,
    /// Index into [`Geography::regions`].
    pub region: u16,
    /// Latitude, WGS84 degrees (GeoNames; may be estimated, see `accuracy`).
    pub lat: f64,
    /// Longitude, WGS84 degrees.
    pub lon: f64,
    /// GeoNames accuracy: 4 matched to a place, 1 estimated, `None` unknown.
    pub accuracy: Option<u8>,
}

/// One town with city status (`ru_cities.csv`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct City {
    /// Name without its type (`Москва`, `Барнаул`).
    pub name: String,
    /// Settlement type abbreviation as the data gives it (`г`).
    pub kind: String,
    /// Index into [`Geography::regions`], if the city's region has a capital row.
    pub region: Option<u16>,
    /// ISO 3166-2 code of the region (`RU-ALT`).
    pub region_iso: String,
    /// The district (`area`) the city belongs to, empty for most.
    pub area: String,
    /// The city's main postcode.
    pub postcode: Option<u32>,
    /// Latitude of the centre, WGS84 degrees.
    pub lat: f64,
    /// Longitude of the centre, WGS84 degrees.
    pub lon: f64,
    /// Population (Wikipedia), 0 when unknown.
    pub population: u64,
    /// Offset from UTC in hours (`UTC+7` → 7).
    pub utc_offset_hours: i8,
}

/// Postcodes, cities and regions, indexed.
#[derive(Debug)]
pub struct Geography {
    regions: Vec<Region>,
    postcodes: Vec<Postcode>,
    /// Cities, largest first.
    cities: Vec<City>,
    /// Dense table: postcode → index into `postcodes`, or `u32::MAX`.
    by_code: Vec<u32>,
    /// Dense table: postcode → region index, or [`NO_REGION`].
    region_by_code: Vec<u16>,
}

/// The embedded data could not be read (only possible if the shipped files are broken).
#[derive(Debug, thiserror::Error)]
#[error("embedded geography data: {0}")]
pub struct GeoDataError(String);

impl Geography {
    /// The directory built from the data shipped in the binary, parsed on first use.
    ///
    /// # Panics
    /// Never on user input; only if the files compiled into the binary are malformed, which a
    /// unit test rules out.
    #[allow(clippy::expect_used)]
    pub fn embedded() -> &'static Geography {
        static GEOGRAPHY: OnceLock<Geography> = OnceLock::new();
        GEOGRAPHY.get_or_init(|| {
            let mut geography = Geography::from_csv(REGIONS_CSV, POSTCODES_CSV)
                .expect("the embedded CSV files parse");
            geography
                .load_cities(CITIES_CSV)
                .expect("the embedded cities CSV parses");
            geography
        })
    }

    /// Builds the directory from the two CSV texts (`ru_regions.csv`, `ru_postcodes.csv` layout).
    pub fn from_csv(regions_csv: &str, postcodes_csv: &str) -> Result<Geography, GeoDataError> {
        let mut regions = Vec::new();
        let mut region_index: HashMap<String, u16> = HashMap::new();
        let mut reader = csv::Reader::from_reader(regions_csv.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| GeoDataError(e.to_string()))?
            .clone();
        let column = |name: &str| column_of(&headers, "regions", name);
        let (iso, name, capital, lat, lon) = (
            column("iso_code")?,
            column("name_with_type")?,
            column("capital")?,
            column("capital_lat")?,
            column("capital_lon")?,
        );
        for record in reader.records() {
            let record = record.map_err(|e| GeoDataError(e.to_string()))?;
            let (Ok(capital_lat), Ok(capital_lon)) =
                (record[lat].parse::<f64>(), record[lon].parse::<f64>())
            else {
                continue; // Baikonur has no capital row.
            };
            let index = u16::try_from(regions.len()).map_err(|e| GeoDataError(e.to_string()))?;
            region_index.insert(record[iso].to_owned(), index);
            regions.push(Region {
                iso_code: record[iso].to_owned(),
                name: record[name].to_owned(),
                capital: record[capital].to_owned(),
                capital_lat,
                capital_lon,
            });
        }

        let mut postcodes = Vec::new();
        let mut by_code = vec![u32::MAX; POSTCODE_SPACE];
        let mut region_by_code = vec![NO_REGION; POSTCODE_SPACE];
        let mut reader = csv::Reader::from_reader(postcodes_csv.as_bytes());
        for record in reader.records() {
            let record = record.map_err(|e| GeoDataError(e.to_string()))?;
            let code: u32 = record[0]
                .parse()
                .map_err(|_| GeoDataError(format!("bad postcode {:?}", &record[0])))?;
            let Some(&region) = region_index.get(&record[3]) else {
                return Err(GeoDataError(format!(
                    "postcode {code}: unknown region {}",
                    &record[3]
                )));
            };
            let slot = code as usize;
            if slot >= POSTCODE_SPACE {
                return Err(GeoDataError(format!(
                    "postcode {code} has more than six digits"
                )));
            }
            by_code[slot] =
                u32::try_from(postcodes.len()).map_err(|e| GeoDataError(e.to_string()))?;
            region_by_code[slot] = region;
            postcodes.push(Postcode {
                code,
                place: record[1].to_owned(),
                region,
                lat: record[5].parse().unwrap_or(f64::NAN),
                lon: record[6].parse().unwrap_or(f64::NAN),
                accuracy: record[7].parse().ok(),
            });
        }
        Ok(Geography {
            regions,
            postcodes,
            cities: Vec::new(),
            by_code,
            region_by_code,
        })
    }

    /// Adds the cities from a CSV text in the `ru_cities.csv` layout.
    pub fn load_cities(&mut self, cities_csv: &str) -> Result<(), GeoDataError> {
        let mut reader = csv::Reader::from_reader(cities_csv.as_bytes());
        let headers = reader
            .headers()
            .map_err(|e| GeoDataError(e.to_string()))?
            .clone();
        let column = |name: &str| column_of(&headers, "cities", name);
        let columns = [
            column("name")?,
            column("type")?,
            column("region_iso")?,
            column("area")?,
            column("postal_code")?,
            column("lat")?,
            column("lon")?,
            column("population")?,
            column("timezone")?,
        ];
        for record in reader.records() {
            let record = record.map_err(|e| GeoDataError(e.to_string()))?;
            let [
                name,
                kind,
                iso,
                area,
                postcode,
                lat,
                lon,
                population,
                timezone,
            ] = columns.map(|i| record.get(i).unwrap_or_default());
            let (Ok(lat), Ok(lon)) = (lat.parse::<f64>(), lon.parse::<f64>()) else {
                return Err(GeoDataError(format!("city {name}: bad coordinates")));
            };
            let utc_offset_hours = timezone
                .strip_prefix("UTC")
                .and_then(|offset| offset.parse::<i8>().ok())
                .unwrap_or(3);
            self.cities.push(City {
                name: name.to_owned(),
                kind: kind.to_owned(),
                region: self
                    .regions
                    .iter()
                    .position(|r| r.iso_code == iso)
                    .and_then(|i| u16::try_from(i).ok()),
                region_iso: iso.to_owned(),
                area: area.to_owned(),
                postcode: postcode.parse().ok(),
                lat,
                lon,
                population: population.parse().unwrap_or(0),
                utc_offset_hours,
            });
        }
        Ok(())
    }

    /// Every town with city status, largest first (empty unless cities were loaded; the
    /// embedded directory has them).
    pub fn cities(&self) -> &[City] {
        &self.cities
    }

    /// Every region with a capital.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// Every postcode.
    pub fn postcodes(&self) -> &[Postcode] {
        &self.postcodes
    }

    /// The postcode entry, if the directory knows it.
    pub fn postcode(&self, code: u32) -> Option<&Postcode> {
        let index = *self.by_code.get(code as usize)?;
        self.postcodes.get(index as usize)
    }

    /// The index of the region of a postcode, if the directory knows it.
    #[inline]
    pub fn region_of(&self, code: u32) -> Option<u16> {
        match self.region_by_code.get(code as usize) {
            Some(&NO_REGION) | None => None,
            Some(&region) => Some(region),
        }
    }

    /// The great-circle distance between two regions' capitals, in kilometres.
    pub fn capital_distance_km(&self, a: u16, b: u16) -> Option<f64> {
        let (a, b) = (self.regions.get(a as usize)?, self.regions.get(b as usize)?);
        Some(haversine_km(
            a.capital_lat,
            a.capital_lon,
            b.capital_lat,
            b.capital_lon,
        ))
    }
}

/// The position of a named column, or an error naming the file and the column.
fn column_of(headers: &csv::StringRecord, file: &str, name: &str) -> Result<usize, GeoDataError> {
    headers
        .iter()
        .position(|h| h == name)
        .ok_or_else(|| GeoDataError(format!("{file}: no column {name}")))
}

/// Great-circle distance on a sphere of the Earth's mean radius, in kilometres.
pub fn haversine_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0088;
    let (phi1, phi2) = (lat1.to_radians(), lat2.to_radians());
    let d_phi = (lat2 - lat1).to_radians();
    let d_lambda = (lon2 - lon1).to_radians();
    let h = (d_phi / 2.0).sin().powi(2) + phi1.cos() * phi2.cos() * (d_lambda / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_data_is_complete() {
        let geo = Geography::embedded();
        assert_eq!(geo.postcodes().len(), 43_538);
        assert_eq!(geo.regions().len(), 85, "86 rows, Baikonur has no capital");
        let omsk = geo.postcode(644_015).unwrap();
        assert_eq!(omsk.place, "Омск 15");
        assert_eq!(geo.regions()[omsk.region as usize].iso_code, "RU-OMS");
        assert_eq!(geo.postcode(999_999), None);
        assert_eq!(geo.region_of(1), None);
        assert_eq!(geo.cities().len(), 1_117);
        let barnaul = geo.cities().iter().find(|c| c.name == "Барнаул").unwrap();
        assert_eq!(barnaul.region_iso, "RU-ALT");
        assert_eq!(barnaul.utc_offset_hours, 7);
        assert_eq!(
            geo.regions()[barnaul.region.unwrap() as usize].capital,
            "Барнаул"
        );
    }

    #[test]
    fn moscow_to_omsk_is_about_2240_km() {
        let geo = Geography::embedded();
        let (moscow, omsk) = (
            geo.region_of(109_440).unwrap(),
            geo.region_of(644_015).unwrap(),
        );
        let km = geo.capital_distance_km(moscow, omsk).unwrap();
        assert!((2_200.0..2_300.0).contains(&km), "{km}");
        assert_eq!(geo.capital_distance_km(moscow, moscow), Some(0.0));
    }
}
