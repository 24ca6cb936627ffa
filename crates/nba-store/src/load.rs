//! Loading parsed files into the store: one transaction per file, upserts on natural keys,
//! provenance in `ingest_runs`. A bad row aborts the whole file unless `skip_invalid`.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Instant;

use nba_ingest::records::{BoxLine, GameRow, PlayerBoxRow, PlayerRow, TeamGameRow, TeamRow};
use nba_ingest::{ParseOutput, Parsed};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::index::{GameIndex, Report};
use crate::rows::{classify, f, i, s, st, Change, Table, Val};
use crate::tables::{FRANCHISES, GAMES, GAME_SOURCES, PLAYERS, PLAYER_BOX, TEAM_BOX};
use crate::{Store, StoreError};

/// Where a load came from and what it is.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// Format name as given on the command line (`fivethirtyeight`, ...).
    pub format: String,
    /// `"real"` or `"demo"`.
    pub data_source: String,
    pub skip_invalid: bool,
}

/// What a load did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadSummary {
    pub run_id: i64,
    pub file: String,
    pub format: String,
    pub layout: String,
    pub rows_read: u64,
    pub inserted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub skipped: u64,
    /// `file:line: reason` for every skipped row (parse and load).
    pub skipped_rows: Vec<String>,
    pub notes: Vec<String>,
    pub games_created: u64,
    pub seconds: f64,
}

#[derive(Default)]
struct Counts {
    inserted: u64,
    updated: u64,
    unchanged: u64,
    skipped: Vec<String>,
}

impl Counts {
    fn add(&mut self, c: Change) {
        match c {
            Change::Insert => self.inserted += 1,
            Change::Update => self.updated += 1,
            Change::Same => self.unchanged += 1,
        }
    }
}

