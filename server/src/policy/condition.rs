//! Condition operators, as IAM documents them, over a request's context values.

use std::net::IpAddr;

use super::{glob, literal};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    NumericEquals,
    NumericNotEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateNotEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    NotIpAddress,
    ArnEquals,
    ArnLike,
    ArnNotEquals,
    ArnNotLike,
    Null,
}

/// `ForAllValues:` / `ForAnyValue:`, for multivalued keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetQualifier {
    ForAllValues,
    ForAnyValue,
}

impl SetQualifier {
    /// The qualifier an operator name starts with, and the rest of the name.
    pub fn strip(name: &str) -> (Option<SetQualifier>, &str) {
        if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetQualifier::ForAllValues), rest)
        } else if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetQualifier::ForAnyValue), rest)
        } else {
            (None, name)
        }
    }
}

impl Operator {
    pub fn from_name(name: &str) -> Option<Operator> {
        use Operator::*;
        Some(match name {
            "StringEquals" => StringEquals,
            "StringNotEquals" => StringNotEquals,
            "StringEqualsIgnoreCase" => StringEqualsIgnoreCase,
            "StringNotEqualsIgnoreCase" => StringNotEqualsIgnoreCase,
            "StringLike" => StringLike,
            "StringNotLike" => StringNotLike,
            "NumericEquals" => NumericEquals,
            "NumericNotEquals" => NumericNotEquals,
            "NumericLessThan" => NumericLessThan,
            "NumericLessThanEquals" => NumericLessThanEquals,
            "NumericGreaterThan" => NumericGreaterThan,
            "NumericGreaterThanEquals" => NumericGreaterThanEquals,
            "DateEquals" => DateEquals,
            "DateNotEquals" => DateNotEquals,
            "DateLessThan" => DateLessThan,
            "DateLessThanEquals" => DateLessThanEquals,
            "DateGreaterThan" => DateGreaterThan,
            "DateGreaterThanEquals" => DateGreaterThanEquals,
            "Bool" => Bool,
            "BinaryEquals" => BinaryEquals,
            "IpAddress" => IpAddress,
            "NotIpAddress" => NotIpAddress,
            "ArnEquals" => ArnEquals,
            "ArnLike" => ArnLike,
            "ArnNotEquals" => ArnNotEquals,
            "ArnNotLike" => ArnNotLike,
            "Null" => Null,
            _ => return None,
        })
    }

    /// The negated operators: they hold when no policy value matches.
    pub fn negated(self) -> bool {
        use Operator::*;
        matches!(
            self,
            StringNotEquals
                | StringNotEqualsIgnoreCase
                | StringNotLike
                | NumericNotEquals
                | DateNotEquals
                | NotIpAddress
                | ArnNotEquals
                | ArnNotLike
        )
    }

    /// Whether one context value matches one policy value under the positive form of this
    /// operator; `None` when the policy value cannot be read as this operator's type.
    fn matches(self, actual: &str, wanted: &str) -> Option<bool> {
        use Operator::*;
        match self {
            StringEquals | StringNotEquals | BinaryEquals => Some(actual == literal(wanted)),
            StringEqualsIgnoreCase | StringNotEqualsIgnoreCase => {
                Some(actual.to_lowercase() == literal(wanted).to_lowercase())
            }
            StringLike | StringNotLike => Some(glob(wanted, actual, false)),
            ArnEquals | ArnLike | ArnNotEquals | ArnNotLike => Some(arn_like(wanted, actual)),
            Bool => {
                let w = wanted.to_ascii_lowercase();
                (w == "true" || w == "false").then(|| actual.eq_ignore_ascii_case(&w))
            }
            NumericEquals
            | NumericNotEquals
            | NumericLessThan
            | NumericLessThanEquals
            | NumericGreaterThan
            | NumericGreaterThanEquals => {
                let w: f64 = wanted.trim().parse().ok()?;
                let a: f64 = actual.trim().parse().ok()?;
                Some(self.compare(a.partial_cmp(&w)?))
            }
            DateEquals
            | DateNotEquals
            | DateLessThan
            | DateLessThanEquals
            | DateGreaterThan
            | DateGreaterThanEquals => {
                let w = epoch_millis(wanted)?;
                let a = epoch_millis(actual)?;
                Some(self.compare(a.cmp(&w)))
            }
            IpAddress | NotIpAddress => {
                let ip: IpAddr = actual.parse().ok()?;
                cidr_contains(wanted, ip)
            }
            Null => None,
        }
    }

