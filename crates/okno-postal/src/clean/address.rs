//! Address normalisation: the second pass. The chunks `lex` found are resolved against the
//! dictionary (region, settlement, district), the postcode is checked against the settlement
//! or inferred from it, and the quality and validation codes are decided from what was found.

use super::gazetteer::{Gazetteer, Place, region_group};
use super::lex::{Chunk, parse, tokens};
use super::lexicon::Level;
use super::text::{fold, title_case};
use super::{
    AddressQuality, AddressType, AddressValidity, CleanAddress, INPUT_CHARS_MAX, InferredPart,
    acceptable,
};
use crate::geo::Geography;

/// Region ISO codes of the federal cities, whose region and settlement are the same.
const FEDERAL_CITIES: &[&str] = &["RU-MOW", "RU-SPE", "UA-40"];

/// A town with city status smaller than this, named without region or postcode, is only
/// assumed when villages elsewhere share its name (`NOT_VALIDATED_HAS_ASSUMPTION`).
const ASSUMED_CITY_POPULATION_MIN: u64 = 50_000;

/// House numbers above this are implausible (`NOT_VALIDATED_EXCEDED_HOUSE_NUMBER`).
const HOUSE_NUMBER_MAX: u32 = 999;

/// What went wrong while resolving, in order of severity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Trouble {
    None,
    PlaceConflict,
    RegionConflict,
}

#[derive(Debug)]
struct Found<'g> {
    region: Option<u16>,
    region_given: bool,
    area: Option<String>,
    place: Option<&'g Place>,
    /// A typed settlement the dictionary does not have: its display text.
    unknown_place: Option<String>,
    place_abbr: Option<&'static str>,
    ambiguous: bool,
    /// A small town was chosen over villages of the same name in other regions.
    assumed: bool,
    street: Option<(String, &'static str, bool)>,
    leftovers: Vec<String>,
    trouble: Trouble,
    notes: Vec<String>,
}

fn key(words: &[String]) -> String {
    words.join(" ")
}

/// The longest prefix of `words` (at most `max` words) for which `lookup` answers.
fn longest_prefix<T>(
    words: &[String],
    max: usize,
    mut lookup: impl FnMut(&str) -> Option<T>,
) -> Option<(T, usize)> {
    (1..=words.len().min(max))
        .rev()
        .find_map(|n| lookup(&key(&words[..n])).map(|found| (found, n)))
}

impl<'g> Found<'g> {
    /// Chooses among the places of one name, given what else is known.
    fn choose(
        &mut self,
        places: &'g [Place],
        index_region: Option<u16>,
        index_code: Option<u32>,
    ) -> Option<&'g Place> {
        if places.is_empty() {
            return None;
        }
        let geo = Geography::embedded();
        let hint = self.region.or(index_region);
        let mut in_hint: Vec<&Place> = match hint {
            Some(region) => places
                .iter()
                .filter(|p| same_region(geo, p.region, region))
                .collect(),
            None => places.iter().collect(),
        };
        if in_hint.is_empty() && self.region.is_none() {
            // Only the postcode disagrees: choose as if it were not there; `finish` reports it.
            in_hint = places.iter().collect();
        }
        let in_area: Vec<&Place> = match &self.area {
            Some(area) => in_hint
                .iter()
                .copied()
                .filter(|p| &p.area == area)
                .collect(),
            None => Vec::new(),
        };
        let mut pool = if in_area.is_empty() { in_hint } else { in_area };
        // The postcode names the very office: keep the places that have it.
        if let Some(code) = index_code {
            let with_code: Vec<&Place> = pool
                .iter()
                .copied()
                .filter(|p| p.codes.binary_search(&code).is_ok())
                .collect();
            if !with_code.is_empty() {
                pool = with_code;
            }
        }
        if pool.is_empty() {
            // The name exists, but elsewhere: a city there contradicts the region; a village
            // of the same name is more likely one the directory lacks.
            let city = places.iter().find(|p| p.is_city);
            return city;
        }
        if let Some(city) = pool.iter().find(|p| p.is_city) {
            if self.region.is_none()
                && index_region.is_none()
                && city.population < ASSUMED_CITY_POPULATION_MIN
                && pool
                    .iter()
                    .any(|p| !p.is_city && !same_region(geo, p.region, city.region))
            {
                self.assumed = true;
                self.notes.push(format!(
                    "assumed the town of {}; villages elsewhere have the same name",
                    city.name
                ));
            }
            return Some(city);
        }
        let first = pool[0];
        let districts = pool
            .iter()
            .map(|p| (p.region, p.area.as_str()))
            .collect::<std::collections::BTreeSet<_>>()
            .len();
        if districts > 1 {
            // No guess: the settlement stays a bare name, nothing is inferred from it.
            self.ambiguous = true;
            self.unknown_place = Some(first.name.clone());
            self.notes.push(format!(
                "{} exists in {districts} districts; give the region, the district or the postcode",
                first.name
            ));
            return None;
        }
        Some(first)
    }
}