impl Store {
    /// Loads one parsed file. All or nothing: on error the store is as it was.
    pub async fn load(
        &self,
        out: &ParseOutput,
        prov: &Provenance,
    ) -> Result<LoadSummary, StoreError> {
        let started = Instant::now();
        let started_at = chrono::Utc::now().to_rfc3339();
        let mut tx = self.pool.begin().await?;
        let run_id: i64 = sqlx::query(
            "INSERT INTO ingest_runs (format, layout, file, sha256, rows_read, inserted, updated, unchanged, skipped, notes, started_at, seconds) \
             VALUES ($1, $2, $3, $4, $5, 0, 0, 0, 0, '', $6, 0) RETURNING id",
        )
        .bind(prov.format.clone())
        .bind(out.layout.to_string())
        .bind(out.file.clone())
        .bind(out.sha256.clone())
        .bind(out.rows_read as i64)
        .bind(started_at)
        .fetch_one(&mut *tx)
        .await?
        .try_get(0)?;
        // After the first write: the transaction holds SQLite's write lock, so this read
        // cannot go stale before the writes that follow (a read first would make a deferred
        // transaction fail with SQLITE_BUSY_SNAPSHOT when a server writes meanwhile).
        refuse_mixing(&mut tx, prov).await?;

        let mut counts = Counts {
            skipped: out.skipped.iter().map(|e| e.to_string()).collect(),
            ..Default::default()
        };
        let mut games_created = 0;
        match &out.parsed {
            Parsed::Games(rows) => {
                games_created =
                    load_games(&mut tx, rows, prov, &out.file, run_id, &mut counts).await?
            }
            Parsed::TeamGames(rows) => {
                games_created =
                    load_team_games(&mut tx, rows, prov, &out.file, run_id, &mut counts).await?
            }
            Parsed::PlayerBoxes(rows) => {
                load_player_boxes(&mut tx, rows, prov, &out.file, run_id, &mut counts).await?
            }
            Parsed::Players(rows) => load_players(&mut tx, rows, &mut counts).await?,
            Parsed::Teams(rows) => load_teams(&mut tx, rows, &mut counts).await?,
        }
        if prov.data_source == "demo" {
            set_meta(&mut tx, "data_source", "demo").await?;
        } else {
            set_meta(&mut tx, "data_source", "real").await?;
        }
        let seconds = started.elapsed().as_secs_f64();
        let notes = out.notes.join("; ");
        sqlx::query(
            "UPDATE ingest_runs SET inserted = $1, updated = $2, unchanged = $3, skipped = $4, notes = $5, seconds = $6 WHERE id = $7",
        )
        .bind(counts.inserted as i64)
        .bind(counts.updated as i64)
        .bind(counts.unchanged as i64)
        .bind(counts.skipped.len() as i64)
        .bind(notes)
        .bind(seconds)
        .bind(run_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(LoadSummary {
            run_id,
            file: out.file.clone(),
            format: prov.format.clone(),
            layout: out.layout.to_string(),
            rows_read: out.rows_read,
            inserted: counts.inserted,
            updated: counts.updated,
            unchanged: counts.unchanged,
            skipped: counts.skipped.len() as u64,
            skipped_rows: counts.skipped,
            notes: out.notes.clone(),
            games_created,
            seconds,
        })
    }
}

/// The demo (simulated) league and real data never share a store: a load of one into a
/// store holding the other is refused, saying how to start over.
async fn refuse_mixing(
    tx: &mut Transaction<'static, Any>,
    prov: &Provenance,
) -> Result<(), StoreError> {
    let held: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'data_source'")
            .fetch_optional(&mut **tx)
            .await?;
    let incoming = if prov.data_source == "demo" {
        "demo"
    } else {
        "real"
    };
    match held.as_deref() {
        Some("demo") if incoming == "real" => Err(StoreError::Load(
            "this store holds the demo (simulated) league; loading real data into it would mix \
             simulated and real games. Remove the demo first with `nba-mcp reset --yes` \
             (accounts, keys and the logs are kept), or point DATABASE_URL at another store"
                .into(),
        )),
        Some("real") if incoming == "demo" => Err(StoreError::Load(
            "this store holds real data; the demo league is loaded only into an empty store".into(),
        )),
        _ => Ok(()),
    }
}

pub(crate) async fn set_meta(
    tx: &mut Transaction<'static, Any>,
    key: &str,
    value: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    )
    .bind(key.to_string())
    .bind(value.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

fn seasons<T>(rows: &[T], season: impl Fn(&T) -> i64) -> Vec<i64> {
    rows.iter()
        .map(season)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect()
}

fn fte_vals(row: &GameRow) -> Option<[Val; 6]> {
    row.fte.as_ref().map(|x| {
        [
            f(x.elo_home_pre),
            f(x.elo_away_pre),
            f(x.elo_prob_home),
            f(x.raptor_prob_home),
            f(x.main_prob_home),
            s(x.main_model.clone()),
        ]
    })
}

/// Writes the index's new and changed games and source rows.
async fn flush(
    tx: &mut Transaction<'static, Any>,
    idx: &GameIndex,
    run_id: i64,
) -> Result<u64, StoreError> {
    let games = idx.dirty_games();
    let created = games
        .iter()
        .filter(|r| !idx.original.contains_key(r[0].as_s().unwrap_or_default()))
        .count() as u64;
    GAMES.upsert(tx, &games).await?;
    GAME_SOURCES.upsert(tx, &idx.dirty_sources(run_id)).await?;
    Ok(created)
}

async fn load_games(
    tx: &mut Transaction<'static, Any>,
    rows: &[GameRow],
    prov: &Provenance,
    _file: &str,
    run_id: i64,
    counts: &mut Counts,
) -> Result<u64, StoreError> {
    let mut idx = GameIndex::load(tx, &seasons(rows, |r| r.season.end_year() as i64)).await?;
    // 538 rows have no id of their own: key them by date and teams, numbering repeats
    // (two games of the same teams on one day are real, see the data README).
    let mut seen: HashMap<(chrono::NaiveDate, i64, i64), u32> = HashMap::new();
    let source = source_name(&prov.format);
    for row in rows {
        let key = match &row.nba_game_id {
            Some(id) if source != "fivethirtyeight" => id.clone(),
            _ => {
                let n = seen
                    .entry((row.date, row.home_id, row.away_id))
                    .or_insert(0);
                *n += 1;
                format!("{}:{}:{}:{}", row.date, row.home_id, row.away_id, n)
            }
        };
        let report = Report {
            source,
            key,
            season: row.season.end_year() as i64,
            date: row.date,
            stage: row.stage.as_str(),
            neutral: row.neutral,
            home: row.home_id,
            away: row.away_id,
            home_score: row.home_score.map(i64::from),
            away_score: row.away_score.map(i64::from),
            nba_game_id: row.nba_game_id.as_deref(),
            fte: fte_vals(row),
            data_source: &prov.data_source,
        };
        let (_, change) = idx.apply(&report, run_id);
        counts.add(change);
    }
    flush(tx, &idx, run_id).await
}

fn source_name(format: &str) -> &'static str {
    match format {
        "fivethirtyeight" => "fivethirtyeight",
        "nba-stats-team-logs" => "nba-stats-team-logs",
        "nba-stats-player-logs" => "nba-stats-player-logs",
        "nba-stats-schedule" => "nba-stats-schedule",
        "demo" => "demo",
        _ => "other",
    }
}

fn box_vals(b: &BoxLine) -> Vec<Val> {
    let n = |x: Option<i32>| i(x.map(i64::from));
    vec![
        f(b.minutes),
        n(b.fgm),
        n(b.fga),
        n(b.fg3m),
        n(b.fg3a),
        n(b.ftm),
        n(b.fta),
        n(b.oreb),
        n(b.dreb),
        n(b.reb),
        n(b.ast),
        n(b.stl),
        n(b.blk),
        n(b.tov),
        n(b.pf),
        i(b.pts as i64),
        f(b.plus_minus),
    ]
}

/// Existing rows of `table` for the games in `game_ids`, by key.
async fn existing_for_games(
    tx: &mut Transaction<'static, Any>,
    table: &Table,
    seasons: &[i64],
) -> Result<HashMap<Vec<Val>, Vec<Val>>, StoreError> {
    let mut out = HashMap::new();
    for season in seasons {
        let sql = format!(
            "SELECT {} FROM {} WHERE game_id IN (SELECT id FROM games WHERE season = $1)",
            table.select_list(),
            table.name
        );
        for row in sqlx::query(&sql).bind(*season).fetch_all(&mut **tx).await? {
            let (k, c) = table.decode(&row)?;
            out.insert(k, c);
        }
    }
    Ok(out)
}

impl std::hash::Hash for Val {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        match self {
            Val::I(x) => x.hash(h),
            Val::F(x) => x.map(f64::to_bits).hash(h),
            Val::S(x) => x.hash(h),
        }
    }
}
impl Eq for Val {}

