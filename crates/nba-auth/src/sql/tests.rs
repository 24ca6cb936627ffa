//! Unit tests of the read-only SQL checker: what it accepts, and every escape it refuses.

use super::*;

const TABLES: &[&str] = &["games", "team_box", "player_box", "players", "franchises"];
const BOTH: [Dialect; 2] = [Dialect::Sqlite, Dialect::Postgres];

fn ok(sql: &str) -> CheckedSql {
    for dialect in BOTH {
        if let Err(e) = check(sql, dialect, TABLES) {
            panic!("{dialect:?} refused {sql:?}: {e}");
        }
    }
    check(sql, Dialect::Postgres, TABLES).unwrap()
}

/// Refused on both dialects; returns the PostgreSQL refusal's code and message.
fn refused(sql: &str) -> (&'static str, String) {
    let mut last = None;
    for dialect in BOTH {
        match check(sql, dialect, TABLES) {
            Ok(c) => panic!("{dialect:?} accepted {sql:?} as {:?}", c.sql),
            Err(e) => last = Some((e.code(), e.to_string())),
        }
    }
    last.unwrap()
}

#[test]
fn accepts_plain_queries_and_prints_them_back() {
    let c = ok("select id, home_score from GAMES where season = 2016 order by date limit 5;");
    assert_eq!(
        c.sql,
        "SELECT id, home_score FROM GAMES WHERE season = 2016 ORDER BY date LIMIT 5"
    );
    assert_eq!(c.tables, ["games"]);
    assert_eq!(ok("SELECT 1").tables, Vec::<String>::new());
    ok("VALUES (1, 'a'), (2, NULL)");
    ok("SELECT id FROM games UNION ALL SELECT id FROM games EXCEPT SELECT '1'");
    ok(
        "SELECT CASE WHEN home_score > away_score THEN 'home' ELSE 'away' END, \
        CAST(home_score AS REAL) / 2, coalesce(nullif(stage, ''), '?'), \
        lower(substr(id, 1, 3)), length(trim(id)), abs(round(1.25, 1)) FROM games",
    );
    ok(
        "SELECT DISTINCT season FROM games WHERE date BETWEEN '2016-01-01' AND '2016-02-01' \
        AND stage IN ('regular', 'playoffs') AND id LIKE '00%' AND home_score IS NOT NULL",
    );
}

#[test]
fn accepts_joins_subqueries_ctes_and_window_functions() {
    let c = ok(
        "SELECT g.id, t.pts FROM games AS g JOIN team_box t ON t.game_id = g.id \
                LEFT JOIN franchises f ON f.id = t.team_id WHERE g.season = 2016",
    );
    assert_eq!(c.tables, ["franchises", "games", "team_box"]);
    let c = ok(
        "WITH wins AS (SELECT home_id AS team FROM games WHERE home_score > away_score), \
                top AS (SELECT team, count(*) AS n FROM wins GROUP BY team) \
                SELECT * FROM top ORDER BY n DESC",
    );
    assert_eq!(c.tables, ["games"]);
    ok(
        "SELECT id FROM games WHERE home_id IN (SELECT id FROM franchises WHERE abbr = 'GSW') \
        AND EXISTS (SELECT 1 FROM team_box tb WHERE tb.game_id = games.id) \
        AND home_score > (SELECT avg(home_score) FROM games)",
    );
    ok(
        "SELECT s.season, s.n FROM (SELECT season, count(*) AS n FROM games GROUP BY season \
        HAVING count(*) > 10) AS s",
    );
    ok(
        "SELECT id, rank() OVER (PARTITION BY season ORDER BY home_score DESC), \
        lag(home_score, 1) OVER w, sum(home_score) OVER (ORDER BY date ROWS BETWEEN \
        2 PRECEDING AND CURRENT ROW) FROM games WINDOW w AS (ORDER BY date)",
    );
    let c = ok(
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < 10) \
                SELECT n FROM r",
    );
    assert!(c.tables.is_empty(), "{:?}", c.tables);
    // A CTE may take a forbidden table's name: it then hides the table, for both engines.
    let c = ok("WITH api_keys AS (SELECT id FROM games) SELECT * FROM api_keys");
    assert_eq!(c.tables, ["games"]);
}

