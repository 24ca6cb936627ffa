-- Initial schema (PostgreSQL). Never edit once released: add a new numbered file instead.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE franchises (
    id            BIGINT PRIMARY KEY,
    abbr          TEXT NOT NULL,
    city          TEXT NOT NULL,
    nickname      TEXT NOT NULL,
    full_name     TEXT NOT NULL,
    conference    TEXT,
    division      TEXT,
    year_founded  BIGINT,
    state         TEXT,
    championships TEXT,
    color         TEXT
);

CREATE TABLE players (
    id           BIGINT PRIMARY KEY,
    full_name    TEXT NOT NULL,
    search_name  TEXT NOT NULL,
    first_name   TEXT,
    last_name    TEXT,
    is_active    BIGINT,
    from_year    BIGINT,
    to_year      BIGINT,
    position     TEXT,
    height       TEXT,
    weight       BIGINT,
    college      TEXT,
    country      TEXT,
    draft_year   BIGINT,
    draft_round  BIGINT,
    draft_number BIGINT,
    team_id      BIGINT
);
CREATE INDEX players_search_name ON players (search_name);

CREATE TABLE games (
    id                   TEXT PRIMARY KEY,
    season               BIGINT NOT NULL,
    date                 TEXT NOT NULL,
    stage                TEXT NOT NULL,
    neutral              BIGINT NOT NULL,
    home_id              BIGINT NOT NULL,
    away_id              BIGINT NOT NULL,
    home_score           BIGINT,
    away_score           BIGINT,
    nba_game_id          TEXT UNIQUE,
    primary_source       TEXT NOT NULL,
    data_source          TEXT NOT NULL,
    fte_elo_home_pre     DOUBLE PRECISION,
    fte_elo_away_pre     DOUBLE PRECISION,
    fte_elo_prob_home    DOUBLE PRECISION,
    fte_raptor_prob_home DOUBLE PRECISION,
    fte_main_prob_home   DOUBLE PRECISION,
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
    home_id    BIGINT NOT NULL,
    away_id    BIGINT NOT NULL,
    home_score BIGINT,
    away_score BIGINT,
    run_id     BIGINT NOT NULL,
    PRIMARY KEY (source, source_key)
);
CREATE INDEX game_sources_game ON game_sources (game_id);

CREATE TABLE team_box (
    game_id    TEXT NOT NULL REFERENCES games (id),
    team_id    BIGINT NOT NULL,
    is_home    BIGINT NOT NULL,
    source     TEXT NOT NULL,
    minutes    DOUBLE PRECISION,
    fgm BIGINT, fga BIGINT, fg3m BIGINT, fg3a BIGINT, ftm BIGINT, fta BIGINT,
    oreb BIGINT, dreb BIGINT, reb BIGINT, ast BIGINT, stl BIGINT, blk BIGINT,
    tov BIGINT, pf BIGINT,
    pts        BIGINT NOT NULL,
    plus_minus DOUBLE PRECISION,
    PRIMARY KEY (game_id, team_id)
);
CREATE INDEX team_box_team ON team_box (team_id);

CREATE TABLE player_box (
    game_id     TEXT NOT NULL REFERENCES games (id),
    person_id   BIGINT NOT NULL,
    team_id     BIGINT NOT NULL,
    season      BIGINT NOT NULL,
    stage       TEXT NOT NULL,
    player_name TEXT NOT NULL,
    position    TEXT,
    comment     TEXT,
    source      TEXT NOT NULL,
    minutes     DOUBLE PRECISION,
    fgm BIGINT, fga BIGINT, fg3m BIGINT, fg3a BIGINT, ftm BIGINT, fta BIGINT,
    oreb BIGINT, dreb BIGINT, reb BIGINT, ast BIGINT, stl BIGINT, blk BIGINT,
    tov BIGINT, pf BIGINT,
    pts         BIGINT NOT NULL,
    plus_minus  DOUBLE PRECISION,
    PRIMARY KEY (game_id, person_id)
);
CREATE INDEX player_box_person ON player_box (person_id, season);
CREATE INDEX player_box_season ON player_box (season, stage);

CREATE TABLE ingest_runs (
    id          BIGSERIAL PRIMARY KEY,
    format      TEXT NOT NULL,
    layout      TEXT NOT NULL,
    file        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    rows_read   BIGINT NOT NULL,
    inserted    BIGINT NOT NULL,
    updated     BIGINT NOT NULL,
    unchanged   BIGINT NOT NULL,
    skipped     BIGINT NOT NULL,
    notes       TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    seconds     DOUBLE PRECISION NOT NULL
);
