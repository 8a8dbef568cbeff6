//! A cache of `git pack-objects` output, shared by every clone and fetch of the server.
//!
//! Test suites and CI jobs clone the same commit of the same repository over and over; for
//! each, `git upload-pack` runs `git pack-objects`, which re-reads and re-hashes the whole
//! pack (about a third of a CPU-second for 150 MB). Git has a hook for exactly this case:
//! `uploadpack.packObjectsHook` (honoured only from protected configuration, so the server
//! sets it through `GIT_CONFIG_*` on the upload-pack it spawns) runs a command in place of
//! `git pack-objects`. Ours is this binary's hidden `pack-objects-hook` subcommand
//! ([`run_hook`]): it keys the request by repository, arguments and standard input (the
//! wants, haves and shallow lines), and either streams a finished pack from the cache or
//! runs the real `git pack-objects`, teeing its output into the cache.
//!
//! Why this is correct: with `--revs`, the objects in the pack are determined by the object
//! IDs on standard input (Git's objects are named by their content), and the arguments carry
//! every option (`--thin`, `--shallow-file`, `--filter=…`). The one input outside them is
//! `--include-tag`, which adds annotated tags from the repository's current `refs/tags`, so
//! the key also covers the tags. A pack enters the cache only after `git pack-objects`
//! exited 0 and every byte reached the file (written under a temporary name, then renamed),
//! so a reader never sees a partial pack. Identical requests arriving together wait on a
//! per-key lock and then stream the pack the first one wrote, so 64 clones of one commit
//! run `git pack-objects` once. Entries live for `max_age` from creation, removed by
//! [`PackCache::sweep`]; any cache failure falls back to serving the live output.

use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

/// The environment variable that tells the hook where the cache lives.
const DIR_ENV: &str = "CODECOMMIT_LOCAL_PACK_CACHE_DIR";
/// The hidden subcommand git runs in place of `git pack-objects`.
pub const HOOK_SUBCOMMAND: &str = "pack-objects-hook";

/// The cache directory and the hook command that fills it.
#[derive(Debug)]
pub struct PackCache {
    dir: PathBuf,
    /// The shell command git runs (the hook's arguments follow it).
    hook: String,
    max_age: Duration,
}

