//! One API request, start to end, on a blocking thread (every step may read the store):
//! which service → SigV4 → which operation → the registry's runner → the protocol's
//! response. Errors are logged here, once, and rendered by the protocol.

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, Uri};
use axum::response::Response;

use super::protocol::{json, query};
use super::registry::{self, Body, Encoded, Entry};
use crate::auth::keys::{self, StoreKeys};
use crate::auth::sigv4::{self, RequestParts, SigV4Error};
use crate::codecommit::error::CodeCommitError;
use crate::iam::IamError;
use crate::operation::ServiceError;
use crate::principal::{Identity, Principal};
use crate::transport::state::TransportState;

pub const IAM_NAMESPACE: &str = "https://iam.amazonaws.com/doc/2010-05-08/";
pub const IAM_VERSION: &str = "2010-05-08";
pub const STS_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
pub const STS_VERSION: &str = "2011-06-15";

/// What `POST /` received.
pub struct ApiRequest {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// Where it came from, for the authorization's condition keys.
    pub origin: crate::authz::Origin,
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

    /// The Query protocol's namespace and version (IAM and STS).
    fn query_api(self) -> (&'static str, &'static str) {
        match self {
            Service::Sts => (STS_NAMESPACE, STS_VERSION),
            _ => (IAM_NAMESPACE, IAM_VERSION),
        }
    }
}

/// Which service an unsigned (or unparseable) request was meant for, to answer in its form.
fn guess_service(headers: &HeaderMap, params: &query::Params) -> Service {
    if headers.contains_key("x-amz-target") {
        Service::CodeCommit
    } else if params.raw("Version") == Some(STS_VERSION) {
        Service::Sts
    } else {
        Service::Iam
    }
}

/// A SigV4 failure as each protocol names it.
fn auth_error(service: Service, e: &SigV4Error) -> Failure {
    let message = e.to_string();
    if service == Service::CodeCommit {
        return Failure::Json(match e {
            SigV4Error::Missing => CodeCommitError::missing_authentication_token(message),
            SigV4Error::Incomplete(_) => CodeCommitError::incomplete_signature(message),
            SigV4Error::BadScope(_) | SigV4Error::Mismatch => {
                CodeCommitError::invalid_signature(message)
            }
            SigV4Error::UnknownKey => CodeCommitError::unrecognized_client(message),
            SigV4Error::ExpiredToken => CodeCommitError::expired_token(message),
            SigV4Error::Internal => CodeCommitError::internal_failure(message),
        });
    }
    let (status, code) = match e {
        SigV4Error::Missing => (403, "MissingAuthenticationToken"),
        SigV4Error::Incomplete(_) => (400, "IncompleteSignature"),
        SigV4Error::BadScope(_) | SigV4Error::Mismatch => (403, "SignatureDoesNotMatch"),
        SigV4Error::UnknownKey => (403, "InvalidClientTokenId"),
        SigV4Error::ExpiredToken => (403, "ExpiredToken"),
        SigV4Error::Internal => (500, "InternalFailure"),
    };
    Failure::Query(
        service,
        IamError::Request {
            code,
            status,
            message,
        },
    )
}

/// A refusal in the form of the API it was meant for.
enum Failure {
    Query(Service, IamError),
    Json(CodeCommitError),
}

/// Answers one API request.
pub fn handle(ctx: &TransportState, request_id: &str, req: &ApiRequest) -> Response {
    let params = if req.headers.contains_key("x-amz-target") {
        query::Params::parse(b"", "")
    } else {
        query::Params::parse(&req.body, req.uri.query().unwrap_or(""))
    };
    if let Some(entry) = unsigned_operation(req, &params) {
        tracing::Span::current().record("operation", entry.name);
        tracing::debug!("unsigned API call");
        return match (entry.run)(ctx, &params) {
            Ok(Encoded::Xml(xml)) => query::success(STS_NAMESPACE, entry.name, request_id, xml),
            Ok(Encoded::Json(_)) => internal_failure(request_id),
            Err(e) => {
                log_error(&e);
                query::error(STS_NAMESPACE, request_id, &e)
            }
        };
    }
    let result = authenticate(ctx, req, &params).and_then(|(service, principal)| {
        dispatch(ctx, service, &principal, req, &params)
            .map(|(name, encoded)| (service, name, encoded))
    });
    match result {
        Ok((service, name, Encoded::Xml(xml))) => {
            query::success(service.query_api().0, name, request_id, xml)
        }
        Ok((_, _, Encoded::Json(body))) => json::success(request_id, body),
        Err(Failure::Query(service, e)) => {
            log_error(&e);
            query::error(service.query_api().0, request_id, &e)
        }
        Err(Failure::Json(e)) => {
            log_error(&e);
            json::error(request_id, &e)
        }
    }
}