async fn load_team_games(
    tx: &mut Transaction<'static, Any>,
    rows: &[TeamGameRow],
    prov: &Provenance,
    _file: &str,
    run_id: i64,
    counts: &mut Counts,
) -> Result<u64, StoreError> {
    let season_list = seasons(rows, |r| r.season.end_year() as i64);
    let mut idx = GameIndex::load(tx, &season_list).await?;
    let existing_box = existing_for_games(tx, &TEAM_BOX, &season_list).await?;
    let source = source_name(&prov.format);
    let mut boxes = Vec::new();
    for row in rows {
        let report = Report {
            source,
            key: row.nba_game_id.clone(),
            season: row.season.end_year() as i64,
            date: row.date,
            stage: row.stage.as_str(),
            neutral: false,
            home: row.home_id,
            away: row.away_id,
            home_score: Some(row.home.pts as i64),
            away_score: Some(row.away.pts as i64),
            nba_game_id: Some(&row.nba_game_id),
            fte: None,
            data_source: &prov.data_source,
        };
        let (gid, mut change) = idx.apply(&report, run_id);
        let game_home = idx.games[&gid][crate::tables::g::HOME].as_i();
        for (team, line) in [(row.home_id, &row.home), (row.away_id, &row.away)] {
            let key = vec![st(gid.clone()), i(team)];
            let mut cols = vec![i((game_home == Some(team)) as i64), st(source)];
            cols.extend(box_vals(line));
            let c = classify(existing_box.get(&key), &cols);
            if c != Change::Same {
                if change == Change::Same {
                    change = Change::Update;
                }
                let mut r = key;
                r.extend(cols);
                boxes.push(r);
            }
        }
        counts.add(change);
    }
    let created = flush(tx, &idx, run_id).await?;
    TEAM_BOX.upsert(tx, &boxes).await?;
    Ok(created)
}

