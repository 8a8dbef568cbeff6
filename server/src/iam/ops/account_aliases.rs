//! Account aliases: CreateAccountAlias, ListAccountAliases, DeleteAccountAlias. An account
//! has one alias at most (a new one replaces it, as AWS's sign-in guide says); the console
//! signs in with it in place of the account ID.

use serde::{Deserialize, Serialize};

use super::{List, MARKER, MAX_ITEMS, page};
use crate::iam::IamError;
use crate::operation::model::{Member, Pattern};
use crate::operation::{Authorization, Call, Empty, Operation};
use crate::store::account_aliases as rows;

/// `^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`
const ALIAS_PATTERN: Pattern = Pattern {
    check: |s| {
        let b = s.as_bytes();
        let ok = |c: &u8| c.is_ascii_lowercase() || c.is_ascii_digit();
        b.len() >= 3
            && b.iter().all(|c| ok(c) || *c == b'-')
            && b.first().is_some_and(ok)
            && b.last().is_some_and(ok)
            && !s.contains("--")
    },
    text: "^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$",
};
const ALIAS: Member = Member::string("AccountAlias", 3, 63, Some(ALIAS_PATTERN)).required();

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateAccountAlias {
    pub account_alias: String,
}

impl Operation for CreateAccountAlias {
    const NAME: &'static str = "CreateAccountAlias";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:CreateAccountAlias");
    const MEMBERS: &'static [Member] = &[ALIAS];
    type Output = Empty;
    type Error = IamError;

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        let account = &call.principal.account_id;
        call.ctx.store.write(|c| {
            match rows::account_of(c, &self.account_alias)? {
                Some(other) if other != *account => {
                    return Err(IamError::EntityAlreadyExists(format!(
                        "The account alias {} already exists.",
                        self.account_alias
                    )));
                }
                _ => {}
            }
            rows::set(c, account, &self.account_alias)?;
            Ok::<_, IamError>(())
        })?;
        Ok(Empty {})
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAccountAliases {
    pub marker: Option<String>,
    pub max_items: Option<i64>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListAccountAliasesOutput {
    pub account_aliases: List<String>,
    pub is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
}

impl Operation for ListAccountAliases {
    const NAME: &'static str = "ListAccountAliases";
    const LIGHT: bool = true;
    const AUTHORIZATION: Authorization = Authorization::Required("iam:ListAccountAliases");
    const MEMBERS: &'static [Member] = &[MARKER, MAX_ITEMS];
    type Output = ListAccountAliasesOutput;
    type Error = IamError;

    fn handle(self, call: &Call<'_>) -> Result<ListAccountAliasesOutput, IamError> {
        let alias = call
            .ctx
            .store
            .read(|c| rows::alias(c, &call.principal.account_id))?;
        let (items, marker) = page(
            alias.into_iter().collect(),
            self.marker.as_deref(),
            self.max_items,
        )?;
        Ok(ListAccountAliasesOutput {
            account_aliases: items.into(),
            is_truncated: marker.is_some(),
            marker,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteAccountAlias {
    pub account_alias: String,
}

impl Operation for DeleteAccountAlias {
    const NAME: &'static str = "DeleteAccountAlias";
    const AUTHORIZATION: Authorization = Authorization::Required("iam:DeleteAccountAlias");
    const MEMBERS: &'static [Member] = &[ALIAS];
    type Output = Empty;
    type Error = IamError;

    fn handle(self, call: &Call<'_>) -> Result<Empty, IamError> {
        let deleted = call
            .ctx
            .store
            .write(|c| rows::delete(c, &call.principal.account_id, &self.account_alias))?;
        if !deleted {
            return Err(IamError::NoSuchEntity(format!(
                "The account alias {} cannot be found.",
                self.account_alias
            )));
        }
        Ok(Empty {})
    }
}
