//! Repository triggers: their validation (as PutRepositoryTriggers checks them), which
//! reference changes fire which trigger, and the records CodeCommit sends to SNS and Lambda.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::codecommit::error::CodeCommitError as E;
use crate::store::RepositoryRow;

/// CodeCommit's quotas: triggers per repository, branches per trigger, custom data.
pub const MAX_TRIGGERS: usize = 10;
pub const MAX_BRANCHES: usize = 10;
pub const MAX_CUSTOM_DATA: usize = 1000;
const MAX_NAME: usize = 100;
/// References per record: a push changing more is sent in parts.
const REFERENCES_PER_PART: usize = 100;

const EVENTS: &[&str] = &[
    "all",
    "updateReference",
    "createReference",
    "deleteReference",
];

/// A trigger as the API takes and returns it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Trigger {
    pub name: Option<String>,
    pub destination_arn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub custom_data: Option<String>,
    pub branches: Option<Vec<String>>,
    pub events: Option<Vec<String>>,
}

/// Where a trigger sends: SNS `Publish` or Lambda `Invoke`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Sns,
    Lambda,
}

impl Service {
    pub fn kind(self) -> &'static str {
        match self {
            Service::Sns => "sns",
            Service::Lambda => "lambda",
        }
    }
}

/// The service of a destination ARN, checked as CodeCommit checks it: an SNS topic or a
/// Lambda function (optionally qualified) in this server's region.
pub fn destination(arn: &str, region: &str) -> Result<Service, E> {
    let invalid = || E::invalid_repository_trigger_destination_arn(arn);
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    if parts.len() != 6 || parts[0] != "arn" || !parts[1].starts_with("aws") {
        return Err(invalid());
    }
    let account_ok = parts[4].len() == 12 && parts[4].bytes().all(|b| b.is_ascii_digit());
    let service = match (parts[2], parts[5]) {
        ("sns", topic)
            if !topic.is_empty()
                && topic.len() <= 256
                && topic
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') =>
        {
            Service::Sns
        }
        ("lambda", rest) => {
            let f: Vec<&str> = rest.split(':').collect();
            let named = f.len() >= 2
                && f.len() <= 3
                && f[0] == "function"
                && !f[1].is_empty()
                && f[1]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !named {
                return Err(invalid());
            }
            Service::Lambda
        }
        _ => return Err(invalid()),
    };
    if !account_ok {
        return Err(invalid());
    }
    if parts[3] != region {
        return Err(E::invalid_repository_trigger_region(arn, region));
    }
    Ok(service)
}

/// Checks a trigger list as PutRepositoryTriggers and TestRepositoryTriggers do.
pub fn validate(triggers: Option<&[Trigger]>, region: &str) -> Result<Vec<Trigger>, E> {
    let triggers = triggers.ok_or_else(E::repository_triggers_list_required)?;
    if triggers.len() > MAX_TRIGGERS {
        return Err(E::maximum_repository_triggers_exceeded(MAX_TRIGGERS));
    }
    let mut seen: Vec<&str> = Vec::new();
    for t in triggers {
        seen.push(check_name(t.name.as_deref(), &seen)?);
        let arn = t
            .destination_arn
            .as_deref()
            .filter(|a| !a.is_empty())
            .ok_or_else(E::repository_trigger_destination_arn_required)?;
        destination(arn, region)?;
        if t.custom_data
            .as_deref()
            .is_some_and(|d| d.chars().count() > MAX_CUSTOM_DATA)
        {
            return Err(E::invalid_repository_trigger_custom_data(MAX_CUSTOM_DATA));
        }
        check_branches(t.branches.as_deref())?;
        check_events(t.events.as_deref())?;
    }
    Ok(triggers.to_vec())
}

/// A trigger's name: given, at most [`MAX_NAME`] characters, none a control character, and
/// not one of the names `seen` before it.
fn check_name<'a>(name: Option<&'a str>, seen: &[&str]) -> Result<&'a str, E> {
    let name = name
        .filter(|n| !n.is_empty())
        .ok_or_else(E::repository_trigger_name_required)?;
    if name.chars().count() > MAX_NAME || name.chars().any(char::is_control) || seen.contains(&name)
    {
        return Err(E::invalid_repository_trigger_name(name, MAX_NAME));
    }
    Ok(name)
}

/// A trigger's branches: a list (empty for all branches) of at most [`MAX_BRANCHES`] valid
/// branch names.
fn check_branches(branches: Option<&[String]>) -> Result<(), E> {
    let branches = branches.ok_or_else(E::repository_trigger_branch_name_list_required)?;
    if branches.len() > MAX_BRANCHES {
        return Err(E::maximum_branches_exceeded(MAX_BRANCHES));
    }
    for b in branches {
        if b.is_empty()
            || b.len() > 256
            || !git2::Reference::is_valid_name(&format!("refs/heads/{b}"))
        {
            return Err(E::invalid_repository_trigger_branch_name(b));
        }
    }
    Ok(())
}

/// A trigger's events: at least one, each one of [`EVENTS`], and `all` only alone.
fn check_events(events: Option<&[String]>) -> Result<(), E> {
    let events = events
        .filter(|e| !e.is_empty())
        .ok_or_else(E::repository_trigger_events_list_required)?;
    let unknown = events.iter().any(|e| !EVENTS.contains(&e.as_str()));
    if unknown || (events.len() > 1 && events.iter().any(|e| e == "all")) {
        return Err(E::invalid_repository_trigger_events());
    }
    Ok(())
}

