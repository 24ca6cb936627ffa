//! Read queries used by the application layer. Each filter column has an index (see the
//! migrations): games by (season, date), date, (home_id, date), (away_id, date); box scores
//! by game, team and (person, season).

use sqlx::any::AnyRow;
use sqlx::Row;

use crate::model::*;
use crate::{Store, StoreError};

const GAME_COLS: &str = "id, season, date, stage, neutral, home_id, away_id, home_score, away_score, nba_game_id, primary_source, data_source, fte_elo_home_pre, fte_elo_away_pre, fte_elo_prob_home, fte_raptor_prob_home, fte_main_prob_home, fte_main_model";

fn game(row: &AnyRow) -> Result<GameRecord, sqlx::Error> {
    game_at(row, 0)
}

/// Decodes `GAME_COLS` starting at column `at`.
fn game_at(row: &AnyRow, at: usize) -> Result<GameRecord, sqlx::Error> {
    Ok(GameRecord {
        id: row.try_get(at)?,
        season: row.try_get(at + 1)?,
        date: row.try_get(at + 2)?,
        stage: row.try_get(at + 3)?,
        neutral: row.try_get::<i64, _>(at + 4)? != 0,
        home_id: row.try_get(at + 5)?,
        away_id: row.try_get(at + 6)?,
        home_score: row.try_get(at + 7)?,
        away_score: row.try_get(at + 8)?,
        nba_game_id: row.try_get(at + 9)?,
        primary_source: row.try_get(at + 10)?,
        data_source: row.try_get(at + 11)?,
        fte_elo_home_pre: row.try_get(at + 12)?,
        fte_elo_away_pre: row.try_get(at + 13)?,
        fte_elo_prob_home: row.try_get(at + 14)?,
        fte_raptor_prob_home: row.try_get(at + 15)?,
        fte_main_prob_home: row.try_get(at + 16)?,
        fte_main_model: row.try_get(at + 17)?,
    })
}

const SOURCE_COLS: &str =
    "source, source_key, game_id, date, home_id, away_id, home_score, away_score, run_id";

fn game_source(r: &AnyRow) -> Result<GameSourceRecord, sqlx::Error> {
    Ok(GameSourceRecord {
        source: r.try_get(0)?,
        source_key: r.try_get(1)?,
        game_id: r.try_get(2)?,
        date: r.try_get(3)?,
        home_id: r.try_get(4)?,
        away_id: r.try_get(5)?,
        home_score: r.try_get(6)?,
        away_score: r.try_get(7)?,
        run_id: r.try_get(8)?,
    })
}

const BOX_COLS: &str =
    "minutes, fgm, fga, fg3m, fg3a, ftm, fta, oreb, dreb, reb, ast, stl, blk, tov, pf, pts, plus_minus";

fn box_stats(row: &AnyRow, at: usize) -> Result<BoxStats, sqlx::Error> {
    Ok(BoxStats {
        minutes: row.try_get(at)?,
        fgm: row.try_get(at + 1)?,
        fga: row.try_get(at + 2)?,
        fg3m: row.try_get(at + 3)?,
        fg3a: row.try_get(at + 4)?,
        ftm: row.try_get(at + 5)?,
        fta: row.try_get(at + 6)?,
        oreb: row.try_get(at + 7)?,
        dreb: row.try_get(at + 8)?,
        reb: row.try_get(at + 9)?,
        ast: row.try_get(at + 10)?,
        stl: row.try_get(at + 11)?,
        blk: row.try_get(at + 12)?,
        tov: row.try_get(at + 13)?,
        pf: row.try_get(at + 14)?,
        pts: row.try_get(at + 15)?,
        plus_minus: row.try_get(at + 16)?,
    })
}

fn team_box(row: &AnyRow) -> Result<TeamBoxRecord, sqlx::Error> {
    Ok(TeamBoxRecord {
        game_id: row.try_get(0)?,
        team_id: row.try_get(1)?,
        is_home: row.try_get::<i64, _>(2)? != 0,
        source: row.try_get(3)?,
        stats: box_stats(row, 4)?,
    })
}

fn player_box(row: &AnyRow) -> Result<PlayerBoxRecord, sqlx::Error> {
    Ok(PlayerBoxRecord {
        game_id: row.try_get(0)?,
        person_id: row.try_get(1)?,
        team_id: row.try_get(2)?,
        season: row.try_get(3)?,
        stage: row.try_get(4)?,
        player_name: row.try_get(5)?,
        position: row.try_get(6)?,
        comment: row.try_get(7)?,
        source: row.try_get(8)?,
        stats: box_stats(row, 9)?,
    })
}

