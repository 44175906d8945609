//! Post offices and pickup points: okno's own `GET /v1/post-offices/{index}` and
//! `GET /v1/post-offices?lat=&lon=|address=&type=&open_at=&payment=&weight=&limit=&radius=`,
//! the Otpravka-compatible `GET /postoffice/1.0/{index}`, `/postoffice/1.0/nearby` and
//! `/postoffice/1.0/by-address`, and the operator's `POST /v1/admin/post-offices:reload`.
//!
//! The directory lives in [`PostOffices`]: the synthetic one (built once per process) or the
//! one read from `post_offices_file`, swapped whole on reload. Every office in every answer
//! carries `synthetic` and `coordinates_estimated` (`okno-synthetic`,
//! `okno-coordinates-estimated` in the Otpravka shapes).

use crate::AppState;
use crate::extract::{AnyKey, OperatorKey};
use crate::problem::{Problem, ProblemKind};
use axum::Json;
use axum::extract::{Path, Query, State};
use chrono::{DateTime, Datelike, NaiveDateTime, Timelike};
use okno_model::FieldError;
use okno_postal::Geography;
use okno_postal::offices::hours::clock;
use okno_postal::offices::import::{self, Format, ImportErrors};
use okno_postal::offices::seed::city_name_of;
use okno_postal::offices::{
    Directory, Found, LIMIT_MAX, Located, NearestQuery, OfficeType, OpenAt, Origin, Payment,
    PostOffice, QueryError, QueryField, RADIUS_M_DEFAULT, RADIUS_M_MAX, TypeSet,
};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path as FilePath, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};

/// The directory an app answers from, and the file it was read from (if any).
#[derive(Debug)]
pub struct PostOffices {
    current: RwLock<Arc<Directory>>,
    file: Option<PathBuf>,
}

/// A directory file that cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file cannot be read.
    #[error("cannot read {path}: {error}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        error: std::io::Error,
    },
    /// Neither `.csv` nor `.json`.
    #[error("{path}: the file name must end in .csv or .json")]
    Format {
        /// The file.
        path: String,
    },
    /// Bad rows.
    #[error("{path}: {errors}")]
    Import {
        /// The file.
        path: String,
        /// Every problem.
        errors: ImportErrors,
    },
}

/// Reads a directory file, CSV or JSON by its extension, checking every row.
pub fn load_directory(path: &FilePath) -> Result<Directory, LoadError> {
    let shown = path.display().to_string();
    let format = Format::from_file_name(&shown).ok_or_else(|| LoadError::Format {
        path: shown.clone(),
    })?;
    let bytes = std::fs::read(path).map_err(|error| LoadError::Read {
        path: shown.clone(),
        error,
    })?;
    import::import(&bytes, format, Geography::embedded()).map_err(|errors| LoadError::Import {
        path: shown,
        errors,
    })
}

/// The synthetic directory over the embedded data, built once per process.
fn embedded() -> &'static Arc<Directory> {
    static DIRECTORY: OnceLock<Arc<Directory>> = OnceLock::new();
    DIRECTORY.get_or_init(|| Arc::new(Directory::synthetic(Geography::embedded())))
}

impl PostOffices {
    /// The synthetic directory.
    pub fn synthetic() -> PostOffices {
        PostOffices {
            current: RwLock::new(Arc::clone(embedded())),
            file: None,
        }
    }

    /// The directory in a file (CSV or JSON by extension), which reload re-reads.
    pub fn from_file(path: PathBuf) -> Result<PostOffices, LoadError> {
        let directory = load_directory(&path)?;
        Ok(PostOffices {
            current: RwLock::new(Arc::new(directory)),
            file: Some(path),
        })
    }

    /// The directory now.
    pub fn current(&self) -> Arc<Directory> {
        let guard = self.current.read().unwrap_or_else(|e| e.into_inner());
        Arc::clone(&guard)
    }

    fn replace(&self, directory: Directory) {
        let mut guard = self.current.write().unwrap_or_else(|e| e.into_inner());
        *guard = Arc::new(directory);
    }
}

/// One office with its distance from the search origin.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct FoundOffice {
    /// Great-circle distance from the origin, metres.
    distance_m: u64,
    #[serde(flatten)]
    office: PostOffice,
}

