//! AWS's Query protocol (IAM, STS): form-encoded parameters in, XML out, with AWS's
//! validation messages and `ErrorResponse` bodies.

use std::collections::HashMap;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::iam::IamError;

/// A string parameter's constraints, from the botocore model.
pub struct Spec {
    pub member: &'static str,
    pub min: usize,
    pub max: usize,
    pub pattern: Option<Pattern>,
}

/// A pattern check and the regular expression AWS names in its message.
#[derive(Clone, Copy)]
pub struct Pattern {
    pub check: fn(&str) -> bool,
    pub text: &'static str,
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `[\w+=,.@-]+`
pub const NAME: Pattern = Pattern {
    check: |s| !s.is_empty() && s.bytes().all(|b| is_word(b) || b"+=,.@-".contains(&b)),
    text: r"[\w+=,.@-]+",
};
/// `[\w+=,.@-]*`
pub const NAME_OR_EMPTY: Pattern = Pattern {
    check: |s| s.bytes().all(|b| is_word(b) || b"+=,.@-".contains(&b)),
    text: r"[\w+=,.@-]*",
};
/// `[\w+=,.@:\/-]*` (STS's external ID)
pub const EXTERNAL_ID_PATTERN: Pattern = Pattern {
    check: |s| s.bytes().all(|b| is_word(b) || b"+=,.@:/-".contains(&b)),
    text: r"[\w+=,.@:\/-]*",
};
/// `[\w]+`
pub const WORD: Pattern = Pattern {
    check: |s| !s.is_empty() && s.bytes().all(is_word),
    text: r"[\w]+",
};
/// `(\u002F)|(\u002F[\u0021-\u007E]+\u002F)`
pub const PATH: Pattern = Pattern {
    check: crate::iam::names::is_valid_path,
    text: r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)",
};
/// `\u002F[\u0021-\u007F]*`
pub const PATH_PREFIX: Pattern = Pattern {
    check: |s| s.starts_with('/') && s.bytes().all(|b| (0x21..=0x7f).contains(&b)),
    text: r"\u002F[\u0021-\u007F]*",
};
/// `[\u0009\u000A\u000D\u0020-\u00FF]+`
pub const TEXT: Pattern = Pattern {
    check: |s| {
        !s.is_empty()
            && s.chars()
                .all(|c| matches!(c, '\t' | '\n' | '\r') || ('\u{20}'..='\u{ff}').contains(&c))
    },
    text: r"[\u0009\u000A\u000D\u0020-\u00FF]+",
};

/// Request parameters with the validation errors found while reading them.
pub struct Params {
    map: HashMap<String, String>,
    errors: Vec<String>,
}

