//! Typed front matter, one struct per kind of page. `deny_unknown_fields` turns typos into errors;
//! closed vocabularies are enums, so an unknown word is an error located by the YAML parser.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// An ISO calendar date (`2026-11-25`), kept as text for templates and compared as numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl Date {
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<u16> {
            let part = &text[range];
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse().ok())?
        };
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days_in_month).contains(&day).then_some(Date {
            year,
            month: month as u8,
            day: day as u8,
        })
    }

    /// Today in UTC: the day of `SOURCE_DATE_EPOCH` when it is set (the reproducible-builds
    /// convention: builds and tests that pin it give the same result on any day), else the
    /// system clock. A malformed value falls back to the clock here; `load` reports it (E065).
    pub fn today() -> Date {
        match source_date_epoch() {
            Ok(Some(seconds)) => Date::from_unix_seconds(seconds),
            _ => {
                let seconds = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64);
                Date::from_unix_seconds(seconds)
            }
        }
    }

    /// The UTC day of a Unix time (days-to-civil conversion, after Howard Hinnant).
    pub fn from_unix_seconds(seconds: i64) -> Date {
        let z = seconds.div_euclid(86_400) + 719_468;
        let era = z.div_euclid(146_097);
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let mp = (5 * day_of_year + 2) / 153;
        let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u8;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
        let year = (year_of_era + era * 400 + i64::from(month <= 2)) as u16;
        Date { year, month, day }
    }
}

/// The environment variable that pins "today" (https://reproducible-builds.org/specs/source-date-epoch/).
pub const SOURCE_DATE_EPOCH: &str = "SOURCE_DATE_EPOCH";

/// `SOURCE_DATE_EPOCH` as seconds: `Ok(None)` when unset or empty, `Err` with the reason when
/// it is not a whole number of seconds between 1970 and 9999.
pub fn source_date_epoch() -> Result<Option<i64>, String> {
    match std::env::var_os(SOURCE_DATE_EPOCH) {
        None => Ok(None),
        Some(value) => parse_source_date_epoch(&value.to_string_lossy()),
    }
}

fn parse_source_date_epoch(value: &str) -> Result<Option<i64>, String> {
    if value.is_empty() {
        return Ok(None);
    }
    const LAST_SECOND_OF_9999: i64 = 253_402_300_799;
    match value.parse::<i64>() {
        Ok(seconds)
            if value.bytes().all(|b| b.is_ascii_digit()) && seconds <= LAST_SECOND_OF_9999 =>
        {
            Ok(Some(seconds))
        }
        _ => Err(format!(
            "{SOURCE_DATE_EPOCH} `{}` is not a number of seconds since 1970-01-01",
            value.escape_debug()
        )),
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Date::parse(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "invalid date `{text}`: expected an ISO date such as 2026-11-25"
            ))
        })
    }
}

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// How soon to get help, least urgent first so that `Ord` compares seriousness.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    SelfCare,
    Routine,
    Urgent,
    Emergency,
}

impl Urgency {
    pub const ALL: [Urgency; 4] = [
        Urgency::Emergency,
        Urgency::Urgent,
        Urgency::Routine,
        Urgency::SelfCare,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::SelfCare => "self_care",
            Urgency::Routine => "routine",
            Urgency::Urgent => "urgent",
            Urgency::Emergency => "emergency",
        }
    }
}

impl fmt::Display for Urgency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    Adult,
    Child,
}

impl Audience {
    pub fn as_str(self) -> &'static str {
        match self {
            Audience::Adult => "adult",
            Audience::Child => "child",
        }
    }
}

/// The home page lists causes in these groups, in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CauseGroup {
    Injury,
    Overuse,
    Swelling,
    BloodVessels,
    Nerves,
    Children,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub publisher: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub accessed: Option<Date>,
}

