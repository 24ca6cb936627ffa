//! Who is calling: a user, a service account, an OAuth subject or the local stdio client,
//! with the permissions it was granted. Built once per request by authentication.

use serde::Serialize;

use crate::{Permission, Role};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrincipalKind {
    /// A person, with an API key.
    User,
    /// A program, with an API key.
    Service,
    /// The subject of an OAuth access token from the configured issuer.
    External,
    /// The client that started `nba-mcp mcp` over stdio, with the configured role.
    Local,
    /// Anyone, because RBAC is disabled (loopback only).
    Anonymous,
}

/// How the principal proved who it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum AuthMethod {
    ApiKey { key_id: String },
    Jwt { issuer: String },
    Config,
    RbacDisabled,
}

/// An authenticated caller. `id` is opaque (`usr_...`, `svc_...`, `jwt_...`): it goes into
/// the audit log and metrics, so it never holds a name or an e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Principal {
    pub id: String,
    pub kind: PrincipalKind,
    /// The role for API keys and stdio; for OAuth tokens, the highest role their scopes cover.
    pub role: Option<Role>,
    pub permissions: Vec<Permission>,
    #[serde(flatten)]
    pub method: AuthMethod,
}

impl Principal {
    pub fn with_role(id: String, kind: PrincipalKind, role: Role, method: AuthMethod) -> Principal {
        Principal {
            id,
            kind,
            role: Some(role),
            permissions: role.permissions().to_vec(),
            method,
        }
    }

    /// Everyone, when RBAC is off: every permission, clearly labelled.
    pub fn anonymous() -> Principal {
        Principal {
            id: "anonymous".into(),
            kind: PrincipalKind::Anonymous,
            role: Some(Role::Admin),
            permissions: Permission::ALL.to_vec(),
            method: AuthMethod::RbacDisabled,
        }
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// The role as the audit log and errors show it.
    pub fn role_label(&self) -> &'static str {
        match (self.role, &self.method) {
            (Some(r), _) => r.as_str(),
            (None, _) => "scoped",
        }
    }

    /// OAuth principals can be re-authorized with more scopes; key holders cannot.
    pub fn is_oauth(&self) -> bool {
        matches!(self.method, AuthMethod::Jwt { .. })
    }
}
