//! Helpers of the application-layer tests: the real data folder, one SQLite store holding the
//! whole folder built once per test binary (and shared by its processes), an `App` over it for
//! each test, a reader of the raw FiveThirtyEight games file (an oracle independent of our
//! parsers), and a small JSON Schema checker for the subset of the 2020-12 draft that schemars
//! emits. `models` trains and serves a prediction model for the prediction tests.
#![allow(dead_code)]

pub mod assert;
pub mod models;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use nba_app::{App, AppError};
use nba_ingest::{Format, ParseOptions};
use nba_store::{Provenance, Store, StoreOptions};
use serde_json::{Map, Value};

/// The folder of the shared real data: `NBA_MCP_DATA_DIR`, else `<workspace>/../shared/data`.
/// Panics with instructions when it is missing: these tests check real NBA facts.
pub fn data_dir() -> PathBuf {
    let dir = std::env::var_os("NBA_MCP_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        });
    assert!(
        dir.join("fivethirtyeight/games_1947_2022.csv.gz").is_file(),
        "real NBA data not found in '{}': set NBA_MCP_DATA_DIR to the shared data folder \
         (the one holding fivethirtyeight/games_1947_2022.csv.gz)",
        dir.display()
    );
    dir
}

/// The files of the data folder in the binary's load order.
pub fn all_files(dir: &Path) -> Vec<(Format, PathBuf)> {
    nba_ingest::folder::files(dir)
}

pub fn sqlite_url(db: &Path) -> String {
    format!("sqlite://{}", db.display())
}

/// Loads `files` into a new SQLite file, on a runtime of its own (each `#[tokio::test]` has a
/// runtime of its own, so no pool may outlive the one it was made in; tests open their own
/// pools on the finished file).
fn load_db(db: &Path, files: Vec<(Format, PathBuf)>) {
    let db = db.to_path_buf();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("build loader runtime");
        rt.block_on(async move {
            let store = Store::open(&StoreOptions::new(sqlite_url(&db)))
                .await
                .expect("open SQLite store");
            for (format, path) in files {
                let opts = ParseOptions {
                    skip_invalid: false,
                };
                let parsed = nba_ingest::parse_file(format, &path, &opts)
                    .unwrap_or_else(|e| panic!("parse {}: {e}", path.display()));
                let prov = Provenance {
                    format: format.name().into(),
                    data_source: "real".into(),
                    skip_invalid: false,
                };
                store
                    .load(&parsed, &prov)
                    .await
                    .unwrap_or_else(|e| panic!("load {}: {e}", path.display()));
            }
            store.close().await;
        });
    })
    .join()
    .expect("loading the real data failed (see the panic above)");
}

/// Removes the build lock when the builder returns or panics.
struct LockGuard(PathBuf);

