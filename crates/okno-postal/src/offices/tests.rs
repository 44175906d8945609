//! Tests of the office directory against the real embedded data: seeding, coordinates, search,
//! import (with property tests: any CSV or JSON is a directory or a list of errors, never a
//! panic).

use super::import::{Format, from_csv, from_json, import, to_csv};
use super::*;
use crate::geo::Geography;
use proptest::prelude::*;

fn directory() -> &'static Directory {
    Directory::embedded()
}

/// 2026-11-30 00:00 UTC, a Monday.
const MONDAY_MIDNIGHT_UTC: i64 = 1_795_996_800;

#[test]
fn one_synthetic_office_per_postcode() {
    let directory = directory();
    assert_eq!(directory.offices().len(), 43_538);
    assert!(directory.is_synthetic());
    assert!(directory.offices().iter().all(|o| o.synthetic));
    for office in directory.offices() {
        assert!(
            check_coordinates(office.lat, office.lon).is_ok(),
            "{office:?}"
        );
    }
    let counts = OfficeType::ALL.map(|t| {
        directory
            .offices()
            .iter()
            .filter(|o| o.office_type == t)
            .count()
    });
    // 80/10/10 by the hash, within a percent.
    assert!((34_000..35_700).contains(&counts[0]), "{counts:?}");
    assert!((3_900..4_800).contains(&counts[1]), "{counts:?}");
    assert!((3_900..4_800).contains(&counts[2]), "{counts:?}");
    let estimated = directory
        .offices()
        .iter()
        .filter(|o| o.coordinates_estimated)
        .count();
    // 16,529 accuracy 1 and 84 unknown, plus accuracy-4 points far from their city.
    assert!(estimated >= 16_529 + 84, "{estimated}");
}

#[test]
fn seeding_is_deterministic() {
    let again = Directory::synthetic(Geography::embedded());
    assert_eq!(again.offices(), directory().offices());
}

#[test]
fn barnaul_49_is_moved_to_barnaul() {
    let geo = Geography::embedded();
    let raw = geo.postcode(656_049).unwrap();
    assert_eq!((raw.lat, raw.lon, raw.accuracy), (55.65, 66.25, Some(1)));
    let barnaul = geo.cities().iter().find(|c| c.name == "Барнаул").unwrap();
    let office = directory().get(656_049).unwrap();
    assert_eq!(office.place, "Барнаул 49");
    assert_eq!(office.region.iso, "RU-ALT");
    assert_eq!(office.region.name, "Алтайский край");
    assert!(office.coordinates_estimated);
    assert_eq!(office.coordinate_source, CoordinateSource::CityCentre);
    let from_centre = distance_m(office.lat, office.lon, barnaul.lat, barnaul.lon);
    assert!(
        (300.0..=4_000.0 + 1.0).contains(&from_centre),
        "{from_centre}"
    );
    let from_geonames = distance_m(office.lat, office.lon, raw.lat, raw.lon);
    assert!(from_geonames > 900_000.0, "{from_geonames}");
    assert_eq!(office.utc_offset_hours, 7);
}

#[test]
fn matched_points_stay_and_far_ones_move() {
    let geo = Geography::embedded();
    // Omsk 15: accuracy 4 at the city point: as given.
    let raw = geo.postcode(644_015).unwrap();
    let office = directory().get(644_015).unwrap();
    if raw.accuracy == Some(4) {
        assert_eq!((office.lat, office.lon), (raw.lat, raw.lon));
        assert!(!office.coordinates_estimated);
        assert_eq!(office.coordinate_source, CoordinateSource::Geonames);
    }
    // No office of a place naming a city sits more than 50 km from that city's centre.
    for office in directory().offices() {
        if office.coordinate_source == CoordinateSource::CityCentre {
            assert!(office.coordinates_estimated);
        }
        if !office.coordinates_estimated {
            let raw = geo.postcode(office.index).unwrap();
            assert_eq!(raw.accuracy, Some(4), "{office:?}");
        }
    }
    let moved = directory()
        .offices()
        .iter()
        .filter(|o| o.coordinate_source == CoordinateSource::CityCentre)
        .count();
    assert!(moved > 1_000, "{moved}");
}