const PLAYER_COLS: &str = "id, full_name, is_active, from_year, to_year, position, height, weight, college, country, draft_year, draft_round, draft_number, team_id";

fn player(row: &AnyRow) -> Result<PlayerRecord, sqlx::Error> {
    Ok(PlayerRecord {
        id: row.try_get(0)?,
        full_name: row.try_get(1)?,
        is_active: row.try_get::<Option<i64>, _>(2)?.map(|x| x != 0),
        from_year: row.try_get(3)?,
        to_year: row.try_get(4)?,
        position: row.try_get(5)?,
        height: row.try_get(6)?,
        weight: row.try_get(7)?,
        college: row.try_get(8)?,
        country: row.try_get(9)?,
        draft_year: row.try_get(10)?,
        draft_round: row.try_get(11)?,
        draft_number: row.try_get(12)?,
        team_id: row.try_get(13)?,
    })
}

fn collect<T>(
    rows: Vec<AnyRow>,
    f: fn(&AnyRow) -> Result<T, sqlx::Error>,
) -> Result<Vec<T>, StoreError> {
    rows.iter()
        .map(|r| f(r).map_err(StoreError::from))
        .collect()
}

impl Store {
    /// The `data_source` meta value: `"real"`, `"demo"`, or `None` for an empty store.
    pub async fn data_source(&self) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT value FROM meta WHERE key = 'data_source'")
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// A cheap query that proves the database answers.
    /// The database answers, and (SQLite) its file is still the one opened.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").fetch_one(&self.pool).await?;
        if let Some(file) = &self.file {
            file.check()?;
        }
        Ok(())
    }

    pub async fn counts(&self) -> Result<StoreCounts, StoreError> {
        let mut c = StoreCounts::default();
        for (table, slot) in [
            ("games", &mut c.games),
            ("game_sources", &mut c.game_sources),
            ("team_box", &mut c.team_box),
            ("player_box", &mut c.player_box),
            ("players", &mut c.players),
            ("franchises", &mut c.franchises),
            ("ingest_runs", &mut c.ingest_runs),
        ] {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            *slot = sqlx::query(&sql).fetch_one(&self.pool).await?.try_get(0)?;
        }
        Ok(c)
    }

    /// Games matching `filter`, newest first (date, then id, descending).
    pub async fn games(&self, filter: &GameFilter) -> Result<Vec<GameRecord>, StoreError> {
        let mut sql = format!("SELECT {GAME_COLS} FROM games WHERE 1 = 1");
        let mut n = 0;
        let mut next = || {
            n += 1;
            format!("${n}")
        };
        let mut ints: Vec<(String, i64)> = Vec::new();
        let mut texts: Vec<(String, String)> = Vec::new();
        // Binds are collected in order; SQL text references them positionally.
        enum Bind {
            I(i64),
            S(String),
        }
        let mut binds: Vec<Bind> = Vec::new();
        if let Some(t) = filter.team_id {
            let (a, b) = (next(), next());
            sql.push_str(&format!(" AND (home_id = {a} OR away_id = {b})"));
            binds.push(Bind::I(t));
            binds.push(Bind::I(t));
        }
        if let Some(o) = filter.opponent_id {
            let (a, b) = (next(), next());
            sql.push_str(&format!(" AND (home_id = {a} OR away_id = {b})"));
            binds.push(Bind::I(o));
            binds.push(Bind::I(o));
        }
        if let Some(s) = filter.season {
            sql.push_str(&format!(" AND season = {}", next()));
            binds.push(Bind::I(s));
        }
        if let Some((a, b)) = filter.seasons {
            sql.push_str(&format!(
                " AND season >= {} AND season <= {}",
                next(),
                next()
            ));
            binds.push(Bind::I(a));
            binds.push(Bind::I(b));
        }
        if let Some(d) = &filter.date_from {
            sql.push_str(&format!(" AND date >= {}", next()));
            binds.push(Bind::S(d.clone()));
        }
        if let Some(d) = &filter.date_to {
            sql.push_str(&format!(" AND date <= {}", next()));
            binds.push(Bind::S(d.clone()));
        }
        if let Some(s) = &filter.stage {
            sql.push_str(&format!(" AND stage = {}", next()));
            binds.push(Bind::S(s.clone()));
        }
        if let Some((d, id)) = &filter.before {
            let (a, b, c) = (next(), next(), next());
            sql.push_str(&format!(" AND (date < {a} OR (date = {b} AND id < {c}))"));
            binds.push(Bind::S(d.clone()));
            binds.push(Bind::S(d.clone()));
            binds.push(Bind::S(id.clone()));
        }
        sql.push_str(&format!(" ORDER BY date DESC, id DESC LIMIT {}", next()));
        binds.push(Bind::I(filter.limit.max(1)));
        let _ = (&mut ints, &mut texts);
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = match b {
                Bind::I(x) => q.bind(x),
                Bind::S(x) => q.bind(x),
            };
        }
        collect(q.fetch_all(&self.pool).await?, game)
    }

    /// Every game of a season in date order (all stages).
    pub async fn season_games(&self, season: i64) -> Result<Vec<GameRecord>, StoreError> {
        let sql = format!("SELECT {GAME_COLS} FROM games WHERE season = $1 ORDER BY date, id");
        collect(
            sqlx::query(&sql).bind(season).fetch_all(&self.pool).await?,
            game,
        )
    }

    /// A game by our id or by its NBA Stats id.
    pub async fn game(&self, id: &str) -> Result<Option<GameRecord>, StoreError> {
        let sql = format!("SELECT {GAME_COLS} FROM games WHERE id = $1 OR nba_game_id = $2");
        let row = sqlx::query(&sql)
            .bind(id.to_string())
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| game(&r)).transpose()?)
    }

    pub async fn game_sources(&self, game_id: &str) -> Result<Vec<GameSourceRecord>, StoreError> {
        let sql = format!(
            "SELECT {SOURCE_COLS} FROM game_sources WHERE game_id = $1 ORDER BY source, source_key"
        );
        let rows = sqlx::query(&sql)
            .bind(game_id.to_string())
            .fetch_all(&self.pool)
            .await?;
        collect(rows, game_source)
    }

    /// Source reports that disagree with the stored game (score or date), oldest first.
    pub async fn disagreements(
        &self,
        limit: i64,
    ) -> Result<Vec<(GameRecord, GameSourceRecord)>, StoreError> {
        let sql = format!(
            "SELECT {}, g.{} \
             FROM game_sources s JOIN games g ON g.id = s.game_id \
             WHERE s.home_score IS NOT NULL AND g.home_score IS NOT NULL AND ( \
               (s.home_id = g.home_id AND (s.home_score <> g.home_score OR s.away_score <> g.away_score)) OR \
               (s.home_id <> g.home_id AND (s.home_score <> g.away_score OR s.away_score <> g.home_score)) OR \
               s.date <> g.date) \
             ORDER BY g.date, g.id LIMIT $1",
            SOURCE_COLS
                .split(", ")
                .map(|c| format!("s.{c}"))
                .collect::<Vec<_>>()
                .join(", "),
            GAME_COLS.replace(", ", ", g.")
        );
        let rows = sqlx::query(&sql).bind(limit).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| Ok((game_at(r, 9)?, game_source(r)?)))
            .collect()
    }

    pub async fn team_box_for_game(&self, game_id: &str) -> Result<Vec<TeamBoxRecord>, StoreError> {
        let sql = format!(
            "SELECT game_id, team_id, is_home, source, {BOX_COLS} FROM team_box WHERE game_id = $1 ORDER BY is_home"
        );
        collect(
            sqlx::query(&sql)
                .bind(game_id.to_string())
                .fetch_all(&self.pool)
                .await?,
            team_box,
        )
    }

    /// Team box lines of every game of a season (both teams), for team ratings.
    pub async fn team_box_for_season(&self, season: i64) -> Result<Vec<TeamBoxRecord>, StoreError> {
        let sql = format!(
            "SELECT b.game_id, b.team_id, b.is_home, b.source, {} FROM team_box b JOIN games g ON g.id = b.game_id WHERE g.season = $1",
            BOX_COLS.split(", ").map(|c| format!("b.{c}")).collect::<Vec<_>>().join(", ")
        );
        collect(
            sqlx::query(&sql).bind(season).fetch_all(&self.pool).await?,
            team_box,
        )
    }

    pub async fn player_box_for_game(
        &self,
        game_id: &str,
    ) -> Result<Vec<PlayerBoxRecord>, StoreError> {
        let sql = format!(
            "SELECT game_id, person_id, team_id, season, stage, player_name, position, comment, source, {BOX_COLS} \
             FROM player_box WHERE game_id = $1 ORDER BY team_id, minutes DESC"
        );
        collect(
            sqlx::query(&sql)
                .bind(game_id.to_string())
                .fetch_all(&self.pool)
                .await?,
            player_box,
        )
    }

    /// A player's lines, optionally for one season.
    pub async fn player_box_for_player(
        &self,
        person_id: i64,
        season: Option<i64>,
    ) -> Result<Vec<PlayerBoxRecord>, StoreError> {
        let base = format!(
            "SELECT game_id, person_id, team_id, season, stage, player_name, position, comment, source, {BOX_COLS} FROM player_box WHERE person_id = $1"
        );
        let rows = match season {
            Some(s) => {
                sqlx::query(&format!("{base} AND season = $2"))
                    .bind(person_id)
                    .bind(s)
                    .fetch_all(&self.pool)
                    .await?
            }
            None => {
                sqlx::query(&base)
                    .bind(person_id)
                    .fetch_all(&self.pool)
                    .await?
            }
        };
        collect(rows, player_box)
    }

    /// Every player line of a season and stage, for leaders.
    pub async fn player_box_for_season(
        &self,
        season: i64,
        stage: &str,
    ) -> Result<Vec<PlayerBoxRecord>, StoreError> {
        let sql = format!(
            "SELECT game_id, person_id, team_id, season, stage, player_name, position, comment, source, {BOX_COLS} \
             FROM player_box WHERE season = $1 AND stage = $2"
        );
        collect(
            sqlx::query(&sql)
                .bind(season)
                .bind(stage.to_string())
                .fetch_all(&self.pool)
                .await?,
            player_box,
        )
    }

    /// Players whose folded name contains every word of `query`.
    pub async fn search_players(
        &self,
        query: &str,
        active_only: bool,
        limit: i64,
    ) -> Result<Vec<PlayerRecord>, StoreError> {
        let words: Vec<String> = crate::search_key(query)
            .split_whitespace()
            .map(|w| w.replace(['%', '_'], ""))
            .filter(|w| !w.is_empty())
            .collect();
        let mut sql = format!("SELECT {PLAYER_COLS} FROM players WHERE 1 = 1");
        for (k, _) in words.iter().enumerate() {
            sql.push_str(&format!(" AND search_name LIKE ${}", k + 1));
        }
        if active_only {
            sql.push_str(" AND is_active = 1");
        }
        sql.push_str(&format!(
            " ORDER BY is_active DESC, to_year DESC, full_name LIMIT ${}",
            words.len() + 1
        ));
        let mut q = sqlx::query(&sql);
        for w in &words {
            q = q.bind(format!("%{w}%"));
        }
        collect(q.bind(limit).fetch_all(&self.pool).await?, player)
    }

    pub async fn player(&self, id: i64) -> Result<Option<PlayerRecord>, StoreError> {
        let sql = format!("SELECT {PLAYER_COLS} FROM players WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| player(&r)).transpose()?)
    }

    /// Distinct players appearing in box scores under a name (for players missing from the
    /// player list): (person_id, name).
    pub async fn box_score_players(
        &self,
        query: &str,
        limit: i64,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT DISTINCT person_id, player_name FROM player_box WHERE LOWER(player_name) LIKE $1 LIMIT $2",
        )
        .bind(format!("%{}%", query.to_lowercase().replace(['%', '_'], "")))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// The seasons that have games, ascending.
    pub async fn seasons(&self) -> Result<Vec<i64>, StoreError> {
        let rows = sqlx::query("SELECT DISTINCT season FROM games ORDER BY season")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| r.try_get(0).map_err(StoreError::from))
            .collect()
    }

    /// Games per season (end year) and source, ordered by source then season: what each
    /// source contributed.
    pub async fn coverage(&self) -> Result<Vec<(String, i64, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT s.source, g.season, COUNT(*) FROM game_sources s \
             JOIN games g ON g.id = s.game_id GROUP BY s.source, g.season ORDER BY s.source, g.season",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    /// The latest date with a finished game.
    pub async fn latest_final_date(&self) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT MAX(date) FROM games WHERE home_score IS NOT NULL")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    pub async fn ingest_runs(&self, limit: i64) -> Result<Vec<IngestRunRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, format, layout, file, sha256, rows_read, inserted, updated, unchanged, skipped, notes, started_at, seconds \
             FROM ingest_runs ORDER BY id DESC LIMIT $1",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        collect(rows, |r| {
            Ok(IngestRunRecord {
                id: r.try_get(0)?,
                format: r.try_get(1)?,
                layout: r.try_get(2)?,
                file: r.try_get(3)?,
                sha256: r.try_get(4)?,
                rows_read: r.try_get(5)?,
                inserted: r.try_get(6)?,
                updated: r.try_get(7)?,
                unchanged: r.try_get(8)?,
                skipped: r.try_get(9)?,
                notes: r.try_get(10)?,
                started_at: r.try_get(11)?,
                seconds: r.try_get(12)?,
            })
        })
    }
}

impl Store {
    /// A number that changes whenever a load commits (the latest ingest run id), so caches
    /// can tell that the data changed, even when another process loaded it.
    pub async fn data_version(&self) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COALESCE(MAX(id), 0) FROM ingest_runs")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }
}
