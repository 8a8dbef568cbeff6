//! The command line: `codecommit-local serve [flags]`, every flag also an environment
//! variable `CODECOMMIT_LOCAL_<FLAG>`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::config::{DataDir, PackHookConfig, ServerConfig};
use crate::git::pack_hook;
use crate::server;

#[derive(Parser, Debug)]
#[command(
    name = "codecommit-local",
    version,
    about = "AWS CodeCommit, IAM and STS, offline"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the server.
    Serve(Box<ServeArgs>),
    /// Exit 0 if the server answers on its plain HTTP port (for container health checks).
    Healthcheck {
        /// The server's plain HTTP address.
        #[arg(
            long,
            env = "CODECOMMIT_LOCAL_HTTP_ADDR",
            default_value = "127.0.0.1:8080"
        )]
        http_addr: String,
    },
    /// Print an OpenID Connect ID token signed by the server's own issuer (whose URL is in
    /// DATA_DIR/endpoints.json), for AssumeRoleWithWebIdentity in tests and demos.
    OidcToken(OidcTokenArgs),
    /// Print the event log: the newest events (trigger records and EventBridge events) with
    /// what became of them, one JSON object per line, newest first.
    Events {
        /// The server's data dir (an `--ephemeral` server's is in its endpoints JSON).
        #[arg(
            long,
            env = "CODECOMMIT_LOCAL_DATA_DIR",
            default_value = "./.codecommit-local"
        )]
        data_dir: PathBuf,
        /// How many events.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Include each event's body (the JSON sent).
        #[arg(long)]
        bodies: bool,
    },
    /// Run by `git upload-pack` in place of `git pack-objects` (see the pack cache).
    #[command(name = pack_hook::HOOK_SUBCOMMAND, hide = true)]
    PackObjectsHook {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

#[derive(clap::Args, Debug)]
struct OidcTokenArgs {
    /// The server's data dir (an `--ephemeral` server's is in its endpoints JSON).
    #[arg(
        long,
        env = "CODECOMMIT_LOCAL_DATA_DIR",
        default_value = "./.codecommit-local"
    )]
    data_dir: PathBuf,
    /// The `sub` claim: who the token is about (`repo:octo/app:ref:refs/heads/main`).
    #[arg(long)]
    sub: String,
    /// The `aud` claim: a client ID of the IAM OpenID Connect provider.
    #[arg(long, default_value = "sts.amazonaws.com")]
    aud: String,
    /// Another claim, `KEY=VALUE` (repeatable); a VALUE that parses as JSON is taken as
    /// JSON, so `--claim exp=0` makes an expired token.
    #[arg(long = "claim", value_name = "KEY=VALUE")]
    claims: Vec<String>,
    /// Seconds until the token expires.
    #[arg(long, default_value_t = 3600)]
    expires_in: i64,
}

