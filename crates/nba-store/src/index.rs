//! In-memory view of the games a load may touch, so matching a source's rows to stored games
//! is a hash lookup rather than a query per row.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use sqlx::{Any, Row, Transaction};

use crate::rows::{Change, Val};
use crate::tables::{g, GAMES, GAME_SOURCES};
use crate::StoreError;

pub(crate) struct GameIndex {
    /// id -> GAMES.cols as stored (or as changed by this load).
    pub games: HashMap<String, Vec<Val>>,
    pub original: HashMap<String, Vec<Val>>,
    pub by_nba: HashMap<String, String>,
    by_pair: HashMap<(i64, i64, i64), Vec<String>>,
    /// (source, key) -> GAME_SOURCES.cols
    pub sources: HashMap<(String, String), Vec<Val>>,
    pub source_original: HashSet<(String, String)>,
    linked: HashSet<(String, String)>,
}

/// What a source says about one game.
pub(crate) struct Report<'a> {
    pub source: &'a str,
    pub key: String,
    pub season: i64,
    pub date: NaiveDate,
    pub stage: &'a str,
    pub neutral: bool,
    pub home: i64,
    pub away: i64,
    pub home_score: Option<i64>,
    pub away_score: Option<i64>,
    pub nba_game_id: Option<&'a str>,
    pub fte: Option<[Val; 6]>,
    pub data_source: &'a str,
}

impl GameIndex {
    /// Loads the games of `seasons` and every source row pointing at them.
    pub async fn load(
        tx: &mut Transaction<'static, Any>,
        seasons: &[i64],
    ) -> Result<GameIndex, StoreError> {
        let mut idx = GameIndex {
            games: HashMap::new(),
            original: HashMap::new(),
            by_nba: HashMap::new(),
            by_pair: HashMap::new(),
            sources: HashMap::new(),
            source_original: HashSet::new(),
            linked: HashSet::new(),
        };
        for season in seasons {
            let sql = format!(
                "SELECT {} FROM games WHERE season = $1",
                GAMES.select_list()
            );
            let rows = sqlx::query(&sql).bind(*season).fetch_all(&mut **tx).await?;
            for row in rows {
                let (key, cols) = GAMES.decode(&row)?;
                let id = key[0].as_s().unwrap_or_default().to_string();
                idx.add_game(id.clone(), cols.clone());
                idx.original.insert(id, cols);
            }
            let sql = format!(
                "SELECT {} FROM game_sources s WHERE s.game_id IN (SELECT id FROM games WHERE season = $1)",
                GAME_SOURCES.select_list()
            );
            let rows = sqlx::query(&sql).bind(*season).fetch_all(&mut **tx).await?;
            for row in rows {
                let (key, cols) = GAME_SOURCES.decode(&row)?;
                let k = (
                    key[0].as_s().unwrap_or_default().to_string(),
                    key[1].as_s().unwrap_or_default().to_string(),
                );
                let gid = cols[0].as_s().unwrap_or_default().to_string();
                idx.linked.insert((gid, k.0.clone()));
                idx.source_original.insert(k.clone());
                idx.sources.insert(k, cols);
            }
        }
        Ok(idx)
    }

    fn add_game(&mut self, id: String, cols: Vec<Val>) {
        let season = cols[g::SEASON].as_i().unwrap_or(0);
        let (h, a) = (
            cols[g::HOME].as_i().unwrap_or(0),
            cols[g::AWAY].as_i().unwrap_or(0),
        );
        if let Some(nba) = cols[g::NBA_ID].as_s() {
            self.by_nba.insert(nba.to_string(), id.clone());
        }
        self.by_pair
            .entry((season, h.min(a), h.max(a)))
            .or_default()
            .push(id.clone());
        self.games.insert(id, cols);
    }