impl Drop for LockGuard {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whether the process that took a build lock is still running (assumed so where `/proc` is
/// missing).
fn lock_owner_alive(lock: &Path) -> bool {
    let Ok(pid) = std::fs::read_to_string(lock.join("pid")) else {
        return true; // Just created; the owner has not written its pid yet.
    };
    !Path::new("/proc/self").exists() || Path::new(&format!("/proc/{}", pid.trim())).exists()
}

/// A read-only SQLite database shared by every process of this test binary.
///
/// cargo-nextest (what `scripts/test.sh` runs) starts one process per test, so a static alone
/// would load the data once per test. The database lives in
/// `$TMPDIR/nba-app-tests/<binary>-<label>-<binary mtime and size>-<data folder hash>/nba.db`:
/// the first process builds it under a lock directory and renames it into place when complete;
/// the others wait for it. A rebuilt test binary (new loader code) gets a new database and the
/// old one of the same binary and label is removed.
fn shared_db(label: &str, data: &Path, files: impl FnOnce() -> Vec<(Format, PathBuf)>) -> PathBuf {
    shared_dir(label, data, |building| {
        load_db(&building.join("nba.db"), files())
    })
    .join("nba.db")
}

/// A folder made once and shared by every process of this test binary, as [`shared_db`]
/// describes: `build` fills an empty folder, which is renamed into place when it returns.
/// `data` is the data folder the content derives from (part of the key).
pub fn shared_dir(label: &str, data: &Path, build: impl FnOnce(&Path)) -> PathBuf {
    use std::hash::{Hash, Hasher};
    use std::time::{Duration, Instant, UNIX_EPOCH};
    let exe = std::env::current_exe().expect("path of the test binary");
    let meta = std::fs::metadata(&exe).expect("stat the test binary");
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let stem = exe
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "tests".into());
    let root = std::env::temp_dir().join("nba-app-tests");
    std::fs::create_dir_all(&root).expect("create the test database folder");
    let key = format!("{stem}-{label}");
    let mut data_hash = std::collections::hash_map::DefaultHasher::new();
    data.canonicalize()
        .unwrap_or_else(|_| data.to_path_buf())
        .hash(&mut data_hash);
    let ready = root.join(format!(
        "{key}-{mtime}-{}-{:x}",
        meta.len(),
        data_hash.finish()
    ));
    let lock = root.join(format!("{key}.lock"));
    let deadline = Instant::now() + Duration::from_secs(900);
    let mut build = Some(build);
    loop {
        // `ready` only ever appears complete, by rename.
        if ready.is_dir() {
            return ready;
        }
        match std::fs::create_dir(&lock) {
            Ok(()) => {
                let _guard = LockGuard(lock.clone());
                let _ = std::fs::write(lock.join("pid"), std::process::id().to_string());
                if ready.is_dir() {
                    return ready;
                }
                // Older builds for this binary and label are stale.
                for e in std::fs::read_dir(&root).into_iter().flatten().flatten() {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if name.starts_with(&format!("{key}-")) {
                        let _ = std::fs::remove_dir_all(e.path());
                    }
                }
                let building = root.join(format!("{key}.building"));
                let _ = std::fs::remove_dir_all(&building);
                std::fs::create_dir_all(&building).expect("create the build folder");
                build.take().expect("built once")(&building);
                std::fs::rename(&building, &ready).expect("move the built folder into place");
                return ready;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if !lock_owner_alive(&lock) {
                    let _ = std::fs::remove_dir_all(&lock);
                    continue;
                }
                assert!(
                    Instant::now() < deadline,
                    "timed out waiting for another test process to build {}",
                    ready.display()
                );
                std::thread::sleep(Duration::from_millis(200));
            }
            Err(e) => panic!("cannot create the lock {}: {e}", lock.display()),
        }
    }
}

/// The SQLite file holding the whole data folder, built at first use (about 20 s in a debug
/// build); later callers wait for it.
pub fn full_db() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| {
        let dir = data_dir();
        shared_db("full", &dir, || all_files(&dir))
    })
}

/// The SQLite file holding the FiveThirtyEight games only (with the team list), for tests
/// that need results but no box scores.
pub fn games_db() -> &'static Path {
    static DB: OnceLock<PathBuf> = OnceLock::new();
    DB.get_or_init(|| {
        let dir = data_dir();
        shared_db("games", &dir, || {
            vec![
                (Format::Teams, dir.join("nba_api/teams.csv")),
                (
                    Format::FiveThirtyEight,
                    dir.join("fivethirtyeight/games_1947_2022.csv.gz"),
                ),
            ]
        })
    })
}

/// An `App` over an SQLite file, with a pool of the calling test's own runtime.
pub async fn app_over(db: &Path) -> App {
    let store = Store::open(&StoreOptions::new(sqlite_url(db)))
        .await
        .expect("open the shared test store");
    App::new(store).await.expect("build App")
}

/// An `App` over the whole real data folder.
pub async fn app() -> App {
    app_over(full_db()).await
}