/// Normalises one free-text address. Never fails: what could not be understood is in the
/// quality and validation codes and in `notes`.
pub fn normalize_address(text: &str) -> CleanAddress {
    let mut result = CleanAddress {
        original_address: text.to_owned(),
        address_type: AddressType::Default,
        index: None,
        region: None,
        area: None,
        place: None,
        street: None,
        house: None,
        corpus: None,
        building: None,
        letter: None,
        room: None,
        office: None,
        po_box: None,
        quality_code: AddressQuality::Undef06,
        validation_code: AddressValidity::NotValidatedHasNoMainPoints,
        valid: false,
        inferred: Vec::new(),
        notes: Vec::new(),
    };
    if text.chars().count() > INPUT_CHARS_MAX {
        result.notes.push(format!(
            "longer than {INPUT_CHARS_MAX} characters; not parsed"
        ));
        return result;
    }
    let gazetteer = Gazetteer::embedded();
    let geo = Geography::embedded();
    let parsed = parse(&tokens(&fold(text)));

    if parsed.foreign {
        result.quality_code = AddressQuality::Undef07;
        result.validation_code = AddressValidity::NotValidatedForeign;
        result.notes.push("a foreign address".to_owned());
        return result;
    }
    result.house = parsed.house.clone();
    result.corpus = parsed.corpus.clone();
    result.building = parsed.building.clone();
    result.letter = parsed.letter.clone();
    result.room = parsed.room.clone();
    result.office = parsed.office.clone();
    result.po_box = parsed.po_box.clone();
    result.index = parsed.index.clone();
    if parsed.demand {
        result.address_type = AddressType::Demand;
    }

    let index_code: Option<u32> = parsed.index.as_deref().and_then(|i| i.parse().ok());
    let index_known = index_code.and_then(|code| geo.postcode(code));
    let index_region = index_code.and_then(|code| {
        geo.region_of(code)
            .or_else(|| gazetteer.region_of_prefix(code))
    });

    let mut found = Found {
        region: None,
        region_given: false,
        area: None,
        place: None,
        unknown_place: None,
        place_abbr: None,
        ambiguous: false,
        assumed: false,
        street: None,
        leftovers: parsed.leftovers.clone(),
        trouble: Trouble::None,
        notes: Vec::new(),
    };

    // Regions and districts first: they narrow the settlement down.
    let mut pending: Vec<Chunk> = Vec::new();
    for chunk in parsed.chunks {
        match chunk.level {
            Some(Level::Region) => match longest_prefix(&chunk.words, 4, |k| gazetteer.region(k)) {
                Some((region, n)) => {
                    if found.region.is_some_and(|r| r != region) {
                        found.trouble = found.trouble.max(Trouble::RegionConflict);
                        found
                            .notes
                            .push("two different regions are named".to_owned());
                    }
                    found.region = Some(region);
                    found.region_given = true;
                    if n < chunk.words.len() {
                        pending.push(Chunk {
                            words: chunk.words[n..].to_vec(),
                            ..Chunk::default()
                        });
                    }
                }
                None => found.leftovers.push(format!(
                    "{} {}",
                    title_case(&key(&chunk.words)),
                    chunk.abbr
                )),
            },
            Some(Level::Area) => {
                if found.area.is_none() {
                    found.area = Some(format!("{} р-н", title_case(&key(&chunk.words))));
                } else {
                    found.leftovers.push(key(&chunk.words));
                }
            }
            _ => pending.push(chunk),
        }
    }
    // A region written without its type ("Татарстан"), or named a second time ("Чувашская
    // Республика - Чувашия"); "Москва" is left to the settlement below.
    pending.retain(|chunk| {
        if chunk.level.is_some() {
            return true;
        }
        let k = key(&chunk.words);
        if !gazetteer.places(&k).is_empty() {
            return true;
        }
        match (gazetteer.region(&k), found.region) {
            (Some(region), None) => {
                found.region = Some(region);
                found.region_given = true;
                false
            }
            (Some(region), Some(given)) => !same_region(geo, region, given),
            (None, _) => true,
        }
    });

    // The settlement: a typed one first, else a bare name the dictionary knows (a city
    // before any village), peeled off the front of a chunk if need be.
    let typed = pending.iter().position(|c| c.level == Some(Level::Place));
    if let Some(position) = typed {
        let chunk = pending[position].clone();
        let hit = longest_prefix(&chunk.words, gazetteer.max_words, |k| {
            let places = gazetteer.places(k);
            (!places.is_empty()).then_some(places)
        });
        let (place, used) = match hit {
            Some((places, n)) => (found.choose(places, index_region, index_code), n),
            None => (None, chunk.words.len()),
        };
        found.place_abbr = Some(chunk.abbr);
        match place {
            Some(place) => found.place = Some(place),
            None => {
                found.unknown_place = Some(title_case(&key(&chunk.words[..used])));
            }
        }
        let rest = chunk.words[used..].to_vec();
        pending.remove(position);
        if !rest.is_empty() {
            pending.insert(
                position,
                Chunk {
                    words: rest,
                    before_house: chunk.before_house,
                    ..Chunk::default()
                },
            );
        }
    } else {
        let mut best: Option<(usize, usize, &[Place])> = None;
        for (position, chunk) in pending.iter().enumerate() {
            if chunk.level.is_some() && chunk.level != Some(Level::Street) {
                continue;
            }
            // A street chunk may start with the settlement ("Москва Варшавское шоссе").
            let max = if chunk.level == Some(Level::Street) {
                chunk.words.len().saturating_sub(1).min(gazetteer.max_words)
            } else {
                gazetteer.max_words
            };
            if max == 0 {
                continue;
            }
            let Some((places, n)) = longest_prefix(&chunk.words, max, |k| {
                let places = gazetteer.places(k);
                (!places.is_empty()).then_some(places)
            }) else {
                continue;
            };
            let is_city = places.iter().any(|p| p.is_city);
            // A bare name that only villages carry ("Ленина") is more likely a street, unless
            // the region, district or postcode vouches for it.
            let vouched = places.iter().any(|p| {
                found.region.is_some_and(|r| same_region(geo, p.region, r))
                    || index_region.is_some_and(|r| same_region(geo, p.region, r))
                    || found.area.as_ref().is_some_and(|a| &p.area == a)
            });
            if !is_city && !vouched {
                continue;
            }
            let better = match best {
                None => true,
                Some((_, _, current)) => is_city && !current.iter().any(|p| p.is_city),
            };
            if better {
                best = Some((position, n, places));
            }
        }
        if let Some((position, n, places)) = best {
            found.place = found.choose(places, index_region, index_code);
            if found.place.is_none() && found.unknown_place.is_none() {
                found.unknown_place = Some(title_case(&key(&pending[position].words[..n])));
            }
            let chunk = pending.remove(position);
            let rest = chunk.words[n..].to_vec();
            if !rest.is_empty() {
                pending.insert(
                    position,
                    Chunk {
                        words: rest,
                        ..chunk
                    },
                );
            }
        }
    }

    // The street: a typed one, else the bare name right before the house, else the last
    // bare name left.
    let place_key = found.place.map(|p| fold(&p.name));
    pending.retain(|chunk| place_key.as_deref() != Some(key(&chunk.words).as_str()));
    let bare = |c: &Chunk| c.level.is_none();
    if !pending.iter().any(|c| c.level == Some(Level::Street))
        && let Some(position) = pending
            .iter()
            .position(|c| bare(c) && c.before_house)
            .or_else(|| pending.iter().rposition(bare))
    {
        let street = pending.remove(position);
        pending.insert(0, street);
    }
    for chunk in pending {
        let k = key(&chunk.words);
        if place_key.as_deref() == Some(k.as_str()) {
            continue; // The settlement named twice ("Москва, г. Москва").
        }
        match (chunk.level, &found.street) {
            (Some(Level::Street), None) => {
                found.street = Some((title_case(&k), chunk.abbr, false));
            }
            (None, None) if found.place.is_some() || found.unknown_place.is_some() => {
                found.street = Some((title_case(&k), "ул", true));
            }
            (Some(Level::Street), Some((name, abbr, true))) => {
                // A typed street after a bare name: the bare name was something else.
                found.leftovers.push(name.clone());
                let _ = abbr;
                found.street = Some((title_case(&k), chunk.abbr, false));
            }
            _ => found.leftovers.push(k),
        }
    }

    finish(
        &mut result,
        found,
        index_code,
        index_known.is_some(),
        index_region,
        geo,
    );
    result
}

