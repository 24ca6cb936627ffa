//! Roles and permissions: the one answer to "what may this role do". Permissions double as
//! OAuth scopes, so a JWT's `scope` claim and an API key's role speak the same language.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a principal may do. The string form (`data:read`) is also the OAuth scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Permission {
    /// Teams, games, standings, stats, metrics; resources and prompts.
    #[serde(rename = "data:read")]
    DataRead,
    /// Predictions, power rankings, season simulations.
    #[serde(rename = "predictions:read")]
    PredictionsRead,
    /// Health, alerts, drift, metrics and the dashboard.
    #[serde(rename = "health:read")]
    HealthRead,
    /// Read-only SQL on the data tables (`query_sql`).
    #[serde(rename = "sql:query")]
    SqlQuery,
    /// Train and evaluate models.
    #[serde(rename = "models:train")]
    ModelsTrain,
    /// Deploy, promote and roll back models.
    #[serde(rename = "models:deploy")]
    ModelsDeploy,
    /// Read and verify the audit log.
    #[serde(rename = "audit:read")]
    AuditRead,
    /// Create and disable users and service accounts; issue and revoke API keys.
    #[serde(rename = "users:manage")]
    UsersManage,
    /// Read the server configuration.
    #[serde(rename = "config:manage")]
    ConfigManage,
    /// Take, list and verify backups (restore is a CLI command).
    #[serde(rename = "backups:manage")]
    BackupsManage,
}

impl Permission {
    pub const ALL: [Permission; 10] = [
        Permission::DataRead,
        Permission::PredictionsRead,
        Permission::HealthRead,
        Permission::SqlQuery,
        Permission::ModelsTrain,
        Permission::ModelsDeploy,
        Permission::AuditRead,
        Permission::UsersManage,
        Permission::ConfigManage,
        Permission::BackupsManage,
    ];

    /// The permission's name, which is also its OAuth scope.
    pub fn as_str(self) -> &'static str {
        match self {
            Permission::DataRead => "data:read",
            Permission::PredictionsRead => "predictions:read",
            Permission::HealthRead => "health:read",
            Permission::SqlQuery => "sql:query",
            Permission::ModelsTrain => "models:train",
            Permission::ModelsDeploy => "models:deploy",
            Permission::AuditRead => "audit:read",
            Permission::UsersManage => "users:manage",
            Permission::ConfigManage => "config:manage",
            Permission::BackupsManage => "backups:manage",
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            Permission::DataRead => {
                "read teams, games, standings, stats and metrics; resources and prompts"
            }
            Permission::PredictionsRead => "predict games, power rankings, season simulations",
            Permission::HealthRead => "health, alerts, drift, /metrics and the dashboard",
            Permission::SqlQuery => "read-only SQL on the data tables (query_sql)",
            Permission::ModelsTrain => "train and evaluate models",
            Permission::ModelsDeploy => "deploy, promote and roll back models",
            Permission::AuditRead => "read and verify the audit log",
            Permission::UsersManage => "manage users, service accounts and API keys",
            Permission::ConfigManage => "read the server configuration",
            Permission::BackupsManage => "take, list and verify backups",
        }
    }
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Permission {
    type Err = String;
    fn from_str(s: &str) -> Result<Permission, String> {
        Permission::ALL
            .into_iter()
            .find(|p| p.as_str() == s)
            .ok_or_else(|| format!("unknown permission '{s}'"))
    }
}

