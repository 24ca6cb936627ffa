//! Requests no well-behaved client would send, written as raw JSON-RPC lines: malformed
//! tool arguments must get a JSON-RPC error, not a crash or a tool result.

use crate::common;

use common::empty_app;
use nba_mcp::NbaMcpServer;
use rmcp::ServiceExt;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

#[tokio::test]
async fn non_object_arguments_are_a_json_rpc_error() {
    let (app, _dir) = empty_app().await;
    let (server_io, client_io) = tokio::io::duplex(64 * 1024);
    tokio::spawn(async move {
        if let Ok(running) = NbaMcpServer::for_stdio(
            app,
            nba_app::Caller::local(nba_app::nba_auth::Role::Admin, nba_app::Transport::McpStdio),
        )
        .serve(server_io)
        .await
        {
            let _ = running.waiting().await;
        }
    });
    let (read, mut write) = tokio::io::split(client_io);
    let mut lines = BufReader::new(read).lines();
    let mut send = async |message: Value| {
        let mut line = message.to_string();
        line.push('\n');
        write.write_all(line.as_bytes()).await.unwrap();
    };

    send(json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "protocolVersion": "2025-11-25",
            "capabilities": {},
            "clientInfo": { "name": "raw", "version": "0" }
        }
    }))
    .await;
    let init: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(init["result"]["protocolVersion"], "2025-11-25", "{init}");
    send(json!({ "jsonrpc": "2.0", "method": "notifications/initialized" })).await;

    send(json!({
        "jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": { "name": "list_teams", "arguments": [1, 2] }
    }))
    .await;
    let reply: Value = serde_json::from_str(&lines.next_line().await.unwrap().unwrap()).unwrap();
    assert_eq!(reply["id"], 2, "{reply}");
    assert!(reply.get("result").is_none(), "{reply}");
    assert_eq!(
        reply["error"]["code"], -32602,
        "invalid params expected: {reply}"
    );
    let message = reply["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("arguments"), "{message}");
}