async fn load_player_boxes(
    tx: &mut Transaction<'static, Any>,
    rows: &[PlayerBoxRow],
    prov: &Provenance,
    file: &str,
    run_id: i64,
    counts: &mut Counts,
) -> Result<(), StoreError> {
    let season_list = seasons(rows, |r| r.season.end_year() as i64);
    let mut idx = GameIndex::load(tx, &season_list).await?;
    let existing = existing_for_games(tx, &PLAYER_BOX, &season_list).await?;
    let existing_team_box = existing_for_games(tx, &TEAM_BOX, &season_list).await?;
    let source = source_name(&prov.format);
    let mut out = Vec::new();
    // game id -> team id -> summed line, to fill team totals and scores games lack.
    let mut sums: HashMap<String, HashMap<i64, Vec<Val>>> = HashMap::new();
    for row in rows {
        let gid = match idx.by_nba.get(&row.nba_game_id).cloned() {
            Some(g) => Some(g),
            None => row.date.and_then(|d| {
                let g = idx.find_by_date_team(&d.format("%Y-%m-%d").to_string(), row.team_id)?;
                idx.set_nba_id(&g, &row.nba_game_id);
                Some(g)
            }),
        };
        let Some(gid) = gid else {
            let msg = format!(
                "{file}:{}: game {} is not in the store; load its schedule or team game logs first",
                row.line, row.nba_game_id
            );
            if prov.skip_invalid {
                counts.skipped.push(msg);
                continue;
            }
            return Err(StoreError::Load(msg));
        };
        let key = vec![st(gid.clone()), i(row.person_id)];
        let mut cols = vec![
            i(row.team_id),
            i(row.season.end_year() as i64),
            st(row.stage.as_str()),
            st(row.player_name.clone()),
            s(row.position.clone()),
            s(row.comment.clone()),
            st(source),
        ];
        let line = box_vals(&row.stats);
        let team_sum = sums
            .entry(gid.clone())
            .or_default()
            .entry(row.team_id)
            .or_insert_with(|| vec![Val::I(None); line.len()]);
        add_line(team_sum, &line);
        cols.extend(line);
        let c = classify(existing.get(&key), &cols);
        counts.add(c);
        if c != Change::Same {
            let mut r = key;
            r.extend(cols);
            out.push(r);
        }
    }
    // Team totals from the players' lines: kept as this source's account of the score, and
    // used for games no team log covers (play-offs of seasons after 538).
    let mut team_boxes = Vec::new();
    let mut score_fill: Vec<(String, [i64; 2], [i64; 2])> = Vec::new();
    for (gid, teams) in &sums {
        let cols = &idx.games[gid];
        let (home, away) = (
            cols[crate::tables::g::HOME].as_i().unwrap_or(0),
            cols[crate::tables::g::AWAY].as_i().unwrap_or(0),
        );
        for (team, line) in teams {
            let key = vec![st(gid.clone()), i(*team)];
            if existing_team_box
                .get(&key)
                .is_some_and(|c| c[1].as_s() != Some(source))
            {
                continue;
            }
            let mut row = key;
            row.push(i((*team == home) as i64));
            row.push(st(source));
            let mut l = line.clone();
            l[0] = Val::F(None); // summed player minutes are not team minutes
            l[16] = Val::F(None);
            row.extend(l);
            team_boxes.push(row);
        }
        if let (Some(h), Some(a)) = (teams.get(&home), teams.get(&away)) {
            let pts = |l: &Vec<Val>| l[15].as_i().unwrap_or(0);
            score_fill.push((gid.clone(), [home, away], [pts(h), pts(a)]));
        }
    }
    for (gid, [home, away], [hp, ap]) in score_fill {
        let cols = idx.games[&gid].clone();
        let nba = cols[crate::tables::g::NBA_ID]
            .as_s()
            .unwrap_or(&gid)
            .to_string();
        let date = chrono::NaiveDate::parse_from_str(
            cols[crate::tables::g::DATE].as_s().unwrap_or(""),
            "%Y-%m-%d",
        )
        .map_err(|e| StoreError::Corrupt(format!("game {gid} has a bad date: {e}")))?;
        let report = Report {
            source,
            key: nba,
            season: cols[crate::tables::g::SEASON].as_i().unwrap_or(0),
            date,
            stage: "",
            neutral: false,
            home,
            away,
            home_score: Some(hp),
            away_score: Some(ap),
            nba_game_id: None,
            fte: None,
            data_source: &prov.data_source,
        };
        idx.apply(&report, run_id);
    }
    flush(tx, &idx, run_id).await?;
    PLAYER_BOX.upsert(tx, &out).await?;
    let changed: Vec<Vec<Val>> = team_boxes
        .into_iter()
        .filter(|r| existing_team_box.get(&r[..2]) != Some(&r[2..].to_vec()))
        .collect();
    TEAM_BOX.upsert(tx, &changed).await?;
    Ok(())
}

fn add_line(sum: &mut [Val], line: &[Val]) {
    for (acc, v) in sum.iter_mut().zip(line) {
        match (acc, v) {
            (Val::I(a), Val::I(Some(x))) => *a = Some(a.unwrap_or(0) + x),
            (a @ Val::I(_), Val::F(Some(x))) => {
                *a = Val::F(Some(x + 0.0));
            }
            (Val::F(a), Val::F(Some(x))) => *a = Some(a.unwrap_or(0.0) + x),
            _ => {}
        }
    }
}

