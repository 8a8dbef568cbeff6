//! What policies attach to: users, groups and roles. The attachment and inline-policy
//! operations are written once, generic over [`Owner`]; each kind names its operations, IAM
//! actions, request members and how to find the owner.

use rusqlite::Connection;

use super::{EXISTING_USER_NAME, MARKER, MAX_ITEMS, PREFIX, user_target};
use crate::context::Context;
use crate::iam::{IamError, groups, roles, users};
use crate::operation::Target;
use crate::operation::model::{Member, NAME, TEXT};
use crate::principal::Principal;
use crate::store::policies::{self as rows, OwnerKind};

pub const POLICY_ARN: Member = Member::string("PolicyArn", 20, 2048, None);
pub const POLICY_NAME: Member = Member::string("PolicyName", 1, 128, Some(NAME));
pub const POLICY_DOCUMENT: Member = Member::string("PolicyDocument", 1, 131072, Some(TEXT));
pub const GROUP_NAME: Member = Member::string("GroupName", 1, 128, Some(NAME));
pub const ROLE_NAME: Member = Member::string("RoleName", 1, 64, Some(NAME));

/// The owner a request names, found in the store.
pub struct Found {
    pub id: String,
    pub name: String,
}

/// Operation names and IAM actions, in the order attach, detach, list attached, put, get,
/// delete, list inline.
pub struct Names {
    pub attach: (&'static str, &'static str),
    pub detach: (&'static str, &'static str),
    pub list_attached: (&'static str, &'static str),
    pub put: (&'static str, &'static str),
    pub get: (&'static str, &'static str),
    pub delete: (&'static str, &'static str),
    pub list: (&'static str, &'static str),
}

pub trait Owner: Send + 'static {
    const KIND: OwnerKind;
    const NAMES: Names;
    /// `[owner, PolicyArn]`.
    const ARN_MEMBERS: &'static [Member];
    /// `[owner, PathPrefix, Marker, MaxItems]`.
    const LIST_ATTACHED_MEMBERS: &'static [Member];
    /// `[owner, PolicyName, PolicyDocument]`.
    const PUT_MEMBERS: &'static [Member];
    /// `[owner, PolicyName]`.
    const NAME_MEMBERS: &'static [Member];
    /// `[owner, Marker, MaxItems]`.
    const LIST_MEMBERS: &'static [Member];

    fn find(c: &Connection, account_id: &str, name: &str) -> Result<Found, IamError>;
    fn target(ctx: &Context, principal: &Principal, name: &str) -> Result<Target, IamError>;
}

pub struct User;
pub struct Group;
pub struct Role;

/// The request members of the seven operations, for one owner member.
struct MemberSets {
    arn: &'static [Member],
    list_attached: &'static [Member],
    put: &'static [Member],
    name: &'static [Member],
    list: &'static [Member],
}

macro_rules! members {
    ($owner:expr) => {
        MemberSets {
            arn: &[$owner.required(), POLICY_ARN.required()],
            list_attached: &[$owner.required(), PREFIX, MARKER, MAX_ITEMS],
            put: &[
                $owner.required(),
                POLICY_NAME.required(),
                POLICY_DOCUMENT.required(),
            ],
            name: &[$owner.required(), POLICY_NAME.required()],
            list: &[$owner.required(), MARKER, MAX_ITEMS],
        }
    };
}

macro_rules! names {
    ($kind:literal) => {
        Names {
            attach: (
                concat!("Attach", $kind, "Policy"),
                concat!("iam:Attach", $kind, "Policy"),
            ),
            detach: (
                concat!("Detach", $kind, "Policy"),
                concat!("iam:Detach", $kind, "Policy"),
            ),
            list_attached: (
                concat!("ListAttached", $kind, "Policies"),
                concat!("iam:ListAttached", $kind, "Policies"),
            ),
            put: (
                concat!("Put", $kind, "Policy"),
                concat!("iam:Put", $kind, "Policy"),
            ),
            get: (
                concat!("Get", $kind, "Policy"),
                concat!("iam:Get", $kind, "Policy"),
            ),
            delete: (
                concat!("Delete", $kind, "Policy"),
                concat!("iam:Delete", $kind, "Policy"),
            ),
            list: (
                concat!("List", $kind, "Policies"),
                concat!("iam:List", $kind, "Policies"),
            ),
        }
    };
}