#[test]
fn accepts_harmless_comments_and_drops_them() {
    let c = ok("/* block */ SELECT id -- the id\nFROM games /* ; DELETE FROM games */;");
    assert_eq!(c.sql, "SELECT id FROM games");
    assert_eq!(
        ok("SELECT '/* not a comment', '--' FROM games").tables,
        ["games"]
    );
}

#[test]
fn accepts_default_schema_per_dialect() {
    assert!(check("SELECT * FROM main.games", Dialect::Sqlite, TABLES).is_ok());
    assert!(check("SELECT * FROM public.games", Dialect::Postgres, TABLES).is_ok());
    let e = check("SELECT * FROM public.games", Dialect::Sqlite, TABLES).unwrap_err();
    assert_eq!(e.code(), "sql_schema_not_readable");
}

#[test]
fn refuses_multiple_statements_however_hidden() {
    for sql in [
        "SELECT 1; DROP TABLE games",
        "SELECT 1 -- \n; DELETE FROM games",
        "SELECT 1 /* */; DELETE FROM games",
        "SELECT 1;;SELECT 2",
        "SELECT id FROM games; SELECT * FROM api_keys",
    ] {
        let (code, _) = refused(sql);
        assert!(
            code == "sql_multiple_statements" || code == "sql_parse_error",
            "{sql:?}: {code}"
        );
    }
    assert_eq!(
        refused("SELECT 1; DROP TABLE games").0,
        "sql_multiple_statements"
    );
}

#[test]
fn refuses_every_statement_that_is_not_a_query() {
    for sql in [
        "INSERT INTO games (id) VALUES ('x')",
        "UPDATE games SET home_score = 0",
        "DELETE FROM games",
        "DROP TABLE games",
        "CREATE TABLE x (a int)",
        "CREATE TEMP TABLE x AS SELECT * FROM games",
        "ALTER TABLE games ADD COLUMN x int",
        "COPY games TO '/tmp/games.csv'",
        "COPY (SELECT 1) TO PROGRAM 'id'",
        "SET statement_timeout = 0",
        "SET TRANSACTION READ WRITE",
        "PRAGMA query_only = OFF",
        "PRAGMA table_info(games)",
        "ATTACH DATABASE '/tmp/x.db' AS x",
        "DETACH DATABASE x",
        "VACUUM",
        "VACUUM INTO '/tmp/copy.db'",
        "BEGIN",
        "COMMIT",
        "ROLLBACK",
        "EXPLAIN ANALYZE DELETE FROM games",
        "GRANT ALL ON games TO public",
        "TRUNCATE games",
        "CALL x()",
        "DO $$ BEGIN END $$",
        "LOAD 'x'",
    ] {
        let (code, message) = refused(sql);
        assert!(
            code == "sql_not_a_query" || code == "sql_parse_error",
            "{sql:?}: {code} {message}"
        );
    }
}

#[test]
fn refuses_writes_inside_queries() {
    for sql in [
        "WITH x AS (DELETE FROM games RETURNING *) SELECT * FROM x",
        "WITH x AS (INSERT INTO games (id) VALUES ('x') RETURNING id) SELECT * FROM x",
        "WITH x AS (UPDATE games SET home_score = 0 RETURNING id) SELECT 1",
        "SELECT * INTO stolen FROM games",
    ] {
        let (code, message) = refused(sql);
        assert!(
            code == "sql_write" || code == "sql_parse_error",
            "{sql:?}: {code}"
        );
        if code == "sql_write" {
            assert!(message.contains("found"), "{message}");
        }
    }
    assert_eq!(refused("SELECT * INTO stolen FROM games").0, "sql_write");
    for sql in [
        "SELECT * FROM games FOR UPDATE",
        "SELECT * FROM games FOR SHARE",
        "SELECT * FROM games FOR UPDATE SKIP LOCKED",
    ] {
        let e = check(sql, Dialect::Postgres, TABLES).unwrap_err();
        assert_eq!(e.code(), "sql_locking_clause", "{sql:?}: {e}");
    }
}