#[derive(clap::Args, Debug)]
struct ServeArgs {
    /// SQLite store, bare repositories, TLS files and SSH host keys.
    #[arg(
        long,
        env = "CODECOMMIT_LOCAL_DATA_DIR",
        default_value = "./.codecommit-local"
    )]
    data_dir: PathBuf,
    /// Use a temporary data dir, removed at exit (for test suites).
    #[arg(long, env = "CODECOMMIT_LOCAL_EPHEMERAL", conflicts_with = "data_dir")]
    ephemeral: bool,
    /// Fixture files applied at start (repeatable). Without any, an empty store gets the
    /// embedded default fixture.
    #[arg(
        long = "fixtures",
        env = "CODECOMMIT_LOCAL_FIXTURES",
        value_delimiter = ','
    )]
    fixtures: Vec<PathBuf>,
    /// HTTPS listener (Git smart HTTP and the AWS APIs). Port 0 picks a free port.
    #[arg(
        long,
        env = "CODECOMMIT_LOCAL_HTTPS_ADDR",
        default_value = "127.0.0.1:8443"
    )]
    https_addr: String,
    /// Plain HTTP listener with the same routes.
    #[arg(
        long,
        env = "CODECOMMIT_LOCAL_HTTP_ADDR",
        default_value = "127.0.0.1:8080"
    )]
    http_addr: String,
    /// SSH listener (Git with an IAM SSH key ID as the user name). Port 0 picks a free port.
    #[arg(
        long,
        env = "CODECOMMIT_LOCAL_SSH_ADDR",
        default_value = "127.0.0.1:2222"
    )]
    ssh_addr: String,
    #[arg(long, env = "CODECOMMIT_LOCAL_REGION", default_value = "us-east-1")]
    region: String,
    #[arg(
        long,
        env = "CODECOMMIT_LOCAL_ACCOUNT_ID",
        default_value = "123456789012"
    )]
    account_id: String,
    /// Host name used in clone URLs.
    #[arg(
        long,
        env = "CODECOMMIT_LOCAL_PUBLIC_HOST",
        default_value = "localhost"
    )]
    public_host: String,
    /// Serve this certificate (PEM chain) instead of one from the generated local CA.
    #[arg(long, env = "CODECOMMIT_LOCAL_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    #[arg(long, env = "CODECOMMIT_LOCAL_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Also write the endpoints JSON here once ready.
    #[arg(long, env = "CODECOMMIT_LOCAL_READY_FILE")]
    ready_file: Option<PathBuf>,
    /// Copy the CA certificate clients should trust to this file once ready (for a volume
    /// shared with client containers).
    #[arg(long, env = "CODECOMMIT_LOCAL_EXPORT_CA")]
    export_ca: Option<PathBuf>,
    /// Seconds a cached clone pack is served again to identical requests (0 turns the
    /// cache off).
    #[arg(
        long,
        env = "CODECOMMIT_LOCAL_PACK_CACHE_MAX_AGE",
        default_value_t = 300
    )]
    pack_cache_max_age: u64,
    /// MiB the cached packs may take together; the oldest go first (0 turns the cache off).
    #[arg(
        long,
        env = "CODECOMMIT_LOCAL_PACK_CACHE_MAX_SIZE",
        default_value_t = 1024
    )]
    pack_cache_max_size: u64,
    /// At most this many packs stream to clients at once; the rest queue (0: no limit).
    /// Default: the number of CPUs, at least 2.
    #[arg(long, env = "CODECOMMIT_LOCAL_PACK_LIMIT")]
    pack_limit: Option<usize>,
    /// `on`: IAM policies decide every Git operation and API call, as on AWS. `off`:
    /// authentication only; every authenticated caller may do everything in its account.
    #[arg(
        long,
        env = "CODECOMMIT_LOCAL_AUTHORIZATION",
        default_value = "on",
        value_parser = ["on", "off"]
    )]
    authorization: String,
    /// Serve EC2's instance metadata (IMDSv2) here, with the credentials of the instance
    /// profile a fixture's `[imds]` names (off unless given).
    #[arg(long, env = "CODECOMMIT_LOCAL_IMDS_ADDR")]
    imds_addr: Option<String>,
    /// Also answer IMDSv1 reads (without a session token), which EC2 can be set to refuse.
    #[arg(long, env = "CODECOMMIT_LOCAL_IMDS_V1")]
    imds_v1: bool,
    /// Send trigger records (SNS Publish, Lambda Invoke) and EventBridge events (PutEvents)
    /// to this AWS-compatible endpoint, SigV4-signed: LocalStack, moto's server or AWS.
    #[arg(long, env = "CODECOMMIT_LOCAL_EVENTS_ENDPOINT")]
    events_endpoint: Option<String>,
    /// The access key event deliveries are signed with (default: `test`).
    #[arg(long, env = "CODECOMMIT_LOCAL_EVENTS_ACCESS_KEY_ID")]
    events_access_key_id: Option<String>,
    /// Its secret (default: `test`); prefer the environment variable to the command line.
    #[arg(
        long,
        env = "CODECOMMIT_LOCAL_EVENTS_SECRET_ACCESS_KEY",
        hide_env_values = true
    )]
    events_secret_access_key: Option<String>,
    /// The region event deliveries are signed for (default: --region).
    #[arg(long, env = "CODECOMMIT_LOCAL_EVENTS_REGION")]
    events_region: Option<String>,
    /// At most this many connections at once on each listener (HTTPS, HTTP, SSH); more are
    /// closed as they arrive.
    #[arg(long, env = "CODECOMMIT_LOCAL_MAX_CONNECTIONS", default_value_t = 512)]
    max_connections: usize,
    /// Seconds an HTTP client may take to send a request's headers (and a new connection
    /// its TLS handshake and first request) before it is cut off.
    #[arg(long, env = "CODECOMMIT_LOCAL_HEADER_TIMEOUT", default_value_t = 30)]
    header_timeout: u64,
    /// Seconds an SSH client may take to authenticate before it is cut off.
    #[arg(
        long,
        env = "CODECOMMIT_LOCAL_SSH_LOGIN_GRACE_TIME",
        default_value_t = 120
    )]
    ssh_login_grace_time: u64,
    /// MiB one push may send (its pack); larger pushes are refused with git's own error
    /// (0: no limit).
    #[arg(long, env = "CODECOMMIT_LOCAL_MAX_PUSH_SIZE", default_value_t = 2048)]
    max_push_size: u64,
    /// API requests handled at once; more wait up to 10 s for a place, then are answered
    /// with the protocol's throttling error.
    #[arg(long, env = "CODECOMMIT_LOCAL_MAX_API_REQUESTS", default_value_t = 256)]
    max_api_requests: usize,
}

