//! The address lexer and the first parsing pass: folded text → tokens (words, numbers,
//! separators) → named chunks (a type word and its name, in either order) and the number
//! slots (house, corpus, building, letter, flat, office, box). Names are not looked up here;
//! `address` resolves the chunks against the dictionary.

use super::lexicon::{
    Level, Marker, is_adjective, is_country_word, is_foreign_word, marker, type_word,
};
use super::text::is_letter;

/// One token of the folded text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Tok {
    /// Comma, semicolon or line break: a hard boundary between parts.
    Sep,
    /// A run of letters (with inner hyphens and slashes).
    Word(String),
    /// A run starting with a digit (`7`, `61а`, `12-34`, `7к2`, `1-я`).
    Num(String),
}

/// Splits folded text into tokens. A marker glued to its number (`д7`, `кв.5`) is split.
pub(crate) fn tokens(folded: &str) -> Vec<Tok> {
    let chars: Vec<char> = folded.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if matches!(c, ',' | ';' | '\n' | '\r') {
            if out.last() != Some(&Tok::Sep) {
                out.push(Tok::Sep);
            }
            i += 1;
        } else if is_letter(c) {
            let start = i;
            while i < chars.len() {
                let c = chars[i];
                let inner = matches!(c, '-' | '/')
                    && chars.get(i + 1).is_some_and(|n| is_letter(*n))
                    && i > start;
                if is_letter(c) || inner {
                    i += 1;
                } else {
                    break;
                }
            }
            let word: String = chars[start..i].iter().collect();
            out.push(Tok::Word(word));
        } else if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() {
                let c = chars[i];
                let inner = matches!(c, '-' | '/')
                    && chars
                        .get(i + 1)
                        .is_some_and(|n| n.is_ascii_digit() || is_letter(*n));
                if c.is_ascii_digit() || is_letter(c) || inner {
                    i += 1;
                } else {
                    break;
                }
            }
            out.push(Tok::Num(chars[start..i].iter().collect()));
        } else {
            i += 1;
        }
    }
    if out.first() == Some(&Tok::Sep) {
        out.remove(0);
    }
    out
}

/// A name with its type word, as written.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Chunk {
    /// The level the type word gave, `None` for a bare name.
    pub(crate) level: Option<Level>,
    /// The normalised type abbreviation.
    pub(crate) abbr: &'static str,
    /// Folded words of the name.
    pub(crate) words: Vec<String>,
    /// The house number came right after this chunk (the street, most likely).
    pub(crate) before_house: bool,
}

/// The first pass over an address.
#[derive(Clone, Debug, Default)]
pub(crate) struct Parsed {
    pub(crate) chunks: Vec<Chunk>,
    pub(crate) index: Option<String>,
    pub(crate) house: Option<String>,
    pub(crate) corpus: Option<String>,
    pub(crate) building: Option<String>,
    pub(crate) letter: Option<String>,
    pub(crate) room: Option<String>,
    pub(crate) office: Option<String>,
    pub(crate) po_box: Option<String>,
    pub(crate) demand: bool,
    pub(crate) foreign: bool,
    /// Numbers and fragments that fit nowhere.
    pub(crate) leftovers: Vec<String>,
}

/// `1-я`, `2-й`, `50-летия`: a number that is part of a name.
fn is_ordinal(num: &str) -> bool {
    let Some((digits, tail)) = num.split_once('-') else {
        return false;
    };
    digits.bytes().all(|b| b.is_ascii_digit())
        && (matches!(
            tail,
            "я" | "й"
                | "е"
                | "ая"
                | "ий"
                | "ый"
                | "ой"
                | "го"
                | "ого"
                | "ое"
                | "ья"
                | "ье"
                | "ти"
        ) || (tail.chars().count() > 3 && tail.chars().all(is_letter)))
}

fn upper(text: &str) -> String {
    text.to_uppercase()
}

impl Parsed {
    fn flush(&mut self, current: &mut Option<Chunk>) {
        if let Some(chunk) = current.take()
            && (!chunk.words.is_empty() || chunk.level.is_some())
        {
            if chunk.words.is_empty() {
                // A lone type word ("г.", "ул.") names nothing.
                return;
            }
            self.chunks.push(chunk);
        }
    }

    fn set(slot: &mut Option<String>, value: String, leftovers: &mut Vec<String>) {
        if slot.is_none() {
            *slot = Some(value);
        } else {
            leftovers.push(value);
        }
    }

    fn apply(&mut self, marker: Marker, value: &str) {
        match marker {
            Marker::House => self.house_number(value),
            Marker::Corpus => Self::set(&mut self.corpus, upper(value), &mut self.leftovers),
            Marker::Building => Self::set(&mut self.building, upper(value), &mut self.leftovers),
            Marker::Letter => Self::set(&mut self.letter, upper(value), &mut self.leftovers),
            Marker::Room => Self::set(&mut self.room, upper(value), &mut self.leftovers),
            Marker::Office => Self::set(&mut self.office, upper(value), &mut self.leftovers),
            Marker::PoBox => Self::set(&mut self.po_box, value.to_owned(), &mut self.leftovers),
            Marker::Ignored => {}
        }
    }