#[test]
fn nearest_is_sorted_filtered_and_bounded() {
    let geo = Geography::embedded();
    let barnaul = geo.cities().iter().find(|c| c.name == "Барнаул").unwrap();
    let mut query = NearestQuery::new(barnaul.lat, barnaul.lon);
    query.limit = 20;
    let found = directory().nearest(&query).unwrap();
    assert_eq!(found.len(), 20);
    assert!(found.windows(2).all(|w| w[0].distance_m <= w[1].distance_m));
    // The answer is the true nearest 20: no office outside it is closer than the last one.
    let last = found[19].distance_m;
    let closer = directory()
        .offices()
        .iter()
        .filter(|o| distance_m(barnaul.lat, barnaul.lon, o.lat, o.lon) < last)
        .count();
    assert!(closer <= 20, "{closer}");

    query.filter = Filter {
        types: TypeSet::only(OfficeType::ParcelLocker),
        open_at: Some(OpenAt::Instant(MONDAY_MIDNIGHT_UTC)),
        payment: Some(Payment::CashOnDelivery),
        weight_grams: Some(10_000),
    };
    query.radius_m = 100_000;
    let lockers = directory().nearest(&query).unwrap();
    assert!(!lockers.is_empty());
    for found in &lockers {
        let office = found.office;
        assert_eq!(office.office_type, OfficeType::ParcelLocker);
        assert!(office.payments.cash_on_delivery);
        assert!(office.max_weight_grams >= 10_000);
        assert!(found.distance_m <= 100_000.0);
    }
    // Monday 07:00 in Barnaul: post offices there are not open yet, lockers always are.
    query.filter = Filter {
        types: TypeSet::only(OfficeType::PostOffice),
        open_at: Some(OpenAt::Instant(MONDAY_MIDNIGHT_UTC)),
        ..Filter::default()
    };
    query.radius_m = 30_000;
    assert!(directory().nearest(&query).unwrap().is_empty());
    // 10:00 local (03:00 UTC) they are.
    query.filter.open_at = Some(OpenAt::Instant(MONDAY_MIDNIGHT_UTC + 3 * 3600));
    assert!(!directory().nearest(&query).unwrap().is_empty());
    // The same as a wall-clock time.
    query.filter.open_at = Some(OpenAt::LocalTime {
        weekday: 0,
        minute: 7 * 60,
    });
    assert!(directory().nearest(&query).unwrap().is_empty());
    query.filter.open_at = Some(OpenAt::LocalTime {
        weekday: 0,
        minute: 10 * 60,
    });
    assert!(!directory().nearest(&query).unwrap().is_empty());
    // Lockers and post offices but no pickup points.
    query.filter = Filter {
        types: TypeSet::of(&[OfficeType::PostOffice, OfficeType::ParcelLocker]),
        ..Filter::default()
    };
    query.limit = 100;
    let found = directory().nearest(&query).unwrap();
    assert!(
        found
            .iter()
            .all(|f| f.office.office_type != OfficeType::PickupPoint)
    );

    // A radius nobody is in.
    let mut ocean = NearestQuery::new(0.0, -150.0);
    ocean.radius_m = RADIUS_M_MAX;
    assert!(directory().nearest(&ocean).unwrap().is_empty());
}

#[test]
fn nearest_matches_a_brute_force_scan() {
    let filters = [
        Filter::default(),
        Filter {
            types: TypeSet::of(&[OfficeType::PostOffice, OfficeType::ParcelLocker]),
            payment: Some(Payment::Card),
            ..Filter::default()
        },
        Filter {
            types: TypeSet::only(OfficeType::PickupPoint),
            weight_grams: Some(20_000),
            open_at: Some(OpenAt::Instant(MONDAY_MIDNIGHT_UTC + 5 * 3600)),
            ..Filter::default()
        },
    ];
    for office in directory().offices().iter().step_by(4_001) {
        let (lat, lon) = (office.lat + 0.03, office.lon - 0.04);
        for filter in filters {
            let query = NearestQuery {
                lat,
                lon,
                filter,
                limit: 25,
                radius_m: 120_000,
            };
            let found: Vec<u32> = directory()
                .nearest(&query)
                .unwrap()
                .iter()
                .map(|f| f.office.index)
                .collect();
            let mut expected: Vec<(f64, u32)> = directory()
                .offices()
                .iter()
                .filter(|o| filter.matches(o))
                .map(|o| (distance_m(lat, lon, o.lat, o.lon), o.index))
                .filter(|(d, _)| *d <= 120_000.0)
                .collect();
            expected.sort_by(|a, b| a.0.total_cmp(&b.0));
            expected.truncate(25);
            // Ties at the same distance may come in either order: compare the distances, and
            // the sets where no tie is involved.
            let found_distances: Vec<f64> = found
                .iter()
                .map(|&i| {
                    let o = directory().get(i).unwrap();
                    distance_m(lat, lon, o.lat, o.lon)
                })
                .collect();
            let expected_distances: Vec<f64> = expected.iter().map(|e| e.0).collect();
            assert_eq!(
                found_distances, expected_distances,
                "{filter:?} at {lat}, {lon}"
            );
        }
    }
}

