//! An embeddable server for tests of Git tooling: ephemeral data dir, free ports, generated
//! credentials, stopped on drop.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use codecommit_local::testing::TestServer;
//!
//! let server = TestServer::builder()
//!     .user("alice")
//!     .policy("AWSCodeCommitPowerUser")
//!     .git_credential()
//!     .access_key()
//!     .repository("demo")
//!     .start()
//!     .await?;
//! let login = server.git_credential("alice").unwrap();
//! // git clone https://<login.user_name>:<login.password>@…/v1/repos/demo, trusting the CA:
//! println!("{} {}", server.clone_url_https("demo"), server.ca_file().display());
//! let key = server.access_key("alice").unwrap();
//! println!("AWS_ACCESS_KEY_ID={} AWS_ENDPOINT_URL={}", key.access_key_id, server.https_url());
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::config::{DataDir, ServerConfig};
use crate::crypto::random_bytes;
use crate::iam::ids::{IdKind, random_secret};
use crate::secret::Secret;
use crate::server::{self, Endpoints, RunningServer, StartError};

/// A Git credential a test signs in with.
#[derive(Debug, Clone)]
pub struct GitLogin {
    /// `<user>-at-<account>`.
    pub user_name: String,
    pub password: Secret,
}

/// An access key a test signs AWS requests (or SigV4 Git passwords) with.
#[derive(Debug, Clone)]
pub struct AccessKey {
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

/// The fixture file a test server starts from, written with `toml`'s own escaping.
#[derive(Default, serde::Serialize)]
struct Fixture {
    users: Vec<FixtureUser>,
    repositories: Vec<FixtureRepository>,
}

#[derive(Default, serde::Serialize)]
struct FixtureUser {
    name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    policies: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    git_credentials: Vec<FixtureGitCredential>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    access_keys: Vec<FixtureAccessKey>,
}

#[derive(serde::Serialize)]
struct FixtureGitCredential {
    password: String,
}

#[derive(serde::Serialize)]
struct FixtureAccessKey {
    id: String,
    secret: String,
}

#[derive(serde::Serialize)]
struct FixtureRepository {
    name: String,
}

#[derive(Default)]
struct UserSpec {
    name: String,
    policies: Vec<String>,
    git_credential: bool,
    access_key: bool,
}

/// Declares what the server starts with.
#[derive(Default)]
pub struct TestServerBuilder {
    users: Vec<UserSpec>,
    repositories: Vec<String>,
    account_id: Option<String>,
    region: Option<String>,
    authorization_off: bool,
}

impl TestServerBuilder {
    /// Adds an IAM user; the credential calls that follow apply to it.
    pub fn user(mut self, name: &str) -> Self {
        self.users.push(UserSpec {
            name: name.to_owned(),
            ..Default::default()
        });
        self
    }

    /// Attaches an AWS managed policy (`AdministratorAccess`, `AWSCodeCommitPowerUser`, …)
    /// to the last user. Authorization is on, as on AWS: a user without policies may call
    /// nothing but `sts:GetCallerIdentity`.
    pub fn policy(mut self, aws_managed_policy: &str) -> Self {
        if let Some(u) = self.users.last_mut() {
            u.policies.push(aws_managed_policy.to_owned());
        }
        self
    }

    /// Turns IAM authorization off: every authenticated caller may do everything.
    pub fn authorization_off(mut self) -> Self {
        self.authorization_off = true;
        self
    }

    /// Gives the last user a Git credential with a generated password.
    pub fn git_credential(mut self) -> Self {
        if let Some(u) = self.users.last_mut() {
            u.git_credential = true;
        }
        self
    }

    /// Gives the last user an access key.
    pub fn access_key(mut self) -> Self {
        if let Some(u) = self.users.last_mut() {
            u.access_key = true;
        }
        self
    }

    /// Adds an empty repository.
    pub fn repository(mut self, name: &str) -> Self {
        self.repositories.push(name.to_owned());
        self
    }

    pub fn account_id(mut self, account: &str) -> Self {
        self.account_id = Some(account.to_owned());
        self
    }

    pub fn region(mut self, region: &str) -> Self {
        self.region = Some(region.to_owned());
        self
    }