/// The largest serialized result a tool may return: 100 KB, well inside the 25k-token budget
/// hosts give a tool result.
pub const MAX_RESULT_BYTES: usize = 100_000;

/// Checks what every tool result must satisfy: it validates against the tool's own
/// outputSchema, says its data source is real, and stays within the size budget.
pub fn check_result(tool: &str, out: &Value) {
    let spec = nba_app::catalog::tool(tool).unwrap_or_else(|| panic!("no tool spec '{tool}'"));
    let schema = Value::Object((*spec.output_schema).clone());
    let errs = schema_errors(&schema, out);
    assert!(
        errs.is_empty(),
        "{tool} output breaks its outputSchema: {errs:#?}"
    );
    assert_eq!(out["data_source"], "real", "{tool} data_source");
    let size = serde_json::to_string(out).expect("serialize").len();
    assert!(
        size < MAX_RESULT_BYTES,
        "{tool} result is {size} bytes, over the {MAX_RESULT_BYTES}-byte budget"
    );
}

/// Calls a tool, panicking with the tool's message if it fails, and checks the result with
/// [`check_result`].
pub async fn call(app: &App, tool: &str, args: Value) -> Value {
    let out = match app.call_tool(&admin(), tool, args.clone()).await {
        Ok(v) => v,
        Err(e) => panic!("{tool}({args}) failed: {} ({e})", e.code()),
    };
    check_result(tool, &out);
    out
}

/// Calls a tool that must fail, returning the error.
pub async fn call_err(app: &App, tool: &str, args: Value) -> AppError {
    match app.call_tool(&admin(), tool, args.clone()).await {
        Ok(v) => panic!("{tool}({args}) should fail, got {v}"),
        Err(e) => e,
    }
}

/// One row of the raw FiveThirtyEight games file.
#[derive(Debug, Clone)]
pub struct RawGame {
    pub season: i64,
    pub date: String,
    pub stage: String,
    pub neutral: bool,
    pub team1: String,
    pub team2: String,
    pub score1: i64,
    pub score2: i64,
}

/// Every game of `fivethirtyeight/games_1947_2022.csv.gz`, read with flate2 and csv directly.
pub fn raw_538() -> &'static [RawGame] {
    static GAMES: OnceLock<Vec<RawGame>> = OnceLock::new();
    GAMES.get_or_init(|| {
        let path = data_dir().join("fivethirtyeight/games_1947_2022.csv.gz");
        let mut text = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(&path).expect("open 538 games"))
            .read_to_string(&mut text)
            .expect("gunzip 538 games");
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let headers = rdr.headers().expect("header").clone();
        let ix = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .unwrap_or_else(|| panic!("538 file has no column {name}"))
        };
        let (season, date, stage, neutral) = (ix("season"), ix("date"), ix("stage"), ix("neutral"));
        let (t1, t2, s1, s2) = (ix("team1"), ix("team2"), ix("score1"), ix("score2"));
        rdr.records()
            .map(|r| {
                let r = r.expect("538 row");
                RawGame {
                    season: r[season].parse().expect("season"),
                    date: r[date].to_string(),
                    stage: r[stage].to_string(),
                    neutral: &r[neutral] == "1",
                    team1: r[t1].to_string(),
                    team2: r[t2].to_string(),
                    score1: r[s1].parse().expect("score1"),
                    score2: r[s2].parse().expect("score2"),
                }
            })
            .collect()
    })
}

/// Checks `value` against `schema` for the keywords schemars emits (type, properties,
/// required, additionalProperties, items, enum, const, anyOf, oneOf, allOf, minimum,
/// maximum). Returns every violation with its JSON path.
pub fn schema_errors(schema: &Value, value: &Value) -> Vec<String> {
    let mut errs = Vec::new();
    check(schema, value, "$", &mut errs);
    errs
}

fn type_matches(t: &str, v: &Value) -> bool {
    match t {
        "null" => v.is_null(),
        "boolean" => v.is_boolean(),
        "object" => v.is_object(),
        "array" => v.is_array(),
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        _ => false,
    }
}