/// Whether the signed operation a request names is [`Entry::light`] (its handler reads a
/// few store rows and nothing else), so that [`handle`] may run on the task that read it.
/// Anything else, an unsigned or unknown operation included, is not.
pub fn is_light(req: &ApiRequest) -> bool {
    if req.headers.contains_key("x-amz-target") {
        return codecommit_operation(&req.headers).is_ok_and(|e| e.light);
    }
    let params = query::Params::parse(&req.body, req.uri.query().unwrap_or(""));
    let service = guess_service(&req.headers, &params);
    query_operation(service, &params).is_ok_and(|e| e.light)
}

/// The 413 answer to a body over `limit` bytes, in the form of the API it was meant for.
pub fn too_large(headers: &HeaderMap, request_id: &str, limit: usize) -> Response {
    let message = format!("Request body exceeds {limit} bytes.");
    refusal(
        headers,
        request_id,
        413,
        (
            "RequestEntityTooLarge",
            CodeCommitError::request_entity_too_large,
        ),
        message,
    )
}

/// The answer when too many API requests are in flight, as each protocol throttles.
pub fn throttled(headers: &HeaderMap, request_id: &str) -> Response {
    refusal(
        headers,
        request_id,
        400,
        ("Throttling", CodeCommitError::throttling),
        "Rate exceeded".into(),
    )
}

/// A refusal made before the request was read, in the form of the API its headers name:
/// `codes` are the Query protocol's error code and the JSON protocol's error.
fn refusal(
    headers: &HeaderMap,
    request_id: &str,
    status: u16,
    codes: (&'static str, fn(String) -> CodeCommitError),
    message: String,
) -> Response {
    match guess_service(headers, &query::Params::parse(b"", "")) {
        Service::CodeCommit => json::error(request_id, &(codes.1)(message)),
        service => query::error(
            service.query_api().0,
            request_id,
            &IamError::Request {
                code: codes.0,
                status,
                message,
            },
        ),
    }
}

/// The 500 answer when the request's task itself failed.
pub fn internal_failure(request_id: &str) -> Response {
    json::error(request_id, &CodeCommitError::internal("task failed"))
}

/// Logs an error once, in the request's span (which names the request and operation).
fn log_error(e: &impl ServiceError) {
    match e.detail() {
        Some(detail) => tracing::error!(code = e.code(), "API error: {detail}"),
        None => tracing::info!(code = e.code(), "API error: {e}"),
    }
}

/// The STS operation AWS accepts unsigned (AssumeRoleWithWebIdentity) a Query request names:
/// it runs without SigV4 (a signature, if any, is not what lets it in, as on AWS).
fn unsigned_operation(
    req: &ApiRequest,
    params: &query::Params,
) -> Option<&'static registry::UnsignedEntry<IamError>> {
    if req.headers.contains_key("x-amz-target") {
        return None;
    }
    let action = params.raw("Action")?;
    registry::STS_UNSIGNED.iter().find(|e| e.name == action)
}