/// The answer of a nearest search.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct NearestAnswer {
    /// `synthetic` (seeded from postcodes; type, hours, payments, weight limits generated) or
    /// `imported`.
    directory: Origin,
    /// The point searched around.
    origin: SearchOrigin,
    /// Nearest first.
    offices: Vec<FoundOffice>,
}

/// The search origin, and how an `address` was resolved.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct SearchOrigin {
    /// Latitude.
    lat: f64,
    /// Longitude.
    lon: f64,
    /// When searched by `address`: what it matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    located: Option<Located>,
}

fn parse_index(text: &str, name: &str) -> Result<u32, Problem> {
    if text.len() == 6 && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse()
            .map_err(|_| Problem::bad_parameter(name, "a postcode is six digits"))
    } else {
        Err(Problem::bad_parameter(
            name,
            format!("a postcode is six digits, got {text:?}"),
        ))
    }
}

fn office_of(directory: &Directory, index: u32) -> Result<&PostOffice, Problem> {
    directory.get(index).ok_or_else(|| {
        Problem::new(
            ProblemKind::NotFound,
            format!("no post office with index {index:06}"),
        )
    })
}

/// One post office, parcel locker or pickup point by its index.
#[utoipa::path(
    get, path = "/v1/post-offices/{index}", tag = "postal",
    params(("index" = String, Path, description = "Six-digit postcode, e.g. 656049")),
    responses(
        (status = 200, description = "The office; `synthetic` and `coordinates_estimated` say what is generated or estimated", body = PostOffice),
        (status = 400, description = "Not six digits", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No office with this index", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn get_office(
    State(state): State<AppState>,
    _key: AnyKey,
    Path(index): Path<String>,
) -> Result<Json<PostOffice>, Problem> {
    let index = parse_index(&index, "index")?;
    let directory = state.post_offices.current();
    Ok(Json(office_of(&directory, index)?.clone()))
}

fn parse_number<T: std::str::FromStr>(name: &str, text: &str, what: &str) -> Result<T, Problem> {
    text.trim()
        .parse()
        .map_err(|_| Problem::bad_parameter(name, format!("must be {what}, got {text:?}")))
}

fn parse_coordinate(name: &str, text: &str) -> Result<f64, Problem> {
    let value: f64 = parse_number(name, text, "a number of degrees")?;
    if !value.is_finite() {
        return Err(Problem::bad_parameter(name, "must be a finite number"));
    }
    Ok(value)
}

fn query_problem(error: QueryError, otpravka: bool) -> Problem {
    let name = match (error.field, otpravka) {
        (QueryField::Lat, false) => "lat",
        (QueryField::Lat, true) => "latitude",
        (QueryField::Lon, false) => "lon",
        (QueryField::Lon, true) => "longitude",
        (QueryField::Limit, false) => "limit",
        (QueryField::Limit, true) => "top",
        (QueryField::Radius, false) => "radius",
        (QueryField::Radius, true) => "search-radius",
        (QueryField::Weight, _) => "weight",
    };
    Problem::bad_parameter(name, error.detail)
}

fn found_view(found: Found<'_>) -> FoundOffice {
    FoundOffice {
        distance_m: found.distance_m.round() as u64,
        office: found.office.clone(),
    }
}

/// A postcode or a city name directly; otherwise the text is read as a free-form address by
/// the normaliser, and its postcode (given or inferred) or settlement is the point searched
/// around. An address the normaliser cannot place (gibberish, foreign, ambiguous) is refused.
fn locate(directory: &Directory, name: &str, text: &str) -> Result<Located, Problem> {
    let geography = Geography::embedded();
    if let Some(located) = directory.locate(text, geography) {
        return Ok(located);
    }
    let clean = okno_postal::clean::normalize_address(text);
    let placed = !matches!(
        clean.quality_code,
        okno_postal::clean::AddressQuality::Undef01
            | okno_postal::clean::AddressQuality::Undef06
            | okno_postal::clean::AddressQuality::Undef07
    );
    let by_index = || {
        clean
            .index
            .as_deref()
            .and_then(|index| directory.locate(index, geography))
    };
    let by_place = || {
        let place = clean.place.as_deref()?;
        let bare = place.split_once(' ').map_or(place, |(_, name)| name);
        directory.locate(bare, geography)
    };
    placed
        .then(|| by_index().or_else(by_place))
        .flatten()
        .map(|located| Located {
            matched: "address",
            ..located
        })
        .ok_or_else(|| {
            Problem::bad_parameter(
                name,
                format!(
                    "{text:?} could not be placed: give a six-digit postcode, a city, or an address with its settlement ({})",
                    clean.notes.join("; ")
                ),
            )
        })
}

/// Nearest offices to a point (`lat` + `lon`) or to an `address` (a postcode or a city name),
/// with filters.
#[utoipa::path(
    get, path = "/v1/post-offices", tag = "postal",
    params(
        ("lat" = Option<f64>, Query, description = "Latitude, -90 to 90 (with `lon`; or give `address`)"),
        ("lon" = Option<f64>, Query, description = "Longitude, -180 to 180"),
        ("address" = Option<String>, Query, description = "Instead of lat/lon: a six-digit postcode or a city name (`Барнаул`); full addresses come with the address normaliser"),
        ("type" = Option<String>, Query, description = "`post_office`, `parcel_locker` or `pickup_point`; several comma-separated"),
        ("open_at" = Option<String>, Query, format = DateTime, description = "Only offices open at this instant (RFC 3339 with offset), tested in each office's local time"),
        ("payment" = Option<String>, Query, description = "`cash`, `card` or `cash_on_delivery`"),
        ("weight" = Option<i64>, Query, description = "Parcel weight in grams the office must take"),
        ("limit" = Option<usize>, Query, minimum = 1, maximum = 100, description = "At most this many, default 10"),
        ("radius" = Option<u32>, Query, minimum = 1, maximum = 500000, description = "Metres, default 50000"),
    ),
    responses(
        (status = 200, description = "Nearest first, with `distance_m` (haversine); every office says whether it is synthetic and whether its coordinates are estimated", body = NearestAnswer),
        (status = 400, description = "A parameter is missing, malformed or out of range; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn nearest(
    State(state): State<AppState>,
    _key: AnyKey,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<NearestAnswer>, Problem> {
    let directory = state.post_offices.current();
    let mut lat = None;
    let mut lon = None;
    let mut address = None;
    let mut query = NearestQuery::new(0.0, 0.0);
    query.radius_m = RADIUS_M_DEFAULT;
    for (name, value) in params.iter().filter(|(_, value)| !value.trim().is_empty()) {
        match name.as_str() {
            "lat" => lat = Some(parse_coordinate(name, value)?),
            "lon" => lon = Some(parse_coordinate(name, value)?),
            "address" => address = Some(value.clone()),
            "type" => {
                let mut types = Vec::new();
                for part in value.split(',') {
                    types.push(OfficeType::parse(part).ok_or_else(|| {
                        Problem::bad_parameter(
                            "type",
                            format!("unknown type {part:?}; expected post_office, parcel_locker, pickup_point"),
                        )
                    })?);
                }
                query.filter.types = TypeSet::of(&types);
            }
            "open_at" => {
                let instant = DateTime::parse_from_rfc3339(value.trim()).map_err(|_| {
                    Problem::bad_parameter(
                        "open_at",
                        "must be an RFC 3339 date-time with an offset, e.g. 2026-11-30T10:00:00+07:00",
                    )
                })?;
                query.filter.open_at = Some(OpenAt::Instant(instant.timestamp()));
            }
            "payment" => {
                query.filter.payment = Some(Payment::parse(value).ok_or_else(|| {
                    Problem::bad_parameter(
                        "payment",
                        format!("unknown payment {value:?}; expected cash, card, cash_on_delivery"),
                    )
                })?);
            }
            "weight" => query.filter.weight_grams = Some(parse_number(name, value, "whole grams")?),
            "limit" => {
                query.limit = parse_number(
                    name,
                    value,
                    &format!("a whole number from 1 to {LIMIT_MAX}"),
                )?
            }
            "radius" => {
                query.radius_m = parse_number(
                    name,
                    value,
                    &format!("whole metres from 1 to {RADIUS_M_MAX}"),
                )?
            }
            other => {
                return Err(Problem::bad_parameter(
                    other,
                    "unknown parameter; expected lat, lon, address, type, open_at, payment, weight, limit, radius",
                ));
            }
        }
    }
    let located = match (lat, lon, address) {
        (Some(lat), Some(lon), None) => {
            query.lat = lat;
            query.lon = lon;
            None
        }
        (None, None, Some(address)) => {
            let located = locate(&directory, "address", &address)?;
            query.lat = located.lat;
            query.lon = located.lon;
            Some(located)
        }
        (_, _, Some(_)) => {
            return Err(Problem::bad_parameter(
                "address",
                "give either lat and lon or address, not both",
            ));
        }
        (None, _, None) => return Err(Problem::bad_parameter("lat", "required (or give address)")),
        (_, None, None) => return Err(Problem::bad_parameter("lon", "required (or give address)")),
    };
    let found = directory
        .nearest(&query)
        .map_err(|e| query_problem(e, false))?;
    Ok(Json(NearestAnswer {
        directory: directory.origin().clone(),
        origin: SearchOrigin {
            lat: query.lat,
            lon: query.lon,
            located,
        },
        offices: found.into_iter().map(found_view).collect(),
    }))
}

/// An Otpravka time of day (`08:00:00.000`).
fn otpravka_time(minutes: u16) -> String {
    format!("{}:00.000", clock(minutes))
}

/// One office in Otpravka's shape (field names from Russian Post's published answers), plus
/// okno's own `okno-*` fields saying what is synthetic or estimated.
fn otpravka_office(office: &PostOffice, distance_m: Option<f64>) -> Value {
    let working_hours: Vec<Value> = (0..7)
        .map(|day| {
            let intervals = office.hours.day(day);
            match (intervals.first(), intervals.last()) {
                (Some(first), Some(last)) => {
                    let lunches: Vec<Value> = intervals
                        .windows(2)
                        .map(|pair| {
                            json!({
                                "begin-lunchtime": otpravka_time(pair[0].close),
                                "end-lunchtime": otpravka_time(pair[1].open),
                            })
                        })
                        .collect();
                    json!({
                        "weekday-id": day + 1,
                        "begin-worktime": otpravka_time(first.open),
                        "end-worktime": otpravka_time(last.close),
                        "lunches": lunches,
                    })
                }
                _ => json!({ "weekday-id": day + 1, "lunches": [] }),
            }
        })
        .collect();
    let mut answer = json!({
        "postal-code": office.index_text(),
        "type-code": office.office_type.otpravka_code(),
        "settlement": city_name_of(&office.place),
        "region": office.region.name,
        "address-source": office.address,
        "latitude": office.lat,
        "longitude": office.lon,
        "is-closed": false,
        "is-temporary-closed": false,
        "is-private-category": false,
        "holidays": [],
        "working-hours": working_hours,
        "works-on-saturdays": office.hours.works_on(5),
        "works-on-sundays": office.hours.works_on(6),
        "okno-synthetic": office.synthetic,
        "okno-coordinates-estimated": office.coordinates_estimated,
        "okno-coordinate-source": office.coordinate_source,
        "okno-type": office.office_type,
        "okno-utc-offset-hours": office.utc_offset_hours,
        "okno-payments": office.payments,
        "okno-max-weight-grams": office.max_weight_grams,
    });
    if let Value::Object(map) = &mut answer {
        if office.office_type == OfficeType::PostOffice {
            map.insert("type-id".to_owned(), json!(8));
        }
        if let Some(distance) = distance_m {
            map.insert("distance".to_owned(), json!(distance));
        }
    }
    answer
}

/// Otpravka-compatible: one post office by index (`GET /postoffice/1.0/{index}`).
#[utoipa::path(
    get, path = "/postoffice/1.0/{index}", tag = "otpravka",
    params(("index" = String, Path, description = "Six-digit postcode")),
    responses(
        (status = 200, description = "Otpravka's fields (`postal-code`, `type-code`, `address-source`, `latitude`, `longitude`, `working-hours`, `is-closed`, …) plus `okno-synthetic` and `okno-coordinates-estimated`", body = Object),
        (status = 404, description = "No office with this index", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn otpravka_get(
    State(state): State<AppState>,
    _key: AnyKey,
    Path(index): Path<String>,
) -> Result<Json<Value>, Problem> {
    let index = parse_index(&index, "index")?;
    let directory = state.post_offices.current();
    Ok(Json(otpravka_office(office_of(&directory, index)?, None)))
}

/// Otpravka's `current-date-time`: a local date-time without offset (`yyyy-MM-ddTHH:mm:ss`),
/// or with one.
fn otpravka_open_at(text: &str) -> Result<OpenAt, Problem> {
    let text = text.trim();
    if let Ok(instant) = DateTime::parse_from_rfc3339(text) {
        return Ok(OpenAt::Instant(instant.timestamp()));
    }
    let local = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .map_err(|_| {
            Problem::bad_parameter(
                "current-date-time",
                "must be yyyy-MM-ddTHH:mm:ss (the client's local time)",
            )
        })?;
    Ok(OpenAt::LocalTime {
        weekday: local.weekday().num_days_from_monday() as usize,
        minute: (local.hour() * 60 + local.minute()) as u16,
    })
}

fn parse_bool(name: &str, text: &str) -> Result<bool, Problem> {
    match text.trim() {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(Problem::bad_parameter(name, "must be true or false")),
    }
}

/// Otpravka-compatible nearest search (`GET /postoffice/1.0/nearby`).
#[utoipa::path(
    get, path = "/postoffice/1.0/nearby", tag = "otpravka",
    params(
        ("latitude" = f64, Query, description = "Latitude"),
        ("longitude" = f64, Query, description = "Longitude"),
        ("top" = Option<usize>, Query, description = "How many, default 10, at most 100"),
        ("search-radius" = Option<f64>, Query, description = "Kilometres, default 2, at most 500"),
        ("filter" = Option<String>, Query, description = "`ALL` (default) or `WORKING` (open at `current-date-time`, else now)"),
        ("current-date-time" = Option<String>, Query, description = "The client's local date-time, yyyy-MM-ddTHH:mm:ss"),
        ("filter-by-office-type" = Option<bool>, Query, description = "true (default): post offices and parcel lockers only; false: pickup points too"),
        ("hide-private" = Option<bool>, Query, description = "Accepted; okno has no private offices"),
    ),
    responses(
        (status = 200, description = "An array of offices in the shape of `/postoffice/1.0/{index}`, nearest first, with `distance` in metres", body = Object),
        (status = 400, description = "A parameter is missing or out of range", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn otpravka_nearby(
    State(state): State<AppState>,
    _key: AnyKey,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let directory = state.post_offices.current();
    let get = |name: &str| params.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let lat = parse_coordinate(
        "latitude",
        get("latitude").ok_or_else(|| Problem::bad_parameter("latitude", "required"))?,
    )?;
    let lon = parse_coordinate(
        "longitude",
        get("longitude").ok_or_else(|| Problem::bad_parameter("longitude", "required"))?,
    )?;
    let mut query = NearestQuery::new(lat, lon);
    query.radius_m = 2_000;
    if let Some(top) = get("top") {
        query.limit = parse_number("top", top, &format!("a whole number from 1 to {LIMIT_MAX}"))?;
    }
    if let Some(radius) = get("search-radius") {
        let km: f64 = parse_number("search-radius", radius, "kilometres")?;
        if !(km.is_finite() && km > 0.0 && km * 1000.0 <= f64::from(RADIUS_M_MAX)) {
            return Err(Problem::bad_parameter(
                "search-radius",
                format!("must be more than 0 and at most {} km", RADIUS_M_MAX / 1000),
            ));
        }
        query.radius_m = (km * 1000.0).round().max(1.0) as u32;
    }
    let working = match get("filter") {
        None | Some("ALL") => false,
        Some("WORKING") => true,
        Some(other) => {
            return Err(Problem::bad_parameter(
                "filter",
                format!("expected ALL or WORKING, got {other:?}"),
            ));
        }
    };
    if working {
        query.filter.open_at = Some(match get("current-date-time") {
            Some(text) => otpravka_open_at(text)?,
            None => OpenAt::Instant(chrono::Utc::now().timestamp()),
        });
    } else if let Some(text) = get("current-date-time") {
        otpravka_open_at(text)?;
    }
    let by_type = match get("filter-by-office-type") {
        None => true,
        Some(text) => parse_bool("filter-by-office-type", text)?,
    };
    if by_type {
        query.filter.types = TypeSet::of(&[OfficeType::PostOffice, OfficeType::ParcelLocker]);
    }
    if let Some(text) = get("hide-private") {
        parse_bool("hide-private", text)?;
    }
    let found = directory
        .nearest(&query)
        .map_err(|e| query_problem(e, true))?;
    Ok(Json(Value::Array(
        found
            .into_iter()
            .map(|f| otpravka_office(f.office, Some(f.distance_m)))
            .collect(),
    )))
}

/// Otpravka-compatible: the offices serving an address (`GET /postoffice/1.0/by-address`).
#[utoipa::path(
    get, path = "/postoffice/1.0/by-address", tag = "otpravka",
    params(
        ("address" = String, Query, description = "A six-digit postcode or a city name (full addresses come with the address normaliser)"),
        ("top" = Option<usize>, Query, description = "How many indexes, default 3, at most 100"),
    ),
    responses(
        (status = 200, description = "`is-matched` (true when the text is an office's own index) and `postoffices` (indexes, nearest first)", body = Object),
        (status = 400, description = "Missing or unknown address", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn otpravka_by_address(
    State(state): State<AppState>,
    _key: AnyKey,
    Query(params): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Problem> {
    let directory = state.post_offices.current();
    let address = params
        .get("address")
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
        .ok_or_else(|| Problem::bad_parameter("address", "required"))?;
    let located = locate(&directory, "address", address)?;
    let mut query = NearestQuery::new(located.lat, located.lon);
    query.limit = 3;
    if let Some(top) = params
        .get("top")
        .map(|t| t.trim())
        .filter(|t| !t.is_empty())
    {
        query.limit = parse_number("top", top, &format!("a whole number from 1 to {LIMIT_MAX}"))?;
    }
    let found = directory
        .nearest(&query)
        .map_err(|e| query_problem(e, true))?;
    let matched = located.matched == "postcode"
        && found
            .first()
            .is_some_and(|f| f.office.index_text() == located.name);
    let synthetic = found.iter().any(|f| f.office.synthetic);
    Ok(Json(json!({
        "is-matched": matched,
        "postoffices": found.iter().map(|f| f.office.index_text()).collect::<Vec<_>>(),
        "okno-synthetic": synthetic,
        "okno-located": located,
    })))
}

/// Re-read `post_offices_file` and replace the directory (operator keys only).
#[utoipa::path(
    post, path = "/v1/admin/post-offices:reload", tag = "admin",
    responses(
        (status = 200, description = "Replaced: `offices` (count) and `file`", body = Object),
        (status = 409, description = "No `post_offices_file` is configured", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The file has bad rows (each named with row and field); the directory in use is kept", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub(crate) async fn reload(
    State(state): State<AppState>,
    _key: OperatorKey,
) -> Result<Json<Value>, Problem> {
    let Some(path) = state.post_offices.file.clone() else {
        return Err(Problem::new(
            ProblemKind::Conflict,
            "no post_offices_file is configured; the synthetic directory has nothing to reload",
        ));
    };
    let read_path = path.clone();
    let loaded = tokio::task::spawn_blocking(move || load_directory(&read_path))
        .await
        .map_err(|_| Problem::new(ProblemKind::Internal, "the reload task failed"))?;
    let directory = loaded.map_err(|error| match error {
        LoadError::Import { errors, .. } => Problem::new(
            ProblemKind::Validation,
            format!(
                "{} has bad rows; the directory in use is kept",
                path.display()
            ),
        )
        .with_errors(
            errors
                .errors
                .iter()
                .map(|e| FieldError {
                    pointer: format!("/{}/{}", e.row, e.field),
                    code: "import".to_owned(),
                    detail: e.to_string(),
                })
                .collect(),
        ),
        other => {
            tracing::error!(error = %other, "post office reload failed");
            Problem::new(ProblemKind::Conflict, other.to_string())
        }
    })?;
    let count = directory.offices().len();
    state.post_offices.replace(directory);
    tracing::info!(offices = count, file = %path.display(), "post offices reloaded");
    Ok(Json(json!({
        "offices": count,
        "directory": "imported",
        "file": path.display().to_string(),
    })))
}