fn finish(
    result: &mut CleanAddress,
    mut found: Found<'_>,
    index_code: Option<u32>,
    index_known: bool,
    index_region: Option<u16>,
    geo: &Geography,
) {
    let region_name = |r: u16| geo.regions().get(r as usize).map(|r| r.name.clone());
    let federal = |r: u16| {
        geo.regions()
            .get(r as usize)
            .is_some_and(|r| FEDERAL_CITIES.contains(&r.iso_code.as_str()))
    };

    // The settlement from the postcode, when the text named none.
    if found.place.is_none()
        && found.unknown_place.is_none()
        && let Some(code) = index_code
        && let Some(entry) = geo.postcode(code)
    {
        let base = entry
            .place
            .trim_end_matches(|c: char| c.is_ascii_digit())
            .trim_end();
        let places = Gazetteer::embedded().places(&fold(base));
        if let Some(place) = places.iter().find(|p| p.region == entry.region) {
            found.place = Some(place);
            result.inferred.push(InferredPart::Place);
        }
    }
    // A federal city named only as a region ("г Москва" read as the region, or "Москва").
    if found.place.is_none()
        && found.unknown_place.is_none()
        && let Some(region) = found.region
        && federal(region)
        && let Some(capital) = geo.regions().get(region as usize).map(|r| fold(&r.capital))
    {
        found.place = Gazetteer::embedded()
            .places(&capital)
            .iter()
            .find(|p| p.region == region);
    }

    // Region: from the settlement, else as given, else from the postcode.
    let region = match (found.place, found.region) {
        (Some(place), Some(given)) if !same_region(geo, place.region, given) => {
            found.trouble = found.trouble.max(Trouble::RegionConflict);
            found.notes.push(format!(
                "{} is not in {}",
                place.name,
                region_name(given).unwrap_or_default()
            ));
            Some(given)
        }
        (Some(place), given) => {
            if given.is_none() {
                result.inferred.push(InferredPart::Region);
            }
            Some(place.region)
        }
        (None, Some(given)) => Some(given),
        (None, None) => {
            if index_region.is_some() {
                result.inferred.push(InferredPart::Region);
            }
            index_region
        }
    };
    result.region = region.and_then(region_name);

    // The postcode: checked against the settlement, or inferred from it.
    match (index_code, found.place) {
        (Some(code), Some(place)) => {
            let code_region = index_region;
            if code_region.is_some_and(|r| !same_region(geo, r, place.region)) {
                found.trouble = found.trouble.max(Trouble::RegionConflict);
                found.notes.push(format!(
                    "postcode {code:06} belongs to {}, not to {}",
                    code_region.and_then(region_name).unwrap_or_default(),
                    region_name(place.region).unwrap_or_default()
                ));
            } else if let Some(entry) = geo.postcode(code)
                && !federal(place.region)
            {
                let base = fold(
                    entry
                        .place
                        .trim_end_matches(|c: char| c.is_ascii_digit())
                        .trim_end(),
                );
                if base != fold(&place.name) {
                    found.trouble = found.trouble.max(Trouble::PlaceConflict);
                    found.notes.push(format!(
                        "postcode {code:06} belongs to {}, not to {}",
                        entry.place, place.name
                    ));
                }
            }
            if !index_known {
                found
                    .notes
                    .push(format!("postcode {code:06} is not in the directory"));
            }
        }
        (Some(code), None) => {
            if !index_known {
                found
                    .notes
                    .push(format!("postcode {code:06} is not in the directory"));
            }
        }
        (None, Some(place)) => {
            result.index = Some(format!("{:06}", place.postcode));
            result.inferred.push(InferredPart::Index);
            if place.codes.len() > 1 {
                // Without a street directory the street's own postcode is unknown: the
                // settlement's main one is an assumption, not a validated index.
                found.assumed = true;
                found.notes.push(format!(
                    "no postcode given: {:06} is the main postcode of {}, which has {}; the street's own postcode is not known",
                    place.postcode,
                    place.name,
                    place.codes.len()
                ));
            }
        }
        (None, None) => {}
    }

    // District: as given, else the directory's for a settlement that is not a city.
    result.area = found.area.clone().or_else(|| {
        let place = found.place?;
        if place.is_city || place.area.is_empty() {
            return None;
        }
        result.inferred.push(InferredPart::Area);
        Some(place.area.clone())
    });

    result.place = match (found.place, &found.unknown_place) {
        (Some(place), _) => {
            let abbr = found.place_abbr.or(place.is_city.then_some("г"));
            if found.place_abbr.is_none() && abbr.is_some() {
                result.inferred.push(InferredPart::PlaceType);
            }
            Some(match abbr {
                Some(abbr) => format!("{abbr} {}", place.name),
                None => place.name.clone(),
            })
        }
        (None, Some(name)) => Some(
            format!("{} {name}", found.place_abbr.unwrap_or(""))
                .trim()
                .to_owned(),
        ),
        (None, None) => None,
    };
    result.street = found.street.as_ref().map(|(name, abbr, assumed)| {
        if *assumed {
            result.inferred.push(InferredPart::StreetType);
        }
        format!("{abbr} {name}")
    });

    decide(result, &found);
    result.notes.append(&mut found.notes);
    if !found.leftovers.is_empty() {
        result
            .notes
            .push(format!("not understood: {}", found.leftovers.join(", ")));
    }
    result.valid = acceptable(result.quality_code, result.validation_code);
}

