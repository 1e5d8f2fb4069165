//! Publication dates as news feeds write them: RFC 3339 and RFC 2822, ISO dates with or without a time
//! or a colon in the offset (`+0000`), the spelled-out forms of bylines ("Feb 3, 2017", "3 February
//! 2017"), Unix time in seconds or milliseconds, `30.12.2016`, and numeric dates whose order of day and
//! month is given ([`DateOrder`]: `12/30/2016`). Times without an offset are taken as UTC.

use time::format_description::well_known::{Rfc2822, Rfc3339};
use time::macros::format_description;
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

/// Parses the upper bound of a date range (`--until`, `until=`): a bare date (midnight) means the end
/// of that day, 23:59:59; the last day that can be represented stays midnight rather than overflow.
pub fn parse_until(value: &str) -> Option<OffsetDateTime> {
    let at = parse_date(value)?;
    if at.time() != Time::MIDNIGHT {
        return Some(at);
    }
    Some(
        at.checked_add(time::Duration::days(1) - time::Duration::seconds(1))
            .unwrap_or(at),
    )
}

/// The order of day, month and year in numeric dates with slashes or dashes (`12/30/2016`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DateOrder {
    /// Month first (`12/30/2016`), as in the United States: the default.
    #[default]
    Mdy,
    /// Day first (`30/12/2016`), as in most of the world.
    Dmy,
    /// Year first (`2016/12/30`, `16/12/30`).
    Ymd,
}

impl std::str::FromStr for DateOrder {
    type Err = String;
    fn from_str(s: &str) -> std::result::Result<DateOrder, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mdy" => Ok(DateOrder::Mdy),
            "dmy" => Ok(DateOrder::Dmy),
            "ymd" => Ok(DateOrder::Ymd),
            other => Err(format!(
                "unknown date order {other:?} (expected mdy, dmy or ymd)"
            )),
        }
    }
}

/// A date read by [`parse_date_in`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedDate {
    /// The moment, UTC unless the value had an offset.
    pub at: OffsetDateTime,
    /// Day and month could be read either way (`03/04/2017`): the [`DateOrder`] decided.
    pub ambiguous: bool,
}

/// Parses a publication date, reading numeric dates such as `12/30/2016` in `order`.
pub fn parse_date_in(value: &str, order: DateOrder) -> Option<ParsedDate> {
    if let Some(at) = parse_date(value) {
        return Some(ParsedDate {
            at,
            ambiguous: false,
        });
    }
    numeric_date(value.trim(), order)
}

/// `12/30/2016`, `30-12-2016`, `16/12/30`, with an optional `HH:MM[:SS]` after a space, read in
/// `order` (a first or second number over 12 settles day and month whatever the order).
fn numeric_date(value: &str, order: DateOrder) -> Option<ParsedDate> {
    let (date, clock) = match value.split_once([' ', 'T']) {
        Some((date, clock)) => (date, Some(clock.trim())),
        None => (value, None),
    };
    let sep = if date.contains('/') { '/' } else { '-' };
    let parts: Vec<&str> = date.split(sep).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let n: Vec<u32> = parts
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let year = |v: u32, digits: usize| match digits {
        4 => Some(v as i32),
        2 => Some(if v < 70 {
            2000 + v as i32
        } else {
            1900 + v as i32
        }),
        _ => None,
    };
    let (y, m, d, ambiguous) = if order == DateOrder::Ymd || parts[0].len() == 4 {
        (year(n[0], parts[0].len())?, n[1], n[2], false)
    } else {
        let y = year(n[2], parts[2].len())?;
        let (first, second) = (n[0], n[1]);
        let month_first = match (first > 12, second > 12) {
            (true, false) => false,
            (false, true) => true,
            (true, true) => return None,
            (false, false) => order == DateOrder::Mdy,
        };
        let ambiguous = first <= 12 && second <= 12 && first != second;
        if month_first {
            (y, first, second, ambiguous)
        } else {
            (y, second, first, ambiguous)
        }
    };
    let month = time::Month::try_from(u8::try_from(m).ok()?).ok()?;
    let date = Date::from_calendar_date(y, month, u8::try_from(d).ok()?).ok()?;
    let time = match clock {
        None | Some("") => Time::MIDNIGHT,
        Some(clock) => {
            let hms: Vec<u8> = clock
                .split(':')
                .map(|p| p.parse().ok())
                .collect::<Option<_>>()?;
            match hms[..] {
                [h, m] => Time::from_hms(h, m, 0).ok()?,
                [h, m, s] => Time::from_hms(h, m, s).ok()?,
                _ => return None,
            }
        }
    };
    Some(ParsedDate {
        at: PrimitiveDateTime::new(date, time).assume_utc(),
        ambiguous,
    })
}