/// Merges: a value the new file lacks keeps the stored one.
fn merge(existing: Option<&Vec<Val>>, new: Vec<Val>) -> Vec<Val> {
    match existing {
        None => new,
        Some(old) => new
            .into_iter()
            .zip(old)
            .map(|(n, o)| match &n {
                Val::I(None) | Val::F(None) | Val::S(None) => o.clone(),
                _ => n,
            })
            .collect(),
    }
}

async fn existing_all(
    tx: &mut Transaction<'static, Any>,
    table: &Table,
) -> Result<HashMap<Vec<Val>, Vec<Val>>, StoreError> {
    let sql = format!("SELECT {} FROM {}", table.select_list(), table.name);
    let mut out = HashMap::new();
    for row in sqlx::query(&sql).fetch_all(&mut **tx).await? {
        let (k, c) = table.decode(&row)?;
        out.insert(k, c);
    }
    Ok(out)
}

/// Lower-case ASCII folding for name search ("Dončić" -> "doncic").
pub fn search_key(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for ch in name.chars() {
        let folded = match ch {
            'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' | 'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => {
                'a'
            }
            'č' | 'ć' | 'ç' | 'Č' | 'Ć' | 'Ç' => 'c',
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' | 'Í' | 'Ì' | 'Î' | 'Ï' => 'i',
            'ñ' | 'ń' | 'Ñ' | 'Ń' => 'n',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' | 'ø' | 'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' | 'Ø' => {
                'o'
            }
            'š' | 'ś' | 'Š' | 'Ś' => 's',
            'ú' | 'ù' | 'û' | 'ü' | 'Ú' | 'Ù' | 'Û' | 'Ü' => 'u',
            'ý' | 'ÿ' | 'Ý' => 'y',
            'ž' | 'ź' | 'ż' | 'Ž' | 'Ź' | 'Ż' => 'z',
            'đ' | 'Đ' => 'd',
            'ğ' | 'Ğ' => 'g',
            'ł' | 'Ł' => 'l',
            'ş' | 'Ş' => 's',
            c => c,
        };
        out.extend(folded.to_lowercase());
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

async fn load_players(
    tx: &mut Transaction<'static, Any>,
    rows: &[PlayerRow],
    counts: &mut Counts,
) -> Result<(), StoreError> {
    let existing = existing_all(tx, &PLAYERS).await?;
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for r in rows {
        if !seen.insert(r.person_id) {
            counts.unchanged += 1;
            continue;
        }
        let key = vec![i(r.person_id)];
        let new = vec![
            st(r.full_name.clone()),
            st(search_key(&r.full_name)),
            s(r.first_name.clone()),
            s(r.last_name.clone()),
            i(r.is_active.map(i64::from)),
            i(r.from_year.map(i64::from)),
            i(r.to_year.map(i64::from)),
            s(r.position.clone()),
            s(r.height.clone()),
            i(r.weight.map(i64::from)),
            s(r.college.clone()),
            s(r.country.clone()),
            i(r.draft_year.map(i64::from)),
            i(r.draft_round.map(i64::from)),
            i(r.draft_number.map(i64::from)),
            i(r.team_id),
        ];
        let old = existing.get(&key);
        let merged = merge(old, new);
        let c = classify(old, &merged);
        counts.add(c);
        if c != Change::Same {
            let mut row = key;
            row.extend(merged);
            out.push(row);
        }
    }
    PLAYERS.upsert(tx, &out).await
}

async fn load_teams(
    tx: &mut Transaction<'static, Any>,
    rows: &[TeamRow],
    counts: &mut Counts,
) -> Result<(), StoreError> {
    let existing = existing_all(tx, &FRANCHISES).await?;
    let mut out = Vec::new();
    for r in rows {
        let key = vec![i(r.team_id)];
        let champs = r.championship_years.as_ref().map(|v| {
            v.iter()
                .map(|y| y.to_string())
                .collect::<Vec<_>>()
                .join(";")
        });
        let new = vec![
            st(r.abbreviation.clone()),
            st(r.city.clone()),
            st(r.nickname.clone()),
            st(r.full_name.clone()),
            s(r.conference.clone()),
            s(r.division.clone()),
            i(r.year_founded.map(i64::from)),
            s(r.state.clone()),
            s(champs),
            s(r.color.clone()),
        ];
        let old = existing.get(&key);
        let merged = merge(old, new);
        let c = classify(old, &merged);
        counts.add(c);
        if c != Change::Same {
            let mut row = key;
            row.extend(merged);
            out.push(row);
        }
    }
    FRANCHISES.upsert(tx, &out).await
}
