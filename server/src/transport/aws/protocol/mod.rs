//! The wire protocols of the AWS APIs: each decodes requests into an operation's request
//! type, encodes its response, and renders the service's errors in exactly one function.

pub mod json;
pub mod query;
mod query_de;