fn camel(member: &str) -> String {
    let mut c = member.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

impl Params {
    /// From a form-encoded body and the URL's query string.
    pub fn parse(body: &[u8], query: &str) -> Params {
        let mut map = HashMap::new();
        for source in [query.as_bytes(), body] {
            for (k, v) in form_urlencoded::parse(source) {
                map.insert(k.into_owned(), v.into_owned());
            }
        }
        Params {
            map,
            errors: Vec::new(),
        }
    }

    pub fn raw(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(String::as_str)
    }

    fn violation(&mut self, member: &str, value: Option<&str>, constraint: String) {
        let value = match value {
            Some(v) => format!("'{v}'"),
            None => "null".into(),
        };
        self.errors.push(format!(
            "Value {value} at '{}' failed to satisfy constraint: {constraint}",
            camel(member)
        ));
    }

    /// An optional string, checked against `spec` when present.
    pub fn opt(&mut self, spec: &Spec) -> Option<String> {
        let value = self.map.get(spec.member)?.clone();
        let len = value.chars().count();
        if len < spec.min {
            self.violation(
                spec.member,
                Some(&value),
                format!(
                    "Member must have length greater than or equal to {}",
                    spec.min
                ),
            );
        } else if len > spec.max {
            self.violation(
                spec.member,
                Some(&value),
                format!("Member must have length less than or equal to {}", spec.max),
            );
        } else if let Some(p) = spec.pattern
            && !(p.check)(&value)
        {
            self.violation(
                spec.member,
                Some(&value),
                format!("Member must satisfy regular expression pattern: {}", p.text),
            );
        }
        Some(value)
    }

    /// A required string (empty placeholder when missing; [`Params::finish`] then fails).
    pub fn req(&mut self, spec: &Spec) -> String {
        match self.opt(spec) {
            Some(v) => v,
            None => {
                self.violation(spec.member, None, "Member must not be null".into());
                String::new()
            }
        }
    }

    /// An optional integer within `min..=max`.
    pub fn int(&mut self, member: &'static str, min: i64, max: i64) -> Option<i64> {
        let raw = self.map.get(member)?.clone();
        let Ok(v) = raw.parse::<i64>() else {
            self.violation(member, Some(&raw), "Member must be a number".into());
            return None;
        };
        if v < min {
            self.violation(
                member,
                Some(&raw),
                format!("Member must have value greater than or equal to {min}"),
            );
        } else if v > max {
            self.violation(
                member,
                Some(&raw),
                format!("Member must have value less than or equal to {max}"),
            );
        }
        Some(v)
    }

    /// An enum value, required or not.
    pub fn one_of(
        &mut self,
        member: &'static str,
        allowed: &[&str],
        required: bool,
    ) -> Option<String> {
        match self.map.get(member).cloned() {
            None => {
                if required {
                    self.violation(member, None, "Member must not be null".into());
                }
                None
            }
            Some(v) if allowed.contains(&v.as_str()) => Some(v),
            Some(v) => {
                self.violation(
                    member,
                    Some(&v),
                    format!(
                        "Member must satisfy enum value set: [{}]",
                        allowed.join(", ")
                    ),
                );
                None
            }
        }
    }

    /// `Tags.member.N.Key` / `Tags.member.N.Value`, at most 50.
    pub fn tags(&mut self) -> Vec<(String, String)> {
        let mut tags = Vec::new();
        for n in 1.. {
            let Some(key) = self.map.get(&format!("Tags.member.{n}.Key")).cloned() else {
                break;
            };
            let value = self
                .map
                .get(&format!("Tags.member.{n}.Value"))
                .cloned()
                .unwrap_or_default();
            if key.is_empty() || key.chars().count() > 128 {
                self.violation(
                    &format!("tags.{n}.member.key"),
                    Some(&key),
                    "Member must have length between 1 and 128".into(),
                );
            }
            if value.chars().count() > 256 {
                self.violation(
                    &format!("tags.{n}.member.value"),
                    Some(&value),
                    "Member must have length less than or equal to 256".into(),
                );
            }
            tags.push((key, value));
        }
        if tags.len() > 50 {
            self.errors.push(format!(
                "Value '{}' at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50",
                tags.len()
            ));
        }
        tags
    }

    /// `Err(ValidationError)` if any parameter broke its constraints.
    pub fn finish(&mut self) -> Result<(), IamError> {
        if self.errors.is_empty() {
            return Ok(());
        }
        let n = self.errors.len();
        Err(IamError::Validation(format!(
            "{n} validation error{} detected: {}",
            if n == 1 { "" } else { "s" },
            self.errors.join("; ")
        )))
    }
}

/// A tiny XML writer: elements and escaped text.
#[derive(Default)]
pub struct Xml {
    buf: String,
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\r' => out.push_str("&#xD;"),
            _ => out.push(c),
        }
    }
    out
}

impl Xml {
    pub fn new() -> Self {
        Xml::default()
    }