#[test]
fn refuses_dangerous_functions_wherever_they_are() {
    for sql in [
        "SELECT pg_read_file('/etc/passwd')",
        "SELECT pg_sleep(10)",
        "SELECT load_extension('/tmp/evil.so')",
        "SELECT lo_import('/etc/passwd')",
        "SELECT dblink('host=x', 'SELECT 1')",
        "SELECT set_config('default_transaction_read_only', 'off', false)",
        "SELECT current_setting('data_directory')",
        "SELECT readfile('/etc/passwd')",
        "SELECT writefile('/tmp/x', 'x')",
        "SELECT randomblob(1000000000)",
        "SELECT zeroblob(1000000000)",
        "SELECT repeat('x', 1000000000)",
        "SELECT version()",
        "SELECT pg_catalog.pg_read_file('/etc/passwd')",
        "SELECT \"PG_SLEEP\"(10)",
        "SELECT CURRENT_USER",
        "SELECT session_user",
        "SELECT current_schema",
        "SELECT user",
        "SELECT id FROM games WHERE id IN (SELECT pg_sleep(1))",
        "SELECT id FROM games ORDER BY pg_sleep(1)",
        "SELECT id FROM games LIMIT (SELECT pg_sleep(1))",
        "WITH x AS (SELECT pg_read_file('/etc/passwd')) SELECT * FROM x",
        "SELECT count(*) FILTER (WHERE pg_sleep(1) IS NULL) FROM games",
        "SELECT sum(home_score) OVER (PARTITION BY pg_sleep(1)) FROM games",
    ] {
        let (code, message) = refused(sql);
        assert!(
            code == "sql_function_not_allowed" || code == "sql_parse_error",
            "{sql:?}: {code} {message}"
        );
    }
    let (_, message) = refused("SELECT pg_sleep(10)");
    assert!(
        message.contains("'pg_sleep'") && message.contains("count"),
        "{message}"
    );
}

#[test]
fn refuses_system_and_credentials_tables() {
    for sql in [
        "SELECT * FROM sqlite_master",
        "SELECT * FROM sqlite_schema",
        "SELECT * FROM sqlite_temp_master",
        "SELECT * FROM main.sqlite_master",
        "SELECT * FROM temp.games",
        "SELECT * FROM pg_catalog.pg_user",
        "SELECT * FROM pg_user",
        "SELECT * FROM information_schema.tables",
        "SELECT * FROM x.y.games",
        "SELECT * FROM principals",
        "SELECT * FROM api_keys",
        "SELECT * FROM audit_log",
        "SELECT * FROM audit_head",
        "SELECT * FROM \"API_KEYS\"",
        "SELECT * FROM \"api_keys\"",
        "SELECT * FROM public.api_keys",
        "SELECT * FROM games NATURAL JOIN api_keys",
        "SELECT (SELECT key_hash FROM api_keys LIMIT 1)",
        "SELECT * FROM games WHERE EXISTS (SELECT 1 FROM principals)",
        "VALUES ((SELECT count(*) FROM audit_log))",
        "SELECT id FROM games UNION SELECT key_hash FROM api_keys",
    ] {
        let (code, message) = refused(sql);
        assert!(
            code == "sql_table_not_readable" || code == "sql_schema_not_readable",
            "{sql:?}: {code} {message}"
        );
    }
    let (_, message) = refused("SELECT * FROM api_keys");
    assert_eq!(
        message,
        "table 'api_keys' is not readable; readable tables: \
         games, team_box, player_box, players, franchises"
    );
    // SQLite's own ways of quoting and naming a table.
    for sql in [
        "SELECT * FROM [api_keys]",
        "SELECT * FROM `api_keys`",
        "SELECT * FROM games WHERE id IN api_keys",
    ] {
        let e = check(sql, Dialect::Sqlite, TABLES).unwrap_err();
        assert_eq!(e.code(), "sql_table_not_readable", "{sql:?}: {e}");
    }
    // Credentials stay unreadable even when a caller lists them by mistake.
    let e = check(
        "SELECT * FROM api_keys",
        Dialect::Sqlite,
        &["games", "API_KEYS"],
    );
    assert_eq!(e.unwrap_err().code(), "sql_table_not_readable");
}