/// One reference a push (or an API call) changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefChange {
    /// `refs/heads/main` or `refs/tags/v1`.
    pub name: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

impl RefChange {
    fn event(&self) -> &'static str {
        match (&self.old, &self.new) {
            (None, _) => "createReference",
            (_, None) => "deleteReference",
            _ => "updateReference",
        }
    }

    /// The record's reference entry: the commit, and `created` or `deleted`.
    fn reference(&self) -> Value {
        let commit = self.new.as_ref().or(self.old.as_ref());
        let mut r = json!({"commit": commit, "ref": self.name});
        match self.event() {
            "createReference" => r["created"] = json!(true),
            "deleteReference" => r["deleted"] = json!(true),
            _ => {}
        }
        r
    }
}

impl Trigger {
    /// Whether a change of `change` fires this trigger: its events and (for branches) its
    /// branch list, empty meaning every branch; tags only fire triggers with no branch list.
    pub fn fires_for(&self, change: &RefChange) -> bool {
        let events = self.events.as_deref().unwrap_or_default();
        let event_ok = events.iter().any(|e| e == "all" || e == change.event());
        let branches = self.branches.as_deref().unwrap_or_default();
        let branch_ok = branches.is_empty()
            || change
                .name
                .strip_prefix("refs/heads/")
                .is_some_and(|b| branches.iter().any(|x| x == b));
        event_ok && branch_ok
    }
}

/// What every record of one firing shares.
pub struct Firing<'a> {
    pub repository: &'a RepositoryRow,
    pub configuration_id: &'a str,
    pub trigger: &'a Trigger,
    pub actor: &'a str,
    /// `ReferenceChanges`, or `TestTrigger` for TestRepositoryTriggers.
    pub event_name: &'a str,
}

/// The message bodies one firing sends: CodeCommit's `Records` JSON, in parts of at most
/// 100 references.
pub fn records(f: &Firing<'_>, changes: &[&RefChange]) -> Vec<String> {
    let parts: Vec<&[&RefChange]> = changes.chunks(REFERENCES_PER_PART).collect();
    let total = parts.len();
    let event_id = uuid::Uuid::new_v4().to_string();
    let time = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.3f+0000")
        .to_string();
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let mut record = json!({
                "awsRegion": f.repository.region,
                "codecommit": {
                    "references": part.iter().map(|c| c.reference()).collect::<Vec<_>>(),
                },
                "eventId": event_id,
                "eventName": f.event_name,
                "eventPartNumber": i + 1,
                "eventSource": "aws:codecommit",
                "eventSourceARN": f.repository.arn(),
                "eventTime": time,
                "eventTotalParts": total,
                "eventTriggerConfigId": f.configuration_id,
                "eventTriggerName": f.trigger.name,
                "eventVersion": "1.0",
                "userIdentityARN": f.actor,
            });
            if let Some(data) = &f.trigger.custom_data {
                record["customData"] = json!(data);
            }
            json!({ "Records": [record] }).to_string()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trigger(events: &[&str], branches: &[&str]) -> Trigger {
        Trigger {
            name: Some("t".into()),
            destination_arn: Some("arn:aws:sns:us-east-1:123456789012:topic".into()),
            custom_data: None,
            branches: Some(branches.iter().map(|s| s.to_string()).collect()),
            events: Some(events.iter().map(|s| s.to_string()).collect()),
        }
    }

    #[test]
    fn destinations_are_checked_for_service_and_region() {
        let r = "us-east-1";
        assert_eq!(
            destination("arn:aws:sns:us-east-1:123456789012:t", r).unwrap(),
            Service::Sns
        );
        assert_eq!(
            destination("arn:aws:lambda:us-east-1:123456789012:function:f:live", r).unwrap(),
            Service::Lambda
        );
        for bad in [
            "arn:aws:sqs:us-east-1:123456789012:q",
            "arn:aws:lambda:us-east-1:123456789012:layer:x",
            "arn:aws:sns:us-east-1:12345:t",
            "not an arn",
        ] {
            assert_eq!(
                destination(bad, r).unwrap_err().code,
                "InvalidRepositoryTriggerDestinationArnException",
                "{bad}"
            );
        }
        assert_eq!(
            destination("arn:aws:sns:eu-west-1:123456789012:t", r)
                .unwrap_err()
                .code,
            "InvalidRepositoryTriggerRegionException"
        );
    }

    #[test]
    fn events_and_branches_decide_what_fires() {
        let created = RefChange {
            name: "refs/heads/main".into(),
            old: None,
            new: Some("a".into()),
        };
        let other = RefChange {
            name: "refs/heads/dev".into(),
            old: Some("a".into()),
            new: Some("b".into()),
        };
        let tag = RefChange {
            name: "refs/tags/v1".into(),
            old: None,
            new: Some("a".into()),
        };
        assert!(trigger(&["all"], &[]).fires_for(&created));
        assert!(trigger(&["createReference"], &["main"]).fires_for(&created));
        assert!(!trigger(&["updateReference"], &["main"]).fires_for(&created));
        assert!(!trigger(&["all"], &["main"]).fires_for(&other));
        assert!(!trigger(&["all"], &["main"]).fires_for(&tag));
        assert!(trigger(&["all"], &[]).fires_for(&tag));
        let bad = [trigger(&["all", "createReference"], &[])];
        assert_eq!(
            validate(Some(&bad), "us-east-1").unwrap_err().code,
            "InvalidRepositoryTriggerEventsException"
        );
    }
}
