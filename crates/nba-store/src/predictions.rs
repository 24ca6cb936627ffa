//! The log of served predictions: written in batches off the request path, read back for
//! drift and accuracy checks, and pruned by age and row count so it stays bounded.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use sqlx::Row;

use crate::rows::{Kind, Table, Val};
use crate::{Store, StoreError};

/// One served prediction.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PredictionLogRow {
    pub created_at: String,
    pub request_id: String,
    pub model_name: String,
    pub model_version: String,
    pub game_date: String,
    pub home_id: i64,
    pub away_id: i64,
    pub neutral: bool,
    /// Feature values by name, as JSON.
    pub features: String,
    pub prob_home: f64,
    pub margin: f64,
}

const LOG: Table = Table {
    name: "prediction_log",
    key: &[],
    cols: &[
        ("created_at", Kind::S),
        ("request_id", Kind::S),
        ("model_name", Kind::S),
        ("model_version", Kind::S),
        ("game_date", Kind::S),
        ("home_id", Kind::I),
        ("away_id", Kind::I),
        ("neutral", Kind::I),
        ("features", Kind::S),
        ("prob_home", Kind::F),
        ("margin", Kind::F),
    ],
};

impl Store {
    /// Appends a batch of predictions in one transaction.
    pub async fn log_predictions(&self, rows: &[PredictionLogRow]) -> Result<(), StoreError> {
        if rows.is_empty() {
            return Ok(());
        }
        let vals: Vec<Vec<Val>> = rows
            .iter()
            .map(|r| {
                vec![
                    Val::S(Some(r.created_at.clone())),
                    Val::S(Some(r.request_id.clone())),
                    Val::S(Some(r.model_name.clone())),
                    Val::S(Some(r.model_version.clone())),
                    Val::S(Some(r.game_date.clone())),
                    Val::I(Some(r.home_id)),
                    Val::I(Some(r.away_id)),
                    Val::I(Some(r.neutral as i64)),
                    Val::S(Some(r.features.clone())),
                    Val::F(Some(r.prob_home)),
                    Val::F(Some(r.margin)),
                ]
            })
            .collect();
        let mut tx = self.pool.begin().await?;
        LOG.insert(&mut tx, &vals).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The most recent logged predictions, newest first.
    pub async fn recent_predictions(
        &self,
        limit: i64,
    ) -> Result<Vec<PredictionLogRow>, StoreError> {
        let sql = format!(
            "SELECT {} FROM prediction_log ORDER BY id DESC LIMIT $1",
            LOG.select_list()
        );
        let rows = sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await?;
        log_rows(&rows)
    }

    /// The most recent logged predictions made by model version `model_version`, newest
    /// first (what drift compares with that version's reference).
    pub async fn recent_predictions_of(
        &self,
        model_version: &str,
        limit: i64,
    ) -> Result<Vec<PredictionLogRow>, StoreError> {
        let sql = format!(
            "SELECT {} FROM prediction_log WHERE model_version = $1 ORDER BY id DESC LIMIT $2",
            LOG.select_list()
        );
        let rows = sqlx::query(&sql)
            .bind(model_version.to_string())
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        log_rows(&rows)
    }
}

impl Store {
    /// Logged predictions of `model_version` whose game has since finished: (home-win
    /// probability, whether the home team won), newest first. Joined on date and teams.
    pub async fn scored_predictions(
        &self,
        model_version: &str,
        limit: i64,
    ) -> Result<Vec<(f64, bool)>, StoreError> {
        let rows = sqlx::query(
            "SELECT p.prob_home, p.home_id, g.home_id, g.home_score, g.away_score \
             FROM prediction_log p JOIN games g \
               ON g.date = p.game_date AND ((g.home_id = p.home_id AND g.away_id = p.away_id) OR (g.home_id = p.away_id AND g.away_id = p.home_id)) \
             WHERE p.model_version = $1 AND g.home_score IS NOT NULL \
             ORDER BY p.id DESC LIMIT $2",
        )
        .bind(model_version.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let p: f64 = r.try_get(0)?;
            let (logged_home, stored_home): (i64, i64) = (r.try_get(1)?, r.try_get(2)?);
            let (hs, aws): (i64, i64) = (r.try_get(3)?, r.try_get(4)?);
            // The logged home team may be the stored away team (neutral sites, or a caller
            // who had them the other way round).
            let won = if logged_home == stored_home {
                hs > aws
            } else {
                aws > hs
            };
            out.push((p, won));
        }
        Ok(out)
    }
}

/// Rows removed per statement when pruning a log. Each delete commits on its own (SQLite's
/// write lock and PostgreSQL's row locks are held for one batch only), so writers of the log
/// get in between batches however much there is to remove.
pub(crate) const PRUNE_BATCH: i64 = 10_000;

/// Parses a retention cutoff (RFC 3339, any offset), naming the caller if it does not parse.
/// Callers format it the way their log writes timestamps, because the logs compare them as
/// text.
pub(crate) fn parse_cutoff(what: &str, older_than: &str) -> Result<DateTime<Utc>, StoreError> {
    DateTime::parse_from_rfc3339(older_than)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            StoreError::Load(format!(
                "{what}: older_than '{older_than}' is not an RFC 3339 time ({e})"
            ))
        })
}