const USER_MEMBERS: MemberSets = members!(EXISTING_USER_NAME);
const GROUP_MEMBERS: MemberSets = members!(GROUP_NAME);
const ROLE_MEMBERS: MemberSets = members!(ROLE_NAME);

impl Owner for User {
    const KIND: OwnerKind = OwnerKind::User;
    const NAMES: Names = names!("User");
    const ARN_MEMBERS: &'static [Member] = USER_MEMBERS.arn;
    const LIST_ATTACHED_MEMBERS: &'static [Member] = USER_MEMBERS.list_attached;
    const PUT_MEMBERS: &'static [Member] = USER_MEMBERS.put;
    const NAME_MEMBERS: &'static [Member] = USER_MEMBERS.name;
    const LIST_MEMBERS: &'static [Member] = USER_MEMBERS.list;

    fn find(c: &Connection, account_id: &str, name: &str) -> Result<Found, IamError> {
        let u = users::get(c, account_id, name)?;
        Ok(Found {
            id: u.user_id,
            name: u.user_name,
        })
    }

    fn target(ctx: &Context, principal: &Principal, name: &str) -> Result<Target, IamError> {
        user_target(ctx, principal, Some(name))
    }
}

impl Owner for Group {
    const KIND: OwnerKind = OwnerKind::Group;
    const NAMES: Names = names!("Group");
    const ARN_MEMBERS: &'static [Member] = GROUP_MEMBERS.arn;
    const LIST_ATTACHED_MEMBERS: &'static [Member] = GROUP_MEMBERS.list_attached;
    const PUT_MEMBERS: &'static [Member] = GROUP_MEMBERS.put;
    const NAME_MEMBERS: &'static [Member] = GROUP_MEMBERS.name;
    const LIST_MEMBERS: &'static [Member] = GROUP_MEMBERS.list;

    fn find(c: &Connection, account_id: &str, name: &str) -> Result<Found, IamError> {
        let g = groups::get(c, account_id, name)?;
        Ok(Found {
            id: g.group_id,
            name: g.group_name,
        })
    }

    fn target(ctx: &Context, principal: &Principal, name: &str) -> Result<Target, IamError> {
        group_target(ctx, principal, name)
    }
}

impl Owner for Role {
    const KIND: OwnerKind = OwnerKind::Role;
    const NAMES: Names = names!("Role");
    const ARN_MEMBERS: &'static [Member] = ROLE_MEMBERS.arn;
    const LIST_ATTACHED_MEMBERS: &'static [Member] = ROLE_MEMBERS.list_attached;
    const PUT_MEMBERS: &'static [Member] = ROLE_MEMBERS.put;
    const NAME_MEMBERS: &'static [Member] = ROLE_MEMBERS.name;
    const LIST_MEMBERS: &'static [Member] = ROLE_MEMBERS.list;

    fn find(c: &Connection, account_id: &str, name: &str) -> Result<Found, IamError> {
        let r = roles::get(c, account_id, name)?;
        Ok(Found {
            id: r.role_id,
            name: r.role_name,
        })
    }

    fn target(ctx: &Context, principal: &Principal, name: &str) -> Result<Target, IamError> {
        super::roles::role_target(ctx, principal, name)
    }
}

/// The ARN of the group `name`: the stored group's, with its path, or `group/<name>`.
pub fn group_target(ctx: &Context, principal: &Principal, name: &str) -> Result<Target, IamError> {
    let found = ctx
        .store
        .read(|c| rows::find_group_by_name(c, &principal.account_id, name))?;
    Ok(Target::arn(match found {
        Some(g) => g.arn(),
        None => format!("arn:aws:iam::{}:group/{name}", principal.account_id),
    }))
}

/// The owner's name from the member its kind reads (validation made it present).
pub fn pick<'a, K: Owner>(
    user: &'a Option<String>,
    group: &'a Option<String>,
    role: &'a Option<String>,
) -> &'a str {
    let name = match K::KIND {
        OwnerKind::User => user,
        OwnerKind::Group => group,
        OwnerKind::Role => role,
    };
    name.as_deref().unwrap_or_default()
}

/// `fn owner(&self) -> &str` for a request type with the three owner members.
macro_rules! owner_of {
    ($($t:ident),*) => {$(
        impl<K: $crate::iam::ops::owners::Owner> $t<K> {
            pub fn owner(&self) -> &str {
                $crate::iam::ops::owners::pick::<K>(&self.user_name, &self.group_name, &self.role_name)
            }
        }
    )*};
}
pub(crate) use owner_of;
