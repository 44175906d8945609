//! Weekly opening hours in an office's local time, and the "is it open at this instant" test.
//!
//! A day is a list of intervals in minutes after local midnight (`08:00-13:00 14:00-20:00` is a
//! day with a lunch break); `00:00-24:00` is round the clock; no interval is a closed day.
//! Intervals do not cross midnight. The text form (`HH:MM-HH:MM`, several separated by spaces
//! or commas) is what the import files and the API use.

use serde::{Serialize, Serializer};

/// Minutes in a day.
const DAY_MINUTES: u16 = 24 * 60;
/// Most intervals one day may have (opening, lunch, reopening, … is three at most in practice).
pub const INTERVALS_PER_DAY_MAX: usize = 8;

/// The day names used in files and in the API, Monday first.
pub const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// One opening interval, minutes after local midnight, `open < close ≤ 1440`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Interval {
    /// First minute open.
    pub open: u16,
    /// First minute closed again (1440 = midnight at the end of the day).
    pub close: u16,
}

impl Interval {
    /// `HH:MM-HH:MM`.
    pub fn text(self) -> String {
        format!("{}-{}", clock(self.open), clock(self.close))
    }
}

impl Serialize for Interval {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.text())
    }
}

/// `HH:MM` for minutes after midnight (`24:00` for 1440).
pub fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The opening hours of one week, Monday first, in the office's local time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WeeklyHours {
    days: [Vec<Interval>; 7],
}

impl Serialize for WeeklyHours {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(7))?;
        for (name, day) in DAY_NAMES.iter().zip(&self.days) {
            map.serialize_entry(name, day)?;
        }
        map.end()
    }
}

impl WeeklyHours {
    /// Hours from seven days of intervals, Monday first; each day is checked.
    pub fn new(days: [Vec<Interval>; 7]) -> Result<WeeklyHours, String> {
        for (name, day) in DAY_NAMES.iter().zip(&days) {
            check_day(day).map_err(|reason| format!("{name}: {reason}"))?;
        }
        Ok(WeeklyHours { days })
    }

    /// The same intervals every day.
    pub fn every_day(day: &[Interval]) -> WeeklyHours {
        WeeklyHours {
            days: std::array::from_fn(|_| day.to_vec()),
        }
    }

    /// Round the clock, every day.
    pub fn always() -> WeeklyHours {
        WeeklyHours::every_day(&[Interval {
            open: 0,
            close: DAY_MINUTES,
        }])
    }

    /// The intervals of one day, 0 = Monday.
    pub fn day(&self, weekday: usize) -> &[Interval] {
        self.days.get(weekday).map_or(&[], Vec::as_slice)
    }

    /// Whether the office is open at a local weekday (0 = Monday) and minute of the day.
    pub fn open_at_local(&self, weekday: usize, minute: u16) -> bool {
        self.day(weekday)
            .iter()
            .any(|i| i.open <= minute && minute < i.close)
    }

    /// Whether the office is open at an instant (seconds since the Unix epoch, UTC), given the
    /// office's offset from UTC in hours.
    pub fn open_at(&self, unix_seconds: i64, utc_offset_hours: i8) -> bool {
        let (weekday, minute) = local_weekday_minute(unix_seconds, utc_offset_hours);
        self.open_at_local(weekday, minute)
    }

    /// Whether the office opens on this weekday at all.
    pub fn works_on(&self, weekday: usize) -> bool {
        !self.day(weekday).is_empty()
    }
}

/// The local weekday (0 = Monday) and minute of the day of an instant.
pub fn local_weekday_minute(unix_seconds: i64, utc_offset_hours: i8) -> (usize, u16) {
    let local = unix_seconds.saturating_add(i64::from(utc_offset_hours) * 3600);
    let days = local.div_euclid(86_400);
    let minute = (local.rem_euclid(86_400) / 60) as u16;
    // 1970-01-01 was a Thursday (weekday 3 counting from Monday = 0).
    let weekday = (days + 3).rem_euclid(7) as usize;
    (weekday, minute)
}

