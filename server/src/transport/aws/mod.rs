//! The AWS APIs on `POST /`: SigV4-verified, routed by the credential scope's service to
//! IAM and STS (Query protocol, XML) or CodeCommit (JSON 1.1).

pub mod codecommit;
pub mod iam;
pub mod json;
pub mod query;
pub mod sts;

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;

use crate::auth::keys::{self, StoreKeys};
use crate::auth::sigv4::{self, RequestParts, SigV4Error};
use crate::authz::{self, Action, Decision};
use crate::context::Context;
use crate::iam::IamError;

/// Declares an API's operations: an `Op` enum with each operation's wire name.
macro_rules! operations {
    ($($name:ident),+ $(,)?) => {
        /// This API's operations.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Op { $($name),+ }

        impl Op {
            pub const ALL: &'static [Op] = &[$(Op::$name),+];

            /// The operation's name, as `Action=` / `X-Amz-Target` and IAM spell it.
            pub fn name(self) -> &'static str {
                match self { $(Op::$name => stringify!($name)),+ }
            }

            pub fn from_name(name: &str) -> Option<Op> {
                Op::ALL.iter().copied().find(|op| op.name() == name)
            }
        }
    };
}
pub(crate) use operations;

/// A pagination token this server did not issue.
#[derive(Debug)]
pub struct BadToken;

/// One page of `items` starting at the opaque position `token`, at most `size` long, and
/// the token of the next page when there is one.
pub fn paginate<T>(
    items: Vec<T>,
    token: Option<&str>,
    size: i64,
) -> Result<(Vec<T>, Option<String>), BadToken> {
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let start = match token {
        None => 0,
        Some(t) => engine
            .decode(t)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|s| {
                s.strip_prefix("offset:")
                    .and_then(|n| n.parse::<usize>().ok())
            })
            .ok_or(BadToken)?,
    };
    let size = size.max(1) as usize;
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(size).collect();
    let next =
        (start + page.len() < total).then(|| engine.encode(format!("offset:{}", start + size)));
    Ok((page, next))
}

/// An operation of one of the Query-protocol APIs.
#[derive(Debug, Clone, Copy)]
enum QueryOp {
    Iam(iam::Op),
    Sts(sts::Op),
}

impl QueryOp {
    fn name(self) -> &'static str {
        match self {
            QueryOp::Iam(op) => op.name(),
            QueryOp::Sts(op) => op.name(),
        }
    }
}

/// The services this endpoint answers for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Service {
    Iam,
    Sts,
    CodeCommit,
}

impl Service {
    fn from_scope(name: &str) -> Option<Self> {
        match name {
            "iam" => Some(Service::Iam),
            "sts" => Some(Service::Sts),
            "codecommit" => Some(Service::CodeCommit),
            _ => None,
        }
    }

    fn signing_name(self) -> &'static str {
        match self {
            Service::Iam => "iam",
            Service::Sts => "sts",
            Service::CodeCommit => "codecommit",
        }
    }
}

/// Which service an unsigned (or unparseable) request was meant for, to answer in its form.
fn guess_service(headers: &HeaderMap, params: &query::Params) -> Service {
    if headers.contains_key("x-amz-target") {
        Service::CodeCommit
    } else if params.raw("Version") == Some(sts::VERSION) {
        Service::Sts
    } else {
        Service::Iam
    }
}

/// The error code, status and message of a SigV4 failure in each protocol.
fn auth_error(service: Service, request_id: &str, e: &SigV4Error) -> Response {
    let message = e.to_string();
    if service == Service::CodeCommit {
        let (status, code) = match e {
            SigV4Error::Missing => (403, "MissingAuthenticationTokenException"),
            SigV4Error::Incomplete(_) => (400, "IncompleteSignatureException"),
            SigV4Error::BadScope(_) | SigV4Error::Mismatch => (403, "InvalidSignatureException"),
            SigV4Error::UnknownKey => (400, "UnrecognizedClientException"),
            SigV4Error::ExpiredToken => (403, "ExpiredTokenException"),
            SigV4Error::Internal => (500, "InternalFailure"),
        };
        return json::error(request_id, status, code, &message);
    }
    let (status, code) = match e {
        SigV4Error::Missing => (403, "MissingAuthenticationToken"),
        SigV4Error::Incomplete(_) => (400, "IncompleteSignature"),
        SigV4Error::BadScope(_) | SigV4Error::Mismatch => (403, "SignatureDoesNotMatch"),
        SigV4Error::UnknownKey => (403, "InvalidClientTokenId"),
        SigV4Error::ExpiredToken => (403, "ExpiredToken"),
        SigV4Error::Internal => (500, "InternalFailure"),
    };
    let ns = if service == Service::Sts {
        sts::NAMESPACE
    } else {
        iam::NAMESPACE
    };
    query::error(ns, request_id, status, status < 500, code, &message)
}

