//! Tariff tests: the real logged sample, every refusal, and properties over random requests.

use super::*;
use proptest::prelude::*;

fn tariff() -> Tariff {
    Tariff::default_tariff().unwrap()
}

fn sample_request() -> TariffRequest {
    // ../shared/postal-samples/otpravka/06-tariff-post.request.json
    TariffRequest {
        mail_type: MailType::PostalParcel,
        mail_category: MailCategory::Ordinary,
        from_postcode: 109_440,
        to_postcode: 644_015,
        mass_grams: 1000,
        dimensions: None,
        declared_value_kopecks: None,
        cash_on_delivery_kopecks: None,
        fragile: true,
        services: vec![],
    }
}

#[test]
fn the_default_tables_reproduce_the_real_otpravka_sample() {
    let quote = tariff().quote(&sample_request()).unwrap();
    assert!(quote.illustrative);
    assert_eq!(
        quote.ground,
        Rate {
            rate: 30_658,
            vat: 6_132
        }
    );
    assert_eq!(
        quote.fragile,
        Some(Rate {
            rate: 7_075,
            vat: 1_415
        })
    );
    assert_eq!(
        quote.total,
        Rate {
            rate: 30_658,
            vat: 6_132
        }
    );
    assert_eq!(
        quote.delivery,
        DeliveryTime {
            min_days: 1,
            max_days: 3
        }
    );
    assert_eq!(quote.zone, 3);
    assert_eq!(quote.object_code, 4030);
}

#[test]
fn extra_fees_add_up_with_their_own_vat() {
    let mut request = sample_request();
    request.mail_category = MailCategory::WithDeclaredValueAndCashOnDelivery;
    request.declared_value_kopecks = Some(500_000);
    request.cash_on_delivery_kopecks = Some(400_000);
    request.services = vec![RequestedService::SmsNotice, RequestedService::Fragile];
    let quote = tariff().quote(&request).unwrap();
    assert_eq!(
        quote.insurance,
        Some(Rate {
            rate: 20_000,
            vat: 4_000
        })
    );
    assert_eq!(
        quote.cash_on_delivery,
        Some(Rate {
            rate: 8_000,
            vat: 1_600
        })
    );
    assert_eq!(
        quote.services.len(),
        1,
        "fragile is the surcharge, not a fee"
    );
    assert_eq!(quote.total.rate, 30_658 + 20_000 + 8_000 + 1_200);
    assert_eq!(quote.total.vat, 6_132 + 4_000 + 1_600 + 240);
    assert_eq!(
        quote.total_with_vat_kopecks,
        quote.total.rate + quote.total.vat
    );
}

#[test]
fn weight_steps_and_oversize_raise_the_price() {
    let t = tariff();
    let mut request = sample_request();
    request.fragile = false;
    request.mass_grams = 1001;
    let one_step = t.quote(&request).unwrap();
    assert_eq!(one_step.base.rate, 23_583 + 2_260);
    request.mass_grams = 1500;
    assert_eq!(t.quote(&request).unwrap().base, one_step.base);
    request.dimensions = Some(Dimensions {
        length_mm: 700,
        width_mm: 300,
        height_mm: 300,
    });
    let oversize = t.quote(&request).unwrap();
    assert_eq!(
        oversize.oversize.unwrap().rate,
        ((23_583 + 2_260) * 40 + 50) / 100
    );
}

#[test]
fn same_region_is_zone_one() {
    let mut request = sample_request();
    request.to_postcode = 101_000;
    let quote = tariff().quote(&request).unwrap();
    assert_eq!((quote.zone, quote.distance_km), (1, 0));
}

#[test]
fn what_cannot_be_sent_has_no_price() {
    let t = tariff();
    type Change = Box<dyn Fn(&mut TariffRequest)>;
    let cases: Vec<(Change, TariffField, &str)> = vec![
        (
            Box::new(|r| r.mass_grams = 0),
            TariffField::Mass,
            "mass_zero",
        ),
        (
            Box::new(|r| r.mass_grams = 20_001),
            TariffField::Mass,
            "mass_over_limit",
        ),
        (
            Box::new(|r| r.to_postcode = 999_999),
            TariffField::ToPostcode,
            "unknown_postcode",
        ),
        (
            Box::new(|r| r.from_postcode = 1),
            TariffField::FromPostcode,
            "unknown_postcode",
        ),
        (
            Box::new(|r| r.mail_type = MailType::VgpoClass1),
            TariffField::MailType,
            "not_sold",
        ),
        (
            Box::new(|r| r.mail_category = MailCategory::Simple),
            TariffField::MailCategory,
            "not_sold",
        ),
        (
            Box::new(|r| {
                r.dimensions = Some(Dimensions {
                    length_mm: 1600,
                    width_mm: 10,
                    height_mm: 10,
                })
            }),
            TariffField::Dimensions,
            "too_large",
        ),
        (
            Box::new(|r| r.mail_category = MailCategory::WithDeclaredValue),
            TariffField::DeclaredValue,
            "declared_value_required",
        ),
        (
            Box::new(|r| r.declared_value_kopecks = Some(100)),
            TariffField::DeclaredValue,
            "declared_value_not_allowed",
        ),
        (
            Box::new(|r| r.cash_on_delivery_kopecks = Some(100)),
            TariffField::CashOnDelivery,
            "cash_on_delivery_not_allowed",
        ),
        (
            Box::new(|r| r.services = vec![RequestedService::NoReturn]),
            TariffField::Services,
            "service_not_offered",
        ),
    ];
    for (change, field, code) in cases {
        let mut request = sample_request();
        change(&mut request);
        let refusal = t.quote(&request).unwrap_err();
        assert_eq!(
            (refusal.field, refusal.code),
            (field, code),
            "{request:?}: {refusal}"
        );
    }
    let mut request = sample_request();
    request.mass_grams = 20_001;
    assert!(
        t.quote(&request).unwrap_err().detail.contains("20000 g"),
        "names the limit"
    );
}