fn check_day(day: &[Interval]) -> Result<(), String> {
    if day.len() > INTERVALS_PER_DAY_MAX {
        return Err(format!(
            "at most {INTERVALS_PER_DAY_MAX} intervals a day, got {}",
            day.len()
        ));
    }
    let mut previous_close = 0;
    for (n, interval) in day.iter().enumerate() {
        if interval.open >= interval.close || interval.close > DAY_MINUTES {
            return Err(format!(
                "{} must open before it closes, within 00:00-24:00",
                interval.text()
            ));
        }
        if n > 0 && interval.open < previous_close {
            return Err(format!(
                "{} overlaps or precedes the interval before it",
                interval.text()
            ));
        }
        previous_close = interval.close;
    }
    Ok(())
}

fn parse_clock(text: &str) -> Option<u16> {
    let (hours, minutes) = text.split_once(':')?;
    if hours.is_empty() || hours.len() > 2 || minutes.len() != 2 {
        return None;
    }
    if !hours
        .bytes()
        .chain(minutes.bytes())
        .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let (hours, minutes): (u16, u16) = (hours.parse().ok()?, minutes.parse().ok()?);
    if minutes >= 60 || hours > 24 || (hours == 24 && minutes > 0) {
        return None;
    }
    Some(hours * 60 + minutes)
}

/// Parses one day: intervals `HH:MM-HH:MM` separated by spaces or commas; empty or `closed`
/// is a closed day. The intervals must be ascending and must not overlap.
pub fn parse_day(text: &str) -> Result<Vec<Interval>, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("closed") {
        return Ok(Vec::new());
    }
    let mut day = Vec::new();
    for part in text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        let interval = part
            .split_once('-')
            .and_then(|(open, close)| Some((parse_clock(open)?, parse_clock(close)?)))
            .map(|(open, close)| Interval { open, close })
            .ok_or_else(|| format!("{part:?} is not HH:MM-HH:MM"))?;
        day.push(interval);
        if day.len() > INTERVALS_PER_DAY_MAX {
            break;
        }
    }
    check_day(&day)?;
    Ok(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_parse_and_print_back() {
        let day = parse_day("08:00-13:00, 14:00-20:00").unwrap();
        assert_eq!(
            day.iter().map(|i| i.text()).collect::<Vec<_>>(),
            ["08:00-13:00", "14:00-20:00"]
        );
        assert_eq!(parse_day("").unwrap(), vec![]);
        assert_eq!(parse_day("closed").unwrap(), vec![]);
        assert_eq!(parse_day("0:00-24:00").unwrap()[0].close, 1440);
        for bad in [
            "8-20",
            "08:00-07:00",
            "08:00-24:01",
            "25:00-26:00",
            "08:00-13:00 12:00-20:00",
            "08:60-09:00",
            "+8:00-09:00",
        ] {
            assert!(parse_day(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn local_time_follows_the_offset() {
        // 2026-11-30 is a Monday; 00:30 UTC is 07:30 in Barnaul (UTC+7) and 03:30 in Moscow.
        let monday_0030_utc = 1_795_998_600;
        assert_eq!(local_weekday_minute(monday_0030_utc, 7), (0, 7 * 60 + 30));
        assert_eq!(local_weekday_minute(monday_0030_utc, 3), (0, 3 * 60 + 30));
        // 2026-11-29 22:30 UTC is still Sunday in UTC but Monday 08:30 in Vladivostok (UTC+10).
        assert_eq!(
            local_weekday_minute(monday_0030_utc - 2 * 3600, 10),
            (0, 8 * 60 + 30)
        );
        assert_eq!(local_weekday_minute(monday_0030_utc - 2 * 3600, 0).0, 6);
        let hours = WeeklyHours::every_day(&parse_day("08:00-20:00").unwrap());
        assert!(!hours.open_at(monday_0030_utc, 7), "07:30 in Barnaul");
        assert!(hours.open_at(monday_0030_utc + 3600, 7), "08:30 in Barnaul");
        assert!(!hours.open_at(monday_0030_utc + 3600, 3), "04:30 in Moscow");
    }
}
