//! The commands an SSH client may run: `git-upload-pack '/v1/repos/NAME'` and
//! `git-receive-pack …`, as git sends them (with or without the leading slash or quotes).

use crate::git::service::GitService;

/// What an exec request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GitCommand {
    pub service: GitService,
    /// The repository name from `v1/repos/<name>` (not yet validated).
    pub repository: String,
}

/// Removes one level of shell quoting as git applies it (`'…'`, with `'\''` for a quote).
fn unquote(arg: &str) -> String {
    let arg = arg.trim();
    if arg.len() >= 2 && arg.starts_with('\'') && arg.ends_with('\'') {
        arg[1..arg.len() - 1].replace("'\\''", "'")
    } else if arg.len() >= 2 && arg.starts_with('"') && arg.ends_with('"') {
        arg[1..arg.len() - 1].to_owned()
    } else {
        arg.to_owned()
    }
}

/// Parses an exec command; `Err` holds the message for the client.
pub fn parse(command: &str) -> Result<GitCommand, String> {
    let command = command.trim();
    let (program, arg) = command
        .split_once(char::is_whitespace)
        .unwrap_or((command, ""));
    let service = GitService::from_wire_name(program).ok_or_else(|| {
        format!(
            "codecommit-local: command not allowed: {program:?}. Only git-upload-pack and git-receive-pack run here; interactive shells are not supported."
        )
    })?;
    let path = unquote(arg);
    let path = path.trim_start_matches('/').trim_end_matches('/');
    let repository = path
        .strip_prefix("v1/repos/")
        .filter(|name| !name.is_empty())
        .ok_or_else(|| format!("fatal: '{path}' does not appear to be a CodeCommit repository path (expected /v1/repos/NAME)"))?;
    Ok(GitCommand {
        service,
        repository: repository.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_commands() {
        let expect = |s: &str, service, name: &str| {
            assert_eq!(
                parse(s).unwrap(),
                GitCommand {
                    service,
                    repository: name.into()
                },
                "{s}"
            )
        };
        expect(
            "git-upload-pack '/v1/repos/demo'",
            GitService::UploadPack,
            "demo",
        );
        expect(
            "git-upload-pack 'v1/repos/demo'",
            GitService::UploadPack,
            "demo",
        );
        expect(
            "git-receive-pack /v1/repos/demo",
            GitService::ReceivePack,
            "demo",
        );
        expect(
            "git-receive-pack \"/v1/repos/my.repo\"",
            GitService::ReceivePack,
            "my.repo",
        );
        expect(
            "git-upload-pack '/v1/repos/it'\\''s'",
            GitService::UploadPack,
            "it's",
        );
        assert!(parse("ls -la").unwrap_err().contains("not allowed"));
        assert!(parse("git-upload-pack '/etc/passwd'").is_err());
        assert!(parse("git-upload-pack '/v1/repos/'").is_err());
        assert!(parse("").is_err());
    }
}