/// The roles, each including everything of the one before it: `metrics` (operations reads
/// only, for a Prometheus scraper or a status page), then the checklist's four.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Metrics,
    Viewer,
    DataScientist,
    MlEngineer,
    Admin,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Metrics,
        Role::Viewer,
        Role::DataScientist,
        Role::MlEngineer,
        Role::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Metrics => "metrics",
            Role::Viewer => "viewer",
            Role::DataScientist => "data_scientist",
            Role::MlEngineer => "ml_engineer",
            Role::Admin => "admin",
        }
    }

    /// What this role may do: `get_user_permissions(role)`.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        const METRICS: &[Permission] = &[HealthRead];
        const VIEWER: &[Permission] = &[DataRead, PredictionsRead, HealthRead];
        const DATA_SCIENTIST: &[Permission] =
            &[DataRead, PredictionsRead, HealthRead, SqlQuery, ModelsTrain];
        const ML_ENGINEER: &[Permission] = &[
            DataRead,
            PredictionsRead,
            HealthRead,
            SqlQuery,
            ModelsTrain,
            ModelsDeploy,
        ];
        match self {
            Role::Metrics => METRICS,
            Role::Viewer => VIEWER,
            Role::DataScientist => DATA_SCIENTIST,
            Role::MlEngineer => ML_ENGINEER,
            Role::Admin => &Permission::ALL,
        }
    }

    pub fn allows(self, permission: Permission) -> bool {
        self.permissions().contains(&permission)
    }

    /// The highest role whose permissions are all in `granted` (how a JWT's scopes are
    /// reported); `None` when not even metrics' are.
    pub fn covered_by(granted: &[Permission]) -> Option<Role> {
        Role::ALL
            .into_iter()
            .rev()
            .find(|r| r.permissions().iter().all(|p| granted.contains(p)))
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Role, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown role '{s}'; roles: metrics, viewer, data_scientist, ml_engineer, admin"
                )
            })
    }
}

/// The permission matrix as text: one row per permission, one column per role.
pub fn matrix_text() -> String {
    let mut out = format!("{:<18}", "permission");
    for r in Role::ALL {
        out.push_str(&format!("{:<16}", r.as_str()));
    }
    out.push_str("what it allows\n");
    for p in Permission::ALL {
        out.push_str(&format!("{:<18}", p.as_str()));
        for r in Role::ALL {
            out.push_str(&format!("{:<16}", if r.allows(p) { "yes" } else { "-" }));
        }
        out.push_str(p.description());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_are_cumulative() {
        for pair in Role::ALL.windows(2) {
            let (lower, higher) = (pair[0], pair[1]);
            for p in lower.permissions() {
                assert!(higher.allows(*p), "{higher} should include {p} of {lower}");
            }
            assert!(higher.permissions().len() > lower.permissions().len());
        }
    }

    #[test]
    fn the_matrix_of_the_issue() {
        assert_eq!(Role::Metrics.permissions(), &[Permission::HealthRead]);
        assert!(!Role::Metrics.allows(Permission::DataRead));
        assert!(Role::Viewer.allows(Permission::DataRead));
        assert!(Role::Viewer.allows(Permission::PredictionsRead));
        assert!(!Role::Viewer.allows(Permission::SqlQuery));
        assert!(Role::DataScientist.allows(Permission::SqlQuery));
        assert!(Role::DataScientist.allows(Permission::ModelsTrain));
        assert!(!Role::DataScientist.allows(Permission::ModelsDeploy));
        assert!(Role::MlEngineer.allows(Permission::ModelsDeploy));
        assert!(!Role::MlEngineer.allows(Permission::UsersManage));
        assert!(Role::Admin.allows(Permission::UsersManage));
        assert!(Role::Admin.allows(Permission::ConfigManage));
    }

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(r.as_str().parse::<Role>().unwrap(), r);
        }
        for p in Permission::ALL {
            assert_eq!(p.as_str().parse::<Permission>().unwrap(), p);
            assert_eq!(serde_json::to_value(p).unwrap(), p.as_str());
        }
        assert!("root".parse::<Role>().unwrap_err().contains("viewer"));
    }

    #[test]
    fn scopes_map_to_the_highest_covered_role() {
        assert_eq!(Role::covered_by(&Permission::ALL), Some(Role::Admin));
        assert_eq!(
            Role::covered_by(Role::DataScientist.permissions()),
            Some(Role::DataScientist)
        );
        assert_eq!(Role::covered_by(&[Permission::DataRead]), None);
        assert_eq!(
            Role::covered_by(&[Permission::HealthRead, Permission::DataRead]),
            Some(Role::Metrics)
        );
    }
}
