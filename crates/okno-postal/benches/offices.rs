//! Nearest-office queries over all 43,538 offices of the synthetic directory, on one thread:
//! queries per second and p50/p99/max latency, unfiltered and with each filter; and the time to
//! build the directory (seed + R-tree) and to import it back from CSV.
//! Run with `cargo bench -p okno-postal --bench offices`; figures go to stdout. Goal: p99 < 1 ms.
#![allow(clippy::unwrap_used)]

use hdrhistogram::Histogram;
use okno_postal::Geography;
use okno_postal::offices::{
    CoordinateSource, Directory, Filter, NearestQuery, OfficeType, OpenAt, Payment, TypeSet, import,
};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// 2026-11-30 09:00 UTC, a Monday.
const MONDAY_0900_UTC: i64 = 1_796_029_200;

/// Query origins: every 13th office's position, nudged by up to ~5 km so the origin is rarely
/// exactly on an office; deterministic.
fn origins(directory: &Directory) -> Vec<(f64, f64)> {
    directory
        .offices()
        .iter()
        .step_by(13)
        .enumerate()
        .map(|(i, o)| {
            let nudge = ((i * 7919) % 101) as f64 / 101.0 - 0.5;
            (
                (o.lat + nudge * 0.09).clamp(-90.0, 90.0),
                (o.lon - nudge * 0.09).clamp(-180.0, 180.0),
            )
        })
        .collect()
}

/// The naive peer: a linear scan computing the distance to every office, keeping the 10
/// nearest within 50 km (what a directory without a spatial index does). Returns queries/s.
fn brute_force(directory: &Directory, origins: &[(f64, f64)]) -> f64 {
    let started = Instant::now();
    let mut done = 0usize;
    while started.elapsed() < Duration::from_secs(3) {
        let (lat, lon) = origins[done % origins.len()];
        let mut near: Vec<(f64, usize)> = directory
            .offices()
            .iter()
            .enumerate()
            .map(|(i, o)| (okno_postal::geo::haversine_km(lat, lon, o.lat, o.lon), i))
            .filter(|(km, _)| *km <= 50.0)
            .collect();
        near.sort_by(|a, b| a.0.total_cmp(&b.0));
        near.truncate(10);
        black_box(near);
        done += 1;
    }
    done as f64 / started.elapsed().as_secs_f64()
}

fn measure(
    name: &str,
    directory: &Directory,
    origins: &[(f64, f64)],
    template: NearestQuery,
) -> f64 {
    let mut histogram = Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap();
    let minimum = Duration::from_secs(3);
    let started = Instant::now();
    let mut done = 0usize;
    let mut found = 0usize;
    while started.elapsed() < minimum {
        let (lat, lon) = origins[done % origins.len()];
        let query = NearestQuery {
            lat,
            lon,
            ..template
        };
        let one = Instant::now();
        let answer = directory.nearest(black_box(&query)).unwrap();
        histogram
            .record(one.elapsed().as_nanos().max(1) as u64)
            .unwrap();
        found += answer.len();
        black_box(answer);
        done += 1;
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{name:<58} {:>9.0} q/s  p50 {:>7.1} µs  p99 {:>7.1} µs  max {:>8.1} µs  ({:.1} found/query)",
        done as f64 / elapsed,
        histogram.value_at_quantile(0.50) as f64 / 1000.0,
        histogram.value_at_quantile(0.99) as f64 / 1000.0,
        histogram.max() as f64 / 1000.0,
        found as f64 / done as f64,
    );
    done as f64 / elapsed
}

fn main() {
    let geography = Geography::embedded();
    let started = Instant::now();
    let directory = Directory::synthetic(geography);
    println!(
        "build synthetic directory ({} offices, seed + R-tree)      {:.1?}",
        directory.offices().len(),
        started.elapsed()
    );
    for source in [
        CoordinateSource::Geonames,
        CoordinateSource::CityCentre,
        CoordinateSource::GeonamesEstimated,
    ] {
        let count = directory
            .offices()
            .iter()
            .filter(|o| o.coordinate_source == source)
            .count();
        println!("  coordinates {source:?}: {count}");
    }
    let csv = import::to_csv(&directory);
    let started = Instant::now();
    let imported = import::from_csv(csv.as_bytes(), geography).unwrap();
    println!(
        "import the same directory from CSV ({:.1} MB)              {:.1?}",
        csv.len() as f64 / 1e6,
        started.elapsed()
    );
    black_box(imported);

    let origins = origins(&directory);
    let base = NearestQuery::new(0.0, 0.0);
    let indexed = measure("nearest 10, 50 km, no filter", &directory, &origins, base);
    let scanned = brute_force(&directory, &origins);
    println!(
        "{:<58} {scanned:>9.0} q/s  (the R-tree answers {:.0}x as many)",
        "peer: linear scan, nearest 10, 50 km, no filter",
        indexed / scanned
    );
    measure(
        "nearest 1, 50 km, no filter",
        &directory,
        &origins,
        NearestQuery { limit: 1, ..base },
    );
    measure(
        "nearest 10, 50 km, type = parcel_locker",
        &directory,
        &origins,
        NearestQuery {
            filter: Filter {
                types: TypeSet::only(OfficeType::ParcelLocker),
                ..Filter::default()
            },
            ..base
        },
    );
    measure(
        "nearest 10, 50 km, open Monday 09:00 UTC",
        &directory,
        &origins,
        NearestQuery {
            filter: Filter {
                open_at: Some(OpenAt::Instant(MONDAY_0900_UTC)),
                ..Filter::default()
            },
            ..base
        },
    );
    measure(
        "nearest 10, 50 km, card + 25 kg",
        &directory,
        &origins,
        NearestQuery {
            filter: Filter {
                payment: Some(Payment::Card),
                weight_grams: Some(25_000),
                ..Filter::default()
            },
            ..base
        },
    );
    measure(
        "nearest 10, 50 km, all four filters (locker, open, COD, 10 kg)",
        &directory,
        &origins,
        NearestQuery {
            filter: Filter {
                types: TypeSet::only(OfficeType::ParcelLocker),
                open_at: Some(OpenAt::Instant(MONDAY_0900_UTC)),
                payment: Some(Payment::CashOnDelivery),
                weight_grams: Some(10_000),
            },
            ..base
        },
    );
    measure(
        "nearest 100, 500 km, pickup point + 30 kg",
        &directory,
        &origins,
        NearestQuery {
            limit: 100,
            radius_m: 500_000,
            filter: Filter {
                types: TypeSet::only(OfficeType::PickupPoint),
                weight_grams: Some(30_000),
                ..Filter::default()
            },
            ..base
        },
    );
    measure(
        "nearest 100, 500 km, 45 kg, any type (adversarial)",
        &directory,
        &origins,
        NearestQuery {
            limit: 100,
            radius_m: 500_000,
            filter: Filter {
                weight_grams: Some(45_000),
                ..Filter::default()
            },
            ..base
        },
    );
}