impl PackCache {
    /// Uses `dir` (created, and emptied of a previous run's entries) with `exe` as the hook
    /// program (this binary).
    pub fn open(dir: &Path, exe: &Path, max_age: Duration) -> io::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let cache = PackCache {
            dir: dir.to_owned(),
            hook: format!("{} {HOOK_SUBCOMMAND}", shell_quote(&exe.to_string_lossy())),
            max_age,
        };
        cache.remove_older_than(Duration::ZERO)?;
        Ok(cache)
    }

    /// Sets the hook and the cache directory on a `git upload-pack` about to start (whose
    /// environment was cleared).
    pub fn configure(&self, cmd: &mut tokio::process::Command) {
        cmd.env("GIT_CONFIG_COUNT", "1")
            .env("GIT_CONFIG_KEY_0", "uploadpack.packObjectsHook")
            .env("GIT_CONFIG_VALUE_0", &self.hook)
            .env(DIR_ENV, &self.dir);
    }

    /// How often [`PackCache::sweep`] should run.
    pub fn sweep_interval(&self) -> Duration {
        (self.max_age / 4).clamp(Duration::from_secs(1), Duration::from_secs(60))
    }

    /// Removes entries (and stale locks and temporary files) older than the maximum age.
    pub fn sweep(&self) {
        if let Err(e) = self.remove_older_than(self.max_age) {
            tracing::warn!(dir = %self.dir.display(), "pack cache sweep: {e}");
        }
    }

    fn remove_older_than(&self, age: Duration) -> io::Result<()> {
        let now = SystemTime::now();
        for entry in std::fs::read_dir(&self.dir)? {
            let entry = entry?;
            let old = entry
                .metadata()
                .and_then(|m| m.modified())
                .map(|m| now.duration_since(m).unwrap_or_default() >= age)
                .unwrap_or(true);
            if old {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Ok(())
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The hook: `codecommit-local pack-objects-hook git pack-objects ARGS…`, run by
/// `git upload-pack` in the repository with the request on standard input.
pub fn run_hook(args: &[OsString]) -> ExitCode {
    let Some((program, rest)) = args.split_first() else {
        eprintln!("{HOOK_SUBCOMMAND}: expected `git pack-objects …`");
        return ExitCode::from(129);
    };
    let mut input = Vec::new();
    if let Err(e) = io::stdin().lock().read_to_end(&mut input) {
        eprintln!("{HOOK_SUBCOMMAND}: reading the request: {e}");
        return ExitCode::from(128);
    }
    let cache_dir = std::env::var_os(DIR_ENV).map(PathBuf::from);
    let key = cache_dir.as_ref().and_then(|_| request_key(args, &input));
    let (Some(dir), Some(key)) = (cache_dir, key) else {
        return pack_objects(program, rest, &input, None);
    };
    let pack = dir.join(format!("{key}.pack"));
    if let Some(code) = serve_cached(&pack) {
        return code;
    }
    // One writer per key; identical requests wait here and then read what it wrote.
    let lock = File::create(dir.join(format!("{key}.lock")));
    let _guard = match &lock {
        Ok(f) => f.lock().ok(),
        Err(_) => None,
    };
    if let Some(code) = serve_cached(&pack) {
        return code;
    }
    let tmp = dir.join(format!("{key}.{}.tmp", std::process::id()));
    pack_objects(program, rest, &input, Some((&tmp, &pack)))
}

/// The cache key: repository, tags (for `--include-tag`), arguments and request.
fn request_key(args: &[OsString], input: &[u8]) -> Option<String> {
    let repo = git2::Repository::open_from_env().ok()?;
    let mut h = Sha256::new();
    h.update(b"codecommit-local pack cache v1\0");
    h.update(
        repo.path()
            .canonicalize()
            .ok()?
            .as_os_str()
            .as_encoded_bytes(),
    );
    h.update(b"\0");
    let mut tags: Vec<(Vec<u8>, git2::Oid)> = Vec::new();
    for r in repo.references_glob("refs/tags/*").ok()? {
        let r = r.ok()?;
        tags.push((r.name_bytes().to_vec(), r.target()?));
    }
    tags.sort();
    for (name, oid) in &tags {
        h.update(name);
        h.update(b" ");
        h.update(oid.as_bytes());
        h.update(b"\n");
    }
    h.update(b"\0");
    for a in args {
        h.update(a.as_encoded_bytes());
        h.update(b"\0");
    }
    h.update(input);
    Some(hex::encode(h.finalize()))
}

/// Streams a finished pack to standard output, if there is one.
fn serve_cached(pack: &Path) -> Option<ExitCode> {
    let mut file = File::open(pack).ok()?;
    Some(
        match stdout_file().and_then(|mut out| io::copy(&mut file, &mut out)) {
            Ok(_) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{HOOK_SUBCOMMAND}: sending the pack: {e}");
                ExitCode::from(128)
            }
        },
    )
}

/// Standard output as a `File` (a duplicate of fd 1), so `io::copy` can splice from the
/// cache file into the pipe and large writes skip `Stdout`'s line buffer.
fn stdout_file() -> io::Result<File> {
    use std::os::fd::AsFd;
    Ok(File::from(io::stdout().as_fd().try_clone_to_owned()?))
}

/// Runs the real `git pack-objects`, copying its pack to standard output and, with a
/// `(temporary, final)` pair, into the cache.
fn pack_objects(
    program: &OsString,
    args: &[OsString],
    input: &[u8],
    cache: Option<(&Path, &Path)>,
) -> ExitCode {
    let mut child = match Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("{HOOK_SUBCOMMAND}: starting git pack-objects: {e}");
            return ExitCode::from(128);
        }
    };
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    let feeder = std::thread::spawn(move || stdin.write_all(&input));
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let mut file = cache.and_then(|(tmp, _)| File::create(tmp).ok());
    let mut out = stdout_file();
    let mut client_ok = out.is_ok();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = match stdout.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => {
                file = None;
                break;
            }
        };
        if client_ok && out.as_mut().is_ok_and(|o| o.write_all(&buf[..n]).is_err()) {
            // upload-pack went away: finish filling the cache for the next clone, or stop.
            client_ok = false;
            if file.is_none() {
                break;
            }
        }
        if let Some(f) = &mut file
            && f.write_all(&buf[..n]).is_err()
        {
            file = None;
        }
    }
    drop(stdout);
    let _ = feeder.join();
    let status = child.wait();
    let success = matches!(&status, Ok(s) if s.success());
    if let Some((tmp, pack)) = cache {
        // No fsync: the server empties the cache when it starts, so a crash cannot leave a
        // torn pack behind for a later clone.
        let complete = success && file.take().is_some();
        if !(complete && std::fs::rename(tmp, pack).is_ok()) {
            let _ = std::fs::remove_file(tmp);
        }
    }
    match status {
        Ok(s) if s.success() && client_ok => ExitCode::SUCCESS,
        Ok(s) => ExitCode::from(
            s.code()
                .and_then(|c| u8::try_from(c).ok())
                .unwrap_or(128)
                .max(1),
        ),
        Err(_) => ExitCode::from(128),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hook_command_is_shell_quoted() {
        assert_eq!(shell_quote("/a b/it's"), r"'/a b/it'\''s'");
    }
}