impl From<ServeArgs> for ServerConfig {
    fn from(a: ServeArgs) -> Self {
        ServerConfig {
            data_dir: if a.ephemeral {
                DataDir::Ephemeral
            } else {
                DataDir::Persistent(a.data_dir)
            },
            fixtures: a.fixtures,
            https_addr: a.https_addr,
            http_addr: a.http_addr,
            ssh_addr: a.ssh_addr,
            region: a.region,
            account_id: a.account_id,
            public_host: a.public_host,
            tls_cert: a.tls_cert,
            tls_key: a.tls_key,
            ready_file: a.ready_file,
            export_ca: a.export_ca,
            authorization: a.authorization == "on",
            imds_addr: a.imds_addr,
            imds_v1: a.imds_v1,
            events: crate::config::EventsConfig {
                endpoint: a.events_endpoint,
                access_key_id: a.events_access_key_id,
                secret_access_key: a.events_secret_access_key.map(zeroize::Zeroizing::new),
                region: a.events_region,
            },
            limits: crate::config::LimitsConfig {
                max_connections: a.max_connections.max(1),
                header_timeout: Duration::from_secs(a.header_timeout.max(1)),
                ssh_login_grace_time: Duration::from_secs(a.ssh_login_grace_time.max(1)),
                max_push_bytes: a.max_push_size.saturating_mul(1 << 20),
                max_api_requests: a.max_api_requests.max(1),
            },
            pack_hook: hook_exe().map(|hook_exe| PackHookConfig {
                hook_exe,
                cache_max_age: Duration::from_secs(a.pack_cache_max_age),
                cache_max_bytes: a.pack_cache_max_size.saturating_mul(1 << 20),
                limit: a.pack_limit.unwrap_or_else(|| {
                    std::thread::available_parallelism().map_or(2, |n| n.get().max(2))
                }),
            }),
        }
    }
}

/// This binary, for git to run as the pack-objects hook. If the file was replaced while the
/// server runs (a rebuild), Linux reports the old path with " (deleted)"; the new binary at
/// that path speaks the same hook protocol.
fn hook_exe() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    match exe.to_str().and_then(|s| s.strip_suffix(" (deleted)")) {
        Some(live) => Some(PathBuf::from(live)),
        None => Some(exe),
    }
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Command::PackObjectsHook { args } => return pack_hook::run_hook(args),
        Command::OidcToken(args) => return oidc_token(args),
        Command::Events {
            data_dir,
            limit,
            bodies,
        } => return events(data_dir, *limit, *bodies),
        _ => {}
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CODECOMMIT_LOCAL_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match cli.command {
        Command::Serve(args) => runtime.block_on(serve((*args).into())),
        Command::Healthcheck { http_addr } => healthcheck(&http_addr),
        Command::OidcToken(_) | Command::Events { .. } => {
            unreachable!("handled before the runtime starts")
        }
        Command::PackObjectsHook { .. } => unreachable!("handled before the runtime starts"),
    }
}

