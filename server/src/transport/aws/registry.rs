//! Every operation each API answers: one line per operation, naming its type. The type
//! declares its wire name, IAM action and resource rule (`crate::operation::Operation`);
//! [`run`] is the one place that decodes, authorizes and calls any of them.

use crate::authz::Origin;
use crate::codecommit::ops as cc;
use crate::iam::ops as iam;
use crate::operation::{Authorization, Operation, ServiceError, Target, UnsignedOperation};
use crate::principal::Principal;
use crate::sts::ops as sts;
use crate::transport::state::TransportState;

use super::protocol::{json, query};

/// A request body as its protocol parsed it: what the pipeline hands to an entry.
#[derive(Clone, Copy)]
pub enum Body<'a> {
    Query(&'a query::Params),
    Json(&'a [u8]),
}

/// One operation of an API: its wire name and IAM declaration, and the monomorphic runner.
pub struct Entry<E> {
    pub name: &'static str,
    pub authorization: Authorization,
    /// [`Operation::LIGHT`]: run without a hand-off to a blocking thread.
    pub light: bool,
    pub run: fn(&TransportState, &Principal, &Origin, Body<'_>) -> Result<Encoded, E>,
    /// What [`Entry::run`] authorizes against: the decoded request's target.
    pub target: fn(&TransportState, &Principal, Body<'_>) -> Result<Target, E>,
    /// Checks and decodes a request without running it (the request fuzzers use it).
    pub check: fn(Body<'_>) -> Result<(), E>,
}

/// An encoded response body: Query's `<{Op}Result>` element (none for an empty result) or
/// a JSON document.
pub enum Encoded {
    Xml(Option<String>),
    Json(Vec<u8>),
}

const fn entry<T: Operation>() -> Entry<T::Error> {
    Entry {
        name: T::NAME,
        authorization: T::AUTHORIZATION,
        light: T::LIGHT,
        run: run::<T>,
        target: target::<T>,
        check: check::<T>,
    }
}

fn check<T: Operation>(body: Body<'_>) -> Result<(), T::Error> {
    decode::<T>(body).map(|_| ())
}

fn decode<T: Operation>(body: Body<'_>) -> Result<T, T::Error> {
    match body {
        Body::Query(params) => query::decode::<T>(params),
        Body::Json(bytes) => json::decode::<T, T::Error>(bytes),
    }
}

fn target<T: Operation>(
    ctx: &TransportState,
    principal: &Principal,
    body: Body<'_>,
) -> Result<Target, T::Error> {
    decode::<T>(body)?.target(ctx, principal)
}

/// Decode → target → `authz::decide` → handler → encode, for any operation.
fn run<T: Operation>(
    ctx: &TransportState,
    principal: &Principal,
    origin: &Origin,
    body: Body<'_>,
) -> Result<Encoded, T::Error> {
    let request: T = decode(body)?;
    let output = ctx.authorizer.invoke(ctx, principal, origin, request)?;
    let internal = |e: String| T::Error::malformed(format!("encoding the response: {e}"));
    match body {
        Body::Query(_) => query::encode(T::NAME, &output)
            .map(Encoded::Xml)
            .map_err(internal),
        Body::Json(_) => json::encode(&output).map(Encoded::Json).map_err(internal),
    }
}

/// An operation AWS accepts unsigned (Query protocol).
pub struct UnsignedEntry<E> {
    pub name: &'static str,
    pub run: fn(&TransportState, &query::Params) -> Result<Encoded, E>,
}

const fn unsigned<T: UnsignedOperation>() -> UnsignedEntry<T::Error> {
    UnsignedEntry {
        name: T::NAME,
        run: run_unsigned::<T>,
    }
}

/// Decode → handler → encode, with no caller and no authorization step: the request carries
/// its own proof.
fn run_unsigned<T: UnsignedOperation>(
    ctx: &TransportState,
    params: &query::Params,
) -> Result<Encoded, T::Error> {
    let request: T = query::decode_checked::<T, T::Error>(T::MEMBERS, params)?;
    let output = request.handle(ctx)?;
    query::encode(T::NAME, &output)
        .map(Encoded::Xml)
        .map_err(|e| T::Error::malformed(format!("encoding the response: {e}")))
}

/// STS's unsigned operations.
pub static STS_UNSIGNED: &[UnsignedEntry<crate::iam::IamError>] =
    &[unsigned::<sts::AssumeRoleWithWebIdentity>()];

/// Finds `name` in `entries`.
pub fn find<'a, E>(entries: &'a [Entry<E>], name: &str) -> Option<&'a Entry<E>> {
    entries.iter().find(|e| e.name == name)
}

/// IAM (Query protocol, version 2010-05-08).
pub static IAM: &[Entry<crate::iam::IamError>] = &[
    entry::<iam::users::CreateUser>(),
    entry::<iam::users::GetUser>(),
    entry::<iam::users::ListUsers>(),
    entry::<iam::users::UpdateUser>(),
    entry::<iam::users::DeleteUser>(),
    entry::<iam::login_profiles::CreateLoginProfile>(),
    entry::<iam::login_profiles::GetLoginProfile>(),
    entry::<iam::login_profiles::UpdateLoginProfile>(),
    entry::<iam::login_profiles::DeleteLoginProfile>(),
    entry::<iam::login_profiles::ChangePassword>(),
    entry::<iam::login_profiles::GetAccountPasswordPolicy>(),
    entry::<iam::login_profiles::UpdateAccountPasswordPolicy>(),
    entry::<iam::login_profiles::DeleteAccountPasswordPolicy>(),
    entry::<iam::account_aliases::CreateAccountAlias>(),
    entry::<iam::account_aliases::ListAccountAliases>(),
    entry::<iam::account_aliases::DeleteAccountAlias>(),
    entry::<iam::access_keys::CreateAccessKey>(),
    entry::<iam::access_keys::ListAccessKeys>(),
    entry::<iam::access_keys::UpdateAccessKey>(),
    entry::<iam::access_keys::DeleteAccessKey>(),
    entry::<iam::access_keys::GetAccessKeyLastUsed>(),
    entry::<iam::credentials::CreateServiceSpecificCredential>(),
    entry::<iam::credentials::ListServiceSpecificCredentials>(),
    entry::<iam::credentials::ResetServiceSpecificCredential>(),
    entry::<iam::credentials::UpdateServiceSpecificCredential>(),
    entry::<iam::credentials::DeleteServiceSpecificCredential>(),
    entry::<iam::ssh_keys::UploadSSHPublicKey>(),
    entry::<iam::ssh_keys::GetSSHPublicKey>(),
    entry::<iam::ssh_keys::ListSSHPublicKeys>(),
    entry::<iam::ssh_keys::UpdateSSHPublicKey>(),
    entry::<iam::ssh_keys::DeleteSSHPublicKey>(),
    entry::<iam::roles::CreateRole>(),
    entry::<iam::roles::GetRole>(),
    entry::<iam::roles::ListRoles>(),
    entry::<iam::roles::DeleteRole>(),
    entry::<iam::roles::UpdateAssumeRolePolicy>(),
    entry::<iam::instance_profiles::CreateInstanceProfile>(),
    entry::<iam::instance_profiles::GetInstanceProfile>(),
    entry::<iam::instance_profiles::ListInstanceProfiles>(),
    entry::<iam::instance_profiles::ListInstanceProfilesForRole>(),
    entry::<iam::instance_profiles::ChangeProfileRole<iam::instance_profiles::Add>>(),
    entry::<iam::instance_profiles::ChangeProfileRole<iam::instance_profiles::Remove>>(),
    entry::<iam::instance_profiles::DeleteInstanceProfile>(),
    entry::<iam::oidc_providers::CreateOpenIDConnectProvider>(),
    entry::<iam::oidc_providers::GetOpenIDConnectProvider>(),
    entry::<iam::oidc_providers::ListOpenIDConnectProviders>(),
    entry::<iam::oidc_providers::DeleteOpenIDConnectProvider>(),
    entry::<iam::oidc_providers::UpdateOpenIDConnectProviderThumbprint>(),
    entry::<iam::oidc_providers::ChangeClientId<iam::oidc_providers::AddClientId>>(),
    entry::<iam::oidc_providers::ChangeClientId<iam::oidc_providers::RemoveClientId>>(),
    entry::<iam::oidc_providers::TagOpenIDConnectProvider>(),
    entry::<iam::oidc_providers::UntagOpenIDConnectProvider>(),
    entry::<iam::oidc_providers::ListOpenIDConnectProviderTags>(),
    entry::<iam::policies::CreatePolicy>(),
    entry::<iam::policies::GetPolicy>(),
    entry::<iam::policies::ListPolicies>(),
    entry::<iam::policies::DeletePolicy>(),
    entry::<iam::policies::CreatePolicyVersion>(),
    entry::<iam::policies::GetPolicyVersion>(),
    entry::<iam::policies::ListPolicyVersions>(),
    entry::<iam::policies::SetDefaultPolicyVersion>(),
    entry::<iam::policies::DeletePolicyVersion>(),
    entry::<iam::attached::AttachPolicy<iam::owners::User>>(),
    entry::<iam::attached::AttachPolicy<iam::owners::Group>>(),
    entry::<iam::attached::AttachPolicy<iam::owners::Role>>(),
    entry::<iam::attached::DetachPolicy<iam::owners::User>>(),
    entry::<iam::attached::DetachPolicy<iam::owners::Group>>(),
    entry::<iam::attached::DetachPolicy<iam::owners::Role>>(),
    entry::<iam::attached::ListAttachedPolicies<iam::owners::User>>(),
    entry::<iam::attached::ListAttachedPolicies<iam::owners::Group>>(),
    entry::<iam::attached::ListAttachedPolicies<iam::owners::Role>>(),
    entry::<iam::inline::PutPolicy<iam::owners::User>>(),
    entry::<iam::inline::PutPolicy<iam::owners::Group>>(),
    entry::<iam::inline::PutPolicy<iam::owners::Role>>(),
    entry::<iam::inline::GetPolicy<iam::owners::User>>(),
    entry::<iam::inline::GetPolicy<iam::owners::Group>>(),
    entry::<iam::inline::GetPolicy<iam::owners::Role>>(),
    entry::<iam::inline::DeletePolicy<iam::owners::User>>(),
    entry::<iam::inline::DeletePolicy<iam::owners::Group>>(),
    entry::<iam::inline::DeletePolicy<iam::owners::Role>>(),
    entry::<iam::inline::ListPolicies<iam::owners::User>>(),
    entry::<iam::inline::ListPolicies<iam::owners::Group>>(),
    entry::<iam::inline::ListPolicies<iam::owners::Role>>(),
    entry::<iam::groups::CreateGroup>(),
    entry::<iam::groups::GetGroup>(),
    entry::<iam::groups::ListGroups>(),
    entry::<iam::groups::DeleteGroup>(),
    entry::<iam::groups::AddUserToGroup>(),
    entry::<iam::groups::RemoveUserFromGroup>(),
    entry::<iam::groups::ListGroupsForUser>(),
    entry::<iam::simulate::SimulatePrincipalPolicy>(),
    entry::<iam::simulate::SimulateCustomPolicy>(),
];

/// STS (Query protocol, version 2011-06-15).
pub static STS: &[Entry<crate::iam::IamError>] = &[
    entry::<sts::GetCallerIdentity>(),
    entry::<sts::GetSessionToken>(),
    entry::<sts::AssumeRole>(),
];

/// CodeCommit (JSON 1.1, `CodeCommit_20150413`).
pub static CODECOMMIT: &[Entry<crate::codecommit::error::CodeCommitError>] = &[
    entry::<cc::repositories::CreateRepository>(),
    entry::<cc::repositories::GetRepository>(),
    entry::<cc::repositories::ListRepositories>(),
    entry::<cc::repositories::BatchGetRepositories>(),
    entry::<cc::repositories::DeleteRepository>(),
    entry::<cc::repositories::UpdateRepositoryName>(),
    entry::<cc::repositories::UpdateRepositoryDescription>(),
    entry::<cc::repositories::UpdateRepositoryEncryptionKey>(),
    entry::<cc::branches::CreateBranch>(),
    entry::<cc::branches::GetBranch>(),
    entry::<cc::branches::ListBranches>(),
    entry::<cc::branches::DeleteBranch>(),
    entry::<cc::branches::UpdateDefaultBranch>(),
    entry::<cc::commits::GetCommit>(),
    entry::<cc::commits::BatchGetCommits>(),
    entry::<cc::commits::CreateCommit>(),
    entry::<cc::files::PutFile>(),
    entry::<cc::files::DeleteFile>(),
    entry::<cc::files::GetFile>(),
    entry::<cc::files::GetFolder>(),
    entry::<cc::files::GetBlob>(),
    entry::<cc::differences::GetDifferences>(),
    entry::<cc::differences::ListFileCommitHistory>(),
    entry::<cc::tags::TagResource>(),
    entry::<cc::tags::UntagResource>(),
    entry::<cc::tags::ListTagsForResource>(),
    entry::<cc::merges::GetMergeOptions>(),
    entry::<cc::merges::GetMergeConflicts>(),
    entry::<cc::merges::DescribeMergeConflicts>(),
    entry::<cc::merges::BatchDescribeMergeConflicts>(),
    entry::<cc::merges::GetMergeCommit>(),
    entry::<cc::merges::MergeBranches<cc::merges::FastForward>>(),
    entry::<cc::merges::MergeBranches<cc::merges::Squash>>(),
    entry::<cc::merges::MergeBranches<cc::merges::ThreeWay>>(),
    entry::<cc::merges::CreateUnreferencedMergeCommit>(),
    entry::<cc::pull_requests::CreatePullRequest>(),
    entry::<cc::pull_requests::GetPullRequest>(),
    entry::<cc::pull_requests::ListPullRequests>(),
    entry::<cc::pull_requests::UpdatePullRequestTitle>(),
    entry::<cc::pull_requests::UpdatePullRequestDescription>(),
    entry::<cc::pull_requests::UpdatePullRequestStatus>(),
    entry::<cc::pull_requests::DescribePullRequestEvents>(),
    entry::<cc::pull_requests::MergePullRequest<cc::pull_requests::ByFastForward>>(),
    entry::<cc::pull_requests::MergePullRequest<cc::pull_requests::BySquash>>(),
    entry::<cc::pull_requests::MergePullRequest<cc::pull_requests::ByThreeWay>>(),
    entry::<cc::approvals::CreatePullRequestApprovalRule>(),
    entry::<cc::approvals::UpdatePullRequestApprovalRuleContent>(),
    entry::<cc::approvals::DeletePullRequestApprovalRule>(),
    entry::<cc::approvals::UpdatePullRequestApprovalState>(),
    entry::<cc::approvals::GetPullRequestApprovalStates>(),
    entry::<cc::approvals::EvaluatePullRequestApprovalRules>(),
    entry::<cc::approvals::OverridePullRequestApprovalRules>(),
    entry::<cc::approvals::GetPullRequestOverrideState>(),
    entry::<cc::approval_templates::CreateApprovalRuleTemplate>(),
    entry::<cc::approval_templates::GetApprovalRuleTemplate>(),
    entry::<cc::approval_templates::DeleteApprovalRuleTemplate>(),
    entry::<cc::approval_templates::ListApprovalRuleTemplates>(),
    entry::<cc::approval_templates::UpdateApprovalRuleTemplateName>(),
    entry::<cc::approval_templates::UpdateApprovalRuleTemplateDescription>(),
    entry::<cc::approval_templates::UpdateApprovalRuleTemplateContent>(),
    entry::<cc::approval_templates::ChangeAssociation<cc::approval_templates::Associate>>(),
    entry::<cc::approval_templates::ChangeAssociation<cc::approval_templates::Disassociate>>(),
    entry::<cc::approval_templates::BatchChangeAssociation<cc::approval_templates::Associate>>(),
    entry::<cc::approval_templates::BatchChangeAssociation<cc::approval_templates::Disassociate>>(),
    entry::<cc::approval_templates::ListAssociatedApprovalRuleTemplatesForRepository>(),
    entry::<cc::approval_templates::ListRepositoriesForApprovalRuleTemplate>(),
    entry::<cc::comments::PostCommentForComparedCommit>(),
    entry::<cc::comments::PostCommentForPullRequest>(),
    entry::<cc::comments::PostCommentReply>(),
    entry::<cc::comments::GetComment>(),
    entry::<cc::comments::GetCommentsForComparedCommit>(),
    entry::<cc::comments::GetCommentsForPullRequest>(),
    entry::<cc::comments::UpdateComment>(),
    entry::<cc::comments::DeleteCommentContent>(),
    entry::<cc::comments::PutCommentReaction>(),
    entry::<cc::comments::GetCommentReactions>(),
    entry::<cc::differences::GetBlobDifferences>(),
    entry::<cc::triggers::PutRepositoryTriggers>(),
    entry::<cc::triggers::GetRepositoryTriggers>(),
    entry::<cc::triggers::TestRepositoryTriggers>(),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn declared<E>(entries: &[Entry<E>]) -> Vec<String> {
        entries
            .iter()
            .map(|e| match e.authorization {
                Authorization::None => format!("{} -", e.name),
                Authorization::Required(action) => format!("{} {action}", e.name),
                Authorization::WithResourcePolicy(action) => {
                    format!("{} {action} (with the resource policy)", e.name)
                }
            })
            .collect()
    }

    /// Every operation with the IAM action it declares: a change to either shows here.
    #[test]
    fn every_operation_declares_its_iam_action() {
        // IAM and CodeCommit: `<service>:<Operation>` for each, enforced before the handler.
        // ChangePassword: also when the account's password policy lets users change theirs.
        for (e, line) in IAM.iter().zip(declared(IAM)) {
            let resource_policy = match e.name {
                "ChangePassword" => " (with the resource policy)",
                _ => "",
            };
            assert_eq!(line, format!("{} iam:{}{resource_policy}", e.name, e.name));
        }
        for (e, line) in CODECOMMIT.iter().zip(declared(CODECOMMIT)) {
            assert_eq!(line, format!("{} codecommit:{}", e.name, e.name));
        }
        // STS as AWS documents it: no permission for the first two.
        assert_eq!(
            declared(STS),
            [
                "GetCallerIdentity -",
                "GetSessionToken -",
                "AssumeRole sts:AssumeRole (with the resource policy)",
            ]
        );
        assert_eq!(
            (IAM.len(), STS.len(), STS_UNSIGNED.len(), CODECOMMIT.len()),
            (92, 3, 1, 80)
        );
    }

    fn context() -> TransportState {
        let store = crate::store::Store::open_in_memory().unwrap();
        let hasher = crate::crypto::passwords::PasswordHasher::for_store(&store).unwrap();
        let ctx = crate::context::Context::new(
            store,
            hasher,
            std::path::PathBuf::from("/nonexistent"),
            "123456789012".into(),
            "us-east-1".into(),
            None,
        );
        TransportState::new(std::sync::Arc::new(ctx), 16, 0)
    }

    fn caller() -> Principal {
        Principal {
            account_id: "123456789012".into(),
            arn: "arn:aws:iam::123456789012:user/admin".into(),
            identity: crate::principal::Identity::User {
                user_id: "AIDAEXAMPLEEXAMPLE123".into(),
                user_name: "admin".into(),
            },
            method: crate::principal::AuthMethod::AccessKey {
                access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
            },
        }
    }

    fn show(t: Target) -> String {
        let mut line = t.resource;
        for (key, values) in t.context {
            line.push_str(&format!(" {key}={}", values.join(",")));
        }
        line
    }

    /// Every operation's resource rule, for one request naming every member a rule reads.
    #[test]
    fn every_operation_declares_its_target() {
        let (ctx, me) = (context(), caller());
        let repo = "arn:aws:codecommit:us-east-1:123456789012:demo";
        let json = br#"{"repositoryName":"demo","oldName":"demo","branchName":"main","targetBranch":"main",
            "targets":[{"repositoryName":"demo","sourceReference":"feature"}],
            "resourceArn":"arn:aws:codecommit:us-east-1:123456789012:demo",
            "tags":{"team":"red"},"tagKeys":["team"]}"#;
        for e in CODECOMMIT {
            let got = show((e.target)(&ctx, &me, Body::Json(json)).unwrap());
            let expected = match e.name {
                "ListRepositories"
                | "BatchGetRepositories"
                | "CreateApprovalRuleTemplate"
                | "GetApprovalRuleTemplate"
                | "DeleteApprovalRuleTemplate"
                | "ListApprovalRuleTemplates"
                | "UpdateApprovalRuleTemplateName"
                | "UpdateApprovalRuleTemplateDescription"
                | "UpdateApprovalRuleTemplateContent"
                | "BatchAssociateApprovalRuleTemplateWithRepositories"
                | "BatchDisassociateApprovalRuleTemplateFromRepositories"
                | "ListRepositoriesForApprovalRuleTemplate" => "*".to_owned(),
                // No such pull request or comment: the account's repositories.
                n if (n.contains("PullRequest")
                    && n != "CreatePullRequest"
                    && n != "ListPullRequests")
                    || [
                        "PostCommentReply",
                        "GetComment",
                        "UpdateComment",
                        "DeleteCommentContent",
                        "PutCommentReaction",
                        "GetCommentReactions",
                    ]
                    .contains(&n) =>
                {
                    "arn:aws:codecommit:us-east-1:123456789012:*".to_owned()
                }
                "CreateBranch"
                | "DeleteBranch"
                | "CreateCommit"
                | "PutFile"
                | "DeleteFile"
                | "MergeBranchesByFastForward"
                | "MergeBranchesBySquash"
                | "MergeBranchesByThreeWay" => {
                    format!("{repo} codecommit:References=refs/heads/main")
                }
                // The tags a request carries: aws:RequestTag/… and aws:TagKeys.
                "CreateRepository" | "TagResource" => {
                    format!("{repo} aws:RequestTag/team=red aws:TagKeys=team")
                }
                "UntagResource" => format!("{repo} aws:TagKeys=team"),
                _ => repo.to_owned(),
            };
            assert_eq!(got, expected, "{}", e.name);
        }
        let params = query::Params::parse(
            b"UserName=bob&RoleName=ci&RoleArn=arn:aws:iam::123456789012:role/ci&RoleSessionName=s1\
&AccessKeyId=AKIAIOSFODNN7EXAMPLE&ServiceName=codecommit.amazonaws.com\
&ServiceSpecificCredentialId=ACCAEXAMPLEEXAMPLE123&SSHPublicKeyId=APKAEXAMPLEEXAMPLE12\
&SSHPublicKeyBody=x&Encoding=SSH&Status=Active&AssumeRolePolicyDocument=%7B%7D\
&PolicyDocument=%7B%7D&GroupName=devs&PolicyName=p1&PolicyArn=arn:aws:iam::123456789012:policy/p1\
&VersionId=v1&PolicySourceArn=arn:aws:iam::123456789012:user/bob&InstanceProfileName=ip\
&OpenIDConnectProviderArn=arn:aws:iam::123456789012:oidc-provider/example.com&ClientID=c\
&Url=https://example.com&OldPassword=x&NewPassword=y&AccountAlias=demo-corp",
            "",
        );
        for e in IAM {
            let got = show((e.target)(&ctx, &me, Body::Query(&params)).unwrap());
            let expected = match e.name {
                "ListUsers"
                | "ListRoles"
                | "GetAccessKeyLastUsed"
                | "ListPolicies"
                | "ListGroups"
                | "SimulateCustomPolicy"
                | "GetAccountPasswordPolicy"
                | "UpdateAccountPasswordPolicy"
                | "DeleteAccountPasswordPolicy"
                | "CreateAccountAlias"
                | "ListAccountAliases"
                | "DeleteAccountAlias" => "*",
                "SimulatePrincipalPolicy" => "arn:aws:iam::123456789012:user/bob",
                // The caller's own password.
                "ChangePassword" => "arn:aws:iam::123456789012:user/admin",
                "ListInstanceProfiles" | "ListOpenIDConnectProviders" => "*",
                "ListInstanceProfilesForRole" => "arn:aws:iam::123456789012:role/ci",
                n if n.contains("InstanceProfile") => {
                    "arn:aws:iam::123456789012:instance-profile/ip"
                }
                n if n.contains("OpenIDConnectProvider") => {
                    "arn:aws:iam::123456789012:oidc-provider/example.com"
                }
                "ListGroupsForUser" => "arn:aws:iam::123456789012:user/bob",
                n if n.contains("Role") => "arn:aws:iam::123456789012:role/ci",
                n if n.contains("Group") => "arn:aws:iam::123456789012:group/devs",
                n if n.contains("Policy") && !n.contains("User") => {
                    "arn:aws:iam::123456789012:policy/p1"
                }
                _ => "arn:aws:iam::123456789012:user/bob",
            };
            assert_eq!(got, expected, "{}", e.name);
        }
        let assume = registry_target(STS, "AssumeRole", &ctx, &me, &params);
        assert_eq!(assume, "arn:aws:iam::123456789012:role/ci");
    }

    fn registry_target(
        entries: &[Entry<crate::iam::IamError>],
        name: &str,
        ctx: &TransportState,
        me: &Principal,
        params: &query::Params,
    ) -> String {
        let e = find(entries, name).unwrap();
        show((e.target)(ctx, me, Body::Query(params)).unwrap())
    }

    #[test]
    fn names_are_unique_and_all_80_are_served() {
        let mut names: Vec<&str> = IAM.iter().map(|e| e.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), IAM.len());
        let mut names: Vec<&str> = CODECOMMIT.iter().map(|e| e.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), CODECOMMIT.len());
        // The CodeCommit model's 80 operations, every one served.
        assert_eq!(CODECOMMIT.len(), 80);
    }
}
