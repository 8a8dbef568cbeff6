//! What runs in place of `git pack-objects` when a clone or fetch needs a pack: a cache of
//! its output shared by every upload-pack, and a limit on how many packs stream at once.
//!
//! Git has a hook for this: `uploadpack.packObjectsHook` (honoured only from protected
//! configuration, so the server sets it through `GIT_CONFIG_*` on the upload-pack it
//! spawns) runs a command in place of `git pack-objects`. Ours is this binary's hidden
//! `pack-objects-hook` subcommand ([`run_hook`]).
//!
//! **Cache.** Test suites and CI jobs clone the same commit over and over; for each,
//! `git pack-objects` re-reads and re-hashes the whole pack (about a third of a CPU-second
//! for 150 MB). The hook keys the request by repository, arguments and standard input (the
//! wants, haves and shallow lines), and either streams a finished pack from the cache or
//! runs the real `git pack-objects`, teeing its output into the cache. This is correct
//! because, with `--revs`, the objects in the pack are determined by the object IDs on
//! standard input (Git's objects are named by their content), and the arguments carry every
//! option (`--thin`, `--shallow-file`, `--filter=…`). The one input outside them is
//! `--include-tag`, which adds annotated tags from the repository's current `refs/tags`, so
//! the key covers the tags too. A pack enters the cache only after `git pack-objects` exited
//! 0 and every byte reached the file (written under a temporary name, then renamed), so a
//! reader never sees a partial pack. Identical requests arriving together wait on a per-key
//! lock and then stream the pack the first one wrote, so 64 clones of one commit run
//! `git pack-objects` once. Entries live for `max_age` from creation, removed by
//! [`PackHook::sweep`]; any cache failure falls back to serving the live output.
//!
//! **Limit.** Each pack streaming to a client drives that client's `git index-pack`; on a
//! machine whose cores the clients share (a CI runner, docker-compose), 64 at once thrash.
//! The hook first takes one of `limit` slots (lock files), so at most `limit` packs stream
//! at once and the rest queue, as a FastCGI server's fixed pool of workers does. A request
//! that has queued for [`MAX_QUEUE_WAIT`] goes ahead anyway, so slow clients holding every
//! slot delay others but never block them. Upload-pack keeps the waiting client's connection
//! alive with its keep-alive packets.

use std::ffi::OsString;
use std::fs::{File, TryLockError};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant, SystemTime};

use sha2::{Digest, Sha256};

use crate::config::PackHookConfig;

/// Where the cache lives (set only when the cache is on).
const CACHE_DIR_ENV: &str = "CODECOMMIT_LOCAL_PACK_CACHE_DIR";
/// Where the slot lock files live, and how many there are (set only with a limit).
const SLOTS_DIR_ENV: &str = "CODECOMMIT_LOCAL_PACK_SLOTS_DIR";
const SLOTS_ENV: &str = "CODECOMMIT_LOCAL_PACK_SLOTS";
/// The hidden subcommand git runs in place of `git pack-objects`.
pub const HOOK_SUBCOMMAND: &str = "pack-objects-hook";
/// How long a request waits for a slot before it streams regardless.
pub const MAX_QUEUE_WAIT: Duration = Duration::from_secs(60);

/// The hook command and the state it shares across upload-packs.
#[derive(Debug)]
pub struct PackHook {
    /// The shell command git runs (the hook's arguments follow it).
    hook: String,
    /// The cache directory, how long an entry is served and how many bytes the entries may
    /// take together.
    cache: Option<(PathBuf, Duration, u64)>,
    /// The slot directory and the number of slots.
    slots: Option<(PathBuf, usize)>,
}

impl PackHook {
    /// The cache (emptied of a previous run's entries) and the slots live under `dir`.
    pub fn open(dir: &Path, config: &PackHookConfig) -> io::Result<Self> {
        let cache = if config.cache_max_age.is_zero() || config.cache_max_bytes == 0 {
            None
        } else {
            let d = dir.join("pack-objects");
            std::fs::create_dir_all(&d)?;
            remove_older_than(&d, Duration::ZERO)?;
            Some((d, config.cache_max_age, config.cache_max_bytes))
        };
        let slots = if config.limit == 0 {
            None
        } else {
            let d = dir.join("pack-slots");
            std::fs::create_dir_all(&d)?;
            Some((d, config.limit))
        };
        Ok(PackHook {
            hook: format!(
                "{} {HOOK_SUBCOMMAND}",
                shell_quote(&config.hook_exe.to_string_lossy())
            ),
            cache,
            slots,
        })
    }

    /// Whether the hook has anything to do.
    pub fn is_active(&self) -> bool {
        self.cache.is_some() || self.slots.is_some()
    }

