//! One outgoing HTTP/1.1 request per delivery: hyper's client connection over TCP, or over
//! tokio-rustls for `https://` (the system's trust roots), with a deadline.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{HeaderMap, Request, Uri};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

/// How long one delivery may take, connection included.
const DEADLINE: Duration = Duration::from_secs(10);
/// The most of a response body kept (for the error a failed delivery records).
const MAX_RESPONSE: usize = 64 * 1024;

fn tls_config() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            for cert in rustls_native_certs::load_native_certs().certs {
                let _ = roots.add(cert);
            }
            let config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .expect("ring supports the default protocol versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
            Arc::new(config)
        })
        .clone()
}

/// `POST`s `body` to `uri` with `headers` (which must hold `host`); the response's status
/// and (truncated) body.
pub async fn post(uri: &Uri, headers: HeaderMap, body: Vec<u8>) -> Result<(u16, String), String> {
    tokio::time::timeout(DEADLINE, send(uri, headers, body))
        .await
        .map_err(|_| {
            format!(
                "no answer from {} within {} s",
                authority(uri),
                DEADLINE.as_secs()
            )
        })?
}

pub fn authority(uri: &Uri) -> String {
    uri.authority().map(|a| a.to_string()).unwrap_or_default()
}

async fn send(uri: &Uri, headers: HeaderMap, body: Vec<u8>) -> Result<(u16, String), String> {
    let https = uri.scheme_str() == Some("https");
    let host = uri.host().ok_or_else(|| format!("{uri} names no host"))?;
    let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
    let tcp = TcpStream::connect((host, port))
        .await
        .map_err(|e| format!("connecting to {host}:{port}: {e}"))?;
    let _ = tcp.set_nodelay(true);
    let mut request = Request::post(uri.path_and_query().map(|p| p.as_str()).unwrap_or("/"))
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| e.to_string())?;
    *request.headers_mut() = headers;
    if https {
        let name = rustls::pki_types::ServerName::try_from(host.to_owned())
            .map_err(|e| format!("{host}: {e}"))?;
        let tls = tokio_rustls::TlsConnector::from(tls_config())
            .connect(name, tcp)
            .await
            .map_err(|e| format!("TLS with {host}:{port}: {e}"))?;
        exchange(TokioIo::new(tls), request).await
    } else {
        exchange(TokioIo::new(tcp), request).await
    }
}

async fn exchange<T>(io: T, request: Request<Full<Bytes>>) -> Result<(u16, String), String>
where
    T: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| format!("HTTP handshake: {e}"))?;
    let driver = tokio::spawn(conn);
    let response = sender
        .send_request(request)
        .await
        .map_err(|e| format!("sending: {e}"))?;
    let status = response.status().as_u16();
    let mut body = Vec::new();
    let mut stream = response.into_body();
    while let Some(frame) = stream.frame().await {
        let frame = frame.map_err(|e| format!("reading the answer: {e}"))?;
        if let Some(data) = frame.data_ref() {
            let room = MAX_RESPONSE.saturating_sub(body.len());
            body.extend_from_slice(&data[..data.len().min(room)]);
        }
    }
    driver.abort();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}
