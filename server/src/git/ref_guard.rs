//! Per-ref push decisions that git itself enforces.
//!
//! A push names the refs it updates in its first pkt-lines (`<old> <new> <ref>`, up to a
//! flush), before the pack. [`feed`] reads that command list on its way to
//! `git receive-pack`'s stdin, asks the caller's check for every ref, and writes the
//! verdicts to a file (atomically: it exists only once complete) *before* git sees a single
//! command. Two hooks that git runs read it (`core.hooksPath`, set only on a guarded
//! receive-pack): `pre-receive` refuses the whole push when every ref is denied (nothing
//! lands: git drops the quarantined objects), and `update` refuses each denied ref on its
//! own, so the other refs of the same push still land and git reports per ref
//! (`! [remote rejected] main -> main (hook declined)`, with the reason on a `remote:` line).
//! A missing verdict file refuses everything: the hooks fail closed.

use std::io;
use std::path::{Path, PathBuf};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The verdict file a guarded receive-pack's hooks read.
pub const DECISIONS_ENV: &str = "CODECOMMIT_LOCAL_REF_DECISIONS";
/// The most command-list bytes read before the pack (a mirror push of many refs fits).
const MAX_COMMANDS: usize = 16 << 20;
/// Why a ref whose name is not UTF-8 is refused.
const NOT_UTF8: &str =
    "refusing a ref whose name is not valid UTF-8: CodeCommit's references are UTF-8";

const PRE_RECEIVE: &str = r#"#!/bin/sh
# codecommit-local: refuses a push whose every ref the caller may not update.
f="$CODECOMMIT_LOCAL_REF_DECISIONS"
if [ -z "$f" ] || [ ! -f "$f" ]; then
    echo "error: the push could not be authorized" >&2
    exit 1
fi
read -r scope < "$f"
[ "$scope" = all ] || exit 0
sed -n '2,$s/^[^ ]* //p' "$f" >&2
exit 1
"#;

const UPDATE: &str = r#"#!/bin/sh
# codecommit-local: refuses one ref the caller may not update ($1 is the ref).
f="$CODECOMMIT_LOCAL_REF_DECISIONS"
if [ -z "$f" ] || [ ! -f "$f" ]; then
    echo "error: the push could not be authorized" >&2
    exit 1
fi
while IFS= read -r line; do
    case "$line" in
        "$1 "*) printf '%s\n' "${line#* }" >&2; exit 1 ;;
    esac
done < "$f"
exit 0
"#;

/// Decides one ref: `Some(reason)` refuses it.
pub type RefCheck = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// The hooks directory and where verdict files live, under the repositories' root.
#[derive(Debug, Clone)]
pub struct Hooks {
    dir: PathBuf,
    run: PathBuf,
}

impl Hooks {
    /// Writes the two hooks (mode 0755) under `root/.hooks`.
    pub fn install(root: &Path) -> io::Result<Hooks> {
        use std::os::unix::fs::PermissionsExt;
        let dir = root.join(".hooks");
        let run = dir.join("run");
        std::fs::create_dir_all(&run)?;
        for (name, body) in [("pre-receive", PRE_RECEIVE), ("update", UPDATE)] {
            let path = dir.join(name);
            let tmp = dir.join(format!(".{name}.tmp"));
            std::fs::write(&tmp, body)?;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o755))?;
            std::fs::rename(&tmp, &path)?;
        }
        Ok(Hooks { dir, run })
    }

    /// A verdict file for one push (removed when the guard is dropped).
    pub fn guard(&self, check: RefCheck) -> RefGuard {
        RefGuard {
            hooks_dir: self.dir.clone(),
            path: self.run.join(uuid::Uuid::new_v4().to_string()),
            check,
        }
    }
}

/// One guarded push: its verdict file and the check that decides each ref (`Some(reason)`
/// refuses it).
pub struct RefGuard {
    hooks_dir: PathBuf,
    path: PathBuf,
    check: RefCheck,
}

impl std::fmt::Debug for RefGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefGuard")
            .field("path", &self.path)
            .finish()
    }
}

impl RefGuard {
    /// Points a `git receive-pack` about to start at the hooks and this push's verdicts.
    pub fn configure(&self, cmd: &mut tokio::process::Command) {
        cmd.env("GIT_CONFIG_COUNT", "1")
            .env("GIT_CONFIG_KEY_0", "core.hooksPath")
            .env("GIT_CONFIG_VALUE_0", &self.hooks_dir)
            .env(DECISIONS_ENV, &self.path);
    }