async fn serve(config: ServerConfig) -> ExitCode {
    let running = match server::start(config).await {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{}", running.banner());
        let _ = out.flush();
    }
    if let Err(e) = running.announce_ready() {
        eprintln!("error: {e}");
        running.shutdown().await;
        return ExitCode::FAILURE;
    }
    wait_for_signal().await;
    tracing::info!("shutting down: letting in-flight requests finish");
    running.shutdown().await;
    ExitCode::SUCCESS
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).expect("install SIGTERM handler");
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}

/// A plain HTTP request to the server's health route, on the loopback address for a
/// wildcard listen address.
fn healthcheck(http_addr: &str) -> ExitCode {
    use std::io::{Read, Write};
    use std::net::{TcpStream, ToSocketAddrs};
    use std::time::Duration;
    let addr = http_addr
        .replace("0.0.0.0", "127.0.0.1")
        .replace("[::]", "[::1]");
    let Some(target) = addr.to_socket_addrs().ok().and_then(|mut a| a.next()) else {
        eprintln!("healthcheck: cannot resolve {addr}");
        return ExitCode::FAILURE;
    };
    let result = (|| -> std::io::Result<bool> {
        let mut s = TcpStream::connect_timeout(&target, Duration::from_secs(3))?;
        s.set_read_timeout(Some(Duration::from_secs(3)))?;
        s.write_all(b"GET /_health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")?;
        let mut reply = String::new();
        s.read_to_string(&mut reply)?;
        Ok(reply.starts_with("HTTP/1.1 200"))
    })();
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => {
            eprintln!("healthcheck: {addr} answered, but not 200");
            ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("healthcheck: {addr}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `events`: the store's event log, newest first.
fn events(data_dir: &std::path::Path, limit: i64, bodies: bool) -> ExitCode {
    let file = data_dir.join("store.sqlite3");
    if !file.exists() {
        eprintln!("error: {} does not exist", file.display());
        return ExitCode::FAILURE;
    }
    let rows = crate::store::Store::open(&file)
        .map_err(|e| e.to_string())
        .and_then(|s| {
            s.read(|c| crate::store::events::recent(c, limit))
                .map_err(|e| e.to_string())
        });
    match rows {
        Ok(rows) => {
            for r in rows {
                let mut line = serde_json::json!({
                    "seq": r.seq,
                    "repository": r.repository_name,
                    "kind": r.kind,
                    "destination": r.destination,
                    "label": r.label,
                    "state": r.state,
                    "attempts": r.attempts,
                    "created": r.created_at,
                    "last_attempt": r.last_attempt_at,
                    "last_error": r.last_error,
                });
                if bodies {
                    line["body"] = serde_json::from_str(&r.body).unwrap_or(r.body.into());
                }
                println!("{line}");
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// `oidc-token`: a token from the data dir's issuer key, for the issuer URL the running (or
/// last) server published.
fn oidc_token(args: &OidcTokenArgs) -> ExitCode {
    let fail = |message: String| {
        eprintln!("error: {message}");
        ExitCode::FAILURE
    };
    let endpoints = args.data_dir.join("endpoints.json");
    let url = match std::fs::read_to_string(&endpoints)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).map_err(|e| e.to_string()))
    {
        Ok(v) => match v.get("oidc_issuer").and_then(|u| u.as_str()) {
            Some(u) => u.to_owned(),
            None => return fail(format!("{} names no oidc_issuer", endpoints.display())),
        },
        Err(e) => return fail(format!("cannot read {}: {e}", endpoints.display())),
    };
    let mut extra = Vec::new();
    for claim in &args.claims {
        let Some((k, v)) = claim.split_once('=') else {
            return fail(format!("--claim {claim:?} is not KEY=VALUE"));
        };
        let value = serde_json::from_str(v).unwrap_or_else(|_| serde_json::Value::String(v.into()));
        extra.push((k.to_owned(), value));
    }
    let issuer = match crate::sts::issuer::Issuer::load(&args.data_dir, url) {
        Ok(i) => i,
        Err(e) => return fail(format!("cannot read the issuer key: {e}")),
    };
    match issuer.token(&args.sub, &args.aud, args.expires_in, &extra) {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e.to_string()),
    }
}