    /// Sets the hook on a `git upload-pack` about to start (whose environment was cleared).
    pub fn configure(&self, cmd: &mut tokio::process::Command) {
        cmd.env("GIT_CONFIG_COUNT", "1")
            .env("GIT_CONFIG_KEY_0", "uploadpack.packObjectsHook")
            .env("GIT_CONFIG_VALUE_0", &self.hook);
        if let Some((dir, _, _)) = &self.cache {
            cmd.env(CACHE_DIR_ENV, dir);
        }
        if let Some((dir, n)) = &self.slots {
            cmd.env(SLOTS_DIR_ENV, dir).env(SLOTS_ENV, n.to_string());
        }
    }

    /// How often [`PackHook::sweep`] should run, if the cache is on.
    pub fn sweep_interval(&self) -> Option<Duration> {
        let (_, max_age, _) = self.cache.as_ref()?;
        Some((*max_age / 4).clamp(Duration::from_secs(1), Duration::from_secs(60)))
    }

    /// Removes cache entries (and stale locks and temporary files) older than the maximum
    /// age, then the oldest packs until the rest fit the size limit.
    pub fn sweep(&self) {
        if let Some((dir, max_age, max_bytes)) = &self.cache
            && let Err(e) =
                remove_older_than(dir, *max_age).and_then(|()| shrink_to(dir, *max_bytes))
        {
            tracing::warn!(dir = %dir.display(), "pack cache sweep: {e}");
        }
    }
}

/// Removes the oldest finished packs until those left take at most `max_bytes`.
fn shrink_to(dir: &Path, max_bytes: u64) -> io::Result<()> {
    let mut packs = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.path().extension().is_some_and(|e| e == "pack") {
            let meta = entry.metadata()?;
            packs.push((meta.modified()?, meta.len(), entry.path()));
        }
    }
    packs.sort();
    let mut total: u64 = packs.iter().map(|(_, len, _)| len).sum();
    for (_, len, path) in packs {
        if total <= max_bytes {
            break;
        }
        std::fs::remove_file(&path)?;
        total -= len;
    }
    Ok(())
}

fn remove_older_than(dir: &Path, age: Duration) -> io::Result<()> {
    let now = SystemTime::now();
    for entry in std::fs::read_dir(dir)? {
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
    // Slot first, then the per-key lock: whoever holds a key lock already has a slot, so
    // waiters never hold every slot while the pack they wait for cannot start.
    let _slot = take_slot();
    let cache_dir = std::env::var_os(CACHE_DIR_ENV).map(PathBuf::from);
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

/// Takes one of the slots (a lock file held until the process exits), waiting up to
/// [`MAX_QUEUE_WAIT`]; `None` with no limit set, or when the wait ran out.
fn take_slot() -> Option<File> {
    let dir = PathBuf::from(std::env::var_os(SLOTS_DIR_ENV)?);
    let n: usize = std::env::var(SLOTS_ENV).ok()?.parse().ok()?;
    let mut slots: Vec<File> = (0..n)
        .map(|i| File::create(dir.join(i.to_string())))
        .collect::<io::Result<_>>()
        .ok()?;
    let first = std::process::id() as usize % n.max(1);
    let deadline = Instant::now() + MAX_QUEUE_WAIT;
    loop {
        for k in 0..n {
            let i = (first + k) % n;
            match slots[i].try_lock() {
                Ok(()) => return Some(slots.swap_remove(i)),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(_)) => return None,
            }
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
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
        // A symbolic ref names another ref, whose own entry is here already.
        if let Some(target) = r.target() {
            tags.push((r.name_bytes().to_vec(), target));
        }
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
    fn sweep_keeps_the_newest_packs_within_the_size_limit() {
        let dir = tempfile::tempdir().unwrap();
        let config = PackHookConfig {
            hook_exe: "/bin/true".into(),
            cache_max_age: Duration::from_secs(3600),
            cache_max_bytes: 250,
            limit: 0,
        };
        let hook = PackHook::open(dir.path(), &config).unwrap();
        let cache = dir.path().join("pack-objects");
        let now = SystemTime::now();
        for (name, len, age_secs) in [
            ("a.pack", 100, 30),
            ("b.pack", 100, 20),
            ("c.pack", 100, 10),
        ] {
            let f = File::create(cache.join(name)).unwrap();
            f.set_len(len).unwrap();
            f.set_modified(now - Duration::from_secs(age_secs)).unwrap();
        }
        let old = File::create(cache.join("d.pack")).unwrap();
        old.set_modified(now - Duration::from_secs(7200)).unwrap();
        hook.sweep();
        let mut left: Vec<String> = std::fs::read_dir(&cache)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(
            left,
            ["b.pack", "c.pack"],
            "d expired, a was the oldest over the limit"
        );
    }

    #[test]
    fn hook_command_is_shell_quoted() {
        assert_eq!(shell_quote("/a b/it's"), r"'/a b/it'\''s'");
    }
}
