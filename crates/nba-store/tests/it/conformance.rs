//! One behaviour suite, run against both backends: SQLite (a temp file) and PostgreSQL (a
//! fresh database on NBA_MCP_TEST_PG_URL, default postgres://postgres@127.0.0.1:5432). It
//! loads the real files under ../shared/data (NBA_MCP_DATA_DIR) and checks NBA facts.

use std::collections::HashMap;
use std::path::PathBuf;

use nba_ingest::{Format, ParseOptions, ParseOutput, Parsed};
use nba_store::{GameFilter, GameRecord, Provenance, Store};

fn data_dir() -> PathBuf {
    let dir = std::env::var("NBA_MCP_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        });
    assert!(
        dir.is_dir(),
        "real NBA data folder {} is missing: set NBA_MCP_DATA_DIR to the shared data folder",
        dir.display()
    );
    dir
}

fn parse(format: Format, rel: &str) -> ParseOutput {
    let path = data_dir().join(rel);
    nba_ingest::parse_file(
        format,
        &path,
        &ParseOptions {
            skip_invalid: false,
        },
    )
    .unwrap_or_else(|e| panic!("parsing {}: {e}", path.display()))
}

fn prov(format: Format) -> Provenance {
    Provenance {
        format: format.name().into(),
        data_source: "real".into(),
        skip_invalid: false,
    }
}

async fn load(store: &Store, format: Format, rel: &str) -> nba_store::LoadSummary {
    store
        .load(&parse(format, rel), &prov(format))
        .await
        .expect("load")
}

fn record(games: &[GameRecord], team: i64, stage: &str) -> (u32, u32) {
    let mut wl = (0, 0);
    for g in games
        .iter()
        .filter(|g| g.stage == stage && g.involves(team))
    {
        match g.winner() {
            Some(w) if w == team => wl.0 += 1,
            Some(_) => wl.1 += 1,
            None => {}
        }
    }
    wl
}

const GSW: i64 = 1610612744;
const CHI: i64 = 1610612741;
const CLE: i64 = 1610612739;

async fn suite(store: Store) {
    // 538 games: every game once, and a second load changes nothing.
    let first = load(
        &store,
        Format::FiveThirtyEight,
        "fivethirtyeight/games_1947_2022.csv.gz",
    )
    .await;
    assert_eq!((first.inserted, first.games_created), (67_894, 67_894));
    let counts = store.counts().await.unwrap();
    assert_eq!(counts.games, 67_894);
    let again = load(
        &store,
        Format::FiveThirtyEight,
        "fivethirtyeight/games_1947_2022.csv.gz",
    )
    .await;
    assert_eq!(
        (again.inserted, again.updated, again.unchanged),
        (0, 0, 67_894)
    );
    assert_eq!(store.counts().await.unwrap().games, 67_894);
    assert_eq!(
        store.counts().await.unwrap().game_sources,
        counts.game_sources
    );

    // Facts.
    let s2016 = store.season_games(2016).await.unwrap();
    assert_eq!(record(&s2016, GSW, "regular"), (73, 9), "2015-16 Warriors");
    let s1996 = store.season_games(1996).await.unwrap();
    assert_eq!(record(&s1996, CHI, "regular"), (72, 10), "1995-96 Bulls");
    let finals: Vec<_> = s2016
        .iter()
        .filter(|g| g.stage == "playoffs" && g.involves(GSW) && g.involves(CLE))
        .collect();
    assert_eq!(finals.len(), 7, "the 2016 Finals went seven games");
    assert_eq!(finals.iter().filter(|g| g.winner() == Some(CLE)).count(), 4);

    // Filters and keyset pagination agree with one big page.
    let all = store
        .games(&GameFilter {
            team_id: Some(GSW),
            season: Some(2016),
            limit: 200,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 82 + 24);
    let mut paged = Vec::new();
    let mut before = None;
    loop {
        let page = store
            .games(&GameFilter {
                team_id: Some(GSW),
                season: Some(2016),
                limit: 10,
                before: before.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        if page.is_empty() {
            break;
        }
        before = page.last().map(|g| (g.date.clone(), g.id.clone()));
        paged.extend(page);
    }
    assert_eq!(
        paged.iter().map(|g| &g.id).collect::<Vec<_>>(),
        all.iter().map(|g| &g.id).collect::<Vec<_>>()
    );
    let vs = store
        .games(&GameFilter {
            team_id: Some(GSW),
            opponent_id: Some(CLE),
            season: Some(2016),
            stage: Some("playoffs".into()),
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(vs.len(), 7);

    // A second source for the same games: linked, not duplicated; its disagreement is kept.
    let logs = load(
        &store,
        Format::NbaStatsTeamLogs,
        "nba_stats/team_game_logs/log-2017.csv.gz",
    )
    .await;
    assert_eq!((logs.inserted, logs.games_created), (1_230, 0));
    assert_eq!(store.counts().await.unwrap().games, 67_894);
    let lal_ind = store
        .game("0021600649")
        .await
        .unwrap()
        .expect("LAL-IND linked by NBA id");
    assert_eq!(
        (lal_ind.home_score, lal_ind.away_score),
        (Some(108), Some(96)),
        "538's score is kept"
    );
    let sources = store.game_sources(&lal_ind.id).await.unwrap();
    let nba = sources
        .iter()
        .find(|s| s.source == "nba-stats-team-logs")
        .expect("team-log source");
    assert_eq!((nba.home_score, nba.away_score), (Some(108), Some(95)));
    let conflicts = store.disagreements(1_000).await.unwrap();
    assert!(
        conflicts.iter().any(|(g, _)| g.id == lal_ind.id),
        "LAL-IND is reported"
    );
    assert_eq!(store.team_box_for_game(&lal_ind.id).await.unwrap().len(), 2);
    let logs_again = load(
        &store,
        Format::NbaStatsTeamLogs,
        "nba_stats/team_game_logs/log-2017.csv.gz",
    )
    .await;
    assert_eq!(
        (
            logs_again.inserted,
            logs_again.updated,
            logs_again.unchanged
        ),
        (0, 0, 1_230)
    );

    // Later seasons: team logs create games, the schedule adds the rest, player lines attach,
    // and players' points add up to their team's points.
    load(
        &store,
        Format::NbaStatsTeamLogs,
        "nba_stats/team_game_logs_2024_2026.csv.gz",
    )
    .await;
    load(
        &store,
        Format::Schedule,
        "nba_stats/schedule_2024_2026.csv.gz",
    )
    .await;
    let before_players = store.counts().await.unwrap();
    let players = load(
        &store,
        Format::NbaStatsPlayerLogs,
        "nba_stats/player_game_logs_2024_2026.csv.gz",
    )
    .await;
    assert_eq!(players.inserted, 90_694);
    let team_box = store.team_box_for_season(2025).await.unwrap();
    let mut sums: HashMap<(String, i64), i64> = HashMap::new();
    for p in store.player_box_for_season(2025, "regular").await.unwrap() {
        *sums.entry((p.game_id, p.team_id)).or_default() += p.stats.pts;
    }
    let logged: Vec<_> = team_box
        .iter()
        .filter(|b| b.source == "nba-stats-team-logs")
        .collect();
    assert_eq!(logged.len(), 2_460);
    for b in logged {
        assert_eq!(
            sums.get(&(b.game_id.clone(), b.team_id)),
            Some(&b.stats.pts),
            "points of {} in {}",
            b.team_id,
            b.game_id
        );
    }
    // Play-off games of 2024-25 have no team log; their scores come from the players' lines.
    let finals_2025 = store
        .games(&GameFilter {
            season: Some(2025),
            stage: Some("playoffs".into()),
            limit: 200,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(finals_2025.len() > 70 && finals_2025.iter().all(GameRecord::is_final));
    assert_eq!(store.counts().await.unwrap().games, before_players.games);

    // All or nothing: a file whose last row cannot be placed changes nothing.
    let snapshot = store.counts().await.unwrap();
    let mut bad = parse(
        Format::NbaStatsPlayerLogs,
        "nba_stats/player_game_logs_2024_2026.csv.gz",
    );
    if let Parsed::PlayerBoxes(rows) = &mut bad.parsed {
        let mut stray = rows[0].clone();
        stray.nba_game_id = "0022499999".into();
        stray.line = 999_999;
        for r in rows.iter_mut().take(100) {
            r.stats.pts += 1; // would be an update if the load went through
        }
        rows.push(stray);
    }
    let err = store
        .load(&bad, &prov(Format::NbaStatsPlayerLogs))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(":999999:") && err.contains("0022499999"),
        "{err}"
    );
    assert_eq!(store.counts().await.unwrap(), snapshot);
    let reread = load(
        &store,
        Format::NbaStatsPlayerLogs,
        "nba_stats/player_game_logs_2024_2026.csv.gz",
    )
    .await;
    assert_eq!(reread.updated, 0, "the failed load left no partial update");

    // Players: two lists merge, and search folds accents.
    load(&store, Format::Players, "nba_api/players.csv").await;
    load(&store, Format::Players, "nba_stats/players.csv.gz").await;
    let luka = store.search_players("luka doncic", false, 5).await.unwrap();
    assert_eq!(luka.first().map(|p| p.id), Some(1629029));
    assert!(
        luka[0].height.is_some(),
        "bio from the second list is merged in"
    );
    store.close().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_backend() {
    nba_testkit::on_store(nba_store::Backend::Sqlite, "nba_store_sqlite", suite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_backend() {
    nba_testkit::on_store(nba_store::Backend::Postgres, "nba_test", suite).await;
}
