//! What a started server tells its users: `DATA_DIR/endpoints.json`, the ready file and
//! the ready banner with copy-paste commands for every auth path.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{Endpoints, RunningServer, StartError, io_at};
use crate::config::ServerConfig;
use crate::iam;

/// The host a URL names for a listener bound to `addr`: `--public-host` for loopback and
/// wildcard addresses, else the address itself.
fn public_host(config: &ServerConfig, addr: SocketAddr) -> String {
    if addr.ip().is_loopback() || addr.ip().is_unspecified() {
        config.public_host.clone()
    } else if addr.is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    }
}

/// Where the listeners are bound.
pub(super) struct Bound {
    pub https: SocketAddr,
    pub http: SocketAddr,
    pub ssh: SocketAddr,
    pub imds: Option<SocketAddr>,
}

/// The endpoints a server serves on `bound`, named by `--public-host` where bound to
/// loopback or every address.
pub(super) fn endpoints(
    config: &ServerConfig,
    bound: Bound,
    data_dir: &Path,
    store_file: PathBuf,
    ca_file: Option<PathBuf>,
    ssh_host_key_fingerprints: Vec<String>,
) -> Endpoints {
    let host = |addr: SocketAddr| public_host(config, addr);
    let https_url = format!("https://{}:{}", host(bound.https), bound.https.port());
    Endpoints {
        oidc_issuer: format!("{https_url}/oidc"),
        https_url,
        http_url: format!("http://{}:{}", host(bound.http), bound.http.port()),
        https_addr: bound.https,
        http_addr: bound.http,
        ssh_url: format!("ssh://{}:{}", host(bound.ssh), bound.ssh.port()),
        ssh_addr: bound.ssh,
        ssh_host_key_fingerprints,
        ca_file,
        data_dir: data_dir.to_owned(),
        store_file,
        account_id: config.account_id.clone(),
        region: config.region.clone(),
        authorization: if config.authorization {
            "enforced"
        } else {
            "off"
        },
        imds_url: bound.imds.map(|a| format!("http://{a}")),
        pid: std::process::id(),
    }
}

/// Writes `endpoints.json` (and exports the CA if asked): the start of [`Published`].
pub(super) fn publish(
    config: &ServerConfig,
    data_dir: &Path,
    endpoints: &Endpoints,
) -> Result<Arc<Published>, StartError> {
    if let (Some(target), Some(ca)) = (&config.export_ca, &endpoints.ca_file) {
        std::fs::copy(ca, target).map_err(io_at(target))?;
    }
    let published = Arc::new(Published {
        endpoints_file: data_dir.join("endpoints.json"),
        ready_file: config.ready_file.clone(),
        state: std::sync::Mutex::new((endpoints.clone(), false)),
    });
    published
        .write()
        .map_err(io_at(&published.endpoints_file))?;
    Ok(published)
}

/// What a server publishes: `DATA_DIR/endpoints.json` from the start, and the ready file
/// once [`RunningServer::announce_ready`] says everything (the banner too) is out. Both are
/// rewritten when a first start's RSA host key is generated, to name its fingerprint.
pub(super) struct Published {
    pub(super) endpoints_file: PathBuf,
    ready_file: Option<PathBuf>,
    /// The endpoints, and whether the ready file has been written.
    state: std::sync::Mutex<(Endpoints, bool)>,
}

impl Published {
    pub(super) fn state(&self) -> std::sync::MutexGuard<'_, (Endpoints, bool)> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Writes the files (each via rename, so a reader never sees half of one).
    pub(super) fn write(&self) -> std::io::Result<()> {
        let state = self.state();
        let json = serde_json::to_vec_pretty(&state.0).expect("serializable");
        let mut files = vec![&self.endpoints_file];
        files.extend(self.ready_file.as_ref().filter(|_| state.1));
        for file in files {
            let tmp = file.with_extension("tmp");
            std::fs::write(&tmp, &json)?;
            std::fs::rename(&tmp, file)?;
        }
        Ok(())
    }
}

impl RunningServer {
    /// Writes the ready file (if one was asked for): the signal that everything, the banner
    /// included, is out. Written via rename so a watcher never reads half a file.
    pub fn announce_ready(&self) -> Result<(), StartError> {
        self.published.state().1 = true;
        self.published.write().map_err(io_at(
            self.published
                .ready_file
                .as_deref()
                .unwrap_or(Path::new(".")),
        ))
    }

    /// The SSH host keys' fingerprints: [`Endpoints::ssh_host_key_fingerprints`], with the
    /// RSA key's once a first start has generated it.
    pub fn ssh_host_key_fingerprints(&self) -> Vec<String> {
        self.published.state().0.ssh_host_key_fingerprints.clone()
    }

