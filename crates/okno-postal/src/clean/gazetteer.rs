//! The place dictionary the address normaliser resolves names against, built once from the
//! embedded [`Geography`]: every settlement of the postcode directory (name without the office
//! number, region, district, smallest postcode) and every city of `ru_cities.csv` (with its main
//! postcode and population), plus region names and their common short forms.

use super::text::{fold, title_case};
use crate::geo::Geography;
use std::collections::HashMap;
use std::sync::OnceLock;

/// One settlement as the dictionary knows it.
#[derive(Clone, Debug)]
pub(crate) struct Place {
    /// Display name (`Ростов-на-Дону`, `Студенские Выселки`).
    pub(crate) name: String,
    /// Index into [`Geography::regions`].
    pub(crate) region: u16,
    /// District (`Шушенский р-н`), empty when the data has none or for cities.
    pub(crate) area: String,
    /// The postcode to infer: a city's main postcode, else the place's own smallest one.
    pub(crate) postcode: u32,
    /// Every postcode of the place in the directory, ascending.
    pub(crate) codes: Vec<u32>,
    /// A town with city status (`ru_cities.csv`).
    pub(crate) is_city: bool,
    /// Population for cities, 0 otherwise.
    pub(crate) population: u64,
}

/// Names → places and regions.
#[derive(Debug)]
pub(crate) struct Gazetteer {
    places: HashMap<String, Vec<Place>>,
    regions: HashMap<String, u16>,
    /// First three digits of a postcode → region, for codes the directory does not list.
    prefix_region: Vec<Option<u16>>,
    /// Longest place name in words.
    pub(crate) max_words: usize,
}

/// Region names written without their type that are unambiguous (not adjectives, which would
/// clash with street names such as `Московская`).
const REGION_ALIASES: &[(&str, &str)] = &[
    ("москва", "RU-MOW"),
    ("мск", "RU-MOW"),
    ("санкт-петербург", "RU-SPE"),
    ("спб", "RU-SPE"),
    ("петербург", "RU-SPE"),
    ("севастополь", "UA-40"),
    ("якутия", "RU-SA"),
    ("саха", "RU-SA"),
    ("саха (якутия)", "RU-SA"),
    ("кузбасс", "RU-KEM"),
    ("чувашия", "RU-CU"),
    ("югра", "RU-KHM"),
    ("хмао", "RU-KHM"),
    ("хмао-югра", "RU-KHM"),
    ("янао", "RU-YAN"),
    ("удмуртия", "RU-UD"),
    ("чечня", "RU-CE"),
    ("мордовия", "RU-MO"),
    ("северная осетия", "RU-SE"),
    ("северная осетия - алания", "RU-SE"),
    ("алания", "RU-SE"),
    ("кабардино-балкария", "RU-KB"),
    ("карачаево-черкесия", "RU-KC"),
    ("крым", "UA-43"),
    ("татарстан", "RU-TA"),
    ("башкортостан", "RU-BA"),
    ("башкирия", "RU-BA"),
    ("бурятия", "RU-BU"),
    ("дагестан", "RU-DA"),
    ("ингушетия", "RU-IN"),
    ("калмыкия", "RU-KL"),
    ("карелия", "RU-KR"),
    ("коми", "RU-KO"),
    ("марий эл", "RU-ME"),
    ("тыва", "RU-TY"),
    ("тува", "RU-TY"),
    ("хакасия", "RU-KK"),
    ("адыгея", "RU-AD"),
    ("кемеровская область - кузбасс", "RU-KEM"),
];

fn region_key(name_with_type: &str) -> String {
    // "Респ Саха /Якутия/" → "саха (якутия)"; types dropped, the rest folded.
    let folded = fold(name_with_type).replace(" /", " (").replace('/', ")");
    let words: Vec<&str> = folded
        .split(' ')
        .filter(|w| {
            !matches!(
                *w,
                "респ"
                    | "республика"
                    | "обл"
                    | "область"
                    | "край"
                    | "ао"
                    | "аобл"
                    | "г"
                    | "автономный"
                    | "округ"
            )
        })
        .collect();
    words.join(" ")
}

