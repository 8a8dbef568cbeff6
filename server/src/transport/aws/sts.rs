//! STS's Query API (version 2011-06-15): GetCallerIdentity, GetSessionToken, AssumeRole.

use super::query::{EXTERNAL_ID_PATTERN, NAME_OR_EMPTY, Params, Spec, Xml};
use crate::auth::Principal;
use crate::context::Context;
use crate::iam::IamError;
use crate::sts::{self, TemporaryCredentials};

pub const NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
pub const VERSION: &str = "2011-06-15";

super::operations! {
    GetCallerIdentity, GetSessionToken, AssumeRole,
}

const ROLE_ARN: Spec = Spec {
    member: "RoleArn",
    min: 20,
    max: 2048,
    pattern: None,
};
const EXTERNAL_ID: Spec = Spec {
    member: "ExternalId",
    min: 2,
    max: 1224,
    pattern: Some(EXTERNAL_ID_PATTERN),
};
const SESSION_NAME: Spec = Spec {
    member: "RoleSessionName",
    min: 2,
    max: 64,
    pattern: Some(NAME_OR_EMPTY),
};

fn credentials_xml(x: &mut Xml, c: &TemporaryCredentials) {
    x.open("Credentials")
        .leaf("AccessKeyId", &c.access_key_id)
        .leaf("SecretAccessKey", c.secret_access_key.expose())
        .leaf("SessionToken", c.session_token.expose())
        .leaf(
            "Expiration",
            c.expiration
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
        .close("Credentials");
}

pub fn handle(
    ctx: &Context,
    principal: &Principal,
    op: Op,
    p: &mut Params,
) -> Result<Option<Xml>, IamError> {
    let mut x = Xml::new();
    match op {
        Op::GetCallerIdentity => {
            p.finish()?;
            x.leaf("Arn", &principal.arn)
                .leaf("UserId", principal.caller_id())
                .leaf("Account", &principal.account_id);
        }
        Op::GetSessionToken => {
            let seconds = p.int("DurationSeconds", 900, 129_600);
            p.finish()?;
            let creds = ctx
                .store
                .write(|c| sts::get_session_token(c, principal, seconds))?;
            credentials_xml(&mut x, &creds);
        }
        Op::AssumeRole => {
            let role_arn = p.req(&ROLE_ARN);
            let session = p.req(&SESSION_NAME);
            let seconds = p.int("DurationSeconds", 900, 43_200);
            let external_id = p.opt(&EXTERNAL_ID);
            p.finish()?;
            let request = sts::AssumeRoleRequest {
                role_arn: &role_arn,
                session_name: &session,
                seconds,
                external_id: external_id.as_deref(),
            };
            let (creds, assumed) = ctx
                .store
                .write(|c| sts::assume_role(c, principal, &request))?;
            credentials_xml(&mut x, &creds);
            x.open("AssumedRoleUser")
                .leaf("AssumedRoleId", assumed.caller_id())
                .leaf("Arn", &assumed.arn)
                .close("AssumedRoleUser");
        }
    }
    Ok(Some(x))
}
