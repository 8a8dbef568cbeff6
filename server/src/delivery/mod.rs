//! Events leaving the server: a worker takes the outbox's due events (each repository's
//! oldest pending one, so a repository's events arrive in order) and sends each to where
//! its destination ARN is routed: the AWS-compatible endpoint the user named (SNS
//! `Publish`, Lambda `Invoke` as an event invocation, EventBridge `PutEvents`, SigV4-signed)
//! and/or the webhooks the fixtures map to that ARN (`POST` of the same JSON). A failure is
//! retried with backoff (0.5 s doubling to 30 s) for 24 hours, then given up; every outcome
//! is recorded on the event's row. Never in a push's path: pushes only queue.

mod http;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use hyper::header::{CONTENT_TYPE, HOST, HeaderName, HeaderValue};
use hyper::{HeaderMap, Uri};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use crate::context::Context;
use crate::store::events::{self as rows, OutboxRow};

/// How long an undeliverable event is retried before it is dropped.
const GIVE_UP_AFTER: chrono::Duration = chrono::Duration::hours(24);
/// The longest wait between two attempts of one event.
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Finished events are kept this long for the event log,
const KEEP_FINISHED: chrono::Duration = chrono::Duration::days(7);
/// and at most this many of them.
const KEEP_FINISHED_COUNT: i64 = 10_000;
/// How often finished events are pruned.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// The AWS-compatible endpoint events go to (`--events-endpoint`).
pub struct Endpoint {
    pub url: Uri,
    pub access_key_id: String,
    pub secret_access_key: Zeroizing<String>,
    pub region: String,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("url", &self.url)
            .field("access_key_id", &self.access_key_id)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// Where each destination's events go.
#[derive(Debug, Default)]
pub struct Routes {
    pub endpoint: Option<Endpoint>,
    /// Destination ARN → webhook URLs.
    pub webhooks: HashMap<String, Vec<Uri>>,
}

impl Routes {
    pub fn new(
        endpoint: Option<Endpoint>,
        webhooks: &[(String, String)],
    ) -> Result<Routes, String> {
        let mut map: HashMap<String, Vec<Uri>> = HashMap::new();
        for (arn, url) in webhooks {
            let uri: Uri = url.parse().map_err(|e| format!("webhook {url}: {e}"))?;
            map.entry(arn.clone()).or_default().push(uri);
        }
        Ok(Routes {
            endpoint,
            webhooks: map,
        })
    }
}

/// Why one delivery did not happen.
#[derive(Debug)]
enum Failure {
    /// Nothing is configured for the destination: the event is dropped at once.
    NoRoute,
    /// The receiver failed or was unreachable: try again later.
    Failed(String),
}

fn header(name: &'static str, value: &str) -> (HeaderName, HeaderValue) {
    (
        HeaderName::from_static(name),
        HeaderValue::from_str(value).unwrap_or_else(|_| HeaderValue::from_static("")),
    )
}

/// A signed request to the endpoint: `service`'s SigV4 scope, the path under the endpoint.
async fn signed_post(
    ep: &Endpoint,
    service: &str,
    path: &str,
    extra: &[(HeaderName, HeaderValue)],
    body: Vec<u8>,
) -> Result<(u16, String), String> {
    let base = ep.url.path().trim_end_matches('/');
    let uri: Uri = format!(
        "{}://{}{base}{path}",
        ep.url.scheme_str().unwrap_or("http"),
        http::authority(&ep.url)
    )
    .parse()
    .map_err(|e| format!("{e}"))?;
    let now = Utc::now();
    let mut headers = HeaderMap::new();
    headers.insert(
        HOST,
        HeaderValue::from_str(&http::authority(&uri)).map_err(|e| e.to_string())?,
    );
    let (n, v) = header("x-amz-date", &now.format("%Y%m%dT%H%M%SZ").to_string());
    headers.insert(n, v);
    for (n, v) in extra {
        headers.insert(n.clone(), v.clone());
    }
    let authorization = crate::auth::sigv4::authorization_for(
        "POST",
        uri.path(),
        &headers,
        &body,
        &ep.access_key_id,
        &ep.secret_access_key,
        &ep.region,
        service,
        now,
    )
    .map_err(|e| e.to_string())?;
    let (n, v) = header("authorization", &authorization);
    headers.insert(n, v);
    http::post(&uri, headers, body).await
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
        .into_bytes()
}

/// Sends one event to the endpoint in its service's protocol.
async fn to_endpoint(
    ep: &Endpoint,
    kind: &str,
    destination: &str,
    body: &str,
) -> Result<(), String> {
    let (status, answer) = match kind {
        "sns" => {
            let ct = header(
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            );
            let body = form(&[
                ("Action", "Publish"),
                ("Version", "2010-03-31"),
                ("TopicArn", destination),
                ("Message", body),
            ]);
            signed_post(ep, "sns", "/", &[ct], body).await?
        }
        "lambda" => {
            let name = crate::auth::sigv4::uri_encode(destination, false);
            let path = format!("/2015-03-31/functions/{name}/invocations");
            let ct = header("content-type", "application/json");
            let kind = header("x-amz-invocation-type", "Event");
            signed_post(ep, "lambda", &path, &[ct, kind], body.as_bytes().to_vec()).await?
        }
        _ => {
            let event: Value = serde_json::from_str(body).map_err(|e| e.to_string())?;
            let entry = json!({
                "Source": event["source"],
                "DetailType": event["detail-type"],
                "Detail": event["detail"].to_string(),
                "Resources": event["resources"],
                "EventBusName": destination,
            });
            let ct = header("content-type", "application/x-amz-json-1.1");
            let target = header("x-amz-target", "AWSEvents.PutEvents");
            let body = json!({ "Entries": [entry] }).to_string().into_bytes();
            let (status, answer) = signed_post(ep, "events", "/", &[ct, target], body).await?;
            let failed = serde_json::from_str::<Value>(&answer)
                .ok()
                .and_then(|v| v["FailedEntryCount"].as_i64())
                .unwrap_or(0);
            if status / 100 == 2 && failed > 0 {
                return Err(format!("PutEvents refused the event: {answer}"));
            }
            (status, answer)
        }
    };
    if status / 100 != 2 {
        return Err(format!("{kind} answered HTTP {status}: {}", answer.trim()));
    }
    Ok(())
}

async fn to_webhook(url: &Uri, body: &str) -> Result<(), String> {
    let mut headers = HeaderMap::new();
    headers.insert(
        HOST,
        HeaderValue::from_str(&http::authority(url)).map_err(|e| e.to_string())?,
    );
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    let (status, answer) = http::post(url, headers, body.as_bytes().to_vec()).await?;
    if status / 100 != 2 {
        return Err(format!(
            "webhook {url} answered HTTP {status}: {}",
            answer.trim()
        ));
    }
    Ok(())
}

/// Sends an event everywhere its destination is routed.
async fn send(routes: &Routes, kind: &str, destination: &str, body: &str) -> Result<(), Failure> {
    let hooks = routes.webhooks.get(destination);
    if routes.endpoint.is_none() && hooks.is_none() {
        return Err(Failure::NoRoute);
    }
    let mut errors = Vec::new();
    for url in hooks.into_iter().flatten() {
        if let Err(e) = to_webhook(url, body).await {
            errors.push(e);
        }
    }
    if let Some(ep) = &routes.endpoint
        && let Err(e) = to_endpoint(ep, kind, destination, body).await
    {
        errors.push(e);
    }
    match errors.is_empty() {
        true => Ok(()),
        false => Err(Failure::Failed(errors.join("; "))),
    }
}

/// What TestRepositoryTriggers uses to send its test records at once.
pub struct Sender {
    routes: Arc<Routes>,
    runtime: tokio::runtime::Handle,
}

impl crate::context::Deliver for Sender {
    fn deliver_now(&self, kind: &str, destination: &str, body: &str) -> Result<(), String> {
        self.runtime
            .block_on(send(&self.routes, kind, destination, body))
            .map_err(|f| match f {
                Failure::NoRoute => format!(
                    "No receiver is configured for {destination}: start the server with --events-endpoint, or map the ARN to a webhook in a fixture."
                ),
                Failure::Failed(e) => e,
            })
    }
}

fn backoff(attempts: i64) -> Duration {
    let exp = attempts.clamp(0, 16) as u32;
    (Duration::from_millis(500) * 2u32.pow(exp)).min(MAX_BACKOFF)
}

fn timestamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Delivers what is due; returns how many events were attempted.
async fn deliver_due(ctx: &Arc<Context>, routes: &Routes) -> Result<usize, String> {
    let now = Utc::now();
    let c = ctx.clone();
    let due = tokio::task::spawn_blocking(move || {
        c.store.read(|conn| rows::due(conn, &timestamp(now), 32))
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| e.to_string())?;
    let attempted = due.len();
    for row in due {
        let outcome = send(routes, &row.kind, &row.destination, &row.body).await;
        record(ctx, &row, outcome).await?;
    }
    Ok(attempted)
}

async fn record(
    ctx: &Arc<Context>,
    row: &OutboxRow,
    outcome: Result<(), Failure>,
) -> Result<(), String> {
    let now = Utc::now();
    let created = DateTime::parse_from_rfc3339(&row.created_at)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now);
    let (state, next, error) = match outcome {
        Ok(()) => {
            tracing::info!(seq = row.seq, kind = %row.kind, destination = %row.destination, label = %row.label, repository = %row.repository_name, "event delivered");
            ("delivered", now, None)
        }
        Err(Failure::NoRoute) => {
            // Routes are fixed while the server runs: every event queued for this
            // destination goes the same way, at once.
            let (c, destination) = (ctx.clone(), row.destination.clone());
            let dropped = tokio::task::spawn_blocking(move || {
                c.store.write_bookkeeping(|conn| {
                    rows::drop_pending_to(conn, &destination, &timestamp(now), NO_ROUTE)
                })
            })
            .await
            .map_err(|e| e.to_string())?
            .map_err(|e: rusqlite::Error| e.to_string())?;
            tracing::debug!(destination = %row.destination, events = dropped, "events have no receiver: dropped");
            return Ok(());
        }
        Err(Failure::Failed(e)) if now - created > GIVE_UP_AFTER => {
            tracing::warn!(seq = row.seq, destination = %row.destination, "event undeliverable for 24 hours, dropped: {e}");
            ("dropped", now, Some(e))
        }
        Err(Failure::Failed(e)) => {
            let wait = backoff(row.attempts);
            tracing::warn!(seq = row.seq, destination = %row.destination, attempt = row.attempts + 1, retry_in_ms = wait.as_millis() as u64, "event delivery failed: {e}");
            (
                "pending",
                now + chrono::Duration::from_std(wait).unwrap_or_default(),
                Some(e),
            )
        }
    };
    let (c, seq) = (ctx.clone(), row.seq);
    tokio::task::spawn_blocking(move || {
        c.store.write_bookkeeping(|conn| {
            rows::attempted(
                conn,
                seq,
                state,
                &timestamp(now),
                &timestamp(next),
                error.as_deref(),
            )
        })
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e: rusqlite::Error| e.to_string())
}

const NO_ROUTE: &str = "no receiver configured for this destination";

/// Forgets old finished events (see [`KEEP_FINISHED`]).
async fn prune(ctx: &Arc<Context>) {
    let c = ctx.clone();
    let before = timestamp(Utc::now() - KEEP_FINISHED);
    let pruned = tokio::task::spawn_blocking(move || {
        c.store
            .write_bookkeeping(|conn| rows::prune(conn, &before, KEEP_FINISHED_COUNT))
    })
    .await;
    match pruned {
        Ok(Ok(0)) => {}
        Ok(Ok(n)) => tracing::debug!(events = n, "pruned finished events"),
        Ok(Err(e)) => tracing::warn!("pruning finished events: {e}"),
        Err(e) => tracing::warn!("pruning finished events: {e}"),
    }
}

/// How long to sleep before looking again: until the next pending event is due, at most a
/// second (events queued inside other transactions do not wake the worker).
async fn idle_time(ctx: &Arc<Context>) -> Duration {
    let c = ctx.clone();
    let next = tokio::task::spawn_blocking(move || c.store.read(rows::next_due))
        .await
        .ok()
        .and_then(Result::ok)
        .flatten();
    let Some(next) = next.and_then(|n| DateTime::parse_from_rfc3339(&n).ok()) else {
        return Duration::from_secs(1);
    };
    (next.with_timezone(&Utc) - Utc::now())
        .to_std()
        .unwrap_or(Duration::ZERO)
        .min(Duration::from_secs(1))
}

/// Starts the worker, and gives the context what TestRepositoryTriggers sends with.
pub fn start(ctx: Arc<Context>, routes: Routes) -> tokio::task::JoinHandle<()> {
    let routes = Arc::new(routes);
    let _ = ctx.deliver.set(Arc::new(Sender {
        routes: routes.clone(),
        runtime: tokio::runtime::Handle::current(),
    }));
    tokio::spawn(async move {
        let mut pruned_at: Option<std::time::Instant> = None;
        loop {
            if pruned_at.is_none_or(|t| t.elapsed() >= PRUNE_EVERY) {
                pruned_at = Some(std::time::Instant::now());
                prune(&ctx).await;
            }
            match deliver_due(&ctx, &routes).await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::error!("event delivery: {e}"),
            }
            let wait = idle_time(&ctx).await;
            if wait.is_zero() {
                continue;
            }
            tokio::select! {
                _ = ctx.events_queued.notified() => {}
                _ = tokio::time::sleep(wait) => {}
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_thirty_seconds() {
        assert_eq!(backoff(0), Duration::from_millis(500));
        assert_eq!(backoff(1), Duration::from_secs(1));
        assert_eq!(backoff(5), Duration::from_secs(16));
        assert_eq!(backoff(6), MAX_BACKOFF);
        assert_eq!(backoff(1000), MAX_BACKOFF);
    }

    #[test]
    fn endpoint_debug_hides_the_secret() {
        let ep = Endpoint {
            url: "http://localhost:5000".parse().unwrap(),
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: Zeroizing::new("very-secret".into()),
            region: "us-east-1".into(),
        };
        assert!(!format!("{ep:?}").contains("very-secret"));
    }
}