#[test]
fn a_cte_name_hides_a_table_only_where_both_engines_agree() {
    for sql in [
        // Inside its own definition a non-recursive CTE's name is the real table.
        "WITH api_keys AS (SELECT * FROM api_keys) SELECT * FROM api_keys",
        // Out of the subquery that defines it, the name is the real table again.
        "SELECT * FROM (WITH api_keys AS (SELECT 1) SELECT * FROM api_keys) s, api_keys",
        "(WITH api_keys AS (SELECT 1) SELECT * FROM api_keys) UNION SELECT * FROM api_keys",
        // A later CTE is not visible to an earlier one.
        "WITH a AS (SELECT * FROM api_keys), api_keys AS (SELECT 1) SELECT * FROM a",
        // PostgreSQL keeps a quoted name's case: "Api_keys" does not hide api_keys.
        "WITH \"Api_keys\" AS (SELECT 1) SELECT * FROM api_keys",
        // A qualified name is never a CTE.
        "WITH api_keys AS (SELECT 1) SELECT * FROM public.api_keys",
        "WITH api_keys AS (SELECT 1) SELECT * FROM main.api_keys",
    ] {
        let (code, message) = refused(sql);
        assert!(
            code == "sql_table_not_readable" || code == "sql_schema_not_readable",
            "{sql:?}: {code} {message}"
        );
    }
}

#[test]
fn refuses_table_functions_catalog_casts_and_parameters() {
    for sql in [
        "SELECT * FROM generate_series(1, 1000000000)",
        "SELECT * FROM pragma_table_info('api_keys')",
        "SELECT * FROM json_each('[1]')",
        "SELECT * FROM games, LATERAL generate_series(1, 3)",
    ] {
        assert_eq!(refused(sql).0, "sql_table_function", "{sql:?}");
    }
    for sql in [
        "SELECT 'api_keys'::regclass",
        "SELECT CAST('pg_sleep' AS regproc)",
        "SELECT $1",
        "SELECT id FROM games WHERE id ~ 'a'",
    ] {
        let e = check(sql, Dialect::Postgres, TABLES).unwrap_err();
        assert_eq!(e.code(), "sql_unsupported", "{sql:?}: {e}");
    }
}

#[test]
fn refuses_oversized_empty_and_deeply_nested_input() {
    let long = format!("SELECT 1{}", " ".repeat(MAX_SQL_LEN));
    assert_eq!(refused(&long).0, "sql_too_long");
    for sql in ["", "   ", ";", "-- nothing\n", "/* nothing */"] {
        let code = refused(sql).0;
        assert!(
            code == "sql_empty" || code == "sql_parse_error",
            "{sql:?}: {code}"
        );
    }
    let parens = format!("SELECT {}1{}", "(".repeat(5_000), ")".repeat(5_000));
    assert_eq!(refused(&parens).0, "sql_parse_error");
    let nots = format!("SELECT {}1", "NOT ".repeat(4_000));
    assert_eq!(refused(&nots).0, "sql_parse_error");
    // Long flat chains parse into deep trees; sqlparser's recursion protection keeps
    // the walk and the printing off the stack limit. They must come back, either way.
    for sql in [
        format!("SELECT {}1", "1+".repeat(9_000)),
        format!("SELECT 1{}", " UNION SELECT 1".repeat(1_300)),
        format!("SELECT 1 WHERE {}1", "1=1 AND ".repeat(2_400)),
    ] {
        for dialect in BOTH {
            let _ = check(&sql, dialect, TABLES);
        }
    }
}