#[test]
fn object_codes_round_trip() {
    let t = tariff();
    assert_eq!(
        t.resolve_object(4030),
        Some((MailType::PostalParcel, MailCategory::Ordinary))
    );
    assert_eq!(
        t.resolve_object(23030),
        Some((MailType::OnlineParcel, MailCategory::Ordinary))
    );
    assert_eq!(
        t.resolve_object(47030),
        Some((MailType::ParcelClass1, MailCategory::Ordinary))
    );
    assert_eq!(
        t.resolve_object(4000),
        None,
        "POSTAL_PARCEL is not sold as SIMPLE"
    );
    assert_eq!(t.resolve_object(99030), None);
}

#[test]
fn broken_tables_name_every_problem() {
    let text =
        DEFAULT_TABLES_TOML.replace("bounds_km = [1000, 2500, 4500]", "bounds_km = [1000, 2500]");
    let TablesError::Invalid(problems) = TariffTables::from_toml(&text).unwrap_err() else {
        panic!("expected Invalid");
    };
    assert!(
        problems
            .iter()
            .any(|p| p.contains("products[POSTAL_PARCEL].base_kopecks")),
        "{problems:?}"
    );
    let syntax = TariffTables::from_toml("name = 1").unwrap_err();
    assert!(matches!(syntax, TablesError::Syntax(_)), "{syntax}");
}

fn any_request() -> impl Strategy<Value = TariffRequest> {
    let postcodes: Vec<u32> = Geography::embedded()
        .postcodes()
        .iter()
        .map(|p| p.code)
        .collect();
    (
        prop::sample::select(vec![
            MailType::PostalParcel,
            MailType::OnlineParcel,
            MailType::Ems,
            MailType::Letter,
        ]),
        prop::sample::select(vec![
            MailCategory::Ordinary,
            MailCategory::WithDeclaredValue,
            MailCategory::WithDeclaredValueAndCashOnDelivery,
            MailCategory::Simple,
        ]),
        prop::sample::select(postcodes.clone()),
        prop_oneof![prop::sample::select(postcodes), 0u32..1_000_000],
        -10i64..40_000,
        prop::option::of((1i64..2000, 1i64..2000, 1i64..2000)),
        prop::option::of(0i64..10_000_000),
        prop::option::of(0i64..10_000_000),
        any::<bool>(),
    )
        .prop_map(
            |(mail_type, mail_category, from, to, mass, dims, declared, cod, fragile)| {
                TariffRequest {
                    mail_type,
                    mail_category,
                    from_postcode: from,
                    to_postcode: to,
                    mass_grams: mass,
                    dimensions: dims.map(|(l, w, h)| Dimensions {
                        length_mm: l,
                        width_mm: w,
                        height_mm: h,
                    }),
                    declared_value_kopecks: declared,
                    cash_on_delivery_kopecks: cod,
                    fragile,
                    services: vec![],
                }
            },
        )
}

proptest! {
    #[test]
    fn a_price_is_only_given_for_what_can_be_sent(request in any_request()) {
        let t = tariff();
        if let Ok(quote) = t.quote(&request) {
            let product = t.product(request.mail_type).unwrap();
            prop_assert!(request.mass_grams >= 1 && request.mass_grams <= product.max_mass_grams);
            prop_assert!(product.categories.contains(&request.mail_category));
            prop_assert!(Geography::embedded().region_of(request.to_postcode).is_some());
            prop_assert!(quote.total.rate >= quote.ground.rate && quote.ground.rate >= quote.base.rate);
            prop_assert!(quote.delivery.min_days <= quote.delivery.max_days);
            prop_assert_eq!(quote.total_with_vat_kopecks, quote.total.rate + quote.total.vat);
            // A heavier parcel never costs less.
            let mut heavier = request.clone();
            heavier.mass_grams = (request.mass_grams + 500).min(product.max_mass_grams);
            prop_assert!(t.quote(&heavier).unwrap().base.rate >= quote.base.rate);
        }
    }
}