#[test]
fn bad_queries_name_the_field() {
    for (lat, lon, field) in [
        (91.0, 0.0, QueryField::Lat),
        (f64::NAN, 0.0, QueryField::Lat),
        (0.0, 180.5, QueryField::Lon),
        (0.0, f64::INFINITY, QueryField::Lon),
    ] {
        let error = directory()
            .nearest(&NearestQuery::new(lat, lon))
            .unwrap_err();
        assert_eq!(error.field, field);
    }
    let mut query = NearestQuery::new(55.0, 37.0);
    query.limit = 0;
    assert_eq!(
        directory().nearest(&query).unwrap_err().field,
        QueryField::Limit
    );
    query.limit = 10;
    query.radius_m = RADIUS_M_MAX + 1;
    assert_eq!(
        directory().nearest(&query).unwrap_err().field,
        QueryField::Radius
    );
    query.radius_m = 1000;
    query.filter.weight_grams = Some(0);
    assert_eq!(
        directory().nearest(&query).unwrap_err().field,
        QueryField::Weight
    );
}

#[test]
fn locate_takes_a_postcode_or_a_city() {
    let geo = Geography::embedded();
    let by_code = directory().locate("656049", geo).unwrap();
    assert_eq!(by_code.matched, "postcode");
    let office = directory().get(656_049).unwrap();
    assert_eq!((by_code.lat, by_code.lon), (office.lat, office.lon));
    let by_city = directory().locate("г. Барнаул", geo).unwrap();
    assert_eq!(
        (by_city.matched, by_city.name.as_str()),
        ("city", "Барнаул")
    );
    assert!(directory().locate("барнаул", geo).is_some());
    assert!(directory().locate("Нигдебург", geo).is_none());
    assert!(directory().locate("999999", geo).is_none());
}

const SAMPLE_CSV: &str = "index,type,name,place,region_iso,address,lat,lon,mon,tue,wed,thu,fri,sat,sun,payments,max_weight_grams\n\
656049,post_office,Барнаул 49,Барнаул,RU-ALT,\"656049, Алтайский край, Барнаул, пр-т Ленина, 61А\",53.3561,83.7631,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,09:00-18:00,,cash card cash_on_delivery,20000\n\
656000,ПОЧТОМАТ,Почтомат 656000,Барнаул,,\"Барнаул, ТЦ\",53.35,83.78,00:00-24:00,00:00-24:00,00:00-24:00,00:00-24:00,00:00-24:00,00:00-24:00,00:00-24:00,card,15000\n";

#[test]
fn a_csv_directory_replaces_the_synthetic_one() {
    let geo = Geography::embedded();
    let imported = from_csv(SAMPLE_CSV.as_bytes(), geo).unwrap();
    assert_eq!(imported.offices().len(), 2);
    assert!(!imported.is_synthetic());
    let office = imported.get(656_049).unwrap();
    assert!(!office.synthetic);
    assert!(!office.coordinates_estimated);
    assert_eq!(office.coordinate_source, CoordinateSource::Imported);
    assert_eq!(
        office.utc_offset_hours, 7,
        "Barnaul's offset, from the region"
    );
    assert_eq!(office.hours.day(6), &[] as &[Interval]);
    let locker = imported.get(656_000).unwrap();
    assert_eq!(locker.office_type, OfficeType::ParcelLocker);
    assert_eq!(locker.region.iso, "RU-ALT", "derived from the postcode");
    assert!(locker.open_at(MONDAY_MIDNIGHT_UTC));
    assert_eq!(Format::from_file_name("offices.CSV"), Some(Format::Csv));
    assert_eq!(Format::from_file_name("offices.json"), Some(Format::Json));
    assert_eq!(Format::from_file_name("offices.txt"), None);
}

#[test]
fn every_bad_row_is_reported_with_row_and_field() {
    let geo = Geography::embedded();
    let text = "index,type,name,place,address,lat,lon,mon,payments,max_weight_grams\n\
        12345,post_office,A,B,C,55,37,,,100\n\
        644016,kiosk,A,B,C,95,37,8-20,cash bitcoin,0\n\
        644015,post_office,A,B,C,55,37,,,100\n\
        644015,post_office,A,B,C,55,37,,,100\n";
    let errors = from_csv(text.as_bytes(), geo).unwrap_err();
    let found: Vec<(usize, &str)> = errors
        .errors
        .iter()
        .map(|e| (e.row, e.field.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (1, "index"),
            (2, "type"),
            (2, "lat"),
            (2, "mon"),
            (2, "payments"),
            (2, "max_weight_grams"),
            (4, "index"),
        ],
        "{errors}"
    );
    assert!(
        errors
            .to_string()
            .contains("row 4, index: 644015 already given in row 3"),
        "{errors}"
    );

    let missing = from_csv(b"index,type,nmae\n", geo).unwrap_err();
    let fields: Vec<&str> = missing.errors.iter().map(|e| e.field.as_str()).collect();
    assert!(
        fields.contains(&"nmae") && fields.contains(&"lat"),
        "{missing}"
    );
    assert!(from_csv(b"", geo).is_err());
    assert!(from_csv(b"\xff\xfe", geo).is_err());
}