    /// "д. 12 а": a lone letter right after the house (and before a boundary) belongs to it.
    fn join_letter(&mut self, toks: &[Tok], at: usize) -> bool {
        let (Some(Tok::Word(letter)), Some(house)) = (toks.get(at), self.house.as_mut()) else {
            return false;
        };
        if letter.chars().count() == 1
            && house.bytes().all(|b| b.is_ascii_digit())
            && !matches!(toks.get(at + 1), Some(Tok::Word(_) | Tok::Num(_)))
        {
            house.push_str(&upper(letter));
            return true;
        }
        false
    }

    /// A house number as written, split into its parts: `12-34` (house and flat), `7к2`,
    /// `7с1`, `61а`, `12/3`.
    fn house_number(&mut self, raw: &str) {
        if self.house.is_some() {
            // A second bare number after the house is the flat ("Ленина 5, 12").
            if self.room.is_none()
                && self.office.is_none()
                && raw.bytes().all(|b| b.is_ascii_digit())
            {
                self.room = Some(raw.to_owned());
            } else {
                self.leftovers.push(raw.to_owned());
            }
            return;
        }
        if let Some(last) = self.chunks.last_mut() {
            last.before_house = true;
        }
        let digits_end = raw.find(|c: char| !c.is_ascii_digit()).unwrap_or(raw.len());
        let (base, mut rest) = raw.split_at(digits_end);
        let mut house = base.to_owned();
        while !rest.is_empty() {
            if let Some(tail) = rest.strip_prefix('/') {
                let end = tail
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(tail.len());
                if end == 0 {
                    break;
                }
                house.push('/');
                house.push_str(&tail[..end]);
                rest = &tail[end..];
            } else if let Some(tail) = rest.strip_prefix('-') {
                let end = tail
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(tail.len());
                if end > 0 && end == tail.len() && self.room.is_none() {
                    self.room = Some(tail.to_owned());
                    rest = "";
                } else if tail.chars().count() == 1 && tail.chars().all(is_letter) {
                    house.push_str(&upper(tail));
                    rest = "";
                } else {
                    break;
                }
            } else {
                let letters_end = rest.find(|c: char| !is_letter(c)).unwrap_or(rest.len());
                let (letters, tail) = rest.split_at(letters_end);
                let digits_end = tail
                    .find(|c: char| !c.is_ascii_digit())
                    .unwrap_or(tail.len());
                let (number, tail) = tail.split_at(digits_end);
                match (marker(letters), number.is_empty()) {
                    (Some(Marker::Corpus), false) => self.corpus = Some(number.to_owned()),
                    (Some(Marker::Building), false) => self.building = Some(number.to_owned()),
                    (Some(Marker::Room), false) => self.room = Some(number.to_owned()),
                    (_, true) if letters.chars().count() == 1 => house.push_str(&upper(letters)),
                    _ => break,
                }
                rest = tail;
            }
        }
        if !rest.is_empty() || house.is_empty() {
            // Not a shape we know: keep it whole as the house, say so.
            self.house = Some(upper(raw));
            self.leftovers.push(raw.to_owned());
            return;
        }
        self.house = Some(house);
    }
}