    /// Starts the server on free loopback ports with an ephemeral data dir.
    pub async fn start(self) -> Result<TestServer, StartError> {
        let fixture_dir = tempfile::tempdir().map_err(|source| StartError::DataDir {
            path: PathBuf::from("(temporary dir)"),
            source,
        })?;
        let mut config = ServerConfig {
            data_dir: DataDir::Ephemeral,
            https_addr: "127.0.0.1:0".into(),
            http_addr: "127.0.0.1:0".into(),
            ssh_addr: "127.0.0.1:0".into(),
            ..ServerConfig::default()
        };
        if let Some(a) = &self.account_id {
            config.account_id = a.clone();
        }
        if let Some(r) = &self.region {
            config.region = r.clone();
        }
        let mut fixture = Fixture::default();
        let mut git_logins = HashMap::new();
        let mut access_keys = HashMap::new();
        for u in &self.users {
            let mut user = FixtureUser {
                name: u.name.clone(),
                policies: u.policies.clone(),
                ..FixtureUser::default()
            };
            if u.git_credential {
                use base64::Engine;
                let password =
                    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random_bytes(24));
                user.git_credentials.push(FixtureGitCredential {
                    password: password.clone(),
                });
                git_logins.insert(
                    u.name.clone(),
                    GitLogin {
                        user_name: crate::iam::service_user_name(&u.name, &config.account_id),
                        password: Secret::new(password),
                    },
                );
            }
            if u.access_key {
                let id = IdKind::AccessKey.generate();
                let secret = random_secret(40);
                user.access_keys.push(FixtureAccessKey {
                    id: id.clone(),
                    secret: secret.clone(),
                });
                access_keys.insert(
                    u.name.clone(),
                    AccessKey {
                        access_key_id: id,
                        secret_access_key: Secret::new(secret),
                    },
                );
            }
            fixture.users.push(user);
        }
        for r in &self.repositories {
            fixture
                .repositories
                .push(FixtureRepository { name: r.clone() });
        }
        let toml = toml::to_string(&fixture).map_err(|e| StartError::Config(e.to_string()))?;
        let fixture = fixture_dir.path().join("test-server.toml");
        std::fs::write(&fixture, toml).map_err(|source| StartError::DataDir {
            path: fixture.clone(),
            source,
        })?;
        config.fixtures = vec![fixture];
        config.authorization = !self.authorization_off;
        let running = server::start(config).await?;
        Ok(TestServer {
            running,
            git_logins,
            access_keys,
            #[cfg(feature = "sdk")]
            first_key_user: self
                .users
                .iter()
                .find(|u| u.access_key)
                .map(|u| u.name.clone()),
        })
    }
}

/// A running server. Dropping it stops the listeners and removes its data.
pub struct TestServer {
    running: RunningServer,
    git_logins: HashMap<String, GitLogin>,
    access_keys: HashMap<String, AccessKey>,
    #[cfg(feature = "sdk")]
    first_key_user: Option<String>,
}

impl TestServer {
    pub fn builder() -> TestServerBuilder {
        TestServerBuilder::default()
    }

    pub fn endpoints(&self) -> &Endpoints {
        &self.running.endpoints
    }

    /// `https://localhost:<port>`: Git over HTTPS and the AWS APIs.
    pub fn https_url(&self) -> &str {
        &self.running.endpoints.https_url
    }

    pub fn http_url(&self) -> &str {
        &self.running.endpoints.http_url
    }

    pub fn ssh_url(&self) -> &str {
        &self.running.endpoints.ssh_url
    }

    /// The CA to trust (`GIT_SSL_CAINFO`, `AWS_CA_BUNDLE`).
    pub fn ca_file(&self) -> &Path {
        self.running
            .endpoints
            .ca_file
            .as_deref()
            .expect("test servers use the generated CA")
    }

    pub fn clone_url_https(&self, repository: &str) -> String {
        format!("{}/v1/repos/{repository}", self.https_url())
    }

    pub fn git_credential(&self, user: &str) -> Option<&GitLogin> {
        self.git_logins.get(user)
    }

    pub fn access_key(&self, user: &str) -> Option<&AccessKey> {
        self.access_keys.get(user)
    }

    /// An AWS SDK for Rust configuration for this server, signing as `user` (who must have an
    /// access key): its endpoint, region and CA, so a client is one line away:
    /// `aws_sdk_codecommit::Client::new(&server.sdk_config_for("alice"))`.
    #[cfg(feature = "sdk")]
    pub fn sdk_config_for(&self, user: &str) -> aws_config::SdkConfig {
        use aws_smithy_http_client::tls::{
            self, TlsContext, TrustStore, rustls_provider::CryptoMode,
        };
        let key = self
            .access_key(user)
            .unwrap_or_else(|| panic!("test server user {user} has no access key"));
        let ca = std::fs::read(self.ca_file()).expect("the test server's CA file");
        let tls_context = TlsContext::builder()
            .with_trust_store(TrustStore::empty().with_pem_certificate(ca.as_slice()))
            .build()
            .expect("the test server's CA is a PEM certificate");
        let http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .tls_context(tls_context)
            .build_https();
        let credentials = aws_credential_types::Credentials::new(
            &key.access_key_id,
            key.secret_access_key.expose(),
            None,
            None,
            "codecommit-local-test-server",
        );
        aws_config::SdkConfig::builder()
            .behavior_version(aws_config::BehaviorVersion::latest())
            .endpoint_url(self.https_url())
            .region(aws_config::Region::new(
                self.running.endpoints.region.clone(),
            ))
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(credentials),
            )
            .http_client(http_client)
            .build()
    }

    /// [`TestServer::sdk_config_for`] the first user given an access key.
    #[cfg(feature = "sdk")]
    pub fn sdk_config(&self) -> aws_config::SdkConfig {
        let user = self
            .first_key_user
            .as_deref()
            .expect("the test server has no user with an access key");
        self.sdk_config_for(user)
    }

    /// Stops gracefully, letting in-flight requests finish.
    pub async fn stop(self) {
        let TestServer { running, .. } = self;
        running.shutdown().await;
    }
}
