//! AWS's Query protocol (IAM, STS): form-encoded parameters in, XML out. Requests are checked
//! against the model's constraints, then decoded into the operation's type; responses and
//! `ErrorResponse` bodies are written by `quick-xml`'s serializer, which does the escaping.

use std::collections::HashMap;

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::operation::{Operation, ServiceError, model};

pub use super::query_de::from_params;

/// Request parameters: the form-encoded body and the URL's query string.
pub struct Params(pub HashMap<String, String>);

impl Params {
    pub fn parse(body: &[u8], query: &str) -> Params {
        let mut map = HashMap::new();
        for source in [query.as_bytes(), body] {
            for (k, v) in form_urlencoded::parse(source) {
                map.insert(k.into_owned(), v.into_owned());
            }
        }
        Params(map)
    }

    pub fn raw(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }
}

/// Checks and decodes `params` as `T`'s request.
pub fn decode<T: Operation>(params: &Params) -> Result<T, T::Error> {
    decode_checked::<T, T::Error>(T::MEMBERS, params)
}

/// Checks `members`' constraints, then decodes the request.
pub fn decode_checked<T: DeserializeOwned, E: ServiceError>(
    members: &[model::Member],
    params: &Params,
) -> Result<T, E> {
    model::validate(members, &params.0).map_err(E::validation)?;
    from_params(&params.0).map_err(|e| E::malformed(e.to_string()))
}

/// `value` as XML under `root`, escaping all five XML special characters, as AWS does.
fn to_xml<T: Serialize>(root: Option<&str>, value: &T) -> Result<String, String> {
    let mut xml = String::new();
    let mut ser =
        quick_xml::se::Serializer::with_root(&mut xml, root).map_err(|e| e.to_string())?;
    ser.set_quote_level(quick_xml::se::QuoteLevel::Full);
    value.serialize(ser).map_err(|e| e.to_string())?;
    Ok(xml_chars_only(xml))
}

/// `text` with every character XML 1.0 cannot carry (C0 controls other than tab, newline
/// and carriage return; U+FFFE, U+FFFF), escaped or not, replaced by U+FFFD: a value a
/// client sent, echoed in a message, cannot make the response unreadable to its parser.
fn xml_chars_only(text: String) -> String {
    let allowed = |c: char| {
        matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
    };
    if text.chars().all(allowed) {
        return text;
    }
    text.chars()
        .map(|c| if allowed(c) { c } else { '\u{FFFD}' })
        .collect()
}

/// `output` as the `<{Op}Result>` element; `None` for a response without members.
pub fn encode<T: Serialize>(operation: &str, output: &T) -> Result<Option<String>, String> {
    let root = format!("{operation}Result");
    let xml = to_xml(Some(&root), output)?;
    Ok((xml != format!("<{root}/>")).then_some(xml))
}

fn with_request_id(status: StatusCode, request_id: &str, body: String) -> Response {
    let mut resp = (status, [("content-type", "text/xml")], body).into_response();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        resp.headers_mut().insert("x-amzn-requestid", v);
    }
    resp
}

/// `<{Op}Response xmlns=…><{Op}Result>…</{Op}Result><ResponseMetadata>…`. `operation` is a
/// registry name and `request_id` a UUID: neither needs escaping.
pub fn success(
    namespace: &str,
    operation: &str,
    request_id: &str,
    result: Option<String>,
) -> Response {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<{operation}Response xmlns=\"{namespace}\">{}<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata></{operation}Response>",
        result.unwrap_or_default()
    );
    with_request_id(StatusCode::OK, request_id, body)
}

#[derive(Serialize)]
#[serde(rename = "ErrorResponse")]
struct ErrorResponse<'a> {
    #[serde(rename = "@xmlns")]
    xmlns: &'a str,
    #[serde(rename = "Error")]
    error: ErrorBody<'a>,
    #[serde(rename = "RequestId")]
    request_id: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorBody<'a> {
    #[serde(rename = "Type")]
    kind: &'a str,
    code: &'a str,
    message: String,
}

/// `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`:
/// every Query-protocol error, rendered here and nowhere else.
pub fn error(namespace: &str, request_id: &str, e: &impl ServiceError) -> Response {
    let body = ErrorResponse {
        xmlns: namespace,
        error: ErrorBody {
            kind: if e.sender_fault() {
                "Sender"
            } else {
                "Receiver"
            },
            code: e.code(),
            message: e.to_string(),
        },
        request_id,
    };
    let xml = to_xml(None, &body).unwrap_or_default();
    with_request_id(
        StatusCode::from_u16(e.status()).unwrap_or(StatusCode::BAD_REQUEST),
        request_id,
        format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{xml}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn characters_xml_cannot_carry_are_replaced() {
        #[derive(Serialize)]
        struct Message {
            text: String,
        }
        let xml = to_xml(
            Some("M"),
            &Message {
                text: "a\u{1}b\tc\u{FFFF}<".into(),
            },
        )
        .unwrap();
        assert_eq!(xml, "<M><text>a\u{FFFD}b\tc\u{FFFD}&lt;</text></M>");
    }
    use crate::iam::ops::{List, Tag};

    #[derive(Serialize)]
    #[serde(rename_all = "PascalCase")]
    struct Out {
        users: List<Tag>,
        #[serde(skip_serializing_if = "Option::is_none")]
        tags: Option<List<Tag>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        missing: Option<String>,
        is_truncated: bool,
        text: String,
    }

    #[test]
    fn results_are_xml_with_member_lists_and_escaping() {
        let out = Out {
            users: vec![
                Tag {
                    key: "a".into(),
                    value: "<&>\"'".into(),
                },
                Tag {
                    key: "b".into(),
                    value: String::new(),
                },
            ]
            .into(),
            tags: None,
            missing: None,
            is_truncated: false,
            text: "x\ny".into(),
        };
        let xml = encode("ListUsers", &out).unwrap().unwrap();
        assert_eq!(
            xml,
            "<ListUsersResult><Users><member><Key>a</Key><Value>&lt;&amp;&gt;&quot;&apos;</Value></member><member><Key>b</Key><Value/></member></Users><IsTruncated>false</IsTruncated><Text>x\ny</Text></ListUsersResult>"
        );
        assert_eq!(
            encode("UpdateUser", &crate::operation::Empty {}).unwrap(),
            None
        );
    }

    #[test]
    fn error_responses() {
        let e =
            crate::iam::IamError::NoSuchEntity("The user with name <x> cannot be found.".into());
        let resp = error("https://iam.amazonaws.com/doc/2010-05-08/", "rid", &e);
        assert_eq!(resp.status(), 404);
        let body = ErrorResponse {
            xmlns: "https://iam.amazonaws.com/doc/2010-05-08/",
            error: ErrorBody {
                kind: "Sender",
                code: e.code(),
                message: e.to_string(),
            },
            request_id: "rid",
        };
        assert_eq!(
            to_xml(None, &body).unwrap(),
            "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The user with name &lt;x&gt; cannot be found.</Message></Error><RequestId>rid</RequestId></ErrorResponse>"
        );
    }
}