/// Reads the tokens into chunks and number slots.
pub(crate) fn parse(toks: &[Tok]) -> Parsed {
    let mut parsed = Parsed::default();
    let mut current: Option<Chunk> = None;
    let word_at = |i: usize| match toks.get(i) {
        Some(Tok::Word(w)) => Some(w.as_str()),
        _ => None,
    };
    let num_at = |i: usize| match toks.get(i) {
        Some(Tok::Num(n)) => Some(n.as_str()),
        _ => None,
    };
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Sep => parsed.flush(&mut current),
            Tok::Num(num) => {
                let all_digits = num.bytes().all(|b| b.is_ascii_digit());
                let name_follows = word_at(i + 1).is_some_and(|w| {
                    type_word(w).is_none() && !(marker(w).is_some() && num_at(i + 2).is_some())
                });
                // "8 Марта ул.": the words after the number end in a street type.
                let street_follows = name_follows
                    && current.as_ref().is_none_or(|c| c.words.is_empty())
                    && toks[i + 1..]
                        .iter()
                        .map_while(|t| match t {
                            Tok::Word(w) => Some(w),
                            _ => None,
                        })
                        .any(|w| matches!(type_word(w), Some((Level::Street, _))));
                if all_digits && num.len() == 6 && parsed.index.is_none() {
                    parsed.flush(&mut current);
                    parsed.index = Some(num.clone());
                } else if is_ordinal(num)
                    || (all_digits && street_follows && parsed.house.is_none())
                    || (all_digits
                        && name_follows
                        && parsed.house.is_none()
                        && current
                            .as_ref()
                            .is_some_and(|c| c.level == Some(Level::Street) && c.words.is_empty()))
                {
                    current
                        .get_or_insert_with(Chunk::default)
                        .words
                        .push(num.clone());
                } else {
                    parsed.flush(&mut current);
                    let was_bare = parsed.house.is_none();
                    parsed.house_number(num);
                    if was_bare && parsed.join_letter(toks, i + 1) {
                        i += 1;
                    }
                }
            }
            Tok::Word(word) => {
                let next = word_at(i + 1);
                let word = word.as_str();
                if word == "до" && next == Some("востребования") {
                    parsed.flush(&mut current);
                    parsed.demand = true;
                    i += 2;
                    continue;
                }
                if is_country_word(word) || (word == "российская" && next == Some("федерация"))
                {
                    parsed.flush(&mut current);
                    i += if word == "российская" { 2 } else { 1 };
                    continue;
                }
                if is_foreign_word(word) {
                    parsed.foreign = true;
                    parsed.flush(&mut current);
                    i += 1;
                    continue;
                }
                // Two-word markers and types.
                let (word, consumed) = match (word, next) {
                    ("абонентский", Some("ящик")) => ("а/я", 2),
                    ("автономный", Some("округ" | "окр")) => ("ао", 2),
                    ("автономная", Some("область" | "обл")) => ("аобл", 2),
                    ("городской", Some("округ")) => ("го", 2),
                    _ => (word, 1),
                };
                let after = i + consumed;
                if word == "го" {
                    // "городской округ" names the same settlement; dropped.
                    parsed.flush(&mut current);
                    i = after;
                    continue;
                }
                if let (Some(m), Some(value)) = (marker(word), num_at(after)) {
                    let is_building = m == Marker::Building && word == "с";
                    if !is_building || parsed.house.is_some() {
                        parsed.flush(&mut current);
                        let was_bare = parsed.house.is_none();
                        parsed.apply(m, value);
                        i = after + 1;
                        if m == Marker::House && was_bare && parsed.join_letter(toks, i) {
                            i += 1;
                        }
                        continue;
                    }
                }
                if marker(word) == Some(Marker::Letter)
                    && let Some(letter) = word_at(after)
                    && letter.chars().count() == 1
                {
                    parsed.flush(&mut current);
                    parsed.apply(Marker::Letter, letter);
                    i = after + 1;
                    continue;
                }
                if let Some((level, abbr)) = type_word(word) {
                    let boundary = match toks.get(after) {
                        None | Some(Tok::Sep | Tok::Num(_)) => true,
                        Some(Tok::Word(w)) => {
                            type_word(w).is_some() || is_country_word(w) || marker(w).is_some()
                        }
                    };
                    let postfix = current.as_ref().is_some_and(|c| {
                        c.level.is_none()
                            && !c.words.is_empty()
                            && match level {
                                Level::Place => boundary,
                                _ => boundary || c.words.last().is_some_and(|w| is_adjective(w)),
                            }
                    });
                    // "г Владивосток Океанский проспект": the adjective before a street type
                    // leaves the settlement's chunk and names the street.
                    let split = level == Level::Street
                        && current.as_ref().is_some_and(|c| {
                            c.level.is_some_and(|l| l != Level::Street)
                                && c.words.len() >= 2
                                && c.words.last().is_some_and(|w| is_adjective(w))
                        });
                    if split && let Some(chunk) = current.as_mut() {
                        let name = chunk.words.pop().unwrap_or_default();
                        parsed.flush(&mut current);
                        current = Some(Chunk {
                            level: Some(level),
                            abbr,
                            words: vec![name],
                            before_house: false,
                        });
                        parsed.flush(&mut current);
                    } else if let (true, Some(chunk)) = (postfix, current.as_mut()) {
                        chunk.level = Some(level);
                        chunk.abbr = abbr;
                        parsed.flush(&mut current);
                    } else {
                        parsed.flush(&mut current);
                        current = Some(Chunk {
                            level: Some(level),
                            abbr,
                            words: Vec::new(),
                            before_house: false,
                        });
                    }
                    i = after;
                    continue;
                }
                current
                    .get_or_insert_with(Chunk::default)
                    .words
                    .push(word.to_owned());
            }
        }
        i += 1;
    }
    parsed.flush(&mut current);
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_split_into_their_parts() {
        let p = parse(&tokens("ленина 7к2 кв 5"));
        assert_eq!(p.house.as_deref(), Some("7"));
        assert_eq!(p.corpus.as_deref(), Some("2"));
        assert_eq!(p.room.as_deref(), Some("5"));
        let p = parse(&tokens("московская 12-34"));
        assert_eq!(
            (p.house.as_deref(), p.room.as_deref()),
            (Some("12"), Some("34"))
        );
        let p = parse(&tokens("пр-т ленина д.61а"));
        assert_eq!(p.house.as_deref(), Some("61А"));
        assert_eq!(p.chunks[0].abbr, "пр-кт");
    }
}
