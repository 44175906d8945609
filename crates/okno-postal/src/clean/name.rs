//! Personal name normalisation, the way Otpravka's `/1.0/clean/physical` does it: surname,
//! first name and patronymic in any order ("Иванов Иван Иванович", "Иван Иванович Иванов",
//! "ИВАНОВ И.И."), case fixed, with a `FioQuality`. Parts are told apart by a compact list of
//! common Russian first names (written for okno) and by patronymic and surname endings.

use super::INPUT_CHARS_MAX;
use super::text::{fold, title_case};
use serde::Serialize;

/// Otpravka's `FioQuality`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum FioQuality {
    /// Every part was recognised (and case or order possibly fixed).
    Edited,
    /// Some part is missing or could not be told apart.
    NotSure,
    /// Confirmed by an operator (Otpravka only).
    ConfirmedManually,
}

/// One normalised name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CleanName {
    /// The text as given.
    pub original_fio: String,
    /// Family name.
    pub surname: Option<String>,
    /// First name (or its initial, `И.`).
    pub name: Option<String>,
    /// Patronymic (or its initial).
    pub middle_name: Option<String>,
    /// Otpravka's quality code.
    pub quality_code: FioQuality,
    /// Otpravka's `valid`: the quality is `EDITED` or `CONFIRMED_MANUALLY`.
    pub valid: bool,
}

/// Common Russian first names, male and female, folded (`ё` → `е`).
const FIRST_NAMES: &[&str] = &[
    "александр",
    "алексей",
    "анатолий",
    "андрей",
    "антон",
    "аркадий",
    "арсений",
    "артем",
    "артур",
    "борис",
    "вадим",
    "валентин",
    "валерий",
    "василий",
    "виктор",
    "виталий",
    "владимир",
    "владислав",
    "всеволод",
    "вячеслав",
    "геннадий",
    "георгий",
    "герман",
    "глеб",
    "григорий",
    "давид",
    "даниил",
    "данил",
    "денис",
    "дмитрий",
    "евгений",
    "егор",
    "иван",
    "игорь",
    "илья",
    "кирилл",
    "константин",
    "лев",
    "леонид",
    "макар",
    "максим",
    "марк",
    "матвей",
    "михаил",
    "никита",
    "николай",
    "олег",
    "павел",
    "петр",
    "роман",
    "руслан",
    "семен",
    "сергей",
    "станислав",
    "степан",
    "тимофей",
    "тимур",
    "федор",
    "филипп",
    "эдуард",
    "юрий",
    "ярослав",
    "ринат",
    "рустам",
    "айдар",
    "ильдар",
    "марат",
    "азат",
    "эльдар",
    "богдан",
    "захар",
    "савва",
    "ефим",
    "яков",
    "родион",
    "платон",
    "мирон",
    "назар",
    "ростислав",
    "святослав",
    "александра",
    "алена",
    "алина",
    "алиса",
    "алла",
    "анастасия",
    "ангелина",
    "анна",
    "валентина",
    "валерия",
    "варвара",
    "вера",
    "вероника",
    "виктория",
    "галина",
    "дарья",
    "диана",
    "ева",
    "евгения",
    "екатерина",
    "елена",
    "елизавета",
    "жанна",
    "зинаида",
    "зоя",
    "инна",
    "ирина",
    "карина",
    "кира",
    "кристина",
    "ксения",
    "лариса",
    "лидия",
    "любовь",
    "людмила",
    "маргарита",
    "марина",
    "мария",
    "милана",
    "надежда",
    "наталья",
    "наталия",
    "нина",
    "оксана",
    "олеся",
    "ольга",
    "полина",
    "раиса",
    "светлана",
    "софия",
    "софья",
    "таисия",
    "тамара",
    "татьяна",
    "ульяна",
    "юлия",
    "яна",
    "эльвира",
    "гульнара",
    "диляра",
    "альбина",
    "регина",
    "вита",
    "снежана",
    "злата",
    "василиса",
    "арина",
    "эмилия",
    "стефания",
    "лилия",
    "эльмира",
];

/// Patronymic endings (including the Turkic `оглы`, `кызы` written as separate words).
const PATRONYMIC_ENDINGS: &[&str] = &[
    "ович",
    "евич",
    "ьич",
    "ич",
    "овна",
    "евна",
    "ична",
    "инична",
];

/// Surname endings that mark a word as a family name.
const SURNAME_ENDINGS: &[&str] = &[
    "ов",
    "ев",
    "ин",
    "ын",
    "ова",
    "ева",
    "ина",
    "ына",
    "ский",
    "цкий",
    "ская",
    "цкая",
    "ской",
    "енко",
    "ко",
    "ук",
    "юк",
    "чук",
    "ян",
    "янц",
    "дзе",
    "швили",
    "их",
    "ых",
    "ман",
    "ер",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Initial,
    First,
    Patronymic,
    Surname,
    Unknown,
}

