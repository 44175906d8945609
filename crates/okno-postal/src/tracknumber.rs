//! Track numbers: UPU S10 (`RA123456785RU`) and the Russian domestic 14-digit identifier
//! (ШПИ, `IIIIII MM NNNNN K`).
//!
//! - **S10**: 2 letters of service indicator, an 8-digit serial, a check digit, a 2-letter ISO
//!   country. Check digit: weights 8,6,4,2,3,5,9,7 over the serial; C = 11 − (S mod 11), with
//!   10 → 0 and 11 → 5.
//! - **Russian 14-digit**: the 6-digit index of the accepting office, a 2-digit month code
//!   (((year − 2000)·12 + month) mod 99, 0 → 99: a 99-month cycle from January 2000), a 5-digit
//!   serial and a check digit: S = 3·(digits at odd positions 1,3,…,13) + (digits at even
//!   positions 2,…,12); K = (10 − S mod 10) mod 10.
//!
//! Parsing accepts the forms people type: spaces and dashes are ignored, letters may be lower
//! case. Every failure says what is wrong and where.

use serde::Serialize;
use std::fmt;

const S10_WEIGHTS: [u32; 8] = [8, 6, 4, 2, 3, 5, 9, 7];

/// Why a text is not a valid track number.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TrackNumberError {
    /// Neither 13 (S10) nor 14 (Russian) characters after removing spaces and dashes.
    #[error(
        "a track number has 13 characters (S10, e.g. RA123456785RU) or 14 digits (Russian), not {0}"
    )]
    Length(usize),
    /// A character that does not belong at its position (1-based).
    #[error("character {position} ({found:?}) should be {expected}")]
    Character {
        /// 1-based position in the normalised text.
        position: usize,
        /// The character found.
        found: char,
        /// What belongs there.
        expected: &'static str,
    },
    /// The check digit does not match the other digits.
    #[error("check digit is {found}, but the other digits give {expected}")]
    CheckDigit {
        /// The digit in the number.
        found: u8,
        /// The digit the algorithm gives.
        expected: u8,
    },
    /// The Russian month code is 00 (the cycle runs 01..=99).
    #[error("the month code 00 does not exist (codes run 01 to 99)")]
    MonthCode,
}

/// A UPU S10 identifier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct S10 {
    /// Two-letter service indicator (`RA` registered letter, `CA` parcel, `EA` EMS, …).
    pub service_indicator: String,
    /// The 8-digit serial number.
    pub serial: u32,
    /// The check digit.
    pub check_digit: u8,
    /// ISO 3166-1 alpha-2 code of the issuing country.
    pub country: String,
}

/// A Russian domestic 14-digit identifier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Russian14 {
    /// Postcode (index) of the accepting office.
    pub office_index: String,
    /// Month code, 1..=99.
    pub month_code: u8,
    /// The 5-digit serial within the month.
    pub serial: u32,
    /// The check digit.
    pub check_digit: u8,
}

/// Either kind.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TrackNumber {
    /// International (UPU S10).
    S10(S10),
    /// Russian domestic 14 digits.
    Russian14(Russian14),
}

/// The S10 check digit of an 8-digit serial.
pub fn s10_check_digit(serial: u32) -> u8 {
    assert!(serial <= 99_999_999, "an S10 serial has 8 digits");
    let digits = format!("{serial:08}");
    let sum: u32 = digits
        .bytes()
        .zip(S10_WEIGHTS)
        .map(|(digit, weight)| u32::from(digit - b'0') * weight)
        .sum();
    match 11 - sum % 11 {
        10 => 0,
        11 => 5,
        check => check as u8,
    }
}

/// The Russian 14-digit check digit of the first 13 digits.
pub fn russian14_check_digit(first_13: &[u8; 13]) -> u8 {
    assert!(first_13.iter().all(|digit| *digit <= 9), "digits only");
    let odd: u32 = first_13
        .iter()
        .step_by(2)
        .map(|digit| u32::from(*digit))
        .sum();
    let even: u32 = first_13
        .iter()
        .skip(1)
        .step_by(2)
        .map(|digit| u32::from(*digit))
        .sum();
    ((10 - (3 * odd + even) % 10) % 10) as u8
}