impl Gazetteer {
    /// The dictionary over the embedded geography, built on first use.
    pub(crate) fn embedded() -> &'static Gazetteer {
        static GAZETTEER: OnceLock<Gazetteer> = OnceLock::new();
        GAZETTEER.get_or_init(|| Gazetteer::build(Geography::embedded()))
    }

    fn build(geo: &Geography) -> Gazetteer {
        let mut regions = HashMap::new();
        for (index, region) in geo.regions().iter().enumerate() {
            let Ok(index) = u16::try_from(index) else {
                continue;
            };
            regions.insert(region_key(&region.name), index);
            // "Кемеровская область - Кузбасс" and "Чувашская Республика - Чувашия": the part before the dash.
            if let Some((head, _)) = region.name.split_once(" - ") {
                regions.insert(region_key(head), index);
            }
        }
        for (alias, iso) in REGION_ALIASES {
            if let Some(index) = geo.regions().iter().position(|r| r.iso_code == *iso)
                && let Ok(index) = u16::try_from(index)
            {
                regions.insert((*alias).to_owned(), index);
            }
        }

        // (key, region, area) → place; the postcode is the office named exactly like the place
        // if there is one, else the smallest.
        let mut grouped: HashMap<(String, u16, String), (Place, bool)> = HashMap::new();
        let mut prefix_region = vec![None; 1000];
        let districts = load_districts();
        for postcode in geo.postcodes() {
            if let Some(slot) = prefix_region.get_mut((postcode.code / 1000) as usize) {
                slot.get_or_insert(postcode.region);
            }
            let base = postcode
                .place
                .trim_end_matches(|c: char| c.is_ascii_digit())
                .trim_end();
            let exact = base.len() == postcode.place.len();
            if base.is_empty() {
                continue;
            }
            let key = fold(base);
            let area = districts
                .get(&postcode.code)
                .map(|raw| district(raw))
                .unwrap_or_default();
            let entry = grouped
                .entry((key, postcode.region, area.clone()))
                .or_insert_with(|| {
                    (
                        Place {
                            name: base.to_owned(),
                            region: postcode.region,
                            area,
                            postcode: postcode.code,
                            codes: Vec::new(),
                            is_city: false,
                            population: 0,
                        },
                        exact,
                    )
                });
            entry.0.codes.push(postcode.code);
            if exact && !entry.1 {
                entry.0.postcode = postcode.code;
                entry.1 = true;
            }
        }
        let mut places: HashMap<String, Vec<Place>> = HashMap::new();
        for ((key, _, _), (place, _)) in grouped {
            places.entry(key).or_default().push(place);
        }
        for city in geo.cities() {
            let (Some(region), Some(postcode)) = (city.region, city.postcode) else {
                continue;
            };
            if city.kind != "г" {
                continue;
            }
            let entries = places.entry(fold(&city.name)).or_default();
            // A city replaces the settlement rows of the same name in its region.
            let same = |other: u16| {
                let iso = |r: u16| {
                    geo.regions()
                        .get(r as usize)
                        .map_or("", |r| r.iso_code.as_str())
                };
                region_group(iso(other)) == region_group(iso(region))
            };
            let mut codes: Vec<u32> = entries
                .iter()
                .filter(|p| same(p.region) && !p.is_city)
                .flat_map(|p| p.codes.iter().copied())
                .collect();
            codes.sort_unstable();
            entries.retain(|p| !same(p.region) || p.is_city);
            entries.push(Place {
                name: city.name.clone(),
                region,
                area: String::new(),
                postcode,
                codes,
                is_city: true,
                population: city.population,
            });
        }
        for entries in places.values_mut() {
            for place in entries.iter_mut() {
                place.codes.sort_unstable();
            }
            // Deterministic order: cities by population, then by postcode.
            entries.sort_by(|a, b| {
                b.is_city
                    .cmp(&a.is_city)
                    .then(b.population.cmp(&a.population))
                    .then(a.postcode.cmp(&b.postcode))
            });
        }
        let max_words = places
            .keys()
            .map(|k| k.split(' ').count())
            .max()
            .unwrap_or(1)
            .min(4);
        Gazetteer {
            places,
            regions,
            prefix_region,
            max_words,
        }
    }

    /// Every place of that (folded) name.
    pub(crate) fn places(&self, key: &str) -> &[Place] {
        self.places.get(key).map_or(&[], Vec::as_slice)
    }

    /// The region of that (folded, typeless) name.
    pub(crate) fn region(&self, key: &str) -> Option<u16> {
        self.regions.get(key).copied()
    }

    /// The region of the postcode's first three digits, when any code with them is known.
    pub(crate) fn region_of_prefix(&self, code: u32) -> Option<u16> {
        self.prefix_region
            .get((code / 1000) as usize)
            .copied()
            .flatten()
    }
}

/// The `district` column of the postcode file, which [`Geography`] does not keep.
fn load_districts() -> HashMap<u32, String> {
    let mut districts = HashMap::new();
    for line in include_str!("../../data/ru_postcodes.csv").lines().skip(1) {
        let mut columns = line.split(',');
        let (Some(code), Some(district)) = (columns.next(), columns.nth(3)) else {
            continue;
        };
        if let Ok(code) = code.parse::<u32>()
            && !district.is_empty()
        {
            districts.insert(code, district.to_owned());
        }
    }
    districts
}

/// `Шушенский Район` → `Шушенский р-н`.
fn district(raw: &str) -> String {
    if raw.is_empty() {
        return String::new();
    }
    let folded = fold(raw);
    match folded.strip_suffix(" район") {
        Some(name) => format!("{} р-н", title_case(name)),
        None => title_case(&folded),
    }
}

/// Regions the postcode data does not tell apart: GeoNames files the Khanty-Mansi and
/// Yamalo-Nenets okrugs under Tyumen and the Nenets okrug under Arkhangelsk.
pub(crate) fn region_group(iso: &str) -> &str {
    match iso {
        "RU-KHM" | "RU-YAN" | "RU-TYU" => "RU-TYU",
        "RU-NEN" | "RU-ARK" => "RU-ARK",
        other => other,
    }
}