fn kind(word: &str) -> Kind {
    let folded = fold(word);
    let letters = folded.chars().filter(|c| c.is_alphabetic()).count();
    if letters == 1 {
        return Kind::Initial;
    }
    if FIRST_NAMES.contains(&folded.as_str()) {
        return Kind::First;
    }
    if PATRONYMIC_ENDINGS.iter().any(|e| folded.ends_with(e)) && letters > 4 {
        return Kind::Patronymic;
    }
    if SURNAME_ENDINGS.iter().any(|e| folded.ends_with(e)) && letters > 3 {
        return Kind::Surname;
    }
    Kind::Unknown
}

/// Splits "И.И." and "И. И." into initials; other words stay whole.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in text.split(|c: char| c.is_whitespace() || c == ',') {
        if raw.is_empty() {
            continue;
        }
        let pieces: Vec<&str> = raw.split('.').filter(|p| !p.is_empty()).collect();
        if pieces.len() > 1 && pieces.iter().all(|p| p.chars().count() == 1) {
            out.extend(pieces.iter().map(|p| (*p).to_owned()));
        } else {
            out.push(raw.trim_matches('.').to_owned());
        }
    }
    out.retain(|w| !w.is_empty());
    out
}

fn display(word: &str, kind: Kind) -> String {
    if kind == Kind::Initial {
        return format!("{}.", word.to_uppercase());
    }
    title_case(word)
}

/// Normalises one personal name. Never fails.
pub fn normalize_name(text: &str) -> CleanName {
    let mut result = CleanName {
        original_fio: text.to_owned(),
        surname: None,
        name: None,
        middle_name: None,
        quality_code: FioQuality::NotSure,
        valid: false,
    };
    if text.chars().count() > INPUT_CHARS_MAX {
        return result;
    }
    let all_words = words(text);
    // Words with digits or other signs are no part of a name.
    let words: Vec<String> = all_words
        .iter()
        .filter(|w| {
            w.chars()
                .all(|c| c.is_alphabetic() || c == '-' || c == '\'')
        })
        .cloned()
        .collect();
    let clean = words.len() == all_words.len();
    let kinds: Vec<Kind> = words.iter().map(|w| kind(w)).collect();
    let mut surname = None;
    let mut first = None;
    let mut middle = None;
    let mut rest = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        match kind {
            Kind::Patronymic if middle.is_none() => middle = Some((i, *kind)),
            Kind::First if first.is_none() => first = Some((i, *kind)),
            Kind::Surname if surname.is_none() => surname = Some((i, *kind)),
            _ => rest.push((i, *kind)),
        }
    }
    // Initials: the first is the name, the second the patronymic.
    let mut unknown = Vec::new();
    for (i, kind) in rest {
        if kind == Kind::Initial && first.is_none() {
            first = Some((i, kind));
        } else if kind == Kind::Initial && middle.is_none() {
            middle = Some((i, kind));
        } else {
            unknown.push(i);
        }
    }
    // Unknown words fill the surname first, then the first name ("by elimination").
    let mut eliminated = 0;
    if surname.is_none() && !unknown.is_empty() {
        surname = Some((unknown.remove(0), Kind::Unknown));
        eliminated += 1;
    }
    if first.is_none() && !unknown.is_empty() {
        first = Some((unknown.remove(0), Kind::Unknown));
        eliminated += 1;
    }
    // Sure when every word found its place and at most one of three was placed by elimination.
    let sure = clean
        && unknown.is_empty()
        && first.is_some()
        && surname.is_some()
        && (2..=3).contains(&words.len())
        && eliminated + 2 <= words.len();
    let take = |slot: Option<(usize, Kind)>| slot.map(|(i, k)| display(&words[i], k));
    result.surname = take(surname);
    result.name = take(first);
    result.middle_name = take(middle);
    if sure {
        result.quality_code = FioQuality::Edited;
        result.valid = true;
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_order_and_initials() {
        let n = normalize_name("иван иванович ИВАНОВ");
        assert_eq!(
            (
                n.surname.as_deref(),
                n.name.as_deref(),
                n.middle_name.as_deref()
            ),
            (Some("Иванов"), Some("Иван"), Some("Иванович"))
        );
        assert_eq!(n.quality_code, FioQuality::Edited);
        let n = normalize_name("Петрова А.С.");
        assert_eq!(n.name.as_deref(), Some("А."));
        assert_eq!(n.middle_name.as_deref(), Some("С."));
        assert_eq!(n.surname.as_deref(), Some("Петрова"));
    }
}
