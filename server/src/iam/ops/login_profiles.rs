//! Console passwords: CreateLoginProfile, GetLoginProfile, UpdateLoginProfile,
//! DeleteLoginProfile, ChangePassword, and the account password policy
//! (GetAccountPasswordPolicy, UpdateAccountPasswordPolicy, DeleteAccountPasswordPolicy).

use serde::{Deserialize, Serialize};

use super::{EXISTING_USER_NAME, aws_date, target_user, user_target};
use crate::context::Context;
use crate::iam::IamError;
use crate::iam::login_profiles::{self as profiles, PasswordPolicy};
use crate::operation::model::{Member, TEXT};
use crate::operation::{Authorization, Call, Empty, Operation, Target};
use crate::policy::decide::{Decision, denial_message};
use crate::principal::{Identity, Principal};
use crate::secret::Secret;
use crate::store::login_profiles::LoginProfileRow;

const PASSWORD: Member = Member::string("Password", 1, 128, Some(TEXT)).sensitive();

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoginProfile {
    pub user_name: String,
    pub create_date: String,
    pub password_reset_required: bool,
}

impl LoginProfile {
    fn new(user_name: &str, row: &LoginProfileRow) -> Self {
        LoginProfile {
            user_name: user_name.to_owned(),
            create_date: aws_date(&row.created_at),
            password_reset_required: row.password_reset_required,
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LoginProfileOutput {
    pub login_profile: LoginProfile,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateLoginProfile {
    pub user_name: Option<String>,
    pub password: Option<Secret>,
    #[serde(default)]
    pub password_reset_required: bool,
}

impl Operation for CreateLoginProfile {
    const NAME: &'static str = "CreateLoginProfile";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:CreateLoginProfile");
    const MEMBERS: &'static [Member] = &[EXISTING_USER_NAME, PASSWORD];
    type Output = LoginProfileOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, self.user_name.as_deref())
    }

    fn handle(self, call: &Call<'_>) -> Result<LoginProfileOutput, IamError> {
        // The model lets Password be absent (a root-session flow this server has no use
        // for); a console password is what a login profile is.
        let password = self.password.ok_or_else(|| {
            IamError::Validation(
                "1 validation error detected: Value null at 'password' failed to satisfy \
                 constraint: Member must not be null"
                    .into(),
            )
        })?;
        let (user, row) = call.ctx.store.write(|c| {
            let user = target_user(c, call.principal, self.user_name.as_deref())?;
            let row = profiles::create(
                c,
                &call.ctx.hasher,
                &user,
                &password,
                self.password_reset_required,
            )?;
            Ok::<_, IamError>((user, row))
        })?;
        Ok(LoginProfileOutput {
            login_profile: LoginProfile::new(&user.user_name, &row),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetLoginProfile {
    pub user_name: Option<String>,
}

impl Operation for GetLoginProfile {
    const NAME: &'static str = "GetLoginProfile";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:GetLoginProfile");
    const MEMBERS: &'static [Member] = &[EXISTING_USER_NAME];
    type Output = LoginProfileOutput;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, self.user_name.as_deref())
    }

    fn handle(self, call: &Call<'_>) -> Result<LoginProfileOutput, IamError> {
        let (user, row) = call.ctx.store.read(|c| {
            let user = target_user(c, call.principal, self.user_name.as_deref())?;
            let row = profiles::get(c, &user)?;
            Ok::<_, IamError>((user, row))
        })?;
        Ok(LoginProfileOutput {
            login_profile: LoginProfile::new(&user.user_name, &row),
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateLoginProfile {
    pub user_name: String,
    pub password: Option<Secret>,
    pub password_reset_required: Option<bool>,
}

impl Operation for UpdateLoginProfile {
    const NAME: &'static str = "UpdateLoginProfile";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:UpdateLoginProfile");
    const MEMBERS: &'static [Member] = &[EXISTING_USER_NAME.required(), PASSWORD];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, Some(&self.user_name))
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx.store.write(|c| {
            let user = target_user(c, call.principal, Some(&self.user_name))?;
            profiles::update(
                c,
                &call.ctx.hasher,
                &user,
                self.password.as_ref(),
                self.password_reset_required,
            )
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteLoginProfile {
    pub user_name: Option<String>,
}

impl Operation for DeleteLoginProfile {
    const NAME: &'static str = "DeleteLoginProfile";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:DeleteLoginProfile");
    const MEMBERS: &'static [Member] = &[EXISTING_USER_NAME];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, ctx: &Context, principal: &Principal) -> Result<Target, IamError> {
        user_target(ctx, principal, self.user_name.as_deref())
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        call.ctx.store.write(|c| {
            let user = target_user(c, call.principal, self.user_name.as_deref())?;
            profiles::delete(c, &user)
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ChangePassword {
    pub old_password: Secret,
    pub new_password: Secret,
}

impl Operation for ChangePassword {
    const NAME: &'static str = "ChangePassword";
    /// Allowed by the caller's policies, or to every user by the account's password policy
    /// (`AllowUsersToChangePassword`).
    const AUTHORIZATION: Authorization = Authorization::WithResourcePolicy("iam:ChangePassword");
    const MEMBERS: &'static [Member] = &[
        PASSWORD.named("OldPassword").required(),
        PASSWORD.named("NewPassword").required(),
    ];
    type Output = Empty;
    type Error = IamError;

    fn target(&self, _: &Context, principal: &Principal) -> Result<Target, IamError> {
        Ok(Target::arn(principal.arn.clone()))
    }

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        let Identity::User { user_name, .. } = &call.principal.identity else {
            return Err(IamError::InvalidUserType(
                "Only IAM users can change their own password.".into(),
            ));
        };
        call.ctx.store.write(|c| {
            let account = &call.principal.account_id;
            let allowed_by_policy =
                profiles::policy(c, account)?.is_some_and(|p| p.allow_users_to_change_password);
            // An explicit deny wins over the account's password policy, as over any grant.
            if let Decision::Deny(why) = call.identity.decision
                && (call.identity.explicitly_denied() || !allowed_by_policy)
            {
                let arn = &call.principal.arn;
                return Err(IamError::AccessDenied(denial_message(
                    call.principal,
                    "iam:ChangePassword",
                    arn,
                    why,
                )));
            }
            let user = crate::iam::users::get(c, account, user_name)?;
            profiles::change(
                c,
                &call.ctx.hasher,
                &user,
                &self.old_password,
                &self.new_password,
            )
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetAccountPasswordPolicy {}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PasswordPolicyOutput {
    pub password_policy: PasswordPolicy,
}

impl Operation for GetAccountPasswordPolicy {
    const NAME: &'static str = "GetAccountPasswordPolicy";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:GetAccountPasswordPolicy");
    type Output = PasswordPolicyOutput;
    type Error = IamError;

    fn handle(self, call: &Call<'_>) -> Result<PasswordPolicyOutput, IamError> {
        let account = &call.principal.account_id;
        let policy = call.ctx.store.read(|c| profiles::policy(c, account))?;
        Ok(PasswordPolicyOutput {
            password_policy: policy.ok_or_else(|| profiles::no_policy(account))?,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateAccountPasswordPolicy {
    pub minimum_password_length: Option<i64>,
    #[serde(default)]
    pub require_symbols: bool,
    #[serde(default)]
    pub require_numbers: bool,
    #[serde(default)]
    pub require_uppercase_characters: bool,
    #[serde(default)]
    pub require_lowercase_characters: bool,
    #[serde(default)]
    pub allow_users_to_change_password: bool,
    pub max_password_age: Option<i64>,
    pub password_reuse_prevention: Option<i64>,
    pub hard_expiry: Option<bool>,
}

impl Operation for UpdateAccountPasswordPolicy {
    const NAME: &'static str = "UpdateAccountPasswordPolicy";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:UpdateAccountPasswordPolicy");
    const MEMBERS: &'static [Member] = &[
        Member::int("MinimumPasswordLength", 6, 128),
        Member::int("MaxPasswordAge", 1, 1095),
        Member::int("PasswordReusePrevention", 1, 24),
    ];
    type Output = Empty;
    type Error = IamError;

    /// Every member left out takes its default: the call replaces the whole policy.
    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        let policy = PasswordPolicy {
            minimum_password_length: self.minimum_password_length.unwrap_or(6),
            require_symbols: self.require_symbols,
            require_numbers: self.require_numbers,
            require_uppercase_characters: self.require_uppercase_characters,
            require_lowercase_characters: self.require_lowercase_characters,
            allow_users_to_change_password: self.allow_users_to_change_password,
            expire_passwords: self.max_password_age.is_some_and(|d| d > 0),
            max_password_age: self.max_password_age,
            password_reuse_prevention: self.password_reuse_prevention,
            hard_expiry: self.hard_expiry,
        };
        let account = &call.principal.account_id;
        call.ctx
            .store
            .write(|c| profiles::set_policy(c, account, &policy))?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteAccountPasswordPolicy {}

impl Operation for DeleteAccountPasswordPolicy {
    const NAME: &'static str = "DeleteAccountPasswordPolicy";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:DeleteAccountPasswordPolicy");
    type Output = Empty;
    type Error = IamError;

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        let account = &call.principal.account_id;
        call.ctx
            .store
            .write(|c| profiles::delete_policy(c, account))?;
        Ok(Empty {})
    }
}