    fn compare(self, ord: std::cmp::Ordering) -> bool {
        use Operator::*;
        use std::cmp::Ordering::*;
        match self {
            NumericEquals | NumericNotEquals | DateEquals | DateNotEquals => ord == Equal,
            NumericLessThan | DateLessThan => ord == Less,
            NumericLessThanEquals | DateLessThanEquals => ord != Greater,
            NumericGreaterThan | DateGreaterThan => ord == Greater,
            NumericGreaterThanEquals | DateGreaterThanEquals => ord != Less,
            _ => false,
        }
    }
}

/// Evaluates `operator` (with its qualifier and `IfExists`) for a key whose values in the
/// request are `actual` (`None`: the key is absent) against the policy's `wanted` values.
/// `None` when the outcome cannot be known (a policy value of the wrong type): the caller
/// decides that conservatively.
pub fn holds(
    operator: Operator,
    qualifier: Option<SetQualifier>,
    if_exists: bool,
    actual: Option<&[String]>,
    wanted: &[String],
) -> Option<bool> {
    if operator == Operator::Null {
        let absent = actual.is_none_or(|v| v.is_empty());
        let w = wanted.first()?.to_ascii_lowercase();
        return match w.as_str() {
            "true" => Some(absent),
            "false" => Some(!absent),
            _ => None,
        };
    }
    let actual = match actual {
        Some(v) if !v.is_empty() => v,
        // An absent key: ForAllValues holds (the empty set is a subset of anything) and
        // ForAnyValue does not (no value can match), whatever the operator, negated or
        // IfExists ("Single-valued vs. multivalued context keys": "If the key in the request
        // is missing or resolves to an empty data set, the condition returns false" for
        // ForAnyValue); without a set operator, IfExists and negated operators hold.
        _ => {
            return Some(match qualifier {
                Some(SetQualifier::ForAllValues) => true,
                Some(SetQualifier::ForAnyValue) => false,
                None => if_exists || operator.negated(),
            });
        }
    };
    // Whether one context value satisfies the operator (for a negated operator: matches
    // none of the policy values).
    let one = |a: &String| -> Option<bool> {
        let mut any = false;
        for w in wanted {
            any |= operator.matches(a, w)?;
        }
        Some(any != operator.negated())
    };
    let mut results = actual.iter().map(one);
    match (qualifier, operator.negated()) {
        (Some(SetQualifier::ForAllValues), _) | (None, true) => {
            results.try_fold(true, |acc, r| Some(acc && r?))
        }
        (Some(SetQualifier::ForAnyValue), _) | (None, false) => {
            results.try_fold(false, |acc, r| Some(acc || r?))
        }
    }
}

/// ARN matching: each of the six colon-separated parts matched on its own, with wildcards.
fn arn_like(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let p: Vec<&str> = pattern.splitn(6, ':').collect();
    let a: Vec<&str> = arn.splitn(6, ':').collect();
    p.len() == a.len() && p.iter().zip(&a).all(|(p, a)| glob(p, a, false))
}

/// A date as IAM accepts it (ISO 8601 or epoch seconds), in milliseconds since the epoch.
fn epoch_millis(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<i64>() {
        return Some(secs.saturating_mul(1000));
    }
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(s) {
        return Some(t.timestamp_millis());
    }
    let date = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_millis())
}

