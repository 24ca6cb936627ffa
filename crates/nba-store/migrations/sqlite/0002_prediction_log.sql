-- Served predictions, for drift and accuracy checks once results arrive.
CREATE TABLE prediction_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at    TEXT NOT NULL,
    request_id    TEXT NOT NULL,
    model_name    TEXT NOT NULL,
    model_version TEXT NOT NULL,
    game_date     TEXT NOT NULL,
    home_id       INTEGER NOT NULL,
    away_id       INTEGER NOT NULL,
    neutral       INTEGER NOT NULL,
    features      TEXT NOT NULL,
    prob_home     REAL NOT NULL,
    margin        REAL NOT NULL
);
CREATE INDEX prediction_log_created ON prediction_log (created_at);
CREATE INDEX prediction_log_game ON prediction_log (game_date, home_id, away_id);
