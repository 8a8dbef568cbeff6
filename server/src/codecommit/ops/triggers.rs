//! Repository triggers: PutRepositoryTriggers, GetRepositoryTriggers, TestRepositoryTriggers.

use serde::{Deserialize, Serialize};

use super::{repository, repository_target};
use crate::codecommit::content;
use crate::codecommit::error::CodeCommitError as E;
use crate::codecommit::events;
use crate::codecommit::triggers::{self, Firing, RefChange, Trigger};
use crate::context::Context;
use crate::operation::{Authorization, Call, Operation, Target};
use crate::principal::Principal;
use crate::store::events as rows;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PutRepositoryTriggers {
    pub repository_name: Option<String>,
    pub triggers: Option<Vec<Trigger>>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfigurationOutput {
    pub configuration_id: String,
}

impl Operation for PutRepositoryTriggers {
    const NAME: &'static str = "PutRepositoryTriggers";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:PutRepositoryTriggers");
    type Output = ConfigurationOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<ConfigurationOutput, E> {
        let row = repository(call.ctx, call.principal, self.repository_name.as_deref())?;
        let list = triggers::validate(self.triggers.as_deref(), &call.ctx.region)?;
        let configuration_id = uuid::Uuid::new_v4().to_string();
        let stored = serde_json::to_string(&list).map_err(|e| E::internal(e.to_string()))?;
        call.ctx
            .store
            .write(|c| rows::set_triggers(c, &row.repository_id, &configuration_id, &stored))?;
        Ok(ConfigurationOutput { configuration_id })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetRepositoryTriggers {
    pub repository_name: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TriggersOutput {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub configuration_id: Option<String>,
    pub triggers: Vec<Trigger>,
}

impl Operation for GetRepositoryTriggers {
    const NAME: &'static str = "GetRepositoryTriggers";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:GetRepositoryTriggers");
    type Output = TriggersOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        Ok(repository_target(
            ctx,
            principal,
            self.repository_name.as_deref(),
        ))
    }

    fn handle(self, call: &Call<'_>) -> Result<TriggersOutput, E> {
        let row = repository(call.ctx, call.principal, self.repository_name.as_deref())?;
        let configured = call
            .ctx
            .store
            .read(|c| events::configured_triggers(c, &row.repository_id))?;
        Ok(match configured {
            Some((id, triggers)) => TriggersOutput {
                configuration_id: Some(id),
                triggers,
            },
            None => TriggersOutput {
                configuration_id: None,
                triggers: Vec::new(),
            },
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct TestRepositoryTriggers(pub PutRepositoryTriggers);

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecutionFailure {
    pub trigger: String,
    pub failure_message: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestOutput {
    pub successful_executions: Vec<String>,
    pub failed_executions: Vec<ExecutionFailure>,
}

/// The reference a test record names: the default branch's last commit, or sample data in
/// an empty repository.
fn test_reference(call: &Call<'_>, row: &crate::store::RepositoryRow) -> RefChange {
    let branch = row.default_branch.clone().unwrap_or_else(|| "main".into());
    let commit = content::open(call.ctx, row).ok().and_then(|repo| {
        repo.revparse_single(&format!("refs/heads/{branch}"))
            .ok()
            .and_then(|o| o.peel_to_commit().ok())
            .map(|c| c.id().to_string())
    });
    RefChange {
        name: format!("refs/heads/{branch}"),
        old: commit.clone(),
        new: Some(commit.unwrap_or_else(|| "0".repeat(40))),
    }
}

impl Operation for TestRepositoryTriggers {
    const NAME: &'static str = "TestRepositoryTriggers";
    const AUTHORIZATION: Authorization =
        Authorization::Required("codecommit:TestRepositoryTriggers");
    type Output = TestOutput;
    type Error = E;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, E> {
        self.0.target(ctx, principal)
    }

    fn handle(self, call: &Call<'_>) -> Result<TestOutput, E> {
        let row = repository(call.ctx, call.principal, self.0.repository_name.as_deref())?;
        let list = triggers::validate(self.0.triggers.as_deref(), &call.ctx.region)?;
        let reference = test_reference(call, &row);
        let configuration_id = uuid::Uuid::new_v4().to_string();
        let mut out = TestOutput {
            successful_executions: Vec::new(),
            failed_executions: Vec::new(),
        };
        for t in &list {
            let name = t.name.clone().unwrap_or_default();
            let arn = t.destination_arn.as_deref().unwrap_or_default();
            let kind = triggers::destination(arn, &call.ctx.region)?.kind();
            let firing = Firing {
                repository: &row,
                configuration_id: &configuration_id,
                trigger: t,
                actor: &call.principal.arn,
                event_name: "TestTrigger",
            };
            let body = triggers::records(&firing, &[&reference]).remove(0);
            let sent = match call.ctx.deliver.get() {
                Some(d) => d.deliver_now(kind, arn, &body),
                None => Err("event delivery is not running".to_owned()),
            };
            match sent {
                Ok(()) => out.successful_executions.push(name),
                Err(e) => out.failed_executions.push(ExecutionFailure {
                    trigger: name,
                    failure_message: e,
                }),
            }
        }
        Ok(out)
    }
}