impl Store {
    /// Removes logged predictions created before `older_than` (RFC 3339), then the oldest
    /// (by insertion order) beyond the newest `max_rows` (`i64::MAX`: no count limit; below
    /// 0 counts as 0), at most `PRUNE_BATCH` rows per statement. Returns the rows removed.
    /// Safe while predictions are being logged: rows written meanwhile are newer than both
    /// cuts, and each batch is its own short transaction.
    pub async fn prune_predictions(
        &self,
        older_than: &str,
        max_rows: i64,
    ) -> Result<u64, StoreError> {
        // The log's writer stamps rows with `Utc::now().to_rfc3339()`: same format, so the
        // text comparison is the time comparison.
        let cutoff = parse_cutoff("prune_predictions", older_than)?
            .to_rfc3339_opts(SecondsFormat::AutoSi, false);
        let mut removed = 0;
        // By age, through the created_at index.
        loop {
            let done = sqlx::query(
                "DELETE FROM prediction_log WHERE id IN \
                 (SELECT id FROM prediction_log WHERE created_at < $1 LIMIT $2)",
            )
            .bind(cutoff.clone())
            .bind(PRUNE_BATCH)
            .execute(&self.pool)
            .await?;
            removed += done.rows_affected();
            if done.rows_affected() < PRUNE_BATCH as u64 {
                break;
            }
        }
        // By count: the newest row not kept bounds what goes, found once on the primary key.
        let last_dropped: Option<i64> =
            sqlx::query_scalar("SELECT id FROM prediction_log ORDER BY id DESC LIMIT 1 OFFSET $1")
                .bind(max_rows.max(0))
                .fetch_optional(&self.pool)
                .await?;
        if let Some(last_dropped) = last_dropped {
            loop {
                let done = sqlx::query(
                    "DELETE FROM prediction_log WHERE id IN \
                     (SELECT id FROM prediction_log WHERE id <= $1 ORDER BY id LIMIT $2)",
                )
                .bind(last_dropped)
                .bind(PRUNE_BATCH)
                .execute(&self.pool)
                .await?;
                removed += done.rows_affected();
                if done.rows_affected() < PRUNE_BATCH as u64 {
                    break;
                }
            }
        }
        if removed > 0 {
            tracing::info!(removed, "pruned the prediction log");
        }
        Ok(removed)
    }

    /// How many predictions are logged.
    pub async fn prediction_log_rows(&self) -> Result<i64, StoreError> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM prediction_log")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }
}

fn log_rows(rows: &[sqlx::any::AnyRow]) -> Result<Vec<PredictionLogRow>, StoreError> {
    rows.iter()
        .map(|r| {
            Ok(PredictionLogRow {
                created_at: r.try_get(0)?,
                request_id: r.try_get(1)?,
                model_name: r.try_get(2)?,
                model_version: r.try_get(3)?,
                game_date: r.try_get(4)?,
                home_id: r.try_get(5)?,
                away_id: r.try_get(6)?,
                neutral: r.try_get::<i64, _>(7)? != 0,
                features: r.try_get(8)?,
                prob_home: r.try_get(9)?,
                margin: r.try_get(10)?,
            })
        })
        .collect()
}
