//! Publication dates as news feeds write them: RFC 3339 and RFC 2822, ISO dates with or without a time,
//! and the spelled-out forms of bylines ("Feb 3, 2017", "3 February 2017"). Times without an offset are
//! taken as UTC.

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

/// Parses a publication date, or `None` when no supported form matches.
pub fn parse_date(value: &str) -> Option<OffsetDateTime> {
    let value = value.trim();
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
            "yesterday" => None,
            "2017-13-01" => None,
            "" => None,
        }
    }
}