fn check(schema: &Value, v: &Value, path: &str, errs: &mut Vec<String>) {
    let s = match schema {
        Value::Bool(true) => return,
        Value::Bool(false) => {
            errs.push(format!("{path}: schema false admits nothing"));
            return;
        }
        Value::Object(s) => s,
        other => {
            errs.push(format!("{path}: schema is not an object: {other}"));
            return;
        }
    };
    const KNOWN: &[&str] = &[
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "enum",
        "const",
        "anyOf",
        "oneOf",
        "allOf",
        "minimum",
        "maximum",
        "format",
        "description",
        "title",
        "default",
        "examples",
    ];
    for k in s.keys() {
        if !KNOWN.contains(&k.as_str()) {
            errs.push(format!(
                "{path}: schema keyword '{k}' not understood by this checker"
            ));
        }
    }
    if let Some(t) = s.get("type") {
        let ok = match t {
            Value::String(t) => type_matches(t, v),
            Value::Array(ts) => ts
                .iter()
                .filter_map(Value::as_str)
                .any(|t| type_matches(t, v)),
            _ => false,
        };
        if !ok {
            errs.push(format!("{path}: {v} is not of type {t}"));
            return;
        }
    }
    if let Some(Value::Array(options)) = s.get("enum") {
        if !options.contains(v) {
            errs.push(format!("{path}: {v} not in enum {options:?}"));
        }
    }
    if let Some(c) = s.get("const") {
        if c != v {
            errs.push(format!("{path}: {v} is not the const {c}"));
        }
    }
    if let (Some(min), Some(x)) = (s.get("minimum").and_then(Value::as_f64), v.as_f64()) {
        if x < min {
            errs.push(format!("{path}: {x} < minimum {min}"));
        }
    }
    if let (Some(max), Some(x)) = (s.get("maximum").and_then(Value::as_f64), v.as_f64()) {
        if x > max {
            errs.push(format!("{path}: {x} > maximum {max}"));
        }
    }
    if let Some(Value::Array(all)) = s.get("allOf") {
        for sub in all {
            check(sub, v, path, errs);
        }
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(subs)) = s.get(key) {
            let passing = subs
                .iter()
                .filter(|sub| schema_errors(sub, v).is_empty())
                .count();
            let ok = if key == "oneOf" {
                passing == 1
            } else {
                passing >= 1
            };
            if !ok {
                errs.push(format!("{path}: {passing} of the {key} branches match {v}"));
            }
        }
    }
    if let Value::Object(obj) = v {
        let props = s.get("properties").and_then(Value::as_object);
        if let Some(Value::Array(req)) = s.get("required") {
            for r in req.iter().filter_map(Value::as_str) {
                if !obj.contains_key(r) {
                    errs.push(format!("{path}: missing required field '{r}'"));
                }
            }
        }
        for (k, val) in obj {
            let sub_path = format!("{path}.{k}");
            match props.and_then(|p| p.get(k)) {
                Some(sub) => check(sub, val, &sub_path, errs),
                None => match s.get("additionalProperties") {
                    Some(Value::Bool(false)) => {
                        errs.push(format!("{path}: unexpected field '{k}'"))
                    }
                    Some(sub @ Value::Object(_)) => check(sub, val, &sub_path, errs),
                    _ => {}
                },
            }
        }
    }
    if let (Value::Array(items), Some(item_schema)) = (v, s.get("items")) {
        for (i, item) in items.iter().enumerate() {
            check(item_schema, item, &format!("{path}[{i}]"), errs);
        }
    }
}

/// A JSON object from `json!` literal, for prompt arguments.
pub fn obj(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("not an object: {other}"),
    }
}

/// A local admin caller: these tests exercise the tools, not access control.
pub fn admin() -> nba_app::Caller {
    nba_app::Caller::local(nba_app::nba_auth::Role::Admin, nba_app::Transport::Cli)
}
