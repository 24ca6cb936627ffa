-- Initial schema (SQLite). Never edit once released: add a new numbered file instead.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE franchises (
    id            INTEGER PRIMARY KEY,
    abbr          TEXT NOT NULL,
    city          TEXT NOT NULL,
    nickname      TEXT NOT NULL,
    full_name     TEXT NOT NULL,
    conference    TEXT,
    division      TEXT,
    year_founded  INTEGER,
    state         TEXT,
    championships TEXT,
    color         TEXT
);

CREATE TABLE players (
    id           INTEGER PRIMARY KEY,
    full_name    TEXT NOT NULL,
    search_name  TEXT NOT NULL,
    first_name   TEXT,
    last_name    TEXT,
    is_active    INTEGER,
    from_year    INTEGER,
    to_year      INTEGER,
    position     TEXT,
    height       TEXT,
    weight       INTEGER,
    college      TEXT,
    country      TEXT,
    draft_year   INTEGER,
    draft_round  INTEGER,
    draft_number INTEGER,
    team_id      INTEGER
);
CREATE INDEX players_search_name ON players (search_name);

CREATE TABLE games (
    id                   TEXT PRIMARY KEY,
    season               INTEGER NOT NULL,
    date                 TEXT NOT NULL,
    stage                TEXT NOT NULL,
    neutral              INTEGER NOT NULL,
    home_id              INTEGER NOT NULL,
    away_id              INTEGER NOT NULL,
    home_score           INTEGER,
    away_score           INTEGER,
    nba_game_id          TEXT UNIQUE,
    primary_source       TEXT NOT NULL,
    data_source          TEXT NOT NULL,
    fte_elo_home_pre     REAL,
    fte_elo_away_pre     REAL,
    fte_elo_prob_home    REAL,
    fte_raptor_prob_home REAL,
    fte_main_prob_home   REAL,
    fte_main_model       TEXT
);
CREATE INDEX games_season_date ON games (season, date);
CREATE INDEX games_date ON games (date);
CREATE INDEX games_home ON games (home_id, date);
CREATE INDEX games_away ON games (away_id, date);

CREATE TABLE game_sources (
    source     TEXT NOT NULL,
    source_key TEXT NOT NULL,
    game_id    TEXT NOT NULL REFERENCES games (id),
    date       TEXT NOT NULL,
    home_id    INTEGER NOT NULL,
    away_id    INTEGER NOT NULL,
    home_score INTEGER,
    away_score INTEGER,
    run_id     INTEGER NOT NULL,
    PRIMARY KEY (source, source_key)
);
CREATE INDEX game_sources_game ON game_sources (game_id);

CREATE TABLE team_box (
    game_id    TEXT NOT NULL REFERENCES games (id),
    team_id    INTEGER NOT NULL,
    is_home    INTEGER NOT NULL,
    source     TEXT NOT NULL,
    minutes    REAL,
    fgm INTEGER, fga INTEGER, fg3m INTEGER, fg3a INTEGER, ftm INTEGER, fta INTEGER,
    oreb INTEGER, dreb INTEGER, reb INTEGER, ast INTEGER, stl INTEGER, blk INTEGER,
    tov INTEGER, pf INTEGER,
    pts        INTEGER NOT NULL,
    plus_minus REAL,
    PRIMARY KEY (game_id, team_id)
);
CREATE INDEX team_box_team ON team_box (team_id);

CREATE TABLE player_box (
    game_id     TEXT NOT NULL REFERENCES games (id),
    person_id   INTEGER NOT NULL,
    team_id     INTEGER NOT NULL,
    season      INTEGER NOT NULL,
    stage       TEXT NOT NULL,
    player_name TEXT NOT NULL,
    position    TEXT,
    comment     TEXT,
    source      TEXT NOT NULL,
    minutes     REAL,
    fgm INTEGER, fga INTEGER, fg3m INTEGER, fg3a INTEGER, ftm INTEGER, fta INTEGER,
    oreb INTEGER, dreb INTEGER, reb INTEGER, ast INTEGER, stl INTEGER, blk INTEGER,
    tov INTEGER, pf INTEGER,
    pts         INTEGER NOT NULL,
    plus_minus  REAL,
    PRIMARY KEY (game_id, person_id)
);
CREATE INDEX player_box_person ON player_box (person_id, season);
CREATE INDEX player_box_season ON player_box (season, stage);

CREATE TABLE ingest_runs (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    format      TEXT NOT NULL,
    layout      TEXT NOT NULL,
    file        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    rows_read   INTEGER NOT NULL,
    inserted    INTEGER NOT NULL,
    updated     INTEGER NOT NULL,
    unchanged   INTEGER NOT NULL,
    skipped     INTEGER NOT NULL,
    notes       TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    seconds     REAL NOT NULL
);
