-- Served predictions, for drift and accuracy checks once results arrive.
CREATE TABLE prediction_log (
    id            BIGSERIAL PRIMARY KEY,
    created_at    TEXT NOT NULL,
    request_id    TEXT NOT NULL,
    model_name    TEXT NOT NULL,
    model_version TEXT NOT NULL,
    game_date     TEXT NOT NULL,
    home_id       BIGINT NOT NULL,
    away_id       BIGINT NOT NULL,
    neutral       BIGINT NOT NULL,
    features      TEXT NOT NULL,
    prob_home     DOUBLE PRECISION NOT NULL,
    margin        DOUBLE PRECISION NOT NULL
);
CREATE INDEX prediction_log_created ON prediction_log (created_at);
CREATE INDEX prediction_log_game ON prediction_log (game_date, home_id, away_id);
