//! Everything a start does before it listens, on a blocking thread: the data dir, the
//! store and password pepper, the fixtures, the start-up sweeps, the TLS material and the
//! SSH host keys; and the embedded default's credentials for the banner.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{StartError, io_at};
use crate::config::{DataDir, ServerConfig};
use crate::context::Context;
use crate::crypto::passwords::PasswordHasher;
use crate::git::pack_hook::PackHook;
use crate::iam::{self, CODECOMMIT_SERVICE};
use crate::seed;
use crate::store::Store;
use crate::transport::{ssh, tls};

pub(super) fn validate(config: &ServerConfig) -> Result<(), StartError> {
    if !(config.account_id.len() == 12 && config.account_id.bytes().all(|b| b.is_ascii_digit())) {
        return Err(StartError::Config("--account-id must be 12 digits".into()));
    }
    if config.region.is_empty()
        || !config
            .region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(StartError::Config(
            "--region must look like us-east-1".into(),
        ));
    }
    Ok(())
}

/// Everything a start does before it listens: data dir, store, fixtures, TLS material, SSH
/// host keys. All of it blocks (files, SQLite, key generation), so it runs on a blocking
/// thread, never on the runtime's workers.
pub(super) struct Prepared {
    pub(super) data_dir: PathBuf,
    pub(super) ephemeral: Option<tempfile::TempDir>,
    pub(super) store_file: PathBuf,
    pub(super) ctx: Arc<Context>,
    pub(super) pack_hook: Option<Arc<PackHook>>,
    pub(super) material: tls::TlsMaterial,
    pub(super) host_keys: ssh::host_keys::HostKeys,
    pub(super) demo_password: Option<String>,
    pub(super) demo_console_password: Option<String>,
    pub(super) admin_key: Option<(String, String)>,
    /// Where events go: the endpoint and the fixtures' webhooks.
    pub(super) routes: crate::delivery::Routes,
}

/// The delivery routes of `config` and the fixtures' `[[webhooks]]`.
pub(super) fn routes(
    config: &ServerConfig,
    loaded: &[seed::Fixture],
) -> Result<crate::delivery::Routes, StartError> {
    let endpoint = match &config.events.endpoint {
        None => None,
        Some(url) => {
            let uri: hyper::Uri = url
                .parse()
                .map_err(|e| StartError::Config(format!("--events-endpoint {url}: {e}")))?;
            if !matches!(uri.scheme_str(), Some("http" | "https")) || uri.host().is_none() {
                return Err(StartError::Config(format!(
                    "--events-endpoint {url}: must be an http:// or https:// URL"
                )));
            }
            Some(crate::delivery::Endpoint {
                url: uri,
                access_key_id: config
                    .events
                    .access_key_id
                    .clone()
                    .unwrap_or_else(|| "test".into()),
                secret_access_key: config
                    .events
                    .secret_access_key
                    .clone()
                    .unwrap_or_else(|| zeroize::Zeroizing::new("test".into())),
                region: config
                    .events
                    .region
                    .clone()
                    .unwrap_or_else(|| config.region.clone()),
            })
        }
    };
    let webhooks: Vec<(String, String)> = loaded.iter().flat_map(|f| f.webhooks.clone()).collect();
    crate::delivery::Routes::new(endpoint, &webhooks).map_err(StartError::Config)
}

pub(super) fn prepare(config: &ServerConfig) -> Result<Prepared, StartError> {
    validate(config)?;
    crate::git::repo::configure_libgit2();
    let (data_dir, ephemeral) = data_dir(config)?;
    // First, so that a first start's RSA key generation overlaps everything else.
    let host_keys = ssh::host_keys::load_or_start(&data_dir.join("ssh"), ephemeral.is_some())?;
    let repos_root = data_dir.join("repositories");
    std::fs::create_dir_all(&repos_root).map_err(io_at(&repos_root))?;
    let store_file = data_dir.join("store.sqlite3");
    let store = Store::open(&store_file)?;
    let hasher = PasswordHasher::for_data_dir(&data_dir.join("pepper"), &store)?;
    let pack_hook = match &config.pack_hook {
        Some(c) => {
            let dir = data_dir.join("cache");
            let hook = PackHook::open(&dir, c).map_err(io_at(&dir))?;
            hook.is_active().then(|| Arc::new(hook))
        }
        None => None,
    };
    let mut ctx = Context::new(
        store,
        hasher,
        repos_root,
        config.account_id.clone(),
        config.region.clone(),
        pack_hook.clone(),
    );
    ctx.policies_enforced = config.authorization;
    let ctx = Arc::new(ctx);

    let routes = seed(config, &ctx)?;
    sweep(&ctx);

    let material = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => tls::load_custom(cert, key)?,
        _ => tls::load_or_create(
            &data_dir.join("tls"),
            &tls::server_names(&config.public_host, &config.region),
        )?,
    };
    Ok(Prepared {
        demo_password: demo_password(&ctx),
        demo_console_password: demo_console_password(&ctx),
        admin_key: admin_key(&ctx),
        routes,
        data_dir,
        ephemeral,
        store_file,
        ctx,
        pack_hook,
        material,
        host_keys,
    })
}

