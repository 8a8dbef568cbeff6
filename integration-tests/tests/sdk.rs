//! The AWS SDK for Rust against `TestServer`: every implemented IAM, STS and CodeCommit
//! operation, through clients built from `TestServer::sdk_config()`. The SDKs parse every
//! response strictly (types, required members, dates), so this is the check of the
//! operation layer's response shapes and error codes.

use std::process::Command;

use aws_sdk_codecommit::primitives::Blob;
use aws_sdk_codecommit::types::{DeleteFileEntry, PutFileEntry};
use aws_sdk_iam::types::{EncodingType, StatusType, Tag};
use codecommit_local::testing::TestServer;

const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;

async fn server() -> TestServer {
    TestServer::builder()
        .user("admin")
        .policy("AdministratorAccess")
        .access_key()
        .start()
        .await
        .expect("test server starts")
}

fn rsa_public_key(dir: &std::path::Path) -> String {
    let key = dir.join("id_rsa");
    let out = Command::new("ssh-keygen")
        .args([
            "-q", "-t", "rsa", "-b", "2048", "-N", "", "-C", "sdk@test", "-f",
        ])
        .arg(&key)
        .output()
        .expect("ssh-keygen runs");
    assert!(out.status.success(), "{out:?}");
    std::fs::read_to_string(key.with_extension("pub")).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn iam_operations_through_the_rust_sdk() {
    let server = server().await;
    let iam = aws_sdk_iam::Client::new(&server.sdk_config());

    // Users.
    let tag = Tag::builder().key("team").value("tools").build().unwrap();
    let created = iam
        .create_user()
        .user_name("bob")
        .tags(tag)
        .send()
        .await
        .unwrap();
    let bob = created.user().unwrap();
    assert_eq!(bob.user_name(), "bob");
    assert!(bob.user_id().starts_with("AIDA"), "{}", bob.user_id());
    assert_eq!(bob.arn(), "arn:aws:iam::123456789012:user/bob");
    assert_eq!(bob.tags()[0].key(), "team");
    let got = iam.get_user().user_name("bob").send().await.unwrap();
    assert_eq!(got.user().unwrap().tags()[0].value(), "tools");
    let me = iam.get_user().send().await.unwrap();
    assert_eq!(me.user().unwrap().user_name(), "admin");
    let listed = iam.list_users().max_items(1).send().await.unwrap();
    assert_eq!(listed.users().len(), 1);
    assert!(listed.is_truncated());
    let rest = iam
        .list_users()
        .marker(listed.marker().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(rest.users().len(), 1);
    assert!(!rest.is_truncated());
    iam.update_user()
        .user_name("bob")
        .new_user_name("carol")
        .new_path("/team/")
        .send()
        .await
        .unwrap();
    let carol = iam.get_user().user_name("carol").send().await.unwrap();
    assert_eq!(
        carol.user().unwrap().arn(),
        "arn:aws:iam::123456789012:user/team/carol"
    );

    // Errors arrive as the SDK's typed errors.
    let missing = iam.get_user().user_name("nobody").send().await.unwrap_err();
    assert!(missing.into_service_error().is_no_such_entity_exception());
    let invalid = iam
        .create_user()
        .user_name("bad name")
        .send()
        .await
        .unwrap_err();
    let invalid = invalid.into_service_error();
    assert_eq!(
        aws_sdk_iam::error::ProvideErrorMetadata::code(&invalid),
        Some("ValidationError")
    );

    // Access keys.
    let key = iam
        .create_access_key()
        .user_name("carol")
        .send()
        .await
        .unwrap();
    let key = key.access_key().unwrap();
    assert!(key.access_key_id().starts_with("AKIA"));
    assert_eq!(key.secret_access_key().len(), 40);
    let keys = iam
        .list_access_keys()
        .user_name("carol")
        .send()
        .await
        .unwrap();
    assert_eq!(keys.access_key_metadata().len(), 1);
    iam.update_access_key()
        .user_name("carol")
        .access_key_id(key.access_key_id())
        .status(StatusType::Inactive)
        .send()
        .await
        .unwrap();
    let used = iam
        .get_access_key_last_used()
        .access_key_id(key.access_key_id())
        .send()
        .await
        .unwrap();
    assert_eq!(used.user_name(), Some("carol"));
    assert_eq!(used.access_key_last_used().unwrap().service_name(), "N/A");
    iam.delete_access_key()
        .user_name("carol")
        .access_key_id(key.access_key_id())
        .send()
        .await
        .unwrap();

    // Git credentials.
    let cred = iam
        .create_service_specific_credential()
        .user_name("carol")
        .service_name("codecommit.amazonaws.com")
        .send()
        .await
        .unwrap();
    let cred = cred.service_specific_credential().unwrap();
    assert_eq!(cred.service_user_name(), "carol-at-123456789012");
    assert!(!cred.service_password().is_empty());
    let id = cred.service_specific_credential_id().to_owned();
    let creds = iam
        .list_service_specific_credentials()
        .user_name("carol")
        .send()
        .await
        .unwrap();
    assert_eq!(creds.service_specific_credentials().len(), 1);
    let reset = iam
        .reset_service_specific_credential()
        .user_name("carol")
        .service_specific_credential_id(&id)
        .send()
        .await
        .unwrap();
    assert_ne!(
        reset
            .service_specific_credential()
            .unwrap()
            .service_password(),
        cred.service_password()
    );
    iam.update_service_specific_credential()
        .user_name("carol")
        .service_specific_credential_id(&id)
        .status(StatusType::Inactive)
        .send()
        .await
        .unwrap();
    iam.delete_service_specific_credential()
        .user_name("carol")
        .service_specific_credential_id(&id)
        .send()
        .await
        .unwrap();

    // SSH public keys.
    let dir = tempfile::tempdir().unwrap();
    let body = rsa_public_key(dir.path());
    let uploaded = iam
        .upload_ssh_public_key()
        .user_name("carol")
        .ssh_public_key_body(&body)
        .send()
        .await
        .unwrap();
    let uploaded = uploaded.ssh_public_key().unwrap();
    assert!(uploaded.ssh_public_key_id().starts_with("APKA"));
    assert_eq!(uploaded.fingerprint().split(':').count(), 16);
    let ssh_id = uploaded.ssh_public_key_id().to_owned();
    let pem = iam
        .get_ssh_public_key()
        .user_name("carol")
        .ssh_public_key_id(&ssh_id)
        .encoding(EncodingType::Pem)
        .send()
        .await
        .unwrap();
    assert!(
        pem.ssh_public_key()
            .unwrap()
            .ssh_public_key_body()
            .starts_with("-----BEGIN PUBLIC KEY-----")
    );
    let ssh = iam
        .get_ssh_public_key()
        .user_name("carol")
        .ssh_public_key_id(&ssh_id)
        .encoding(EncodingType::Ssh)
        .send()
        .await
        .unwrap();
    assert!(
        ssh.ssh_public_key()
            .unwrap()
            .ssh_public_key_body()
            .starts_with("ssh-rsa ")
    );
    let listed = iam
        .list_ssh_public_keys()
        .user_name("carol")
        .send()
        .await
        .unwrap();
    assert_eq!(listed.ssh_public_keys().len(), 1);
    iam.update_ssh_public_key()
        .user_name("carol")
        .ssh_public_key_id(&ssh_id)
        .status(StatusType::Inactive)
        .send()
        .await
        .unwrap();
    iam.delete_ssh_public_key()
        .user_name("carol")
        .ssh_public_key_id(&ssh_id)
        .send()
        .await
        .unwrap();
    iam.delete_user().user_name("carol").send().await.unwrap();

    // Roles.
    let role = iam
        .create_role()
        .role_name("deployer")
        .assume_role_policy_document(TRUST)
        .description("deploys")
        .send()
        .await
        .unwrap();
    let role = role.role().unwrap();
    assert!(role.role_id().starts_with("AROA"));
    assert_eq!(role.arn(), "arn:aws:iam::123456789012:role/deployer");
    let got = iam.get_role().role_name("deployer").send().await.unwrap();
    let doc = got.role().unwrap().assume_role_policy_document().unwrap();
    // IAM sends policy documents URL-encoded; the Rust SDK, unlike boto3, leaves them so.
    assert!(
        doc.starts_with("%7B%22Version%22%3A%222012-10-17%22"),
        "{doc}"
    );
    assert!(doc.contains("sts%3AAssumeRole"), "{doc}");
    assert_eq!(got.role().unwrap().max_session_duration(), Some(3600));
    let roles = iam.list_roles().send().await.unwrap();
    assert_eq!(roles.roles().len(), 1);
    iam.update_assume_role_policy()
        .role_name("deployer")
        .policy_document(TRUST)
        .send()
        .await
        .unwrap();
    iam.delete_role()
        .role_name("deployer")
        .send()
        .await
        .unwrap();
    let gone = iam
        .get_role()
        .role_name("deployer")
        .send()
        .await
        .unwrap_err();
    assert!(gone.into_service_error().is_no_such_entity_exception());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sts_operations_through_the_rust_sdk() {
    let server = server().await;
    let config = server.sdk_config();
    let sts = aws_sdk_sts::Client::new(&config);
    let iam = aws_sdk_iam::Client::new(&config);

    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:user/admin"));
    assert_eq!(me.account(), Some("123456789012"));
    assert!(me.user_id().unwrap().starts_with("AIDA"));

    let session = sts
        .get_session_token()
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let creds = session.credentials().unwrap();
    assert!(creds.access_key_id().starts_with("ASIA"));
    assert!(!creds.session_token().is_empty());

    iam.create_role()
        .role_name("deployer")
        .assume_role_policy_document(TRUST)
        .send()
        .await
        .unwrap();
    let assumed = sts
        .assume_role()
        .role_arn("arn:aws:iam::123456789012:role/deployer")
        .role_session_name("build-7")
        .send()
        .await
        .unwrap();
    let user = assumed.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        "arn:aws:sts::123456789012:assumed-role/deployer/build-7"
    );
    assert!(user.assumed_role_id().ends_with(":build-7"));
    let creds = assumed.credentials().unwrap();

    // The session signs requests of its own.
    let session_config = config
        .to_builder()
        .credentials_provider(aws_sdk_sts::config::SharedCredentialsProvider::new(
            aws_sdk_sts::config::Credentials::new(
                creds.access_key_id(),
                creds.secret_access_key(),
                Some(creds.session_token().to_owned()),
                None,
                "assumed",
            ),
        ))
        .build();
    let as_role = aws_sdk_sts::Client::new(&session_config)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(as_role.arn(), Some(user.arn()));

    let refused = sts
        .assume_role()
        .role_arn("arn:aws:iam::123456789012:role/nothing")
        .role_session_name("x1")
        .send()
        .await
        .unwrap_err();
    let refused = refused.into_service_error();
    assert_eq!(
        aws_sdk_sts::error::ProvideErrorMetadata::code(&refused),
        Some("AccessDenied")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codecommit_operations_through_the_rust_sdk() {
    let server = server().await;
    let cc = aws_sdk_codecommit::Client::new(&server.sdk_config());

    // Repositories.
    let created = cc
        .create_repository()
        .repository_name("tools")
        .repository_description("Build tools")
        .tags("team", "infra")
        .send()
        .await
        .unwrap();
    let meta = created.repository_metadata().unwrap();
    assert_eq!(meta.repository_name(), Some("tools"));
    assert_eq!(
        meta.arn(),
        Some("arn:aws:codecommit:us-east-1:123456789012:tools")
    );
    assert_eq!(
        meta.clone_url_http(),
        Some(format!("{}/v1/repos/tools", server.https_url()).as_str())
    );
    assert!(meta.creation_date().is_some());
    let got = cc
        .get_repository()
        .repository_name("tools")
        .send()
        .await
        .unwrap();
    assert_eq!(
        got.repository_metadata().unwrap().repository_description(),
        Some("Build tools")
    );
    let missing = cc
        .get_repository()
        .repository_name("nothing")
        .send()
        .await
        .unwrap_err();
    assert!(
        missing
            .into_service_error()
            .is_repository_does_not_exist_exception()
    );
    let listed = cc.list_repositories().send().await.unwrap();
    assert_eq!(listed.repositories().len(), 1);
    let batch = cc
        .batch_get_repositories()
        .repository_names("tools")
        .repository_names("nothing")
        .send()
        .await
        .unwrap();
    assert_eq!(batch.repositories().len(), 1);
    assert_eq!(batch.repositories_not_found(), ["nothing"]);
    cc.update_repository_description()
        .repository_name("tools")
        .repository_description("Tools for builds")
        .send()
        .await
        .unwrap();
    let rekeyed = cc
        .update_repository_encryption_key()
        .repository_name("tools")
        .kms_key_id("alias/my-key")
        .send()
        .await
        .unwrap();
    assert_eq!(rekeyed.original_kms_key_id(), Some("alias/aws/codecommit"));

    // Files, commits and branches.
    let put = cc
        .put_file()
        .repository_name("tools")
        .branch_name("main")
        .file_path("README.md")
        .file_content(Blob::new("# tools\n"))
        .commit_message("Add README")
        .name("Alice")
        .email("alice@example.com")
        .send()
        .await
        .unwrap();
    let first = put.commit_id().to_owned();
    assert_eq!(first.len(), 40);
    let branch = cc
        .get_branch()
        .repository_name("tools")
        .branch_name("main")
        .send()
        .await
        .unwrap();
    assert_eq!(branch.branch().unwrap().commit_id(), Some(first.as_str()));
    cc.create_branch()
        .repository_name("tools")
        .branch_name("dev")
        .commit_id(&first)
        .send()
        .await
        .unwrap();
    let branches = cc
        .list_branches()
        .repository_name("tools")
        .send()
        .await
        .unwrap();
    assert_eq!(branches.branches(), ["dev", "main"]);
    let commit = cc
        .get_commit()
        .repository_name("tools")
        .commit_id(&first)
        .send()
        .await
        .unwrap();
    let commit = commit.commit().unwrap();
    assert_eq!(commit.message(), Some("Add README"));
    assert_eq!(commit.author().unwrap().name(), Some("Alice"));
    let second = cc
        .create_commit()
        .repository_name("tools")
        .branch_name("dev")
        .parent_commit_id(&first)
        .author_name("Bob")
        .commit_message("Add the build script")
        .put_files(
            PutFileEntry::builder()
                .file_path("bin/build.sh")
                .file_content(Blob::new("#!/bin/sh\n"))
                .file_mode(aws_sdk_codecommit::types::FileModeTypeEnum::Executable)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let second_id = second.commit_id().unwrap().to_owned();
    assert_eq!(second.files_added().len(), 1);
    let batch = cc
        .batch_get_commits()
        .repository_name("tools")
        .commit_ids(&first)
        .commit_ids(&second_id)
        .commit_ids("0000000000000000000000000000000000000000")
        .send()
        .await
        .unwrap();
    assert_eq!(batch.commits().len(), 2);
    assert_eq!(batch.errors().len(), 1);
    let file = cc
        .get_file()
        .repository_name("tools")
        .commit_specifier("dev")
        .file_path("bin/build.sh")
        .send()
        .await
        .unwrap();
    assert_eq!(file.file_content().as_ref(), b"#!/bin/sh\n");
    assert_eq!(
        file.file_mode(),
        &aws_sdk_codecommit::types::FileModeTypeEnum::Executable
    );
    let folder = cc
        .get_folder()
        .repository_name("tools")
        .commit_specifier("dev")
        .folder_path("/")
        .send()
        .await
        .unwrap();
    assert_eq!(folder.files().len(), 1);
    assert_eq!(folder.sub_folders().len(), 1);
    let blob = cc
        .get_blob()
        .repository_name("tools")
        .blob_id(file.blob_id())
        .send()
        .await
        .unwrap();
    assert_eq!(blob.content().as_ref(), b"#!/bin/sh\n");
    let diff = cc
        .get_differences()
        .repository_name("tools")
        .before_commit_specifier(&first)
        .after_commit_specifier(&second_id)
        .send()
        .await
        .unwrap();
    assert_eq!(diff.differences().len(), 1);
    let history = cc
        .list_file_commit_history()
        .repository_name("tools")
        .commit_specifier("dev")
        .file_path("README.md")
        .send()
        .await
        .unwrap();
    assert_eq!(history.revision_dag().len(), 1);
    let deleted = cc
        .delete_file()
        .repository_name("tools")
        .branch_name("dev")
        .file_path("bin/build.sh")
        .parent_commit_id(&second_id)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.file_path(), "bin/build.sh");
    let again = cc
        .create_commit()
        .repository_name("tools")
        .branch_name("dev")
        .parent_commit_id(deleted.commit_id())
        .delete_files(
            DeleteFileEntry::builder()
                .file_path("nothing")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err();
    assert!(
        again
            .into_service_error()
            .is_file_does_not_exist_exception()
    );
    cc.update_default_branch()
        .repository_name("tools")
        .default_branch_name("dev")
        .send()
        .await
        .unwrap();
    let removed = cc
        .delete_branch()
        .repository_name("tools")
        .branch_name("main")
        .send()
        .await
        .unwrap();
    assert_eq!(
        removed.deleted_branch().unwrap().branch_name(),
        Some("main")
    );

    // Tags.
    let arn = "arn:aws:codecommit:us-east-1:123456789012:tools";
    cc.tag_resource()
        .resource_arn(arn)
        .tags("stage", "beta")
        .send()
        .await
        .unwrap();
    let tags = cc
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap();
    let tags = tags.tags().unwrap();
    assert_eq!(tags.get("team").map(String::as_str), Some("infra"));
    assert_eq!(tags.get("stage").map(String::as_str), Some("beta"));
    cc.untag_resource()
        .resource_arn(arn)
        .tag_keys("stage")
        .send()
        .await
        .unwrap();
    let tags = cc
        .list_tags_for_resource()
        .resource_arn(arn)
        .send()
        .await
        .unwrap();
    assert_eq!(tags.tags().unwrap().len(), 1);

    // A review: a pull request from a branch one commit ahead of dev, merged three-way.
    let base = cc
        .get_branch()
        .repository_name("tools")
        .branch_name("dev")
        .send()
        .await
        .unwrap()
        .branch()
        .and_then(|b| b.commit_id())
        .unwrap()
        .to_owned();
    cc.create_branch()
        .repository_name("tools")
        .branch_name("review")
        .commit_id(&base)
        .send()
        .await
        .unwrap();
    cc.put_file()
        .repository_name("tools")
        .branch_name("review")
        .parent_commit_id(&base)
        .file_path("review.txt")
        .file_content(Blob::new("reviewed\n"))
        .send()
        .await
        .unwrap();
    let created = cc
        .create_pull_request()
        .title("Review")
        .targets(
            aws_sdk_codecommit::types::Target::builder()
                .repository_name("tools")
                .source_reference("review")
                .destination_reference("dev")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let id = created
        .pull_request()
        .and_then(|p| p.pull_request_id())
        .unwrap()
        .to_owned();
    let merged = cc
        .merge_pull_request_by_three_way()
        .pull_request_id(&id)
        .repository_name("tools")
        .send()
        .await
        .unwrap();
    let merged = merged.pull_request().unwrap();
    assert_eq!(
        merged.pull_request_status(),
        Some(&aws_sdk_codecommit::types::PullRequestStatusEnum::Closed)
    );
    let target = &merged.pull_request_targets()[0];
    let merge_meta = target.merge_metadata().unwrap();
    assert!(merge_meta.is_merged());
    let main_tip = cc
        .get_branch()
        .repository_name("tools")
        .branch_name("dev")
        .send()
        .await
        .unwrap();
    assert_eq!(
        main_tip.branch().and_then(|b| b.commit_id()),
        merge_meta.merge_commit_id()
    );

    // Rename, then delete.
    cc.update_repository_name()
        .old_name("tools")
        .new_name("build-tools")
        .send()
        .await
        .unwrap();
    let deleted = cc
        .delete_repository()
        .repository_name("build-tools")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.repository_id(), meta.repository_id());

    // A deleted repository has no triggers to show: the SDK's typed error.
    let gone = cc
        .get_repository_triggers()
        .repository_name("build-tools")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(gone.is_repository_does_not_exist_exception(), "{gone:?}");
}
