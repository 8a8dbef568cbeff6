//! The AWS managed policies this server knows (`arn:aws:iam::aws:policy/NAME`), compiled in:
//! their documents as AWS publishes them for the services emulated here. `ReadOnlyAccess`
//! lists the read actions of IAM, STS and CodeCommit only (AWS's lists every service).

use std::sync::OnceLock;

use sha2::{Digest, Sha256};

use crate::policy::{self, Kind, Policy};

pub struct AwsPolicy {
    pub name: &'static str,
    pub description: &'static str,
    /// The default version's ID (`v1`, …).
    pub version: &'static str,
    pub created: &'static str,
    pub updated: &'static str,
    pub document: &'static str,
}

impl AwsPolicy {
    pub fn arn(&self) -> String {
        format!("arn:aws:iam::aws:policy/{}", self.name)
    }

    /// A stable `ANPA…` ID derived from the name (AWS's IDs are not published for all).
    pub fn policy_id(&self) -> String {
        const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let digest = Sha256::digest(self.name.as_bytes());
        let mut id = String::from("ANPA");
        id.extend(
            digest
                .iter()
                .take(17)
                .map(|b| ALPHABET[(*b as usize) % 32] as char),
        );
        id
    }

    /// The parsed document (parsed once).
    pub fn parsed(&self) -> &'static Policy {
        let index = ALL
            .iter()
            .position(|p| p.name == self.name)
            .expect("listed");
        let parsed = PARSED.get_or_init(|| {
            ALL.iter()
                .map(|p| policy::parse(p.document, Kind::Identity).expect("AWS's documents parse"))
                .collect()
        });
        &parsed[index]
    }
}

static PARSED: OnceLock<Vec<Policy>> = OnceLock::new();

macro_rules! aws_policy {
    ($name:literal, $description:literal, $version:literal, $created:literal, $updated:literal) => {
        AwsPolicy {
            name: $name,
            description: $description,
            version: $version,
            created: $created,
            updated: $updated,
            document: include_str!(concat!($name, ".json")),
        }
    };
}

pub static ALL: &[AwsPolicy] = &[
    aws_policy!(
        "AdministratorAccess",
        "Provides full access to AWS services and resources.",
        "v1",
        "2015-02-06T18:39:46Z",
        "2015-02-06T18:39:46Z"
    ),
    aws_policy!(
        "PowerUserAccess",
        "Provides full access to AWS services and resources, but does not allow management of Users and groups.",
        "v6",
        "2015-02-06T18:39:47Z",
        "2023-07-06T22:04:00Z"
    ),
    aws_policy!(
        "ReadOnlyAccess",
        "Provides read-only access to AWS services and resources.",
        "v129",
        "2015-02-06T18:39:48Z",
        "2025-01-15T19:00:00Z"
    ),
    aws_policy!(
        "AWSCodeCommitFullAccess",
        "Provides full access to AWS CodeCommit via the AWS Management Console.",
        "v6",
        "2015-07-09T17:02:19Z",
        "2025-01-10T20:07:00Z"
    ),
    aws_policy!(
        "AWSCodeCommitPowerUser",
        "Provides full access to AWS CodeCommit repositories, but does not allow repository deletion.",
        "v16",
        "2015-07-09T17:06:49Z",
        "2025-01-10T20:07:00Z"
    ),
    aws_policy!(
        "AWSCodeCommitReadOnly",
        "Provides read only access to AWS CodeCommit via the AWS Management Console.",
        "v12",
        "2015-07-09T17:05:06Z",
        "2025-01-10T20:07:00Z"
    ),
    aws_policy!(
        "IAMFullAccess",
        "Provides full access to IAM via the AWS Management Console.",
        "v2",
        "2015-02-06T18:40:38Z",
        "2019-06-21T19:40:00Z"
    ),
    aws_policy!(
        "IAMReadOnlyAccess",
        "Provides read only access to IAM via the AWS Management Console.",
        "v4",
        "2015-02-06T18:40:39Z",
        "2018-01-25T19:11:27Z"
    ),
    aws_policy!(
        "IAMUserSSHKeys",
        "Provides the ability for an IAM user to manage their own SSH keys.",
        "v1",
        "2015-07-09T17:08:54Z",
        "2015-07-09T17:08:54Z"
    ),
    aws_policy!(
        "IAMUserChangePassword",
        "Provides the ability for an IAM user to change their own password.",
        "v2",
        "2016-11-15T00:25:16Z",
        "2016-11-15T23:18:55Z"
    ),
    aws_policy!(
        "IAMSelfManageServiceSpecificCredentials",
        "Allows an IAM user to manage their own Service Specific Credentials.",
        "v1",
        "2016-12-22T17:25:18Z",
        "2016-12-22T17:25:18Z"
    ),
];

/// The AWS managed policy with this ARN.
pub fn by_arn(arn: &str) -> Option<&'static AwsPolicy> {
    let name = arn.strip_prefix("arn:aws:iam::aws:policy/")?;
    by_name(name.rsplit('/').next().unwrap_or(name))
}

pub fn by_name(name: &str) -> Option<&'static AwsPolicy> {
    ALL.iter().find(|p| p.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_document_parses_and_ids_are_stable() {
        for p in ALL {
            assert!(!p.parsed().statements.is_empty(), "{}", p.name);
            assert_eq!(p.policy_id().len(), 21);
            assert_eq!(p.policy_id(), p.policy_id());
        }
        assert_eq!(
            by_arn("arn:aws:iam::aws:policy/AWSCodeCommitReadOnly").map(|p| p.name),
            Some("AWSCodeCommitReadOnly")
        );
        assert!(by_arn("arn:aws:iam::123456789012:policy/AWSCodeCommitReadOnly").is_none());
    }
}
