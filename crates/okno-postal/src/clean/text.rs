//! Small text helpers shared by the normalisers: case folding for lookups (`ё` → `е`) and
//! Russian title case for display (`ростов-на-дону` → `Ростов-на-Дону`).

/// Lower case with `ё` folded to `е`, for dictionary keys.
pub(crate) fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            'ё' | 'Ё' => folded.push('е'),
            c => folded.extend(c.to_lowercase()),
        }
    }
    folded
}

/// Particles that stay lower case inside hyphenated and multi-word names.
const PARTICLES: &[&str] = &["на", "де", "ла", "в", "и", "под", "над", "им", "им."];

/// Each word and each hyphenated part capitalised, particles after the first part kept lower.
pub(crate) fn title_case(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (w, word) in text.split(' ').filter(|w| !w.is_empty()).enumerate() {
        if w > 0 {
            out.push(' ');
        }
        for (p, part) in word.split('-').enumerate() {
            if p > 0 {
                out.push('-');
            }
            let lower = part.to_lowercase();
            if (p > 0 || w > 0 || lower == "им") && PARTICLES.contains(&lower.as_str()) {
                out.push_str(&lower);
                continue;
            }
            // "1-я", "50-летия": what follows a number stays lower case.
            if p > 0 && word.starts_with(|c: char| c.is_ascii_digit()) {
                out.push_str(&lower);
                continue;
            }
            let mut chars = lower.chars();
            if let Some(first) = chars.next() {
                out.extend(first.to_uppercase());
                out.push_str(chars.as_str());
            }
        }
    }
    out
}

/// Cyrillic or Latin letter test used by the lexers.
pub(crate) fn is_letter(c: char) -> bool {
    c.is_alphabetic()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn title_case_keeps_particles_and_ordinals() {
        assert_eq!(title_case("ростов-на-дону"), "Ростов-на-Дону");
        assert_eq!(title_case("1-я тверская-ямская"), "1-я Тверская-Ямская");
        assert_eq!(title_case("НИЖНИЙ НОВГОРОД"), "Нижний Новгород");
        assert_eq!(fold("Орёл"), "орел");
    }
}