#[test]
fn json_uses_the_same_fields() {
    let geo = Geography::embedded();
    let json = r#"[
        {"index": "656049", "type": "post_office", "name": "Барнаул 49", "place": "Барнаул",
         "address": "656049, Барнаул", "lat": 53.3561, "lon": 83.7631,
         "mon": ["08:00-13:00", "14:00-20:00"], "payments": ["cash", "card"],
         "max_weight_grams": 20000, "utc_offset_hours": 7},
        {"index": 1, "type": "post_office", "lat": "north", "extra": 1},
        [1, 2]
    ]"#;
    let errors = from_json(json.as_bytes(), geo).unwrap_err();
    let found: Vec<(usize, &str)> = errors
        .errors
        .iter()
        .map(|e| (e.row, e.field.as_str()))
        .collect();
    assert_eq!(found, [(2, "extra"), (3, "")], "{errors}");
    let good = json
        .split_once(",\n        {\"index\": 1")
        .unwrap()
        .0
        .to_owned()
        + "]";
    let directory = import(good.as_bytes(), Format::Json, geo).unwrap();
    let office = directory.get(656_049).unwrap();
    assert_eq!(office.hours.day(0).len(), 2);
    assert!(office.payments.card && !office.payments.cash_on_delivery);
    assert!(from_json(b"{}", geo).is_err());
    assert!(
        from_json(b"[]", geo).is_err(),
        "an empty directory is refused"
    );
}

#[test]
fn the_synthetic_directory_exports_and_imports_back() {
    let geo = Geography::embedded();
    let text = to_csv(directory());
    let back = from_csv(text.as_bytes(), geo).unwrap();
    assert_eq!(back.offices().len(), directory().offices().len());
    for (a, b) in back.offices().iter().zip(directory().offices()).step_by(97) {
        assert_eq!(a.index, b.index);
        assert_eq!((a.lat, a.lon), (b.lat, b.lon));
        assert_eq!(a.hours, b.hours);
        assert_eq!(a.payments, b.payments);
        assert_eq!(a.utc_offset_hours, b.utc_offset_hours);
        assert_eq!(a.coordinates_estimated, b.coordinates_estimated);
        assert!(!a.synthetic);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_bytes_are_a_directory_or_errors(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let geo = Geography::embedded();
        let _ = from_csv(&bytes, geo);
        let _ = from_json(&bytes, geo);
    }

    #[test]
    fn any_csv_rows_are_a_directory_or_errors(
        rows in proptest::collection::vec(
            proptest::collection::vec("[0-9:,. a-zа-я\"-]{0,12}", 10), 0..6)
    ) {
        let geo = Geography::embedded();
        let mut text = String::from("index,type,name,place,address,lat,lon,mon,payments,max_weight_grams\n");
        for row in &rows {
            text.push_str(&row.join(","));
            text.push('\n');
        }
        match from_csv(text.as_bytes(), geo) {
            Ok(directory) => {
                for office in directory.offices() {
                    prop_assert!(check_coordinates(office.lat, office.lon).is_ok());
                    prop_assert!(!office.synthetic);
                }
            }
            Err(errors) => prop_assert!(!errors.errors.is_empty()),
        }
    }

    #[test]
    fn any_json_offices_are_a_directory_or_errors(
        values in proptest::collection::vec(
            prop_oneof![
                Just(serde_json::json!(null)),
                any::<f64>().prop_map(|f| serde_json::json!(f)),
                any::<i64>().prop_map(|i| serde_json::json!(i)),
                "[0-9:. a-z-]{0,10}".prop_map(|s| serde_json::json!(s)),
                Just(serde_json::json!(["cash", "card"])),
                Just(serde_json::json!({"a": 1})),
            ],
            10,
        )
    ) {
        let geo = Geography::embedded();
        let keys = ["index", "type", "name", "place", "address", "lat", "lon", "mon", "payments", "max_weight_grams"];
        let office: serde_json::Map<String, serde_json::Value> =
            keys.iter().map(|k| k.to_string()).zip(values).collect();
        let text = serde_json::Value::Array(vec![serde_json::Value::Object(office)]).to_string();
        let _ = from_json(text.as_bytes(), geo);
    }

    #[test]
    fn nearest_never_panics(lat in -100.0f64..100.0, lon in -200.0f64..200.0, limit in 0usize..120, radius in 0u32..600_000) {
        let query = NearestQuery { lat, lon, filter: Filter::default(), limit, radius_m: radius };
        if let Ok(found) = directory().nearest(&query) {
            prop_assert!(found.len() <= limit);
            prop_assert!(found.iter().all(|f| f.distance_m <= f64::from(radius)));
        }
    }
}