/// The month code of a calendar month (January 2000 is 1; the cycle has 99 months).
pub fn month_code(year: i32, month: u32) -> u8 {
    assert!((1..=12).contains(&month), "months run 1 to 12");
    let months = (i64::from(year) - 2000) * 12 + i64::from(month);
    match months.rem_euclid(99) {
        0 => 99,
        code => code as u8,
    }
}

impl S10 {
    /// Builds a number from its parts, computing the check digit. Letters are upper-cased.
    pub fn new(service_indicator: &str, serial: u32, country: &str) -> Self {
        assert!(serial <= 99_999_999, "an S10 serial has 8 digits");
        S10 {
            service_indicator: service_indicator.to_ascii_uppercase(),
            serial,
            check_digit: s10_check_digit(serial),
            country: country.to_ascii_uppercase(),
        }
    }
}

impl fmt::Display for S10 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{:08}{}{}",
            self.service_indicator, self.serial, self.check_digit, self.country
        )
    }
}

impl Russian14 {
    /// Builds a number from its parts, computing the check digit.
    pub fn new(office_index: &str, month_code: u8, serial: u32) -> Self {
        assert!(office_index.len() == 6 && office_index.bytes().all(|b| b.is_ascii_digit()));
        assert!((1..=99).contains(&month_code), "month codes run 1 to 99");
        assert!(serial <= 99_999, "the serial has 5 digits");
        let text = format!("{office_index}{month_code:02}{serial:05}");
        let mut digits = [0u8; 13];
        for (slot, byte) in digits.iter_mut().zip(text.bytes()) {
            *slot = byte - b'0';
        }
        Russian14 {
            office_index: office_index.to_owned(),
            month_code,
            serial,
            check_digit: russian14_check_digit(&digits),
        }
    }
}

impl fmt::Display for Russian14 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{:02}{:05}{}",
            self.office_index, self.month_code, self.serial, self.check_digit
        )
    }
}

impl fmt::Display for TrackNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrackNumber::S10(number) => number.fmt(f),
            TrackNumber::Russian14(number) => number.fmt(f),
        }
    }
}

fn expect(
    text: &[char],
    range: std::ops::Range<usize>,
    test: fn(&char) -> bool,
    expected: &'static str,
) -> Result<(), TrackNumberError> {
    for position in range {
        if !test(&text[position]) {
            return Err(TrackNumberError::Character {
                position: position + 1,
                found: text[position],
                expected,
            });
        }
    }
    Ok(())
}

fn digits_value(text: &[char]) -> u32 {
    text.iter().fold(0, |value, digit| {
        value * 10 + digit.to_digit(10).unwrap_or(0)
    })
}

impl TrackNumber {
    /// Parses and validates, after removing spaces and dashes and upper-casing letters.
    pub fn parse(input: &str) -> Result<TrackNumber, TrackNumberError> {
        let text: Vec<char> = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        match text.len() {
            13 => Self::parse_s10(&text),
            14 => Self::parse_russian14(&text),
            other => Err(TrackNumberError::Length(other)),
        }
    }

    fn parse_s10(text: &[char]) -> Result<TrackNumber, TrackNumberError> {
        expect(
            text,
            0..2,
            char::is_ascii_uppercase,
            "a Latin letter (service indicator)",
        )?;
        expect(text, 2..11, char::is_ascii_digit, "a digit")?;
        expect(
            text,
            11..13,
            char::is_ascii_uppercase,
            "a Latin letter (country)",
        )?;
        let serial = digits_value(&text[2..10]);
        let found = digits_value(&text[10..11]) as u8;
        let expected = s10_check_digit(serial);
        if found != expected {
            return Err(TrackNumberError::CheckDigit { found, expected });
        }
        Ok(TrackNumber::S10(S10 {
            service_indicator: text[0..2].iter().collect(),
            serial,
            check_digit: found,
            country: text[11..13].iter().collect(),
        }))
    }