/// `POST /`: every IAM, STS and CodeCommit API call.
pub async fn api(
    State(ctx): State<Arc<Context>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let request_id = uuid::Uuid::new_v4().to_string();
    let is_json = headers.contains_key("x-amz-target");
    let mut params = if is_json {
        query::Params::parse(b"", "")
    } else {
        query::Params::parse(&body, uri.query().unwrap_or(""))
    };
    let service = match sigv4::parse_authorization(&headers) {
        Ok(auth) => match Service::from_scope(&auth.service) {
            Some(s) => s,
            None => {
                let guessed = guess_service(&headers, &params);
                let e = SigV4Error::BadScope(format!(
                    "Credential should be scoped to correct service: '{}'.",
                    guessed.signing_name()
                ));
                return auth_error(guessed, &request_id, &e);
            }
        },
        Err(_) => guess_service(&headers, &params),
    };
    let server_region = ctx.region.clone();
    let region_ok = move |svc: &str, region: &str| {
        region == server_region || (svc != "codecommit" && region == "us-east-1")
    };
    let parts = RequestParts {
        method: method.as_str(),
        path: uri.path(),
        query: uri.query().unwrap_or(""),
        headers: &headers,
        authority: uri.authority().map(|a| a.as_str()),
        body: &body,
    };
    let store_keys = StoreKeys { store: &ctx.store };
    let verified = match sigv4::verify(&parts, chrono::Utc::now(), &store_keys, &region_ok) {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(
                service = service.signing_name(),
                "API request refused: {e:?}"
            );
            return auth_error(service, &request_id, &e);
        }
    };
    keys::record_use(&ctx.store, &verified);
    let principal = verified.principal;

    match service {
        Service::Iam | Service::Sts => {
            let (ns, version) = if service == Service::Iam {
                (iam::NAMESPACE, iam::VERSION)
            } else {
                (sts::NAMESPACE, sts::VERSION)
            };
            let Some(action) = params.raw("Action").map(str::to_owned) else {
                return query::error(
                    ns,
                    &request_id,
                    400,
                    true,
                    "MissingAction",
                    "Missing Action",
                );
            };
            let op = if service == Service::Iam {
                iam::Op::from_name(&action).map(QueryOp::Iam)
            } else {
                sts::Op::from_name(&action).map(QueryOp::Sts)
            };
            let Some(op) = op else {
                return query::error(
                    ns,
                    &request_id,
                    400,
                    true,
                    "InvalidAction",
                    &format!("Could not find operation {action} for version {version}"),
                );
            };
            let name = op.name();
            let signing = service.signing_name();
            let resource = format!("arn:aws:{signing}::{}:*", principal.account_id);
            let action = Action::Api {
                service: signing,
                operation: name,
            };
            if authz::decide(&principal, action, &principal.account_id, &resource) == Decision::Deny
            {
                let e = IamError::AccessDenied(format!(
                    "User: {} is not authorized to perform: {}",
                    principal.arn,
                    action.iam_name()
                ));
                return query::iam_error(ns, &request_id, &e);
            }
            let result = match op {
                QueryOp::Iam(op) => iam::handle(&ctx, &principal, op, &mut params),
                QueryOp::Sts(op) => sts::handle(&ctx, &principal, op, &mut params),
            };
            match result {
                Ok(result) => query::success(ns, name, &request_id, result),
                Err(e) => {
                    tracing::info!(operation = name, code = e.code(), "API error: {e}");
                    query::iam_error(ns, &request_id, &e)
                }
            }
        }
        Service::CodeCommit => {
            let target = headers
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            let Some(name) = target.strip_prefix(json::CODECOMMIT_TARGET_PREFIX) else {
                return json::error(
                    &request_id,
                    400,
                    "UnknownOperationException",
                    &format!("Unknown target {target}"),
                );
            };
            let Some(op) = codecommit::Op::from_name(name) else {
                let message = if codecommit::NOT_IMPLEMENTED.contains(&name) {
                    format!(
                        "codecommit-local does not implement the CodeCommit operation {name} yet"
                    )
                } else {
                    format!("Unknown CodeCommit operation {name}")
                };
                return json::error(&request_id, 400, "UnknownOperationException", &message);
            };
            let input: serde_json::Value = if body.is_empty() {
                serde_json::json!({})
            } else {
                match serde_json::from_slice(&body) {
                    Ok(v) => v,
                    Err(e) => {
                        return json::error(
                            &request_id,
                            400,
                            "SerializationException",
                            &format!("The request body is not valid JSON: {e}"),
                        );
                    }
                }
            };
            let action = Action::Api {
                service: "codecommit",
                operation: op.name(),
            };
            let resource = format!(
                "arn:aws:codecommit:{}:{}:*",
                ctx.region, principal.account_id
            );
            if authz::decide(&principal, action, &principal.account_id, &resource) == Decision::Deny
            {
                return json::error(
                    &request_id,
                    400,
                    "AccessDeniedException",
                    &format!(
                        "User: {} is not authorized to perform: {}",
                        principal.arn,
                        action.iam_name()
                    ),
                );
            }
            let ctx2 = ctx.clone();
            let result = tokio::task::spawn_blocking(move || {
                codecommit::handle(&ctx2, &principal, op, &input)
            })
            .await;
            match result {
                Ok(Ok(value)) => json::success(&request_id, &value),
                Ok(Err(e)) => {
                    tracing::info!(
                        operation = op.name(),
                        code = e.code,
                        "API error: {}",
                        e.message
                    );
                    json::error(&request_id, e.status(), e.code, &e.message)
                }
                Err(e) => {
                    tracing::error!("CodeCommit handler: {e}");
                    json::error(
                        &request_id,
                        500,
                        "InternalFailure",
                        "An internal error occurred.",
                    )
                }
            }
        }
    }
}