    pub fn open(&mut self, tag: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    pub fn close(&mut self, tag: &str) -> &mut Self {
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    pub fn leaf(&mut self, tag: &str, value: impl AsRef<str>) -> &mut Self {
        self.open(tag);
        self.buf.push_str(&escape(value.as_ref()));
        self.close(tag)
    }

    pub fn leaf_opt(&mut self, tag: &str, value: Option<impl AsRef<str>>) -> &mut Self {
        if let Some(v) = value {
            self.leaf(tag, v);
        }
        self
    }

    pub fn into_string(self) -> String {
        self.buf
    }
}

fn with_request_id(status: StatusCode, request_id: &str, body: String) -> Response {
    let mut resp = (status, [("content-type", "text/xml")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    resp
}

/// `<{Op}Response xmlns=…><{Op}Result>…</{Op}Result><ResponseMetadata>…`.
pub fn success(
    namespace: &str,
    operation: &str,
    request_id: &str,
    result: Option<Xml>,
) -> Response {
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{operation}Response xmlns=\"{namespace}\">"
    );
    if let Some(result) = result {
        body.push_str(&format!(
            "<{operation}Result>{}</{operation}Result>",
            result.into_string()
        ));
    }
    body.push_str(&format!(
        "<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{operation}Response>"
    ));
    with_request_id(StatusCode::OK, request_id, body)
}

/// `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.
pub fn error(
    namespace: &str,
    request_id: &str,
    status: u16,
    sender: bool,
    code: &str,
    message: &str,
) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ErrorResponse xmlns=\"{namespace}\"><Error><Type>{}</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>",
        if sender { "Sender" } else { "Receiver" },
        escape(code),
        escape(message)
    );
    with_request_id(
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        request_id,
        body,
    )
}

pub fn iam_error(namespace: &str, request_id: &str, e: &IamError) -> Response {
    error(
        namespace,
        request_id,
        e.status(),
        e.is_sender_fault(),
        e.code(),
        &e.to_string(),
    )
}

/// One page of `items` from `marker`, at most `max_items` (default 100), and the next
/// marker when truncated.
pub fn page<T>(
    items: Vec<T>,
    marker: Option<&str>,
    max_items: Option<i64>,
) -> Result<(Vec<T>, Option<String>), IamError> {
    super::paginate(items, marker, max_items.unwrap_or(100))
        .map_err(|_| IamError::InvalidInput("Invalid Marker.".into()))
}

/// IAM prints dates to the second: `2026-11-26T06:37:24Z`.
pub fn aws_date(stored: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(stored) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        Err(_) => stored.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: Spec = Spec {
        member: "UserName",
        min: 1,
        max: 64,
        pattern: Some(NAME),
    };

    #[test]
    fn validation_messages_match_aws() {
        let mut p = Params::parse(b"UserName=bad%20name", "");
        p.req(&USER);
        let e = p.finish().unwrap_err().to_string();
        assert_eq!(
            e,
            r"1 validation error detected: Value 'bad name' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]+"
        );
        let mut p = Params::parse(b"", "");
        p.req(&USER);
        p.int("MaxItems", 1, 1000);
        let e = p.finish().unwrap_err().to_string();
        assert!(
            e.starts_with("1 validation error detected: Value null at 'userName'"),
            "{e}"
        );
        let mut p = Params::parse(b"MaxItems=0&UserName=", "");
        p.req(&USER);
        p.int("MaxItems", 1, 1000);
        let e = p.finish().unwrap_err().to_string();
        assert!(e.starts_with("2 validation errors detected"), "{e}");
    }

    #[test]
    fn pages_and_markers() {
        let (first, next) = page((0..5).collect(), None, Some(2)).unwrap();
        assert_eq!(first, vec![0, 1]);
        let (second, next) = page((0..5).collect(), next.as_deref(), Some(2)).unwrap();
        assert_eq!(second, vec![2, 3]);
        let (third, next) = page((0..5).collect::<Vec<i32>>(), next.as_deref(), Some(2)).unwrap();
        assert_eq!((third, next), (vec![4], None));
        assert!(page(vec![1], Some("garbage"), None).is_err());
    }

    #[test]
    fn xml_escapes() {
        let mut x = Xml::new();
        x.leaf("A", "<&>\"'");
        assert_eq!(x.into_string(), "<A>&lt;&amp;&gt;&quot;&apos;</A>");
        assert_eq!(aws_date("2026-11-26T06:37:24.123Z"), "2026-11-26T06:37:24Z");
    }
}