    /// The game a report refers to: already linked by this source, the same NBA id, or the
    /// same two teams on the same date (else within three days with the same score, else the
    /// same score that season: protested games carry different dates in different sources).
    fn find(&self, r: &Report) -> Option<String> {
        if let Some(cols) = self.sources.get(&(r.source.to_string(), r.key.clone())) {
            return cols[0].as_s().map(String::from);
        }
        if let Some(id) = r.nba_game_id.and_then(|n| self.by_nba.get(n)) {
            return Some(id.clone());
        }
        let cands = self
            .by_pair
            .get(&(r.season, r.home.min(r.away), r.home.max(r.away)))?;
        let free: Vec<(&String, &Vec<Val>)> = cands
            .iter()
            .filter(|id| !self.linked.contains(&((*id).clone(), r.source.to_string())))
            .filter_map(|id| self.games.get(id).map(|c| (id, c)))
            .filter(|(_, c)| r.nba_game_id.is_none() || c[g::NBA_ID].as_s().is_none())
            .collect();
        let date = r.date.format("%Y-%m-%d").to_string();
        let same_score = |c: &Vec<Val>| {
            let (h, a) = (c[g::HOME_SCORE].as_i(), c[g::AWAY_SCORE].as_i());
            let home_first = c[g::HOME].as_i() == Some(r.home);
            let (rh, ra) = if home_first {
                (r.home_score, r.away_score)
            } else {
                (r.away_score, r.home_score)
            };
            h.is_some() && h == rh && a == ra
        };
        let days_apart = |c: &Vec<Val>| {
            c[g::DATE]
                .as_s()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
                .map(|d| (d - r.date).num_days().abs())
                .unwrap_or(i64::MAX)
        };
        // 1. Same date and score. 2. Same score within three days (sources date some games a
        // day or two apart). 3. Same date, other score: the same game with a disputed score.
        // 4. Same score in the season (protested games, dated on different days).
        let by_score = free
            .iter()
            .filter(|(_, c)| same_score(c))
            .min_by_key(|(_, c)| days_apart(c));
        if let Some((id, c)) = by_score {
            if days_apart(c) <= 3 {
                return Some((*id).clone());
            }
        }
        if let Some((id, _)) = free
            .iter()
            .find(|(_, c)| c[g::DATE].as_s() == Some(date.as_str()))
        {
            return Some((*id).clone());
        }
        r.home_score?;
        by_score.map(|(id, _)| (*id).clone())
    }

    /// Applies a report: links it to its game (creating the game if no source had it),
    /// fills what the game lacks, and keeps the report's own date and score in
    /// `game_sources` so disagreements stay visible. Returns the game id and whether the
    /// report was new, changed or the same as before.
    pub fn apply(&mut self, r: &Report, run_id: i64) -> (String, Change) {
        let date = r.date.format("%Y-%m-%d").to_string();
        let skey = (r.source.to_string(), r.key.clone());
        let had_source = self.sources.contains_key(&skey);
        let (gid, mut game_changed) = match self.find(r) {
            Some(id) => {
                let cols = self.games.get_mut(&id).expect("indexed game");
                let before = cols.clone();
                let ours = cols[g::PRIMARY].as_s() == Some(r.source);
                let oriented = cols[g::HOME].as_i() == Some(r.home);
                let (h, a) = if oriented {
                    (r.home_score, r.away_score)
                } else {
                    (r.away_score, r.home_score)
                };
                if (cols[g::HOME_SCORE].as_i().is_none() || ours) && h.is_some() {
                    cols[g::HOME_SCORE] = Val::I(h);
                    cols[g::AWAY_SCORE] = Val::I(a);
                    cols[g::PRIMARY] = Val::S(Some(r.source.to_string()));
                }
                if let (Some(n), None) = (r.nba_game_id, cols[g::NBA_ID].as_s()) {
                    cols[g::NBA_ID] = Val::S(Some(n.to_string()));
                    self.by_nba.insert(n.to_string(), id.clone());
                }
                if let Some(fte) = &r.fte {
                    for (k, v) in fte.iter().enumerate() {
                        cols[g::FTE_FIRST + k] = v.clone();
                    }
                }
                let changed = *cols != before;
                (id, changed)
            }
            None => {
                let id = self.new_id(r, &date);
                let fte = r.fte.clone().unwrap_or([
                    Val::F(None),
                    Val::F(None),
                    Val::F(None),
                    Val::F(None),
                    Val::F(None),
                    Val::S(None),
                ]);
                let mut cols = vec![
                    Val::I(Some(r.season)),
                    Val::S(Some(date.clone())),
                    Val::S(Some(r.stage.to_string())),
                    Val::I(Some(r.neutral as i64)),
                    Val::I(Some(r.home)),
                    Val::I(Some(r.away)),
                    Val::I(r.home_score),
                    Val::I(r.away_score),
                    Val::S(r.nba_game_id.map(String::from)),
                    Val::S(Some(r.source.to_string())),
                    Val::S(Some(r.data_source.to_string())),
                ];
                cols.extend(fte);
                self.add_game(id.clone(), cols);
                (id, true)
            }
        };
        let src = vec![
            Val::S(Some(gid.clone())),
            Val::S(Some(date)),
            Val::I(Some(r.home)),
            Val::I(Some(r.away)),
            Val::I(r.home_score),
            Val::I(r.away_score),
            Val::I(Some(run_id)),
        ];
        let source_changed = match self.sources.get(&skey) {
            Some(old) => old[..6] != src[..6],
            None => true,
        };
        if source_changed {
            self.sources.insert(skey, src);
        }
        self.linked.insert((gid.clone(), r.source.to_string()));
        game_changed |= source_changed;
        let change = if !had_source {
            Change::Insert
        } else if game_changed {
            Change::Update
        } else {
            Change::Same
        };
        (gid, change)
    }