/// Which service the request is for, and who signed it.
fn authenticate(
    ctx: &TransportState,
    req: &ApiRequest,
    params: &query::Params,
) -> Result<(Service, Principal), Failure> {
    let service = match sigv4::parse_authorization(&req.headers) {
        Ok(auth) => match Service::from_scope(&auth.service) {
            Some(s) => s,
            None => {
                let guessed = guess_service(&req.headers, params);
                let e = SigV4Error::BadScope(format!(
                    "Credential should be scoped to correct service: '{}'.",
                    guessed.signing_name()
                ));
                return Err(auth_error(guessed, &e));
            }
        },
        Err(_) => guess_service(&req.headers, params),
    };
    let region_ok = |svc: &str, region: &str| {
        region == ctx.region || (svc != "codecommit" && region == "us-east-1")
    };
    let parts = RequestParts {
        method: req.method.as_str(),
        path: req.uri.path(),
        query: req.uri.query().unwrap_or(""),
        headers: &req.headers,
        authority: req.uri.authority().map(|a| a.as_str()),
        body: &req.body,
    };
    let store_keys = StoreKeys { store: &ctx.store };
    let verified =
        sigv4::verify(&parts, chrono::Utc::now(), &store_keys, &region_ok).map_err(|e| {
            tracing::warn!(
                service = service.signing_name(),
                "API request refused: {e:?}"
            );
            auth_error(service, &e)
        })?;
    keys::record_use(
        &ctx.key_use,
        ctx,
        &verified.principal,
        &verified.service,
        &verified.region,
    );
    if service == Service::Iam && is_get_session_token(&verified.principal) {
        // GetSessionToken's credentials "cannot call any IAM API operations unless MFA
        // authentication information is included in the request", and this server has no
        // MFA: AWS refuses them as an invalid token (its message has no final period).
        return Err(Failure::Query(
            service,
            IamError::Request {
                code: "InvalidClientTokenId",
                status: 403,
                message: "The security token included in the request is invalid".into(),
            },
        ));
    }
    Ok((service, verified.principal))
}

/// Whether `principal` signs with a user's GetSessionToken credentials (not a role session).
fn is_get_session_token(principal: &Principal) -> bool {
    principal.is_session() && matches!(principal.identity, Identity::User { .. })
}

/// Finds the operation and runs it; its name and encoded response.
fn dispatch(
    ctx: &TransportState,
    service: Service,
    principal: &Principal,
    req: &ApiRequest,
    params: &query::Params,
) -> Result<(&'static str, Encoded), Failure> {
    if service == Service::CodeCommit {
        let entry = codecommit_operation(&req.headers).map_err(Failure::Json)?;
        tracing::Span::current().record("operation", entry.name);
        return (entry.run)(ctx, principal, &req.origin, Body::Json(&req.body))
            .map(|encoded| (entry.name, encoded))
            .map_err(Failure::Json);
    }
    let fail = |e: IamError| Failure::Query(service, e);
    let entry = query_operation(service, params).map_err(fail)?;
    tracing::Span::current().record("operation", entry.name);
    tracing::debug!("API call");
    (entry.run)(ctx, principal, &req.origin, Body::Query(params))
        .map(|encoded| (entry.name, encoded))
        .map_err(fail)
}

/// The IAM or STS operation `Action=` names.
fn query_operation(
    service: Service,
    params: &query::Params,
) -> Result<&'static Entry<IamError>, IamError> {
    let request_error = |code, message: String| IamError::Request {
        code,
        status: 400,
        message,
    };
    let Some(action) = params.raw("Action") else {
        return Err(request_error("MissingAction", "Missing Action".into()));
    };
    let entries = if service == Service::Sts {
        registry::STS
    } else {
        registry::IAM
    };
    registry::find(entries, action).ok_or_else(|| {
        request_error(
            "InvalidAction",
            format!(
                "Could not find operation {action} for version {}",
                service.query_api().1
            ),
        )
    })
}

/// The CodeCommit operation `X-Amz-Target` names.
fn codecommit_operation(
    headers: &HeaderMap,
) -> Result<&'static Entry<CodeCommitError>, CodeCommitError> {
    let target = headers
        .get("x-amz-target")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let unknown = CodeCommitError::unknown_operation;
    let Some(name) = target.strip_prefix(json::CODECOMMIT_TARGET_PREFIX) else {
        return Err(unknown(format!("Unknown target {target}")));
    };
    registry::find(registry::CODECOMMIT, name)
        .ok_or_else(|| unknown(format!("Unknown CodeCommit operation {name}")))
}
