//! Phone normalisation, the way Otpravka's `/1.0/clean/phone` does it: `+7`/`8`/`7` prefixes,
//! brackets, dashes and spaces, extensions (`доб.`, `ext`), mobile `9xx` numbers, a city number
//! completed with the city code of the request's place (`956-20-67` in Moscow → 495), foreign
//! numbers, and Otpravka's `PhoneQuality` codes.

use super::INPUT_CHARS_MAX;
use super::text::fold;
use serde::Serialize;

/// Otpravka's `PhoneQuality`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PhoneQuality {
    /// A complete Russian number.
    Good,
    /// A city number completed with the city code of the given place.
    GoodCity,
    /// Several numbers; the first is answered.
    GoodExtraPhone,
    /// The city code was replaced (Otpravka only).
    GoodReplacedCode,
    /// The number was replaced (Otpravka only).
    GoodReplacedNumber,
    /// Code and number replaced (Otpravka only).
    GoodReplacedCodeNumber,
    /// A complete number whose city code is not the given place's.
    GoodCityConflict,
    /// A complete number from another region (Otpravka only).
    GoodRegionConflict,
    /// Confirmed by an operator (Otpravka only).
    ConfirmedManually,
    /// A number outside Russia.
    Foreign,
    /// A city number whose city code cannot be told (no or unknown place).
    CodeAmbi,
    /// Not a number okno can read.
    Undef,
    /// No number at all.
    Empty,
    /// Not a phone number: letters, too few digits.
    Garbage,
    /// Digits of an impossible length.
    IncorrectData,
}

/// One normalised phone number.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CleanPhone {
    /// The text as given.
    pub original_phone: String,
    /// Country calling code (`7`).
    pub phone_country_code: String,
    /// City or mobile operator code (`495`, `916`).
    pub phone_city_code: String,
    /// Subscriber number (`9562067`).
    pub phone_number: String,
    /// Extension, empty when none.
    pub phone_extension: String,
    /// Otpravka's quality code.
    pub quality_code: PhoneQuality,
    /// The quality is one of the `GOOD…` codes.
    pub valid: bool,
}