/// Who checked a page clinically, and when: `reviewed_by: {name: "Dr A. Example", role: "General
/// practitioner", date: 2026-12-01}`. Until a page has one, it says plainly that no clinician has
/// reviewed it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReviewedBy {
    pub name: String,
    pub role: String,
    pub date: Date,
}

/// The source article the guide is based on has no public URL; every other source needs one.
pub const SOURCE_WITHOUT_URL: &str = "source-article";

/// A plain page: home, first aid, about ...
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct PlainMeta {
    pub title: String,
    pub description: String,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default)]
    pub nav_order: Option<u32>,
    /// Short label for the main navigation (phones have little room); default: `title`.
    #[serde(default)]
    pub nav_title: Option<String>,
    pub last_reviewed: Date,
    #[serde(default)]
    pub next_review: Option<Date>,
    #[serde(default)]
    pub sources: Vec<Source>,
    /// The clinician who reviewed the page, if one has.
    #[serde(default)]
    pub reviewed_by: Option<ReviewedBy>,
    #[serde(default)]
    pub draft: bool,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct WhenToGetHelp {
    #[serde(default)]
    pub emergency: Vec<String>,
    #[serde(default)]
    pub urgent: Vec<String>,
    #[serde(default)]
    pub routine: Vec<String>,
}

/// One possible cause of pain in the back of the knee (`content/causes/<id>.md`).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CauseMeta {
    pub title: String,
    pub summary: String,
    pub group: CauseGroup,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub audience: Vec<Audience>,
    pub min_urgency: Urgency,
    pub symptoms: Vec<String>,
    #[serde(default)]
    pub risk_factors: Vec<String>,
    #[serde(default)]
    pub self_care: Vec<String>,
    #[serde(default)]
    pub treatments: Vec<String>,
    #[serde(default)]
    pub tests: Vec<String>,
    pub when_to_get_help: WhenToGetHelp,
    #[serde(default)]
    pub related: Vec<String>,
    pub sources: Vec<Source>,
    /// The clinician who reviewed the page, if one has.
    #[serde(default)]
    pub reviewed_by: Option<ReviewedBy>,
    pub last_reviewed: Date,
    pub next_review: Date,
    #[serde(default)]
    pub draft: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_strictly() {
        assert_eq!(Date::parse("2024-02-29").unwrap().to_string(), "2024-02-29");
        assert!(Date::parse("2023-02-29").is_none());
        assert!(Date::parse("2023-13-01").is_none());
        assert!(Date::parse("23-01-01").is_none());
        assert!(Date::parse("2023-1-011").is_none());
        assert!(Date::parse("2023-01-01") < Date::parse("2023-01-02"));
    }

    #[test]
    fn source_date_epoch_pins_the_day() {
        assert_eq!(Date::from_unix_seconds(0).to_string(), "1970-01-01");
        // 2026-12-01T00:00:00Z and one second before it.
        assert_eq!(
            Date::from_unix_seconds(1_796_083_200).to_string(),
            "2026-12-01"
        );
        assert_eq!(
            Date::from_unix_seconds(1_796_083_199).to_string(),
            "2026-11-30"
        );
        assert_eq!(
            Date::from_unix_seconds(951_782_400).to_string(),
            "2000-02-29"
        );
        assert_eq!(parse_source_date_epoch(""), Ok(None));
        assert_eq!(
            parse_source_date_epoch("1796083200"),
            Ok(Some(1_796_083_200))
        );
        for bad in [
            "-1",
            "+5",
            "1.5",
            "soon",
            "99999999999999999999",
            "253402300800",
        ] {
            assert!(parse_source_date_epoch(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn today_is_plausible() {
        let today = Date::today();
        assert!(today.year >= 2024 && (1..=12).contains(&today.month));
    }

    #[test]
    fn urgency_is_ordered_by_seriousness() {
        assert!(Urgency::Emergency > Urgency::Urgent);
        assert!(Urgency::Urgent > Urgency::Routine);
        assert!(Urgency::Routine > Urgency::SelfCare);
    }
}