/// Unix time: 9 or 10 digits are seconds, 12 or 13 milliseconds (1973 to 2286).
fn epoch(value: &str) -> Option<OffsetDateTime> {
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: i64 = value.parse().ok()?;
    match value.len() {
        9 | 10 => OffsetDateTime::from_unix_timestamp(n).ok(),
        12 | 13 => OffsetDateTime::from_unix_timestamp_nanos(i128::from(n) * 1_000_000).ok(),
        _ => None,
    }
}

/// `30.12.2016` (day, month, year: dots are never month first).
fn dotted(value: &str) -> Option<OffsetDateTime> {
    let parts: Vec<&str> = value.split('.').map(str::trim).collect();
    if parts.len() != 3 || parts[2].len() != 4 {
        return None;
    }
    let n: Vec<u8> = parts[..2]
        .iter()
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let year: i32 = parts[2].parse().ok()?;
    let date = Date::from_calendar_date(year, time::Month::try_from(n[1]).ok()?, n[0]).ok()?;
    Some(PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc())
}

/// Parses a publication date, or `None` when no supported form matches. Numeric dates with the day
/// or month first are left to [`parse_date_in`], which knows their order.
pub fn parse_date(value: &str) -> Option<OffsetDateTime> {
    let value = value.trim();
    if let Some(at) = epoch(value).or_else(|| dotted(value)) {
        return Some(at);
    }
    if let Ok(dt) = OffsetDateTime::parse(value, &Rfc3339) {
        return Some(dt);
    }
    if let Ok(dt) = OffsetDateTime::parse(value, &Rfc2822) {
        return Some(dt);
    }
    let primitive_forms: &[&[time::format_description::BorrowedFormatItem<'_>]] = &[
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]"),
        format_description!("[year]-[month]-[day] [hour]:[minute]:[second]"),
        format_description!("[year]-[month]-[day]T[hour]:[minute]"),
        format_description!("[year]-[month]-[day] [hour]:[minute]"),
    ];
    for form in primitive_forms {
        if let Ok(dt) = PrimitiveDateTime::parse(value, form) {
            return Some(dt.assume_utc());
        }
    }
    let offset_forms: &[&[time::format_description::BorrowedFormatItem<'_>]] = &[
        format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second][offset_hour sign:mandatory][offset_minute]"
        ),
        format_description!(
            "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond][offset_hour sign:mandatory][offset_minute]"
        ),
        format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second] [offset_hour sign:mandatory][offset_minute]"
        ),
        format_description!(
            "[year]-[month]-[day] [hour]:[minute]:[second][offset_hour sign:mandatory]:[offset_minute]"
        ),
    ];
    for form in offset_forms {
        if let Ok(dt) = OffsetDateTime::parse(value, form) {
            return Some(dt);
        }
    }
    // Spelled-out dates: normalise commas, full stops after abbreviations and runs of spaces first.
    let cleaned: String = value
        .replace([',', '.'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let date_forms: &[&[time::format_description::BorrowedFormatItem<'_>]] = &[
        format_description!("[year]-[month]-[day]"),
        format_description!("[year]/[month]/[day]"),
        format_description!(
            "[month repr:short case_sensitive:false] [day padding:none] [year]"
        ),
        format_description!(
            "[month repr:long case_sensitive:false] [day padding:none] [year]"
        ),
        format_description!(
            "[day padding:none] [month repr:short case_sensitive:false] [year]"
        ),
        format_description!(
            "[day padding:none] [month repr:long case_sensitive:false] [year]"
        ),
        format_description!(
            "[weekday repr:short case_sensitive:false] [month repr:short case_sensitive:false] [day padding:none] [year]"
        ),
        format_description!(
            "[weekday repr:long case_sensitive:false] [month repr:long case_sensitive:false] [day padding:none] [year]"
        ),
    ];
    for form in date_forms {
        if let Ok(date) = Date::parse(&cleaned, form) {
            return Some(PrimitiveDateTime::new(date, Time::MIDNIGHT).assume_utc());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    macro_rules! dates {
        ($($input:expr => $expected:expr),* $(,)?) => {
            $(
                let got = parse_date($input).map(|d| d.to_offset(time::UtcOffset::UTC)
                    .format(&Rfc3339).unwrap());
                assert_eq!(got.as_deref(), $expected, "input {:?}", $input);
            )*
        };
    }

    #[test]
    fn news_date_forms() {
        dates! {
            "2017-01-29T14:05:00Z" => Some("2017-01-29T14:05:00Z"),
            "2017-01-29T16:05:00+02:00" => Some("2017-01-29T14:05:00Z"),
            "2017-01-29T14:05:00" => Some("2017-01-29T14:05:00Z"),
            "2017-01-29 14:05" => Some("2017-01-29T14:05:00Z"),
            "2017-01-29" => Some("2017-01-29T00:00:00Z"),
            "2017/01/29" => Some("2017-01-29T00:00:00Z"),
            "Mon, 06 Mar 2017 09:30:00 +0000" => Some("2017-03-06T09:30:00Z"),
            "Feb 3, 2017" => Some("2017-02-03T00:00:00Z"),
            "February 3, 2017" => Some("2017-02-03T00:00:00Z"),
            "feb. 3, 2017" => Some("2017-02-03T00:00:00Z"),
            "3 February 2017" => Some("2017-02-03T00:00:00Z"),
            "Friday, February 3, 2017" => Some("2017-02-03T00:00:00Z"),
            " 2017-01-29 " => Some("2017-01-29T00:00:00Z"),
            "2016-12-30T10:00:00+0000" => Some("2016-12-30T10:00:00Z"),
            "2016-12-30T12:00:00.000+0200" => Some("2016-12-30T10:00:00Z"),
            "2016-12-30 10:00:00 +0000" => Some("2016-12-30T10:00:00Z"),
            "1483092000" => Some("2016-12-30T10:00:00Z"),
            "1483092000000" => Some("2016-12-30T10:00:00Z"),
            "30.12.2016" => Some("2016-12-30T00:00:00Z"),
            "12/30/2016" => None,
            "yesterday" => None,
            "2017-13-01" => None,
            "" => None,
        }
    }

    fn in_order(value: &str, order: DateOrder) -> Option<(String, bool)> {
        parse_date_in(value, order).map(|d| (d.at.format(&Rfc3339).unwrap(), d.ambiguous))
    }

    #[test]
    fn numeric_dates_follow_the_order_unless_a_number_settles_it() {
        let day = |s: &str| Some((s.to_string(), false));
        assert_eq!(
            in_order("12/30/2016", DateOrder::Mdy),
            day("2016-12-30T00:00:00Z")
        );
        assert_eq!(
            in_order("12/30/2016", DateOrder::Dmy),
            day("2016-12-30T00:00:00Z")
        );
        assert_eq!(
            in_order("30/12/2016", DateOrder::Mdy),
            day("2016-12-30T00:00:00Z")
        );
        assert_eq!(
            in_order("03/04/2017", DateOrder::Mdy),
            Some(("2017-03-04T00:00:00Z".into(), true))
        );
        assert_eq!(
            in_order("03/04/2017", DateOrder::Dmy),
            Some(("2017-04-03T00:00:00Z".into(), true))
        );
        assert_eq!(
            in_order("16/12/30", DateOrder::Ymd),
            day("2016-12-30T00:00:00Z")
        );
        assert_eq!(
            in_order("12/30/2016 14:05", DateOrder::Mdy),
            day("2016-12-30T14:05:00Z")
        );
        assert_eq!(in_order("13/13/2016", DateOrder::Mdy), None);
        assert_eq!(in_order("02/30/2016", DateOrder::Mdy), None);
    }
}
