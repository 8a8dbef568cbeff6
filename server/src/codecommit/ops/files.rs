//! Files and blobs: PutFile, DeleteFile, GetFile, GetFolder, GetBlob.

use serde::{Deserialize, Serialize};

use super::commits::{CommitParts, commit, parse_mode};
use super::{blob, branch_target, open, repository, repository_target};
use crate::codecommit::commits::Change;
use crate::codecommit::content::{self, FileContent, Folder};
use crate::codecommit::error::CodeCommitError as E;
use crate::context::Context;
use crate::operation::{Authorization, Call, Operation, Target};
use crate::principal::Principal;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutFile {
    pub repository_name: Option<String>,
    pub branch_name: Option<String>,
    pub file_content: Option<String>,
    pub file_path: Option<String>,
    pub file_mode: Option<String>,
    pub parent_commit_id: Option<String>,
    pub commit_message: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PutFileOutput {
    pub commit_id: String,
    pub blob_id: String,
    pub tree_id: String,
}

impl Operation for PutFile {
    const NAME: &'static str = "PutFile";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:PutFile");
    type Output = PutFileOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(branch_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
            self.branch_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<PutFileOutput, E> {
        let row = repository(call.ctx, call.principal, self.repository_name.as_deref())?;
        let bytes = blob(self.file_content.as_deref(), "fileContent")?
            .ok_or_else(E::file_content_required)?;
        let path = content::file_path(self.file_path.as_deref())?;
        let change = Change::Put {
            path,
            mode: parse_mode(self.file_mode.as_deref())?,
            content: Some(bytes),
            source: None,
        };
        let result = commit(
            call,
            &row,
            CommitParts {
                branch_name: self.branch_name.as_deref(),
                parent_commit_id: self.parent_commit_id.as_deref(),
                author_name: self.name.as_deref(),
                email: self.email.as_deref(),
                commit_message: self.commit_message.as_deref(),
            },
            vec![change],
            E::same_file_content,
        )?;
        let blob_id = result
            .files_added
            .iter()
            .chain(&result.files_updated)
            .next()
            .map(|f| f.blob_id.clone())
            .unwrap_or_default();
        Ok(PutFileOutput {
            commit_id: result.commit_id,
            blob_id,
            tree_id: result.tree_id,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteFile {
    pub repository_name: Option<String>,
    pub branch_name: Option<String>,
    pub file_path: Option<String>,
    pub parent_commit_id: Option<String>,
    pub keep_empty_folders: Option<bool>,
    pub commit_message: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteFileOutput {
    pub commit_id: String,
    pub blob_id: String,
    pub tree_id: String,
    pub file_path: String,
}

impl Operation for DeleteFile {
    const NAME: &'static str = "DeleteFile";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:DeleteFile");
    type Output = DeleteFileOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(branch_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
            self.branch_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<DeleteFileOutput, E> {
        let row = repository(call.ctx, call.principal, self.repository_name.as_deref())?;
        let path = content::file_path(self.file_path.as_deref())?;
        if self
            .parent_commit_id
            .as_deref()
            .unwrap_or_default()
            .is_empty()
        {
            return Err(E::parent_commit_id_required());
        }
        let result = commit(
            call,
            &row,
            CommitParts {
                branch_name: self.branch_name.as_deref(),
                parent_commit_id: self.parent_commit_id.as_deref(),
                author_name: self.name.as_deref(),
                email: self.email.as_deref(),
                commit_message: self.commit_message.as_deref(),
            },
            vec![Change::Delete { path: path.clone() }],
            E::no_change,
        )?;
        let blob_id = result
            .files_deleted
            .first()
            .map(|f| f.blob_id.clone())
            .unwrap_or_default();
        Ok(DeleteFileOutput {
            commit_id: result.commit_id,
            blob_id,
            tree_id: result.tree_id,
            file_path: path,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetFile {
    pub repository_name: Option<String>,
    pub commit_specifier: Option<String>,
    pub file_path: Option<String>,
}

impl Operation for GetFile {
    const NAME: &'static str = "GetFile";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:GetFile");
    type Output = FileContent;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<FileContent, E> {
        let repo = open(call, self.repository_name.as_deref())?;
        content::get_file(
            &repo,
            self.commit_specifier.as_deref(),
            self.file_path.as_deref(),
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetFolder {
    pub repository_name: Option<String>,
    pub commit_specifier: Option<String>,
    pub folder_path: Option<String>,
}

impl Operation for GetFolder {
    const NAME: &'static str = "GetFolder";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:GetFolder");
    type Output = Folder;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<Folder, E> {
        let repo = open(call, self.repository_name.as_deref())?;
        content::get_folder(
            &repo,
            self.commit_specifier.as_deref(),
            self.folder_path.as_deref(),
        )
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetBlob {
    pub repository_name: Option<String>,
    pub blob_id: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct GetBlobOutput {
    #[serde(serialize_with = "content::as_blob")]
    pub content: Vec<u8>,
}

impl Operation for GetBlob {
    const NAME: &'static str = "GetBlob";
    const AUTHORIZATION: Authorization = Authorization::Required("codecommit:GetBlob");
    type Output = GetBlobOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<GetBlobOutput, E> {
        let repo = open(call, self.repository_name.as_deref())?;
        Ok(GetBlobOutput {
            content: content::get_blob(&repo, self.blob_id.as_deref().unwrap_or_default())?,
        })
    }
}