    fn parse_russian14(text: &[char]) -> Result<TrackNumber, TrackNumberError> {
        expect(text, 0..14, char::is_ascii_digit, "a digit")?;
        let month_code = digits_value(&text[6..8]) as u8;
        if month_code == 0 {
            return Err(TrackNumberError::MonthCode);
        }
        let mut digits = [0u8; 13];
        for (slot, digit) in digits.iter_mut().zip(text) {
            *slot = digit.to_digit(10).unwrap_or(0) as u8;
        }
        let found = digits_value(&text[13..14]) as u8;
        let expected = russian14_check_digit(&digits);
        if found != expected {
            return Err(TrackNumberError::CheckDigit { found, expected });
        }
        Ok(TrackNumber::Russian14(Russian14 {
            office_index: text[0..6].iter().collect(),
            month_code,
            serial: digits_value(&text[8..13]),
            check_digit: found,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_numbers() {
        let parsed = TrackNumber::parse("RA123456785RU").unwrap();
        assert_eq!(parsed, TrackNumber::S10(S10::new("RA", 12_345_678, "RU")));
        assert_eq!(parsed.to_string(), "RA123456785RU");
        assert_eq!(TrackNumber::parse("ra 1234 5678 5 ru").unwrap(), parsed);
        // The Russian Post specification's own examples fail the check (reference notes §0.5).
        assert_eq!(
            TrackNumber::parse("RA644000001RU"),
            Err(TrackNumberError::CheckDigit {
                found: 1,
                expected: 5
            })
        );
        assert!(TrackNumber::parse("EA123456789RU").is_err());
        let russian = Russian14::new("101000", month_code(2026, 11), 42);
        assert_eq!(russian.to_string().len(), 14);
        assert_eq!(
            TrackNumber::parse(&russian.to_string()).unwrap(),
            TrackNumber::Russian14(russian)
        );
    }

    #[test]
    fn month_codes_cycle_every_99_months() {
        assert_eq!(month_code(2000, 1), 1);
        assert_eq!(month_code(2008, 3), 99);
        assert_eq!(month_code(2008, 4), 1);
        assert_eq!(month_code(2026, 11), ((26 * 12 + 11) % 99) as u8);
    }

    #[test]
    fn errors_say_what_and_where() {
        assert_eq!(
            TrackNumber::parse("RA12345678RU"),
            Err(TrackNumberError::Length(12))
        );
        assert_eq!(
            TrackNumber::parse("R1123456785RU"),
            Err(TrackNumberError::Character {
                position: 2,
                found: '1',
                expected: "a Latin letter (service indicator)"
            })
        );
        assert_eq!(
            TrackNumber::parse("10100000000427"),
            Err(TrackNumberError::MonthCode)
        );
    }

    proptest! {
        #[test]
        fn s10_round_trips(
            service in "[A-Z]{2}", serial in 0..=99_999_999u32, country in "[A-Z]{2}",
        ) {
            let number = S10::new(&service, serial, &country);
            prop_assert_eq!(TrackNumber::parse(&number.to_string()), Ok(TrackNumber::S10(number)));
        }

        #[test]
        fn russian14_round_trips_and_catches_every_single_digit_error(
            index in 100_000..=999_999u32, month in 1..=99u8, serial in 0..=99_999u32,
            position in 0..14usize, delta in 1..=9u8,
        ) {
            let number = Russian14::new(&index.to_string(), month, serial);
            let text = number.to_string();
            prop_assert_eq!(TrackNumber::parse(&text), Ok(TrackNumber::Russian14(number)));
            let mut bytes = text.into_bytes();
            bytes[position] = b'0' + (bytes[position] - b'0' + delta) % 10;
            let mutated = String::from_utf8(bytes).unwrap();
            prop_assert!(TrackNumber::parse(&mutated).is_err(), "{} accepted", mutated);
        }

        /// A single wrong serial digit is caught unless the two sums differ by exactly the
        /// 10 → 0 / 11 → 5 folding of the S10 rule (then both give 5 or 0).
        #[test]
        fn s10_catches_single_digit_errors_except_the_folded_check_values(
            serial in 0..=99_999_999u32, position in 0..8usize, delta in 1..=9u32,
        ) {
            let number = S10::new("CA", serial, "RU");
            let mut digits: Vec<u32> = format!("{serial:08}").bytes().map(|b| u32::from(b - b'0')).collect();
            digits[position] = (digits[position] + delta) % 10;
            let changed = digits.iter().fold(0, |value, digit| value * 10 + digit);
            let mutated = format!("CA{changed:08}{}RU", number.check_digit);
            let accepted = TrackNumber::parse(&mutated).is_ok();
            prop_assert_eq!(accepted, s10_check_digit(changed) == number.check_digit);
            if accepted {
                prop_assert!(number.check_digit == 5 || number.check_digit == 0);
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in ".{0,30}") {
            let _ = TrackNumber::parse(&text);
        }
    }
}
