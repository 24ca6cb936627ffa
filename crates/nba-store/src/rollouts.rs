//! Model roll-outs as rows: the plan and its progress are JSON the application owns; the
//! store keeps at most one running and makes every change a compare-and-set on `revision`.

use sqlx::Row;

use crate::{Store, StoreError};

/// One roll-out.
#[derive(Debug, Clone, PartialEq)]
pub struct RolloutRow {
    pub id: i64,
    /// `running`, or how it ended (`promoted`, `rolled_back`, `stopped`).
    pub state: String,
    /// Bumped by every change.
    pub revision: i64,
    /// The plan and progress, as JSON.
    pub plan: String,
    pub created_at: String,
    pub updated_at: String,
}

const COLUMNS: &str = "id, state, revision, plan, created_at, updated_at";

fn row(r: &sqlx::any::AnyRow) -> Result<RolloutRow, StoreError> {
    Ok(RolloutRow {
        id: r.try_get(0)?,
        state: r.try_get(1)?,
        revision: r.try_get(2)?,
        plan: r.try_get(3)?,
        created_at: r.try_get(4)?,
        updated_at: r.try_get(5)?,
    })
}

/// Roll-outs `latest_rollouts` returns at most.
pub const MAX_ROLLOUTS_LISTED: i64 = 100;

impl Store {
    /// Starts a roll-out (state `running`, revision 1). Fails with `StoreError::Conflict` when
    /// one is running already.
    pub async fn insert_rollout(&self, plan: &str, now: &str) -> Result<RolloutRow, StoreError> {
        let inserted = sqlx::query(&format!(
            "INSERT INTO rollouts (state, revision, plan, created_at, updated_at) \
             VALUES ('running', 1, $1, $2, $2) RETURNING {COLUMNS}"
        ))
        .bind(plan)
        .bind(now)
        .fetch_one(&self.pool)
        .await;
        match inserted {
            Ok(r) => row(&r),
            Err(e) if crate::access::is_unique_violation(&e) => Err(StoreError::Conflict(
                "a roll-out is running already; stop it or let it finish first".into(),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// The running roll-out, if any.
    pub async fn running_rollout(&self) -> Result<Option<RolloutRow>, StoreError> {
        let r = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM rollouts WHERE state = 'running'"
        ))
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(row).transpose()
    }

    /// The newest roll-outs, newest first (at most `MAX_ROLLOUTS_LISTED`).
    pub async fn latest_rollouts(&self, limit: i64) -> Result<Vec<RolloutRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM rollouts ORDER BY id DESC LIMIT $1"
        ))
        .bind(limit.clamp(1, MAX_ROLLOUTS_LISTED))
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(row).collect()
    }

    /// Writes a new state and plan if the row is still at `revision`; the updated row, or
    /// `None` when another change came first (read it again and decide anew).
    pub async fn update_rollout(
        &self,
        id: i64,
        revision: i64,
        state: &str,
        plan: &str,
        now: &str,
    ) -> Result<Option<RolloutRow>, StoreError> {
        let r = sqlx::query(&format!(
            "UPDATE rollouts SET state = $1, plan = $2, updated_at = $3, revision = revision + 1 \
             WHERE id = $4 AND revision = $5 RETURNING {COLUMNS}"
        ))
        .bind(state)
        .bind(plan)
        .bind(now)
        .bind(id)
        .bind(revision)
        .fetch_optional(&self.pool)
        .await?;
        r.as_ref().map(row).transpose()
    }

    /// Removes finished roll-outs beyond the newest `keep` of them (the running one always
    /// stays); how many were removed.
    pub async fn prune_rollouts(&self, keep: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM rollouts WHERE state <> 'running' AND id NOT IN \
             (SELECT id FROM rollouts WHERE state <> 'running' ORDER BY id DESC LIMIT $1)",
        )
        .bind(keep.max(0))
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}