    /// `YYYYMMDD-AWAY-HOME` with the teams' abbreviations of that season; `-2`, `-3` for a
    /// second game of the same teams on the same day.
    fn new_id(&self, r: &Report, date: &str) -> String {
        let abbr = |team: i64| {
            nba_domain::franchises::era_by_team_id(team, r.season as u16)
                .map(|e| e.abbr.to_string())
                .unwrap_or_else(|| team.to_string())
        };
        let base = format!(
            "{}-{}-{}",
            date.replace('-', ""),
            abbr(r.away),
            abbr(r.home)
        );
        let mut id = base.clone();
        let mut n = 2;
        while self.games.contains_key(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        id
    }

    /// Games whose stored row differs from what was loaded (new or changed).
    pub fn dirty_games(&self) -> Vec<Vec<Val>> {
        self.games
            .iter()
            .filter(|(id, cols)| self.original.get(*id) != Some(*cols))
            .map(|(id, cols)| {
                let mut row = vec![Val::S(Some(id.clone()))];
                row.extend(cols.iter().cloned());
                row
            })
            .collect()
    }

    /// Source rows to write (new or changed in this load).
    pub fn dirty_sources(&self, run_id: i64) -> Vec<Vec<Val>> {
        self.sources
            .iter()
            .filter(|(k, cols)| {
                !self.source_original.contains(*k) || cols[6].as_i() == Some(run_id)
            })
            .map(|((s, k), cols)| {
                let mut row = vec![Val::S(Some(s.clone())), Val::S(Some(k.clone()))];
                row.extend(cols.iter().cloned());
                row
            })
            .collect()
    }

    /// The game a team played on a date, for sources that give a date but no opponent.
    pub fn find_by_date_team(&self, date: &str, team: i64) -> Option<String> {
        self.games
            .iter()
            .find(|(_, c)| {
                c[g::DATE].as_s() == Some(date)
                    && (c[g::HOME].as_i() == Some(team) || c[g::AWAY].as_i() == Some(team))
            })
            .map(|(id, _)| id.clone())
    }

    /// Sets the NBA id on a game found by other means.
    pub fn set_nba_id(&mut self, game_id: &str, nba: &str) {
        if let Some(cols) = self.games.get_mut(game_id) {
            if cols[g::NBA_ID].as_s().is_none() {
                cols[g::NBA_ID] = Val::S(Some(nba.to_string()));
                self.by_nba.insert(nba.to_string(), game_id.to_string());
            }
        }
    }
}

/// Reads the column of a row by name, for callers outside the loader.
#[allow(dead_code)]
pub(crate) fn get_string(row: &sqlx::any::AnyRow, col: &str) -> Option<String> {
    row.try_get::<Option<String>, _>(col).ok().flatten()
}