#[test]
fn refuses_functions_called_as_attributes() {
    // PostgreSQL reads `g.f` as `f(g)` when the row has no column `f`.
    for (sql, name) in [
        ("SELECT g.to_jsonb FROM games g", "g.to_jsonb"),
        ("SELECT g.pg_typeof FROM games AS g", "g.pg_typeof"),
        ("SELECT t.row_to_json FROM team_box t", "t.row_to_json"),
        ("SELECT games.to_json FROM games", "games.to_json"),
        (
            "SELECT id FROM games g WHERE g.pg_typeof IS NOT NULL",
            "g.pg_typeof",
        ),
        ("SELECT id FROM games g ORDER BY g.text", "g.text"),
        ("SELECT count(g.to_jsonb) FROM games g", "g.to_jsonb"),
        ("SELECT g.id.to_jsonb FROM games g", "g.id.to_jsonb"),
        // A name the query defines elsewhere does not make it a column of `g`...
        (
            "WITH c AS (SELECT 1 AS to_jsonb) SELECT g.to_jsonb FROM games g, c",
            "g.to_jsonb",
        ),
        // ...nor of a subquery whose alias renames its columns.
        (
            "SELECT s.to_jsonb FROM (SELECT 1 AS to_jsonb) AS s(a)",
            "s.to_jsonb",
        ),
        // Two relations named `c`: the name must be a column of both.
        (
            "SELECT (SELECT c.to_jsonb FROM (SELECT 1 AS to_jsonb) c) FROM games c",
            "c.to_jsonb",
        ),
    ] {
        let (code, message) = refused(sql);
        assert_eq!(code, "sql_not_a_column", "{sql:?}: {message}");
        assert!(message.contains(&format!("'{name}'")), "{sql:?}: {message}");
    }
    // Field selection from a parenthesised row is refused as an expression kind.
    for (sql, name) in [
        ("SELECT (g).to_jsonb FROM games g", "(g).to_jsonb"),
        ("SELECT (g.id).x FROM games g", "(g.id).x"),
    ] {
        let e = check(sql, Dialect::Postgres, TABLES).unwrap_err();
        assert_eq!(e.code(), "sql_unsupported", "{e}");
        assert!(e.to_string().contains(name), "{e}");
    }
    let e = check(
        "SELECT public.games.to_jsonb FROM games",
        Dialect::Postgres,
        TABLES,
    );
    assert_eq!(e.unwrap_err().code(), "sql_not_a_column");
}

#[test]
fn accepts_qualified_real_columns_and_columns_the_query_defines() {
    ok("SELECT g.home_score, g.id, games.season FROM games g JOIN games ON games.id = g.id");
    ok("SELECT t.pts, p.player_name FROM team_box t JOIN player_box p ON p.game_id = t.game_id");
    ok(
        "SELECT c.team, c.n FROM (SELECT home_id AS team, count(*) AS n FROM games \
        GROUP BY home_id) AS c ORDER BY c.n",
    );
    ok("WITH w AS (SELECT id AS x FROM games) SELECT w.x FROM w");
    ok("WITH w AS (SELECT g.home_score FROM games g) SELECT w.home_score FROM w");
    ok(
        "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT r.n + 1 FROM r WHERE r.n < 5) \
        SELECT r.n FROM r",
    );
    ok("SELECT s.a FROM (SELECT 1 AS to_jsonb) AS s(a)");
    ok("SELECT v.column1 FROM (VALUES (1), (2)) AS v");
    assert!(check(
        "SELECT public.games.id FROM games",
        Dialect::Postgres,
        TABLES
    )
    .is_ok());
}