/// The quality and validation codes from what was found.
fn decide(result: &mut CleanAddress, found: &Found<'_>) {
    use AddressQuality as Q;
    use AddressValidity as V;
    let has_place = found.place.is_some() || found.unknown_place.is_some();
    let house_number: Option<u32> = result.house.as_deref().and_then(|h| {
        let digits: String = h.chars().take_while(char::is_ascii_digit).collect();
        digits.parse().ok()
    });
    let (quality, validity) = if !has_place && result.region.is_none() && result.index.is_none() {
        if found.street.is_some() {
            (Q::Undef02, V::NotValidatedHasNoMainPoints)
        } else {
            (Q::Undef06, V::NotValidatedHasNoMainPoints)
        }
    } else if found.trouble == Trouble::RegionConflict {
        (Q::Undef01, V::NotValidatedHasAmbi)
    } else if found.trouble == Trouble::PlaceConflict {
        (Q::Undef02, V::NotValidatedHasAmbi)
    } else if found.ambiguous && result.region.is_none() {
        (Q::Undef01, V::NotValidatedHasAmbi)
    } else if found.ambiguous {
        (Q::Undef02, V::NotValidatedHasAmbi)
    } else if found.unknown_place.is_some() {
        (Q::Undef02, V::NotValidatedHasNoKladrRecord)
    } else if found.place.is_none() && result.po_box.is_none() && !found_demand(result, found) {
        (Q::Undef02, V::NotValidatedHasNoMainPoints)
    } else if result.po_box.is_some() {
        result.address_type = AddressType::PoBox;
        if result.index.is_some() {
            (Q::PostalBox, V::Validated)
        } else {
            (Q::Undef02, V::NotValidatedHasNoMainPoints)
        }
    } else if found_demand(result, found) {
        result.address_type = AddressType::Demand;
        if result.index.is_some() {
            (Q::OnDemand, V::Validated)
        } else {
            (Q::Undef02, V::NotValidatedHasNoMainPoints)
        }
    } else if found.street.is_none() && found.place.is_some_and(|p| p.is_city) {
        if result.house.is_some() {
            (Q::Undef03, V::NotValidatedHouseWithoutStreetOrNp)
        } else {
            (Q::Undef03, V::NotValidatedHasNoMainPoints)
        }
    } else if result.house.is_none() {
        if result.corpus.is_some() || result.building.is_some() {
            (Q::Undef04, V::NotValidatedHouseExtensionWithoutHouse)
        } else {
            (Q::Undef04, V::NotValidatedIncorrectHouse)
        }
    } else if house_number.is_none_or(|n| n == 0 || n > HOUSE_NUMBER_MAX) {
        (Q::Undef04, V::NotValidatedExcededHouseNumber)
    } else if !found.leftovers.is_empty() {
        (Q::Good, V::NotValidatedHasUnparsedParts)
    } else if found.assumed {
        (Q::Good, V::NotValidatedHasAssumption)
    } else {
        (Q::Good, V::Validated)
    };
    result.quality_code = quality;
    result.validation_code = validity;
}

fn found_demand(result: &CleanAddress, _found: &Found<'_>) -> bool {
    result.address_type == AddressType::Demand
}

/// Same region, or two the postcode data does not tell apart (see [`region_group`]).
fn same_region(geo: &Geography, a: u16, b: u16) -> bool {
    let iso = |r: u16| {
        geo.regions()
            .get(r as usize)
            .map_or("", |r| r.iso_code.as_str())
    };
    a == b || region_group(iso(a)) == region_group(iso(b))
}
