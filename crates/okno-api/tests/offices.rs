//! Post offices over HTTP on both backends: by index and nearest, ours and the Otpravka shapes,
//! the filters, every bad parameter named, and the reload of an imported directory file.
#![allow(clippy::unwrap_used)]

#[macro_use]
mod support;

use axum::http::Method;
use okno_api::{ApiConfig, AppState, ProblemKind, app as build_app};
use okno_postal::Geography;
use okno_postal::offices::distance_m;
use serde_json::Value;
use support::*;

both!(
    an_office_by_index_in_both_shapes,
    nearest_offices_with_filters,
    bad_parameters_are_named,
    otpravka_nearby_and_by_address,
    an_imported_file_replaces_the_directory_and_reloads,
);

fn barnaul() -> (f64, f64) {
    let city = Geography::embedded()
        .cities()
        .iter()
        .find(|c| c.name == "Барнаул")
        .unwrap();
    (city.lat, city.lon)
}

async fn get(app: &TestApp, path: &str) -> Answer {
    app.call(Method::GET, path, Some(&app.tenant_key), None)
        .await
}

async fn an_office_by_index_in_both_shapes(app: TestApp) {
    let ours = get(&app, "/v1/post-offices/656049").await;
    assert_eq!(ours.status, 200, "{:#}", ours.body);
    let office = &ours.body;
    assert_eq!(office["index"], "656049");
    assert_eq!(office["place"], "Барнаул 49");
    assert_eq!(office["region"]["iso"], "RU-ALT");
    assert_eq!(office["synthetic"], true);
    // GeoNames puts 656049 at 55.65, 66.25, about 1,000 km from Barnaul; okno moves it.
    assert_eq!(office["coordinates_estimated"], true);
    assert_eq!(office["coordinate_source"], "city_centre");
    let (lat, lon) = barnaul();
    let off = distance_m(
        office["lat"].as_f64().unwrap(),
        office["lon"].as_f64().unwrap(),
        lat,
        lon,
    );
    assert!(off < 5_000.0, "{off} m from Barnaul's centre");
    assert_eq!(office["utc_offset_hours"], 7);
    assert_eq!(office["hours"].as_object().unwrap().len(), 7);

    let otpravka = app
        .call_with(
            Method::GET,
            "/postoffice/1.0/656049",
            None,
            None,
            &[("authorization", &format!("AccessToken {}", app.tenant_key))],
        )
        .await;
    assert_eq!(otpravka.status, 200, "{:#}", otpravka.body);
    let body = &otpravka.body;
    assert_eq!(body["postal-code"], "656049");
    assert_eq!(body["settlement"], "Барнаул");
    assert_eq!(body["region"], "Алтайский край");
    assert_eq!(body["latitude"], office["lat"]);
    assert_eq!(body["okno-synthetic"], true);
    assert_eq!(body["okno-coordinates-estimated"], true);
    let code = body["type-code"].as_str().unwrap();
    assert!(["ГОПС", "ПОЧТОМАТ", "ПВЗ"].contains(&code), "{code}");
    let days = body["working-hours"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(days[0]["weekday-id"], 1);

    let unknown = get(&app, "/v1/post-offices/999999").await;
    assert_problem(&unknown, ProblemKind::NotFound);
    let unknown = get(&app, "/postoffice/1.0/999999").await;
    assert_problem(&unknown, ProblemKind::NotFound);
    let short = get(&app, "/v1/post-offices/65604").await;
    assert_problem(&short, ProblemKind::BadRequest);
    assert_eq!(short.body["errors"][0]["pointer"], "index");
    let anonymous = app
        .call(Method::GET, "/v1/post-offices/656049", None, None)
        .await;
    assert_problem(&anonymous, ProblemKind::Unauthenticated);
}

fn offices(answer: &Answer) -> &Vec<Value> {
    answer.body["offices"].as_array().unwrap()
}

async fn nearest_offices_with_filters(app: TestApp) {
    let (lat, lon) = barnaul();
    let answer = get(
        &app,
        &format!("/v1/post-offices?lat={lat}&lon={lon}&limit=7"),
    )
    .await;
    assert_eq!(answer.status, 200, "{:#}", answer.body);
    assert_eq!(answer.body["directory"], "synthetic");
    let found = offices(&answer);
    assert_eq!(found.len(), 7);
    let distances: Vec<u64> = found
        .iter()
        .map(|o| o["distance_m"].as_u64().unwrap())
        .collect();
    assert!(distances.windows(2).all(|w| w[0] <= w[1]), "{distances:?}");
    for office in found {
        assert!(office["synthetic"].is_boolean() && office["coordinates_estimated"].is_boolean());
        let recomputed = distance_m(
            lat,
            lon,
            office["lat"].as_f64().unwrap(),
            office["lon"].as_f64().unwrap(),
        );
        let reported = office["distance_m"].as_f64().unwrap();
        assert!(
            (recomputed - reported).abs() <= 1.0,
            "{recomputed} vs {reported}"
        );
    }

    // Monday 2026-11-30 07:00 in Barnaul (UTC+7): no post office is open yet.
    let early = get(
        &app,
        &format!("/v1/post-offices?lat={lat}&lon={lon}&type=post_office&open_at=2026-11-30T07:00:00%2B07:00&radius=30000"),
    )
    .await;
    assert_eq!(early.status, 200, "{:#}", early.body);
    assert!(offices(&early).is_empty(), "{:#}", early.body);
    // The same instant in UTC, 10:00 local: they are.
    let later = get(
        &app,
        &format!("/v1/post-offices?lat={lat}&lon={lon}&type=post_office&open_at=2026-11-30T03:00:00Z&radius=30000"),
    )
    .await;
    assert!(!offices(&later).is_empty());

    let lockers = get(
        &app,
        &format!("/v1/post-offices?lat={lat}&lon={lon}&type=parcel_locker&payment=cash_on_delivery&weight=12000&limit=20&radius=200000"),
    )
    .await;
    assert_eq!(lockers.status, 200, "{:#}", lockers.body);
    assert!(!offices(&lockers).is_empty());
    for office in offices(&lockers) {
        assert_eq!(office["type"], "parcel_locker");
        assert_eq!(office["payments"]["cash_on_delivery"], true);
        assert!(office["max_weight_grams"].as_i64().unwrap() >= 12_000);
        assert!(office["distance_m"].as_u64().unwrap() <= 200_000);
    }

    for address in ["Барнаул", "656049"] {
        let by_address = get(
            &app,
            &format!("/v1/post-offices?address={}&limit=3", percent(address)),
        )
        .await;
        assert_eq!(by_address.status, 200, "{:#}", by_address.body);
        assert_eq!(offices(&by_address).len(), 3);
        assert!(by_address.body["origin"]["located"]["matched"].is_string());
    }
    let own = get(&app, "/v1/post-offices?address=656049&limit=1").await;
    assert_eq!(offices(&own)[0]["index"], "656049");
    assert_eq!(offices(&own)[0]["distance_m"], 0);

    // A free-form address goes through the normaliser: its postcode is the point.
    let full = "656049 Алтайский край, Барнаул, пр-т Ленина д.61А";
    let by_text = get(
        &app,
        &format!("/v1/post-offices?address={}&limit=1", percent(full)),
    )
    .await;
    assert_eq!(by_text.status, 200, "{:#}", by_text.body);
    assert_eq!(by_text.body["origin"]["located"]["matched"], "address");
    assert_eq!(offices(&by_text)[0]["index"], "656049");
    // Without a postcode, the settlement is.
    let no_index = "Саратов, ул. Московская, 12";
    let by_place = get(
        &app,
        &format!("/v1/post-offices?address={}&limit=1", percent(no_index)),
    )
    .await;
    assert_eq!(by_place.status, 200, "{:#}", by_place.body);
    assert!(
        offices(&by_place)[0]["index"]
            .as_str()
            .unwrap()
            .starts_with("410")
    );
    // Gibberish is refused, naming the parameter.
    let nonsense = get(
        &app,
        &format!("/v1/post-offices?address={}", percent("абв где 5")),
    )
    .await;
    assert_eq!(nonsense.status, 400, "{:#}", nonsense.body);
    assert_eq!(nonsense.body["errors"][0]["pointer"], "address");
}

fn percent(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

async fn bad_parameters_are_named(app: TestApp) {
    for (query, parameter) in [
        ("lat=91&lon=37", "lat"),
        ("lat=55&lon=-181", "lon"),
        ("lat=north&lon=37", "lat"),
        ("lat=NaN&lon=37", "lat"),
        ("lat=55", "lon"),
        ("lon=37", "lat"),
        ("lat=55&lon=37&type=kiosk", "type"),
        ("lat=55&lon=37&open_at=tomorrow", "open_at"),
        ("lat=55&lon=37&open_at=2026-11-30T10:00:00", "open_at"),
        ("lat=55&lon=37&payment=bitcoin", "payment"),
        ("lat=55&lon=37&weight=0", "weight"),
        ("lat=55&lon=37&weight=1.5", "weight"),
        ("lat=55&lon=37&limit=0", "limit"),
        ("lat=55&lon=37&limit=101", "limit"),
        ("lat=55&lon=37&radius=500001", "radius"),
        ("lat=55&lon=37&colour=red", "colour"),
        ("address=%D0%9D%D0%B8%D0%B3%D0%B4%D0%B5", "address"),
        ("lat=55&lon=37&address=644015", "address"),
    ] {
        let answer = get(&app, &format!("/v1/post-offices?{query}")).await;
        assert_problem(&answer, ProblemKind::BadRequest);
        assert_eq!(
            answer.body["errors"][0]["pointer"], parameter,
            "{query}: {:#}",
            answer.body
        );
    }
    for (query, parameter) in [
        ("longitude=37", "latitude"),
        ("latitude=95&longitude=37", "latitude"),
        ("latitude=55&longitude=37&top=0", "top"),
        ("latitude=55&longitude=37&search-radius=-1", "search-radius"),
        ("latitude=55&longitude=37&filter=SOME", "filter"),
        (
            "latitude=55&longitude=37&filter=WORKING&current-date-time=noon",
            "current-date-time",
        ),
    ] {
        let answer = get(&app, &format!("/postoffice/1.0/nearby?{query}")).await;
        assert_problem(&answer, ProblemKind::BadRequest);
        assert_eq!(answer.body["errors"][0]["pointer"], parameter, "{query}");
    }
}

async fn otpravka_nearby_and_by_address(app: TestApp) {
    let (lat, lon) = barnaul();
    let nearby = get(
        &app,
        &format!("/postoffice/1.0/nearby?latitude={lat}&longitude={lon}&top=50&search-radius=10"),
    )
    .await;
    assert_eq!(nearby.status, 200, "{:#}", nearby.body);
    let list = nearby.body.as_array().unwrap();
    assert!(!list.is_empty() && list.len() <= 50);
    // By default Otpravka answers post offices and lockers only.
    for office in list {
        assert_ne!(office["type-code"], "ПВЗ");
        assert!(office["distance"].as_f64().unwrap() <= 10_000.0);
        assert!(office["okno-synthetic"].is_boolean());
        assert!(office["okno-coordinates-estimated"].is_boolean());
    }
    let all = get(
        &app,
        &format!("/postoffice/1.0/nearby?latitude={lat}&longitude={lon}&top=100&search-radius=30&filter-by-office-type=false"),
    )
    .await;
    assert!(
        all.body
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["type-code"] == "ПВЗ"),
        "pickup points when asked"
    );
    // Monday 07:00 local: of the post offices and lockers only lockers work.
    let working = get(
        &app,
        &format!("/postoffice/1.0/nearby?latitude={lat}&longitude={lon}&top=20&search-radius=30&filter=WORKING&current-date-time=2026-11-30T07:00:00"),
    )
    .await;
    assert_eq!(working.status, 200, "{:#}", working.body);
    let working = working.body.as_array().unwrap();
    assert!(!working.is_empty());
    assert!(working.iter().all(|o| o["type-code"] == "ПОЧТОМАТ"));

    let by_address = get(&app, "/postoffice/1.0/by-address?address=656049&top=3").await;
    assert_eq!(by_address.status, 200, "{:#}", by_address.body);
    assert_eq!(by_address.body["is-matched"], true);
    assert_eq!(by_address.body["postoffices"][0], "656049");
    assert_eq!(by_address.body["postoffices"].as_array().unwrap().len(), 3);
    let missing = get(&app, "/postoffice/1.0/by-address").await;
    assert_problem(&missing, ProblemKind::BadRequest);
    assert_eq!(missing.body["errors"][0]["pointer"], "address");
}

const GOOD_CSV: &str = "index,type,name,place,address,lat,lon,mon,tue,wed,thu,fri,sat,sun,payments,max_weight_grams\n\
656049,post_office,Барнаул 49,Барнаул,\"656049, Барнаул, пр-т Ленина, 61А\",53.3561,83.7631,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,08:00-20:00,,,cash card,20000\n\
656000,ПОЧТОМАТ,Почтомат 656000,Барнаул,\"Барнаул, ТЦ\",53.35,83.78,00:00-24:00,00:00-24:00,00:00-24:00,00:00-24:00,00:00-24:00,00:00-24:00,00:00-24:00,card,15000\n";

async fn an_imported_file_replaces_the_directory_and_reloads(app: TestApp) {
    // Without a file there is nothing to reload.
    let nothing = app
        .call(
            Method::POST,
            "/v1/admin/post-offices:reload",
            Some(&app.operator_key),
            None,
        )
        .await;
    assert_problem(&nothing, ProblemKind::Conflict);

    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("offices.csv");
    std::fs::write(&path, GOOD_CSV).unwrap();
    let state = AppState::new(app.oms.clone(), ApiConfig::default())
        .with_post_offices_file(&path)
        .unwrap();
    let imported = TestApp {
        router: build_app(state),
        oms: app.oms.clone(),
        tenant_id: app.tenant_id,
        tenant_key: app.tenant_key.clone(),
        other_tenant_key: app.other_tenant_key.clone(),
        operator_key: app.operator_key.clone(),
    };
    let office = get(&imported, "/v1/post-offices/656049").await;
    assert_eq!(office.status, 200, "{:#}", office.body);
    assert_eq!(office.body["synthetic"], false);
    assert_eq!(office.body["coordinates_estimated"], false);
    assert_eq!(office.body["coordinate_source"], "imported");
    assert_eq!(office.body["lat"], 53.3561);
    let gone = get(&imported, "/v1/post-offices/644015").await;
    assert_problem(&gone, ProblemKind::NotFound);
    let nearest = get(&imported, "/v1/post-offices?lat=53.35&lon=83.77").await;
    assert_eq!(nearest.body["directory"], "imported");
    assert_eq!(offices(&nearest).len(), 2);

    // A bad file: every bad row named, the directory in use kept.
    std::fs::write(
        &path,
        "index,type,name,place,address,lat,lon,max_weight_grams\n\
         644015,post_office,Омск 15,Омск,Омск,55,73.4,20000\n\
         644016,kiosk,Омск 16,Омск,Омск,95,73.4,20000\n",
    )
    .unwrap();
    let tenant = imported
        .call(
            Method::POST,
            "/v1/admin/post-offices:reload",
            Some(&imported.tenant_key),
            None,
        )
        .await;
    assert_problem(&tenant, ProblemKind::Forbidden);
    let refused = imported
        .call(
            Method::POST,
            "/v1/admin/post-offices:reload",
            Some(&imported.operator_key),
            None,
        )
        .await;
    assert_problem(&refused, ProblemKind::Validation);
    let pointers: Vec<&str> = refused.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["pointer"].as_str().unwrap())
        .collect();
    assert_eq!(pointers, ["/2/type", "/2/lat"], "{:#}", refused.body);
    assert_eq!(get(&imported, "/v1/post-offices/656049").await.status, 200);

    // A good one replaces it.
    std::fs::write(
        &path,
        "index,type,name,place,address,lat,lon,max_weight_grams\n\
         644015,post_office,Омск 15,Омск,Омск,55,73.4,20000\n",
    )
    .unwrap();
    let reloaded = imported
        .call(
            Method::POST,
            "/v1/admin/post-offices:reload",
            Some(&imported.operator_key),
            None,
        )
        .await;
    assert_eq!(reloaded.status, 200, "{:#}", reloaded.body);
    assert_eq!(reloaded.body["offices"], 1);
    assert_eq!(get(&imported, "/v1/post-offices/644015").await.status, 200);
    assert_problem(
        &get(&imported, "/v1/post-offices/656049").await,
        ProblemKind::NotFound,
    );

    // At start a bad file is an error naming the row and field.
    std::fs::write(&path, "index,type\n1,x\n").unwrap();
    let error = AppState::new(app.oms.clone(), ApiConfig::default())
        .with_post_offices_file(&path)
        .unwrap_err()
        .to_string();
    assert!(error.contains("offices.csv"), "{error}");
    let json_path = folder.path().join("offices.json");
    std::fs::write(&json_path, r#"[{"index": "644015", "lat": 100}]"#).unwrap();
    let error = AppState::new(app.oms.clone(), ApiConfig::default())
        .with_post_offices_file(&json_path)
        .unwrap_err()
        .to_string();
    assert!(error.contains("row 1, lat"), "{error}");
    let error = AppState::new(app.oms.clone(), ApiConfig::default())
        .with_post_offices_file(folder.path().join("offices.txt"))
        .unwrap_err()
        .to_string();
    assert!(error.contains(".csv or .json"), "{error}");
}