/// Telephone codes of the largest Russian cities (folded names), the 10-digit national plan:
/// code and subscriber number together are ten digits.
const CITY_CODES: &[(&str, &str)] = &[
    ("москва", "495"),
    ("санкт-петербург", "812"),
    ("новосибирск", "383"),
    ("екатеринбург", "343"),
    ("казань", "843"),
    ("нижний новгород", "831"),
    ("челябинск", "351"),
    ("красноярск", "391"),
    ("самара", "846"),
    ("уфа", "347"),
    ("ростов-на-дону", "863"),
    ("омск", "3812"),
    ("краснодар", "861"),
    ("воронеж", "473"),
    ("пермь", "342"),
    ("волгоград", "8442"),
    ("саратов", "8452"),
    ("тюмень", "3452"),
    ("тольятти", "8482"),
    ("ижевск", "3412"),
    ("барнаул", "3852"),
    ("ульяновск", "8422"),
    ("иркутск", "3952"),
    ("хабаровск", "4212"),
    ("махачкала", "8722"),
    ("ярославль", "4852"),
    ("владивосток", "423"),
    ("оренбург", "3532"),
    ("томск", "3822"),
    ("кемерово", "3842"),
    ("новокузнецк", "3843"),
    ("рязань", "4912"),
    ("набережные челны", "8552"),
    ("астрахань", "8512"),
    ("киров", "8332"),
    ("пенза", "8412"),
    ("севастополь", "8692"),
    ("липецк", "4742"),
    ("балашиха", "495"),
    ("чебоксары", "8352"),
    ("калининград", "4012"),
    ("тула", "4872"),
    ("ставрополь", "8652"),
    ("курск", "4712"),
    ("улан-удэ", "3012"),
    ("сочи", "862"),
    ("тверь", "4822"),
    ("магнитогорск", "3519"),
    ("иваново", "4932"),
    ("брянск", "4832"),
    ("белгород", "4722"),
    ("сургут", "3462"),
    ("владимир", "4922"),
    ("чита", "3022"),
    ("архангельск", "8182"),
    ("нижний тагил", "3435"),
    ("симферополь", "3652"),
    ("калуга", "4842"),
    ("смоленск", "4812"),
    ("волжский", "8443"),
    ("якутск", "4112"),
    ("саранск", "8342"),
    ("череповец", "8202"),
    ("курган", "3522"),
    ("вологда", "8172"),
    ("орел", "4862"),
    ("владикавказ", "8672"),
    ("подольск", "4967"),
    ("грозный", "8712"),
    ("мурманск", "8152"),
    ("тамбов", "4752"),
    ("стерлитамак", "3473"),
    ("петрозаводск", "8142"),
    ("кострома", "4942"),
    ("нижневартовск", "3466"),
    ("новороссийск", "8617"),
    ("йошкар-ола", "8362"),
    ("химки", "495"),
    ("таганрог", "8634"),
    ("комсомольск-на-амуре", "4217"),
    ("сыктывкар", "8212"),
    ("нальчик", "8662"),
    ("шахты", "8636"),
    ("дзержинск", "8313"),
    ("братск", "3953"),
    ("орск", "3537"),
    ("нижнекамск", "8555"),
    ("ангарск", "3955"),
    ("энгельс", "8453"),
    ("королев", "495"),
    ("благовещенск", "4162"),
    ("старый оскол", "4725"),
    ("мытищи", "495"),
    ("великий новгород", "8162"),
    ("псков", "8112"),
    ("люберцы", "495"),
    ("бийск", "3854"),
    ("прокопьевск", "3846"),
    ("южно-сахалинск", "4242"),
    ("балаково", "8453"),
    ("армавир", "86137"),
    ("рыбинск", "4855"),
    ("северодвинск", "8184"),
    ("абакан", "3902"),
    ("петропавловск-камчатский", "4152"),
    ("норильск", "3919"),
    ("уссурийск", "4234"),
    ("волгодонск", "8639"),
    ("сызрань", "8464"),
    ("новочеркасск", "8635"),
    ("каменск-уральский", "3439"),
    ("златоуст", "3513"),
    ("альметьевск", "8553"),
    ("салават", "3476"),
    ("миасс", "3513"),
    ("находка", "4236"),
    ("пятигорск", "8793"),
    ("рубцовск", "38557"),
    ("березники", "3424"),
    ("коломна", "496"),
    ("майкоп", "8772"),
    ("одинцово", "495"),
    ("ковров", "49232"),
    ("кисловодск", "87937"),
    ("батайск", "86354"),
    ("нефтеюганск", "3463"),
    ("серпухов", "4967"),
    ("черкесск", "8782"),
    ("первоуральск", "3439"),
    ("назрань", "8732"),
    ("обнинск", "484"),
    ("кызыл", "39422"),
    ("новый уренгой", "3494"),
    ("невинномысск", "86554"),
    ("димитровград", "84235"),
    ("муром", "49234"),
    ("ессентуки", "87934"),
    ("северск", "3823"),
    ("элиста", "84722"),
    ("арзамас", "83147"),
    ("елец", "47467"),
    ("ноябрьск", "3496"),
    ("ачинск", "39151"),
    ("бердск", "383"),
    ("сергиев посад", "496"),
    ("ногинск", "496"),
    ("зеленоград", "499"),
    ("ханты-мансийск", "3467"),
    ("салехард", "34922"),
    ("горно-алтайск", "38822"),
    ("биробиджан", "42622"),
    ("магадан", "4132"),
    ("анадырь", "42722"),
    ("нарьян-мар", "81853"),
    ("керчь", "36561"),
    ("евпатория", "36569"),
    ("ялта", "3654"),
    ("дербент", "87240"),
    ("хасавюрт", "87231"),
    ("каспийск", "87246"),
    ("новомосковск", "48762"),
    ("камышин", "84457"),
    ("октябрьский", "34767"),
    ("воркута", "82151"),
    ("ухта", "8216"),
    ("тобольск", "3456"),
    ("копейск", "35139"),
];

/// The telephone code of a city (name with or without its type: `г Москва`, `Москва`).
pub fn city_code(place: &str) -> Option<&'static str> {
    let folded = fold(place);
    let name = folded
        .strip_prefix("г ")
        .or_else(|| folded.strip_prefix("г. "))
        .or_else(|| folded.strip_prefix("город "))
        .unwrap_or(&folded)
        .trim();
    CITY_CODES
        .iter()
        .find(|(city, _)| *city == name)
        .map(|(_, code)| *code)
}

/// Country codes okno recognises after `+` or `810`, longest first.
const COUNTRY_CODES: &[&str] = &[
    "375", "380", "374", "994", "995", "996", "992", "993", "998", "373", "371", "370", "372",
    "358", "420", "972", "971", "886", "852", "44", "49", "33", "39", "34", "48", "90", "86", "81",
    "82", "91", "31", "32", "41", "43", "45", "46", "47", "30", "36", "40", "1",
];

fn answer(text: &str, quality: PhoneQuality) -> CleanPhone {
    CleanPhone {
        original_phone: text.to_owned(),
        phone_country_code: String::new(),
        phone_city_code: String::new(),
        phone_number: String::new(),
        phone_extension: String::new(),
        quality_code: quality,
        valid: false,
    }
}

/// Splits off an extension (`доб. 123`, `ext 12`, `#12`, `вн. 5`).
fn split_extension(folded: &str) -> (&str, String) {
    for mark in ["доб", "ext", "вн", "#", "x"] {
        if let Some(at) = folded.find(mark) {
            let digits: String = folded[at..].chars().filter(char::is_ascii_digit).collect();
            if !digits.is_empty() {
                return (&folded[..at], digits);
            }
        }
    }
    (folded, String::new())
}

