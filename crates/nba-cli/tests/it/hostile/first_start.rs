//! An interrupted first-start load resumes on the next start.

use std::path::PathBuf;

use crate::support::*;

#[test]
fn an_interrupted_first_load_is_resumed_on_the_next_start() {
    let data = std::env::var("NBA_MCP_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/data"))
        });
    assert!(
        data.is_dir(),
        "real NBA data folder {} is missing: set NBA_MCP_DATA_DIR",
        data.display()
    );
    // A small data folder: the two team lists and the player list of the real one.
    let t = Temp::new("resume");
    let folder = t.0.join("data");
    for f in [
        "nba_api/teams.csv",
        "nba_api/players.csv",
        "nba_stats/teams_2025_26.csv",
    ] {
        let to = folder.join(f);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(data.join(f), &to).unwrap();
    }
    let db = format!("sqlite://{}/nba.db", t.0.display());
    // As if the first start had loaded one file and been killed.
    let out = command(&db, &t.0)
        .args([
            "ingest",
            "teams",
            &folder.join("nba_api/teams.csv").display().to_string(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let folder_s = folder.display().to_string();
    let server = crate::support::serve(&db, &t.0, &[("NBA_MCP_DATA_DIR", &folder_s)]);
    let said = server.said.join("\n");
    drop(server);
    assert!(said.contains("loading 2 of the"), "{said}");
    let out = command(&db, &t.0).args(["status"]).output().unwrap();
    let status = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        status.contains("players.csv") && status.contains("teams_2025_26.csv"),
        "{status}"
    );
    // The next start has nothing left to load.
    let server = crate::support::serve(&db, &t.0, &[("NBA_MCP_DATA_DIR", &folder_s)]);
    assert!(
        !server.said.join("\n").contains("loading"),
        "{:?}",
        server.said
    );
}