#[test]
fn search_patterns_are_short_literals() {
    let long = "a".repeat(MAX_PATTERN_LEN + 1);
    for sql in [
        "SELECT id FROM games WHERE id LIKE '%' || stage".to_string(),
        "SELECT id FROM games WHERE id LIKE id".into(),
        "SELECT id FROM games WHERE id NOT LIKE (SELECT max(id) FROM games)".into(),
        format!("SELECT id FROM games WHERE id LIKE '{long}'"),
        "SELECT id FROM games WHERE id LIKE 'a%' ESCAPE stage".into(),
        "SELECT replace(id, stage, 'x') FROM games".into(),
        format!("SELECT replace(id, '{long}', 'x') FROM games"),
        "SELECT trim(id, stage) FROM games".into(),
        "SELECT ltrim(id, id || 'x') FROM games".into(),
        "SELECT POSITION(stage IN id) FROM games".into(),
        "SELECT TRIM(BOTH stage FROM id) FROM games".into(),
    ] {
        let (code, message) = refused(&sql);
        assert_eq!(code, "sql_pattern_not_literal", "{sql:?}: {message}");
        assert!(
            message.contains(&format!("{MAX_PATTERN_LEN} bytes")),
            "{message}"
        );
    }
    let at_limit = "%".repeat(MAX_PATTERN_LEN);
    ok(&format!("SELECT id FROM games WHERE id LIKE '{at_limit}'"));
    ok(
        "SELECT replace(id, '00', ''), trim(id), trim(id, '0'), POSITION('1' IN id), \
        TRIM(BOTH '0' FROM id) FROM games WHERE stage NOT LIKE ('play%') AND id LIKE NULL",
    );
    assert!(check(
        "SELECT id FROM games WHERE id ILIKE 'a!%' ESCAPE '!'",
        Dialect::Postgres,
        TABLES
    )
    .is_ok());
}

#[test]
fn postgres_strings_are_built_inside_the_length_bound() {
    let sql = "SELECT first_name || ' ' || last_name, concat(city, nickname), \
               replace(full_name, 'a', 'aaaa') FROM players, franchises";
    let c = check(sql, Dialect::Postgres, TABLES).unwrap();
    let n = MAX_VALUE_LEN;
    assert_eq!(
        c.sql,
        format!(
            "SELECT SUBSTR(SUBSTR(first_name || ' ', 1, {n}) || last_name, 1, {n}), \
             SUBSTR(concat(city, nickname), 1, {n}), SUBSTR(replace(full_name, 'a', 'aaaa'), 1, {n}) \
             FROM players, franchises"
        )
    );
    // Printed again, the bound is recognised and not doubled.
    assert_eq!(check(&c.sql, Dialect::Postgres, TABLES).unwrap(), c);
    // SQLite's own length limit does this job there.
    let c = check(sql, Dialect::Sqlite, TABLES).unwrap();
    assert!(!c.sql.contains("SUBSTR"), "{}", c.sql);
}

fn sql_words() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let words = prop::sample::select(vec![
        "SELECT",
        "*",
        "FROM",
        "games",
        "api_keys",
        "WITH",
        "RECURSIVE",
        "AS",
        "(",
        ")",
        ",",
        ";",
        "--",
        "/*",
        "*/",
        "'",
        "\"",
        "UNION",
        "WHERE",
        "1",
        "x",
        "count",
        "(*)",
        "JOIN",
        "ON",
        "=",
        "DELETE",
        "INSERT",
        "INTO",
        "VALUES",
        "OVER",
        "ORDER",
        "BY",
        "main.",
        "public.",
        "pg_sleep",
        "CAST",
        "::",
        "$1",
        "?",
        "\n",
        "LIMIT",
        "FOR",
        "UPDATE",
        "LATERAL",
        "CASE",
        "WHEN",
        "THEN",
        "END",
        "[",
        "]",
        "`",
        "E'\\'",
        "||",
        "LIKE",
        "'%a'",
        "concat",
        "replace",
        "g.",
        "id",
    ]);
    prop::collection::vec(words, 0..40).prop_map(|w| w.join(" "))
}

proptest::proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(sql in ".{0,300}") {
        for dialect in BOTH {
            let _ = check(&sql, dialect, TABLES);
        }
    }

    #[test]
    fn accepted_queries_check_again_to_themselves(sql in sql_words()) {
        for dialect in BOTH {
            if let Ok(checked) = check(&sql, dialect, TABLES) {
                let again = check(&checked.sql, dialect, TABLES).unwrap();
                proptest::prop_assert_eq!(again, checked.clone());
                proptest::prop_assert!(!checked.tables.contains(&"api_keys".to_string()));
            }
        }
    }
}
