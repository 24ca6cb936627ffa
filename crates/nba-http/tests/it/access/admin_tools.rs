//! The analyst and admin tools: query_sql escapes, key revocation, the audit log.

use super::*;

#[tokio::test]
async fn query_sql_runs_checked_read_only_queries_and_refuses_escapes() {
    let s = setup(None).await;
    let scientist = s.key(Role::DataScientist);
    let call = |sql: &str| {
        request(
            Method::POST,
            "/v1/tools/query_sql",
            Some(scientist),
            Some(json!({"sql": sql, "limit": 5})),
        )
    };
    let ok = send(&s.router, call("SELECT 1 AS one, 'x' AS s")).await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(ok.body["columns"], json!(["one", "s"]));
    assert_eq!(ok.body["rows"], json!([[1, "x"]]));
    let many = send(&s.router, call("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) SELECT i FROM n")).await;
    assert_eq!(many.status, StatusCode::OK, "{}", many.body);
    assert_eq!(many.body["row_count"], 5);
    assert_eq!(many.body["truncated"], true);
    for (escape, code) in [
        ("SELECT 1; DELETE FROM games", "sql_multiple_statements"),
        (
            "WITH d AS (DELETE FROM games RETURNING *) SELECT * FROM d",
            "sql_",
        ),
        (
            "SELECT pg_read_file('/etc/passwd')",
            "sql_function_not_allowed",
        ),
        ("ATTACH DATABASE '/tmp/x.db' AS x", "sql_"),
        ("SELECT * FROM api_keys", "sql_table_not_readable"),
        ("SELECT * FROM audit_log", "sql_table_not_readable"),
        (
            "SELECT * FROM principals /* comment */",
            "sql_table_not_readable",
        ),
        ("SELECT * FROM sqlite_master", "sql_"),
        ("UPDATE games SET home_score = 0", "sql_not_a_query"),
        ("SELECT 1 -- ; DROP TABLE games", ""),
    ] {
        let reply = send(&s.router, call(escape)).await;
        if code.is_empty() {
            assert_eq!(reply.status, StatusCode::OK, "{escape}: {}", reply.body);
            continue;
        }
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{escape}: {}",
            reply.body
        );
        let message = reply.body["error"]["message"].as_str().unwrap();
        assert!(message.contains(code), "{escape}: {message}");
    }
    let huge = send(
        &s.router,
        request(
            Method::POST,
            "/v1/tools/query_sql",
            Some(scientist),
            Some(json!({"sql": "SELECT 1", "limit": 100000})),
        ),
    )
    .await;
    assert_eq!(huge.status, StatusCode::BAD_REQUEST);
    // The store is intact and the credentials tables untouched.
    assert_eq!(
        s.app.store().principals().await.unwrap().len(),
        Role::ALL.len()
    );
}

#[tokio::test]
async fn revoking_a_key_through_the_admin_tool_applies_at_once() {
    let s = setup(None).await;
    let (viewer, admin) = (s.key(Role::Viewer), s.key(Role::Admin));
    let ok = send(
        &s.router,
        request(Method::POST, "/v1/tools/whoami", Some(viewer), None),
    )
    .await;
    assert_eq!(ok.status, StatusCode::OK);
    let accounts = send(
        &s.router,
        request(Method::POST, "/v1/tools/list_accounts", Some(admin), None),
    )
    .await;
    let key_id = accounts.body["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["role"] == "viewer")
        .and_then(|a| a["keys"][0]["id"].as_str())
        .unwrap()
        .to_string();
    assert!(
        !accounts.body.to_string().contains(viewer),
        "keys are never shown"
    );
    let revoked = send(
        &s.router,
        request(
            Method::POST,
            "/v1/tools/revoke_api_key",
            Some(admin),
            Some(json!({"key_id": key_id})),
        ),
    )
    .await;
    assert_eq!(revoked.body["revoked"], true, "{}", revoked.body);
    let after = send(
        &s.router,
        request(Method::POST, "/v1/tools/whoami", Some(viewer), None),
    )
    .await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
    // The audit log holds the whole story and verifies.
    let log = send(
        &s.router,
        request(
            Method::POST,
            "/v1/tools/audit_log",
            Some(admin),
            Some(json!({"limit": 500})),
        ),
    )
    .await;
    assert_eq!(log.body["chain_ok"], true, "{}", log.body);
    let entries = log.body["entries"].as_array().unwrap();
    assert!(entries.iter().any(|e| e["action"] == "tools/call"
        && e["target"] == "revoke_api_key"
        && e["outcome"] == "ok"));
    // The viewer's call before the revocation names the key it used, so a leaked key's
    // actions can be listed.
    let whoami = entries
        .iter()
        .find(|e| e["target"] == "whoami" && e["role"] == "viewer" && e["outcome"] == "ok")
        .unwrap();
    assert_eq!(whoami["credential"], format!("key:{key_id}"), "{whoami}");
}
