//! The words an address is made of: type words of regions, districts, settlements and streets
//! with the abbreviation each normalises to (FIAS short names, as Otpravka answers), and the
//! markers of house, corpus, building, letter, flat and office numbers.

/// What a type word names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Level {
    /// Federal subject (`обл`, `край`, `Респ`).
    Region,
    /// District (`р-н`).
    Area,
    /// Settlement (`г`, `с`, `п`).
    Place,
    /// Street (`ул`, `пр-кт`, `ш`).
    Street,
}

/// A number marker: the word before a house, corpus, flat… number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Marker {
    House,
    Corpus,
    Building,
    Letter,
    Room,
    Office,
    PoBox,
    /// Entrance, floor: understood and dropped.
    Ignored,
}

/// The type word, its level and its normalised abbreviation. `д`, `с` and `к` are settlements
/// here; [`marker`] reads them as house, building and corpus when a number follows.
pub(crate) fn type_word(word: &str) -> Option<(Level, &'static str)> {
    use Level::*;
    Some(match word {
        "обл" | "область" => (Region, "обл"),
        "край" => (Region, "край"),
        "респ" | "республика" => (Region, "Респ"),
        "ао" => (Region, "АО"),
        "аобл" => (Region, "Аобл"),
        "р-н" | "район" | "р-он" | "рн" => (Area, "р-н"),
        "г" | "гор" | "город" => (Place, "г"),
        "пгт" => (Place, "пгт"),
        "рп" => (Place, "рп"),
        "п" | "пос" | "поселок" | "посёлок" => (Place, "п"),
        "с" | "село" => (Place, "с"),
        "д" | "дер" | "деревня" => (Place, "д"),
        "ст-ца" | "станица" => (Place, "ст-ца"),
        "х" | "хут" | "хутор" => (Place, "х"),
        "аул" => (Place, "аул"),
        "сл" | "слобода" => (Place, "сл"),
        "ул" | "улица" => (Street, "ул"),
        "пр-т" | "пр-кт" | "просп" | "проспект" | "пр" | "пркт" => {
            (Street, "пр-кт")
        }
        "пер" | "переулок" => (Street, "пер"),
        "ш" | "шоссе" => (Street, "ш"),
        "б-р" | "бул" | "бульв" | "бульвар" => (Street, "б-р"),
        "наб" | "набережная" => (Street, "наб"),
        "пл" | "площадь" => (Street, "пл"),
        "пр-д" | "проезд" => (Street, "проезд"),
        "туп" | "тупик" => (Street, "туп"),
        "ал" | "аллея" => (Street, "аллея"),
        "линия" | "лн" => (Street, "линия"),
        "мкр" | "мкрн" | "мкр-н" | "микрорайон" => (Street, "мкр"),
        "кв-л" | "квартал" => (Street, "кв-л"),
        "тракт" => (Street, "тракт"),
        "спуск" => (Street, "спуск"),
        "тер" | "территория" => (Street, "тер"),
        _ => return None,
    })
}

/// The number marker, when the word is one. Only meaningful before a number.
pub(crate) fn marker(word: &str) -> Option<Marker> {
    use Marker::*;
    Some(match word {
        "д" | "дом" | "вл" | "влад" | "владение" => House,
        "к" | "корп" | "корпус" => Corpus,
        "стр" | "строение" | "с" => Building,
        "лит" | "литер" | "литера" => Letter,
        "кв" | "квартира" | "комн" | "комната" | "пом" | "помещение" | "ком" => {
            Room
        }
        "оф" | "офис" => Office,
        "а/я" | "ая" => PoBox,
        "подъезд" | "под" | "эт" | "этаж" | "п-д" => Ignored,
        _ => return None,
    })
}

/// Words that say "Russia" and are dropped.
pub(crate) fn is_country_word(word: &str) -> bool {
    matches!(word, "россия" | "рф" | "russia")
}

/// Country names that make an address foreign.
pub(crate) fn is_foreign_word(word: &str) -> bool {
    matches!(
        word,
        "украина"
            | "беларусь"
            | "белоруссия"
            | "казахстан"
            | "узбекистан"
            | "киргизия"
            | "кыргызстан"
            | "таджикистан"
            | "армения"
            | "азербайджан"
            | "грузия"
            | "молдова"
            | "латвия"
            | "литва"
            | "эстония"
            | "германия"
            | "франция"
            | "сша"
            | "китай"
            | "израиль"
            | "турция"
            | "польша"
            | "финляндия"
            | "ukraine"
            | "belarus"
            | "kazakhstan"
            | "germany"
            | "deutschland"
            | "france"
            | "usa"
            | "china"
            | "israel"
            | "turkey"
            | "poland"
            | "finland"
            | "uk"
            | "england"
            | "spain"
            | "italy"
            | "minsk"
            | "kyiv"
            | "kiev"
            | "london"
            | "paris"
            | "berlin"
            | "минск"
            | "киев"
            | "алматы"
            | "ташкент"
    )
}

/// An adjectival ending: such a word names something whose type word may follow it
/// (`Алтайский край`, `Варшавское шоссе`, `Шушенский р-н`).
pub(crate) fn is_adjective(word: &str) -> bool {
    const ENDINGS: &[&str] = &[
        "ая", "яя", "ое", "ее", "ий", "ый", "ой", "ей", "ья", "ье", "ого", "ых", "их",
    ];
    ENDINGS.iter().any(|e| word.ends_with(e)) && word.chars().count() > 3
}
