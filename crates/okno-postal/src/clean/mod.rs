//! Normalisation of Russian addresses, personal names and phone numbers, the way Otpravka's
//! `/1.0/clean/address`, `/1.0/clean/physical` and `/1.0/clean/phone` do it.
//!
//! [`normalize_address`] reads free text ("г. Москва, ул. Тверская, д. 7, кв. 5", "Саратов
//! Московская 12-34", "656049 Алтайский край, Барнаул, пр-т Ленина д.61А") into a
//! [`CleanAddress`]: postcode, region, district, settlement, street with its type, house,
//! corpus, building, letter, flat and office, with Otpravka's quality and validation codes.
//! Names are resolved against the embedded geography (43,538 postcodes, 1,117 cities, 85
//! regions); the postcode is inferred from the settlement and the region from the postcode, and
//! [`CleanAddress::inferred`] says which parts were. There is no street dictionary: a street is
//! recognised by its form, never checked to exist, and the inferred postcode is the settlement's
//! (a city's main office), not the street's.
//!
//! Design choice: the normalisers cannot fail. Any input, however hostile, gives a result whose
//! codes say how much was understood; gibberish is `UNDEF_06`, never a guess marked `GOOD`.
//! Input longer than [`INPUT_CHARS_MAX`] is not parsed at all. Pure functions: no I/O, no clock.

mod address;
mod gazetteer;
mod lex;
mod lexicon;
mod name;
mod phone;
mod text;

pub use address::normalize_address;
pub use name::{CleanName, FioQuality, normalize_name};
pub use phone::{CleanPhone, PhoneQuality, city_code, normalize_phone};

use serde::Serialize;

/// Longest input the normalisers read, in characters; longer text is answered `UNDEF_06`
/// (address), `NOT_SURE` (name) or `INCORRECT_DATA` (phone) without being parsed.
pub const INPUT_CHARS_MAX: usize = 1_000;

/// Otpravka's address quality code (`AddressQuality`): how fit for mailing the address is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub enum AddressQuality {
    /// Fit for mailing: region, settlement, street (where streets are used) and house found.
    #[serde(rename = "GOOD")]
    Good,
    /// "До востребования": to be collected at the post office.
    #[serde(rename = "ON_DEMAND")]
    OnDemand,
    /// A post-office box (а/я).
    #[serde(rename = "POSTAL_BOX")]
    PostalBox,
    /// The region is missing or contradicts the settlement or postcode.
    #[serde(rename = "UNDEF_01")]
    Undef01,
    /// The settlement is missing, unknown or contradicts the postcode.
    #[serde(rename = "UNDEF_02")]
    Undef02,
    /// The street is missing in a settlement that has streets.
    #[serde(rename = "UNDEF_03")]
    Undef03,
    /// The house number is missing or impossible.
    #[serde(rename = "UNDEF_04")]
    Undef04,
    /// The flat or office is missing (not produced: okno cannot know which houses have flats).
    #[serde(rename = "UNDEF_05")]
    Undef05,
    /// Nothing of an address could be determined.
    #[serde(rename = "UNDEF_06")]
    Undef06,
    /// A foreign address.
    #[serde(rename = "UNDEF_07")]
    Undef07,
}

impl AddressQuality {
    /// The code as Otpravka writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            AddressQuality::Good => "GOOD",
            AddressQuality::OnDemand => "ON_DEMAND",
            AddressQuality::PostalBox => "POSTAL_BOX",
            AddressQuality::Undef01 => "UNDEF_01",
            AddressQuality::Undef02 => "UNDEF_02",
            AddressQuality::Undef03 => "UNDEF_03",
            AddressQuality::Undef04 => "UNDEF_04",
            AddressQuality::Undef05 => "UNDEF_05",
            AddressQuality::Undef06 => "UNDEF_06",
            AddressQuality::Undef07 => "UNDEF_07",
        }
    }
}