/// Whether the CIDR block (or single address) `block` contains `ip`; `None` when `block` is
/// not an address.
fn cidr_contains(block: &str, ip: IpAddr) -> Option<bool> {
    let (addr, len) = match block.split_once('/') {
        Some((a, l)) => (a, Some(l.parse::<u32>().ok()?)),
        None => (block, None),
    };
    let net: IpAddr = addr.trim().parse().ok()?;
    let ip = match (net, ip) {
        (IpAddr::V4(_), IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        _ => ip,
    };
    Some(match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let len = len.unwrap_or(32);
            if len > 32 {
                return None;
            }
            let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let len = len.unwrap_or(128);
            if len > 128 {
                return None;
            }
            let mask = if len == 0 {
                0
            } else {
                u128::MAX << (128 - len)
            };
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::Operator::*;
    use super::*;

    fn v(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn absent_keys() {
        assert_eq!(
            holds(StringEquals, None, false, None, &v(&["a"])),
            Some(false)
        );
        assert_eq!(
            holds(StringEquals, None, true, None, &v(&["a"])),
            Some(true)
        );
        assert_eq!(
            holds(StringNotEquals, None, false, None, &v(&["a"])),
            Some(true)
        );
        assert_eq!(
            holds(
                StringEquals,
                Some(SetQualifier::ForAllValues),
                false,
                None,
                &v(&["a"])
            ),
            Some(true)
        );
        assert_eq!(
            holds(
                StringEquals,
                Some(SetQualifier::ForAnyValue),
                false,
                None,
                &v(&["a"])
            ),
            Some(false)
        );
        assert_eq!(holds(Null, None, false, None, &v(&["true"])), Some(true));
        assert_eq!(
            holds(Null, None, false, Some(&v(&["x"])), &v(&["true"])),
            Some(false)
        );
    }

    #[test]
    fn operators() {
        let one = |op, a: &str, w: &str| holds(op, None, false, Some(&v(&[a])), &v(&[w]));
        assert_eq!(
            one(StringLike, "refs/heads/feature/x", "refs/heads/feature/*"),
            Some(true)
        );
        assert_eq!(
            one(StringNotLike, "refs/heads/main", "refs/heads/feature/*"),
            Some(true)
        );
        assert_eq!(one(StringEqualsIgnoreCase, "ABC", "abc"), Some(true));
        assert_eq!(one(StringEquals, "ABC", "abc"), Some(false));
        assert_eq!(one(NumericLessThan, "5", "10"), Some(true));
        assert_eq!(one(NumericGreaterThanEquals, "10", "10"), Some(true));
        assert_eq!(one(NumericEquals, "5", "five"), None);
        assert_eq!(
            one(DateLessThan, "2026-12-01T10:00:00Z", "2027-01-01T00:00:00Z"),
            Some(true)
        );
        assert_eq!(one(DateGreaterThan, "1764583200", "2025-01-01"), Some(true));
        assert_eq!(one(IpAddress, "10.1.2.3", "10.0.0.0/8"), Some(true));
        assert_eq!(one(IpAddress, "192.168.1.1", "10.0.0.0/8"), Some(false));
        assert_eq!(one(NotIpAddress, "192.168.1.1", "10.0.0.0/8"), Some(true));
        assert_eq!(one(IpAddress, "::1", "::1/128"), Some(true));
        assert_eq!(
            one(IpAddress, "::ffff:127.0.0.1", "127.0.0.0/8"),
            Some(true)
        );
        assert_eq!(one(Bool, "false", "true"), Some(false));
        assert_eq!(one(Bool, "true", "TRUE"), Some(true));
        assert_eq!(
            one(
                ArnLike,
                "arn:aws:iam::123456789012:user/alice",
                "arn:aws:iam::*:user/*"
            ),
            Some(true)
        );
        assert_eq!(
            one(
                ArnNotLike,
                "arn:aws:iam::123456789012:role/x",
                "arn:aws:iam::*:user/*"
            ),
            Some(true)
        );
    }

    #[test]
    fn sets() {
        let refs = v(&["refs/heads/a", "refs/heads/main"]);
        let wanted = v(&["refs/heads/main"]);
        let all = Some(SetQualifier::ForAllValues);
        let any = Some(SetQualifier::ForAnyValue);
        assert_eq!(
            holds(StringEquals, any, false, Some(&refs), &wanted),
            Some(true)
        );
        assert_eq!(
            holds(StringEquals, all, false, Some(&refs), &wanted),
            Some(false)
        );
        assert_eq!(
            holds(StringNotEquals, any, false, Some(&refs), &wanted),
            Some(true)
        );
        assert_eq!(
            holds(StringNotEquals, all, false, Some(&refs), &wanted),
            Some(false)
        );
        assert_eq!(
            holds(StringNotEquals, None, false, Some(&refs), &wanted),
            Some(false)
        );
    }

    /// An absent multivalued key: ForAllValues holds, ForAnyValue never does, even negated
    /// or IfExists (AWS re:Post's ForAnyValue:StringEqualsIfExists on an absent
    /// aws:TagKeys: the request was denied).
    #[test]
    fn absent_keys_with_set_operators() {
        let wanted = v(&["refs/heads/main"]);
        let all = Some(SetQualifier::ForAllValues);
        let any = Some(SetQualifier::ForAnyValue);
        for (op, if_exists) in [
            (StringEquals, false),
            (StringEquals, true),
            (StringNotEquals, false),
            (StringNotLike, true),
        ] {
            assert_eq!(holds(op, any, if_exists, None, &wanted), Some(false));
            assert_eq!(holds(op, all, if_exists, None, &wanted), Some(true));
        }
        assert_eq!(
            holds(StringNotEquals, None, false, None, &wanted),
            Some(true)
        );
        assert_eq!(holds(StringEquals, None, true, None, &wanted), Some(true));
        assert_eq!(holds(StringEquals, None, false, None, &wanted), Some(false));
    }
}