    /// Decides every ref and writes the verdicts; the file appears complete or not at all.
    /// Ref names are bytes, as git's hooks see them: a verdict names its ref byte for byte,
    /// and a name that is not UTF-8 (which no CodeCommit API shape can carry, and which no
    /// IAM policy can name) is refused without asking the check.
    fn decide(&self, refs: &[Vec<u8>]) -> io::Result<()> {
        let mut denied: Vec<(&[u8], String)> = Vec::new();
        for r in refs {
            let reason = match std::str::from_utf8(r) {
                Ok(name) => (self.check)(name),
                Err(_) => Some(NOT_UTF8.to_owned()),
            };
            if let Some(reason) = reason {
                // One line per ref: the reason may not break the file's format.
                let reason: String = reason.chars().filter(|c| !c.is_control()).collect();
                denied.push((r, reason));
            }
        }
        let scope = if !refs.is_empty() && denied.len() == refs.len() {
            "all"
        } else {
            "some"
        };
        let mut text = format!("{scope}\n").into_bytes();
        for (r, reason) in denied {
            text.extend_from_slice(r);
            text.push(b' ');
            text.extend_from_slice(reason.as_bytes());
            text.push(b'\n');
        }
        let tmp = self.path.with_extension("tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &self.path)
    }
}

impl Drop for RefGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The ref names of a push's command list (as bytes), and every byte read (to forward to
/// git). `None` for the refs when the list is malformed, too long or cut short: then no
/// verdicts are written and the hooks refuse everything.
async fn read_commands(
    input: &mut (impl AsyncRead + Unpin),
    head: &mut Vec<u8>,
) -> io::Result<Option<Vec<Vec<u8>>>> {
    let mut refs = Vec::new();
    loop {
        let mut len = [0u8; 4];
        if input.read_exact(&mut len).await.is_err() {
            return Ok(None);
        }
        head.extend_from_slice(&len);
        let Some(n) = std::str::from_utf8(&len)
            .ok()
            .and_then(|s| usize::from_str_radix(s, 16).ok())
        else {
            return Ok(None);
        };
        if n == 0 {
            return Ok(Some(refs));
        }
        if n < 4 || head.len() + n > MAX_COMMANDS {
            return Ok(None);
        }
        let start = head.len();
        head.resize(start + n - 4, 0);
        if input.read_exact(&mut head[start..]).await.is_err() {
            return Ok(None);
        }
        let line = &head[start..];
        let line = line.split(|b| *b == 0).next().unwrap_or(line);
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        if line.starts_with(b"shallow ") {
            continue;
        }
        match line.splitn(3, |b| *b == b' ').nth(2) {
            Some(r) if !r.is_empty() => refs.push(r.to_vec()),
            _ => return Ok(None),
        }
    }
}

/// Copies a push from the client into receive-pack's stdin; with a guard, the command list
/// is read and decided first (see the module).
pub async fn feed(
    mut input: impl AsyncRead + Unpin,
    stdin: &mut (impl AsyncWrite + Unpin),
    guard: Option<&RefGuard>,
) -> io::Result<u64> {
    let mut forwarded = 0;
    if let Some(guard) = guard {
        let mut head = Vec::new();
        match read_commands(&mut input, &mut head).await? {
            Some(refs) => guard.decide(&refs)?,
            None => tracing::warn!("push command list unreadable: every ref refused"),
        }
        stdin.write_all(&head).await?;
        forwarded = head.len() as u64;
    }
    Ok(forwarded + tokio::io::copy(&mut input, stdin).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pkt(s: &str) -> String {
        format!("{:04x}{s}", s.len() + 4)
    }

    #[tokio::test]
    async fn commands_decided_before_forwarding() {
        let dir = tempfile::tempdir().unwrap();
        let hooks = Hooks::install(dir.path()).unwrap();
        let guard = hooks.guard(Box::new(|r: &str| {
            (r == "refs/heads/main").then(|| "User: x is not authorized".to_owned())
        }));
        let z = "0".repeat(40);
        let body = format!(
            "{}{}0000PACK...",
            pkt(&format!(
                "{z} {} refs/heads/main\0report-status\n",
                "1".repeat(40)
            )),
            pkt(&format!("{z} {} refs/heads/feature\n", "2".repeat(40)))
        );
        let mut out = Vec::new();
        feed(body.as_bytes(), &mut out, Some(&guard)).await.unwrap();
        assert_eq!(out, body.as_bytes(), "forwarded unchanged");
        let verdicts = std::fs::read_to_string(&guard.path).unwrap();
        assert_eq!(
            verdicts,
            "some\nrefs/heads/main User: x is not authorized\n"
        );
        let path = guard.path.clone();
        drop(guard);
        assert!(!path.exists());
    }

    #[tokio::test]
    async fn names_that_are_not_utf8_are_refused_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let hooks = Hooks::install(dir.path()).unwrap();
        // A check that allows everything it is asked about.
        let guard = hooks.guard(Box::new(|_: &str| None));
        let z = "0".repeat(40);
        let mut line = format!("{z} {} refs/heads/evil", "1".repeat(40)).into_bytes();
        line.extend_from_slice(b"\xff\n");
        let mut body = format!("{:04x}", line.len() + 4).into_bytes();
        body.extend_from_slice(&line);
        body.extend_from_slice(pkt(&format!("{z} {} refs/heads/ok\n", "2".repeat(40))).as_bytes());
        body.extend_from_slice(b"0000PACK...");
        let mut out = Vec::new();
        feed(&body[..], &mut out, Some(&guard)).await.unwrap();
        assert_eq!(out, body, "forwarded unchanged");
        let mut expected = b"some\nrefs/heads/evil\xff ".to_vec();
        expected.extend_from_slice(NOT_UTF8.as_bytes());
        expected.push(b'\n');
        assert_eq!(std::fs::read(&guard.path).unwrap(), expected);
    }

    #[tokio::test]
    async fn malformed_lists_write_no_verdicts() {
        let dir = tempfile::tempdir().unwrap();
        let hooks = Hooks::install(dir.path()).unwrap();
        let guard = hooks.guard(Box::new(|_: &str| None));
        let mut out = Vec::new();
        feed(&b"zzzz"[..], &mut out, Some(&guard)).await.unwrap();
        assert!(!guard.path.exists());
    }
}