    /// The ready banner: addresses, CA, and copy-paste commands.
    pub fn banner(&self) -> String {
        let e = &self.endpoints;
        let ca = e
            .ca_file
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "(your --tls-cert's issuer)".into());
        let mut s = format!(
            "codecommit-local is ready\n\
             \n  HTTPS    {https}   (Git smart HTTP; CA: {ca})\
             \n  HTTP     {http}\
             \n  console  {https}/console   (also {http}/console)\
             \n  SSH      {ssh}   (user name: an IAM SSH key ID, APKA…)\
             \n  account  {account}   region {region}\
             \n  IAM      {authz}\
             \n  data dir {data}\n",
            https = e.https_url,
            http = e.http_url,
            ssh = e.ssh_url,
            account = e.account_id,
            region = e.region,
            authz = match e.authorization {
                "off" => "authorization off: every authenticated caller may do everything",
                _ => "policies enforced, as on AWS (--authorization off to turn off)",
            },
            data = e.data_dir.display(),
        );
        self.demo_section(&mut s, &ca);
        self.sigv4_section(&mut s, &ca);
        s.push_str(&self.ssh_section());
        self.workloads_section(&mut s);
        s
    }

    /// The embedded default's demo credentials, while they are unchanged.
    fn demo_section(&self, s: &mut String, ca: &str) {
        let e = &self.endpoints;
        let login = iam::service_user_name("demo", &e.account_id);
        if let Some(password) = &self.demo_password {
            s.push_str(&format!(
                "\nClone the demo repository with the demo user's Git credential\n\
                 (user {login}, password {password}):\n\
                 \n  GIT_SSL_CAINFO={ca} git clone https://{login}:{password}@{https_host}/v1/repos/demo\
                 \n  git clone http://{login}:{password}@{http_host}/v1/repos/demo\n",
                https_host = e.https_url.trim_start_matches("https://"),
                http_host = e.http_url.trim_start_matches("http://"),
            ));
        }
        if let Some(password) = &self.demo_console_password {
            s.push_str(&format!(
                "\nSign in to the console at {https}/console as IAM user demo\n\
                 (account {account}, password {password}).\n",
                https = e.https_url,
                account = e.account_id,
            ));
        }
    }

    /// SigV4: the AWS CLI's credential helper, git-remote-codecommit, the AWS APIs.
    fn sigv4_section(&self, s: &mut String, ca: &str) {
        let e = &self.endpoints;
        let https_host = e.https_url.trim_start_matches("https://");
        s.push_str(
            "\nSigV4 (the AWS CLI's credential helper, git-remote-codecommit, the AWS APIs):\n\n",
        );
        match &self.admin_key {
            Some((id, secret)) => s.push_str(&format!(
                "  export AWS_ACCESS_KEY_ID={id} AWS_SECRET_ACCESS_KEY={secret}\n"
            )),
            None => s.push_str("  export AWS_ACCESS_KEY_ID=<key> AWS_SECRET_ACCESS_KEY=<secret>\n"),
        }
        let region = &e.region;
        let https = &e.https_url;
        for line in [
            format!(
                "  export AWS_DEFAULT_REGION={region} AWS_ENDPOINT_URL={https} AWS_CA_BUNDLE={ca} GIT_SSL_CAINFO={ca}"
            ),
            String::new(),
            "  git -c credential.helper='!aws codecommit credential-helper $@ --ignore-host-check' \\".into(),
            format!("      -c credential.UseHttpPath=true clone {https}/v1/repos/demo"),
            format!("  CODE_COMMIT_ENDPOINT={https_host} git clone codecommit::{region}://demo"),
            "  aws iam create-service-specific-credential --user-name demo --service-name codecommit.amazonaws.com".into(),
        ] {
            s.push_str(&line);
            s.push('\n');
        }
    }

    /// SSH: a key to upload, the client's configuration and the host key fingerprints.
    fn ssh_section(&self) -> String {
        let e = &self.endpoints;
        let ssh_port = e.ssh_addr.port();
        let ssh_host = e
            .ssh_url
            .trim_start_matches("ssh://")
            .rsplit_once(':')
            .map_or("localhost", |(h, _)| h);
        let mut fingerprints = self.ssh_host_key_fingerprints();
        if fingerprints.len() == 1 {
            fingerprints
                .push("(RSA: being generated on this first start; logged when ready)".into());
        }
        let fingerprints = fingerprints.join("\n    ");
        format!(
            "\nSSH: upload an RSA public key, then use its SSH key ID (APKA…) as the user name:\n\n\
             \x20 ssh-keygen -t rsa -b 4096 -N '' -f ~/.ssh/codecommit_rsa\n\
             \x20 aws iam upload-ssh-public-key --user-name demo --ssh-public-key-body file://$HOME/.ssh/codecommit_rsa.pub\n\
             \x20 # ~/.ssh/config\n\
             \x20 Host codecommit-local\n\
             \x20   HostName {ssh_host}\n\
             \x20   Port {ssh_port}\n\
             \x20   User <SSHPublicKeyId>\n\
             \x20   IdentityFile ~/.ssh/codecommit_rsa\n\
             \x20 git clone ssh://codecommit-local/v1/repos/demo\n\
             \n  Host key fingerprints:\n    {fingerprints}\n"
        )
    }

    /// Role sessions without an IAM user: the instance role, containers, web identity.
    fn workloads_section(&self, s: &mut String) {
        let e = &self.endpoints;
        s.push_str("\nWithout an IAM user (role sessions; see the README's auth paths):\n\n");
        if let Some(imds) = &e.imds_url {
            s.push_str(&format!(
                "  instance role:  AWS_EC2_METADATA_SERVICE_ENDPOINT={imds}/\n"
            ));
        }
        s.push_str(&format!(
            "  containers:     AWS_CONTAINER_CREDENTIALS_FULL_URI={http}/container-credentials/<name>\n\
             \x20 web identity:   OIDC issuer {issuer}\n\
             \x20                 codecommit-local oidc-token --data-dir {data} --sub <subject>\n",
            http = e.http_url,
            issuer = e.oidc_issuer,
            data = e.data_dir.display(),
        ));
    }
}