/// Otpravka's validation code (`AddressValidity`): how sure the parse is. okno produces the
/// subset listed in `docs/address-normalisation.md`; the others exist for compatibility.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AddressValidity {
    /// Every part found and consistent with the dictionary.
    Validated,
    /// Corrected by an operator (Otpravka only).
    Overridden,
    /// Confirmed by an operator (Otpravka only).
    ConfirmedManually,
    /// A foreign address.
    NotValidatedForeign,
    /// Parts contradict each other or a name fits several places.
    NotValidatedHasAmbi,
    /// A name is not in the dictionary (Otpravka's meaning; okno uses `HAS_NO_KLADR_RECORD`).
    NotValidatedDictionary,
    /// Something had to be assumed.
    NotValidatedHasAssumption,
    /// The house number is missing.
    NotValidatedIncorrectHouse,
    /// Words that fit no part of an address remain.
    NotValidatedHasUnparsedParts,
    /// Region, settlement or street could not be found.
    NotValidatedHasNoMainPoints,
    /// The settlement is not in the dictionary.
    NotValidatedHasNoKladrRecord,
    /// The house number is implausibly large (Otpravka's spelling).
    NotValidatedExcededHouseNumber,
    /// The corpus or building is malformed.
    NotValidatedIncorrectHouseExtension,
    /// A house number without a street in a settlement that has streets.
    NotValidatedHouseWithoutStreetOrNp,
    /// A street was assumed from a number (Otpravka only).
    NotValidatedHasNumberStreetAssumption,
    /// A corpus or building without a house number.
    NotValidatedHouseExtensionWithoutHouse,
}

/// Otpravka's `address-type`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AddressType {
    /// A street address.
    Default,
    /// A post-office box.
    PoBox,
    /// "До востребования".
    Demand,
    /// A military unit (never produced from free text).
    Unit,
}

/// A part of the result that was not in the text but derived from the dictionary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InferredPart {
    /// The postcode, from the settlement (a city's main postcode).
    Index,
    /// The region, from the settlement or the postcode.
    Region,
    /// The district, from the postcode directory.
    Area,
    /// The settlement, from the postcode.
    Place,
    /// The settlement's type (`г` for a town with city status).
    PlaceType,
    /// The street type (`ул` when the text gave none).
    StreetType,
}

/// One normalised address.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CleanAddress {
    /// The text as given.
    pub original_address: String,
    /// Street address, post-office box or on demand.
    pub address_type: AddressType,
    /// Six-digit postcode.
    pub index: Option<String>,
    /// Region with its type, Otpravka style (`г Москва`, `Алтайский край`).
    pub region: Option<String>,
    /// District (`Шушенский р-н`).
    pub area: Option<String>,
    /// Settlement with its type (`г Барнаул`, `с Шушенское`).
    pub place: Option<String>,
    /// Street with its type first (`ул Тверская`, `ш Варшавское`, `пр-кт Ленина`).
    pub street: Option<String>,
    /// House number as written (`7`, `61А`, `12/3`).
    pub house: Option<String>,
    /// Corpus (`корп.`, `к`).
    pub corpus: Option<String>,
    /// Building (`стр.`).
    pub building: Option<String>,
    /// Letter (`лит.`).
    pub letter: Option<String>,
    /// Flat or room (`кв.`, `пом.`, `комн.`).
    pub room: Option<String>,
    /// Office (`оф.`).
    pub office: Option<String>,
    /// Post-office box number (`а/я 15`).
    pub po_box: Option<String>,
    /// Otpravka's quality code.
    pub quality_code: AddressQuality,
    /// Otpravka's validation code.
    pub validation_code: AddressValidity,
    /// Acceptable for an order by Otpravka's rule: quality GOOD, POSTAL_BOX, ON_DEMAND or
    /// UNDEF_05, and validation VALIDATED, OVERRIDDEN or CONFIRMED_MANUALLY.
    pub valid: bool,
    /// Parts that were derived rather than read.
    pub inferred: Vec<InferredPart>,
    /// Why the codes are what they are, in plain words (conflicts, unknown names, leftovers).
    pub notes: Vec<String>,
}

impl CleanAddress {
    /// Otpravka's `corpus`: corpus, building and letter in one string (`2 стр 1 лит А`).
    pub fn otpravka_corpus(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(corpus) = &self.corpus {
            parts.push(corpus.clone());
        }
        if let Some(building) = &self.building {
            parts.push(format!("стр {building}"));
        }
        if let Some(letter) = &self.letter {
            parts.push(format!("лит {letter}"));
        }
        (!parts.is_empty()).then(|| parts.join(" "))
    }

    /// Otpravka's `room`: the flat, else the office.
    pub fn otpravka_room(&self) -> Option<String> {
        self.room.clone().or_else(|| self.office.clone())
    }
}

/// Otpravka's acceptance rule (reference §0.3).
pub(crate) fn acceptable(quality: AddressQuality, validity: AddressValidity) -> bool {
    matches!(
        quality,
        AddressQuality::Good
            | AddressQuality::PostalBox
            | AddressQuality::OnDemand
            | AddressQuality::Undef05
    ) && matches!(
        validity,
        AddressValidity::Validated
            | AddressValidity::Overridden
            | AddressValidity::ConfirmedManually
    )
}