/// The data dir (made, or a temporary one kept until the server stops), entered only by
/// the server's user: it holds the store, keys and packs.
fn data_dir(config: &ServerConfig) -> Result<(PathBuf, Option<tempfile::TempDir>), StartError> {
    let (data_dir, ephemeral) = match &config.data_dir {
        DataDir::Persistent(p) => {
            std::fs::create_dir_all(p).map_err(io_at(p))?;
            (p.canonicalize().map_err(io_at(p))?, None)
        }
        DataDir::Ephemeral => {
            let t = tempfile::Builder::new()
                .prefix("codecommit-local-")
                .tempdir()
                .map_err(io_at(Path::new("(temporary dir)")))?;
            (t.path().to_owned(), Some(t))
        }
    };
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&data_dir, std::fs::Permissions::from_mode(0o700))
            .map_err(io_at(&data_dir))?;
    }
    Ok((data_dir, ephemeral))
}

/// The fixtures: the given files, or the embedded default on an empty store (written out
/// to a temporary dir that lives until they are applied); and the delivery routes they and
/// the configuration name.
fn seed(config: &ServerConfig, ctx: &Context) -> Result<crate::delivery::Routes, StartError> {
    let default_dir = tempfile::tempdir().map_err(io_at(Path::new("(temporary dir)")))?;
    let loaded = if !config.fixtures.is_empty() {
        config
            .fixtures
            .iter()
            .map(|p| seed::load(p))
            .collect::<Result<Vec<_>, _>>()?
    } else if ctx.store.is_empty()? {
        vec![seed::load_default(default_dir.path())?]
    } else {
        Vec::new()
    };
    let routes = routes(config, &loaded)?;
    if !loaded.is_empty() {
        let applied = seed::apply(ctx, &loaded)?;
        tracing::info!(
            users_created = applied.users_created,
            repositories_created = applied.repositories_created,
            "fixtures applied"
        );
    }
    drop(default_dir);
    Ok(routes)
}

/// What a crash or an older version left behind, put right at start.
fn sweep(ctx: &Context) {
    // What a crash left behind: half-created and deleted repositories' directories.
    match crate::codecommit::repositories::sweep_orphans(&ctx.store, &ctx.repos_root) {
        Ok(0) => {}
        Ok(n) => tracing::info!(directories = n, "removed what no repository owns"),
        Err(e) => tracing::warn!("removing what no repository owns: {e}"),
    }
    // Repositories from before reference events were recorded start from what they hold.
    match crate::codecommit::events::seed_snapshots(ctx) {
        Ok(0) => {}
        Ok(n) => tracing::info!(repositories = n, "recorded refs for reference events"),
        Err(e) => tracing::warn!("recording refs for reference events: {e}"),
    }
}

/// The embedded default's demo password, if that credential is in the store and active.
pub(super) fn demo_password(ctx: &Context) -> Option<String> {
    let (user_name, password) = seed::default_demo_login()?;
    let user = ctx
        .store
        .read(|c| crate::store::iam::find_user_by_name(c, &ctx.account_id, &user_name))
        .ok()??;
    let cred = ctx
        .store
        .read(|c| {
            iam::credentials::find_by_password(
                c,
                &ctx.hasher,
                &user.user_id,
                CODECOMMIT_SERVICE,
                &password,
            )
        })
        .ok()??;
    (cred.status == crate::store::CredentialStatus::Active).then(|| password.expose().to_owned())
}

/// The embedded default's demo console password, if the demo user's login profile still has it.
pub(super) fn demo_console_password(ctx: &Context) -> Option<String> {
    let password = seed::default_demo_console_password()?;
    let user = ctx
        .store
        .read(|c| crate::store::iam::find_user_by_name(c, &ctx.account_id, "demo"))
        .ok()??;
    let profile = ctx
        .store
        .read(|c| crate::store::login_profiles::find(c, &user.user_id))
        .ok()??;
    ctx.hasher
        .verify(
            password.expose(),
            &profile.password_salt,
            &profile.password_hash,
        )
        .then(|| password.expose().to_owned())
}

/// The embedded default's admin access key, if it is in the store, active, unchanged.
pub(super) fn admin_key(ctx: &Context) -> Option<(String, String)> {
    let (id, secret) = seed::default_admin_key()?;
    let key = ctx
        .store
        .read(|c| crate::store::iam::find_access_key(c, &id))
        .ok()??;
    (key.status == crate::store::CredentialStatus::Active
        && key.secret_access_key.ct_eq(secret.expose()))
    .then(|| (id, secret.expose().to_owned()))
}