/// Normalises one phone number; `place` and `area` (city or region of the recipient, as in
/// Otpravka's request) complete a city number with its code. Never fails.
pub fn normalize_phone(text: &str, place: Option<&str>, area: Option<&str>) -> CleanPhone {
    if text.chars().count() > INPUT_CHARS_MAX {
        return answer(text, PhoneQuality::IncorrectData);
    }
    let folded = fold(text.trim());
    if folded.is_empty() {
        return answer(text, PhoneQuality::Empty);
    }
    // Several numbers: answer the first.
    let mut parts = folded
        .split([',', ';', '/'])
        .filter(|p| p.chars().filter(char::is_ascii_digit).count() >= 5);
    let first = parts.next().unwrap_or(&folded);
    let extra = parts.next().is_some();
    let (main, extension) = split_extension(first);
    let letters = main.chars().filter(|c| c.is_alphabetic()).count();
    let digits: String = main.chars().filter(char::is_ascii_digit).collect();
    if digits.is_empty() || letters > 2 {
        return answer(text, PhoneQuality::Garbage);
    }
    // A code written in brackets is the caller's own split.
    let bracketed: Option<String> = main
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(code, _)| code.chars().filter(char::is_ascii_digit).collect())
        .filter(|code: &String| (3..=5).contains(&code.len()));
    let plus = main.trim_start().starts_with('+');
    let home_code = place
        .and_then(city_code)
        .or_else(|| area.and_then(city_code));

    let mut result = answer(text, PhoneQuality::Good);
    result.phone_extension = extension;
    let national: Option<&str> = match digits.len() {
        11 if digits.starts_with('7') || (!plus && digits.starts_with('8')) => Some(&digits[1..]),
        10 if !plus => Some(&digits[..]),
        _ => None,
    };
    if let Some(national) = national {
        if national.starts_with('7') || national.starts_with('6') {
            // +7 6xx / 7xx: Kazakhstan shares the country code.
            result.phone_country_code = "7".to_owned();
            result.phone_city_code = national[..3].to_owned();
            result.phone_number = national[3..].to_owned();
            result.quality_code = PhoneQuality::Foreign;
            return result;
        }
        let code_len = if national.starts_with('9') {
            3
        } else if let Some(code) = bracketed.as_deref().filter(|c| national.starts_with(c)) {
            code.len()
        } else {
            CITY_CODES
                .iter()
                .map(|(_, code)| *code)
                .filter(|code| national.starts_with(code))
                .map(str::len)
                .max()
                .unwrap_or(3)
        };
        result.phone_country_code = "7".to_owned();
        result.phone_city_code = national[..code_len].to_owned();
        result.phone_number = national[code_len..].to_owned();
        result.quality_code = if extra {
            PhoneQuality::GoodExtraPhone
        } else if !national.starts_with('9')
            && home_code.is_some_and(|home| home != result.phone_city_code)
        {
            PhoneQuality::GoodCityConflict
        } else {
            PhoneQuality::Good
        };
        result.valid = true;
        return result;
    }
    if plus || digits.starts_with("810") {
        let international = digits
            .strip_prefix("810")
            .filter(|_| !plus)
            .unwrap_or(&digits);
        let Some(country) = COUNTRY_CODES.iter().find(|c| international.starts_with(*c)) else {
            return answer(text, PhoneQuality::Undef);
        };
        let rest = &international[country.len()..];
        if !(6..=12).contains(&rest.len()) {
            return answer(text, PhoneQuality::IncorrectData);
        }
        result.phone_country_code = (*country).to_owned();
        result.phone_number = rest.to_owned();
        result.quality_code = PhoneQuality::Foreign;
        return result;
    }
    if (5..=7).contains(&digits.len()) {
        // A city number: complete it with the place's code when code and number make ten.
        return match home_code.filter(|code| code.len() + digits.len() == 10) {
            Some(code) => {
                result.phone_country_code = "7".to_owned();
                result.phone_city_code = code.to_owned();
                result.phone_number = digits;
                result.quality_code = if extra {
                    PhoneQuality::GoodExtraPhone
                } else {
                    PhoneQuality::GoodCity
                };
                result.valid = true;
                result
            }
            None => {
                let mut ambiguous = answer(text, PhoneQuality::CodeAmbi);
                ambiguous.phone_number = digits;
                ambiguous.phone_extension = result.phone_extension;
                ambiguous
            }
        };
    }
    if digits.len() < 5 {
        return answer(text, PhoneQuality::Garbage);
    }
    answer(text, PhoneQuality::IncorrectData)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_covers_a_hundred_cities_with_ten_digit_plans() {
        assert!(CITY_CODES.len() >= 100);
        for (city, code) in CITY_CODES {
            assert!((3..=5).contains(&code.len()), "{city}");
            assert!(code.bytes().all(|b| b.is_ascii_digit()), "{city}");
        }
    }
}
