#!/usr/bin/env python3
"""End-to-end check of the NBA MCP server with the official MCP Python SDK (2.x).

Connects to a server over stdio (a command to launch) or Streamable HTTP (a URL), in one
protocol era (``legacy``: the initialize handshake; ``2026-07-28``: stateless), as the
principal of an API key, then checks what that principal gets (``--expect``):

``admin`` (default): lists the tools (all 23, each with inputSchema and outputSchema), calls
every tool with real arguments and checks that structuredContent is present and equal to the
JSON text content, checks the answers of the prediction tools (probabilities that sum to 1, a
leak-free past date, simulated wins within what the season still allows), of the operations
tools and of the access tools (whoami says admin, query_sql counts the 2015-16 games, the
audit chain verifies, list_accounts shows the caller, revoking an unknown key is a tool
error), checks that an unknown team is a tool error with a suggestion, and lists/reads
resources and renders both prompts.

``viewer``: tools/list shows the viewer's 19 tools only, whoami says viewer, a data tool
works, and query_sql, audit_log, list_accounts and revoke_api_key are refused.

``unauthorized`` (HTTP only, run without a key): the SDK's first request gets 401 with a
``WWW-Authenticate: Bearer resource_metadata=...`` challenge and the client fails at once
(it neither hangs nor succeeds).

The key: over HTTP the value of the environment variable named by ``--bearer-env``
(default ``NBA_MCP_API_KEY``) goes in ``Authorization: Bearer``, through an httpx2 client
given to the SDK's ``streamable_http_client``; over stdio the whole environment, that
variable included, is passed to the server, which runs as the key's principal.

Prints a JSON summary on stdout; exits 1 on any failure (every failure is listed in the
summary), 2 on bad usage.

The server needs the FiveThirtyEight games loaded; for search_players, get_player_stats and
get_leaders also a player list and player box scores of --player-season (--player-stage);
for predict_game, predict_games, get_power_rankings, simulate_season and drift_report a
champion model (`nba-mcp train --seasons 2005-2016 --alias champion`); system_health and
list_alerts come from the operations layer both `serve` and `mcp` start.

    NBA_MCP_API_KEY=nba_mcp_... .venv-mcp/bin/python tests/e2e/mcp_client.py --mode legacy --url http://127.0.0.1:8080/mcp
    NBA_MCP_API_KEY=nba_mcp_... .venv-mcp/bin/python tests/e2e/mcp_client.py --mode 2026-07-28 -- target/debug/nba-mcp mcp
    env -u NBA_MCP_API_KEY .venv-mcp/bin/python tests/e2e/mcp_client.py --mode legacy --expect unauthorized --url http://127.0.0.1:8080/mcp
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import time
import traceback
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
from mcp.shared.exceptions import MCPError

if sys.version_info < (3, 11):  # anyio's backport
    from exceptiongroup import BaseExceptionGroup

# The tools every role may call (viewer: data:read, predictions:read, health:read), in
# catalog order.
VIEWER_DATA_TOOLS = [
    "list_teams",
    "find_team",
    "search_players",
    "get_games",
    "get_game",
    "get_standings",
    "get_team_stats",
    "get_player_stats",
    "get_leaders",
    "head_to_head",
    "predict_game",
    "predict_games",
    "get_power_rankings",
    "simulate_season",
    "system_health",
    "list_alerts",
    "drift_report",
    "compute_metrics",
]
# whoami is open to every principal; the other access tools need sql:query, audit:read and
# users:manage.
VIEWER_TOOLS = VIEWER_DATA_TOOLS + ["whoami"]
ADMIN_ONLY_TOOLS = ["query_sql", "audit_log", "list_accounts", "revoke_api_key", "backup_create", "backup_list", "backup_verify", "list_models", "promote_model", "rollback_model", "start_rollout", "rollout_status", "advance_rollout", "stop_rollout"]
EXPECTED_TOOLS = VIEWER_TOOLS + ADMIN_ONLY_TOOLS
# Tools that change state: not read-only; revoking cannot be undone (destructive), a backup
# only adds (not destructive, and not idempotent: each call makes a new one); promoting and
# rolling back move an alias (undone by the other).
WRITING_TOOLS = ["revoke_api_key", "backup_create", "promote_model", "rollback_model", "start_rollout", "advance_rollout", "stop_rollout"]
DESTRUCTIVE_TOOLS = ["revoke_api_key"]
HEALTH_STATUSES = ["healthy", "degraded", "unhealthy"]
# Every team plays 82 regular-season games in 2015-16 (1230 games in all).
GAMES_2015_16 = 82
EXPECTED_PROMPTS = ["analyze_matchup", "season_review"]


class Checks:
    """Collects failed expectations instead of stopping at the first one."""

    def __init__(self) -> None:
        self.failures: list[str] = []

    def expect(self, condition: bool, message: str) -> bool:
        if not condition:
            self.failures.append(message)
        return condition


def dump(model: Any) -> dict[str, Any]:
    return model.model_dump(mode="json", by_alias=True, exclude_none=True)


def text_items(result: dict[str, Any]) -> list[str]:
    return [c["text"] for c in result.get("content", []) if c.get("type") == "text"]


async def call_ok(client: Client, checks: Checks, calls: dict[str, Any], name: str, arguments: dict[str, Any]) -> dict[str, Any] | None:
    """Calls a tool that must succeed; returns its structuredContent."""
    label = f"{name}({json.dumps(arguments, sort_keys=True)})"
    try:
        result = dump(await client.call_tool(name, arguments))
    except MCPError as e:
        checks.expect(False, f"{label}: JSON-RPC error {e}")
        return None
    if not checks.expect(not result.get("isError", False), f"{label}: isError: {text_items(result)}"):
        return None
    structured = result.get("structuredContent")
    checks.expect(isinstance(structured, dict), f"{label}: structuredContent is not an object")
    texts = text_items(result)
    if checks.expect(len(texts) >= 1, f"{label}: no text content"):
        try:
            checks.expect(json.loads(texts[0]) == structured, f"{label}: text content differs from structuredContent")
        except json.JSONDecodeError:
            checks.expect(False, f"{label}: text content is not JSON")
    if isinstance(structured, dict):
        checks.expect("data_source" in structured, f"{label}: no data_source")
        calls[name] = {"arguments": arguments, "keys": sorted(structured)[:12]}
    return structured if isinstance(structured, dict) else None


def is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def check_probabilities(checks: Checks, label: str, p: dict[str, Any]) -> None:
    """Home and away win probabilities: each in [0, 1], summing to 1 (each rounded to 3 places)."""
    home, away = p.get("home_win_probability"), p.get("away_win_probability")
    if not checks.expect(is_number(home) and is_number(away), f"{label}: probabilities {home!r}, {away!r}"):
        return
    checks.expect(0 <= home <= 1 and 0 <= away <= 1, f"{label}: probabilities {home}, {away} outside [0, 1]")
    checks.expect(abs(home + away - 1) <= 0.0011, f"{label}: {home} + {away} != 1")
    model = p.get("model") or {}
    checks.expect(bool(model.get("name")) and bool(model.get("version")), f"{label}: model name/version missing: {model}")


async def check_predictions(client: Client, checks: Checks, calls: dict[str, Any], summary: dict[str, Any]) -> None:
    """The prediction tools, with the champion model trained on 2004-05 to 2015-16."""
    args = {"home": "GSW", "away": "CLE", "date": "2016-06-19"}
    game = await call_ok(client, checks, calls, "predict_game", args)
    if game:
        check_probabilities(checks, "predict_game", game)
        summary["predict_game"] = {k: game.get(k) for k in ["home_win_probability", "away_win_probability", "model", "data_through"]}
        checks.expect((game.get("home") or {}).get("abbr") == "GSW", f"predict_game home: {game.get('home')}")
        # Leak-free: Game 7 of the 2016 Finals knows the results up to Game 6 (June 16) only.
        checks.expect(game.get("data_through") == "2016-06-16", f"predict_game data_through {game.get('data_through')}, expected 2016-06-16")

    batch_args = {
        "games": [
            {"home": "CLE", "away": "GSW", "date": "2016-06-16"},
            {"home": "SAS", "away": "OKC", "date": "2016-05-10"},
            {"home": "TOR", "away": "MIA", "date": "2016-05-15", "neutral": True},
        ]
    }
    batch = await call_ok(client, checks, calls, "predict_games", batch_args)
    if batch:
        preds = batch.get("predictions") or []
        checks.expect(batch.get("count") == 3 and len(preds) == 3, f"predict_games: count {batch.get('count')}, {len(preds)} predictions")
        for i, p in enumerate(preds):
            check_probabilities(checks, f"predict_games[{i}]", p)
            through = p.get("data_through")
            checks.expect(isinstance(through, str) and through < batch_args["games"][i]["date"], f"predict_games[{i}]: data_through {through!r} not before the game")

    rankings = await call_ok(client, checks, calls, "get_power_rankings", {"date": "2016-01-01"})
    if rankings:
        teams = rankings.get("teams") or []
        checks.expect(len(teams) == 30, f"get_power_rankings: {len(teams)} teams, expected 30")
        checks.expect([t.get("rank") for t in teams] == list(range(1, len(teams) + 1)), "get_power_rankings: ranks are not 1..n")
        summary["power_rankings_top3"] = [t.get("abbr") for t in teams[:3]]

    sim_args = {"season": "2015-16", "as_of": "2016-01-01", "simulations": 1000}
    sim = await call_ok(client, checks, calls, "simulate_season", sim_args)
    if sim:
        teams = sim.get("teams") or []
        checks.expect(len(teams) == 30, f"simulate_season: {len(teams)} teams, expected 30")
        checks.expect(sim.get("simulations") == 1000, f"simulate_season: simulations {sim.get('simulations')}")
        played, remaining = sim.get("games_played"), sim.get("games_remaining")
        checks.expect(is_number(played) and is_number(remaining) and played + remaining == 15 * GAMES_2015_16, f"simulate_season: {played} played + {remaining} remaining != 1230")
        for t in teams:
            wins, losses, expected = t.get("wins"), t.get("losses"), t.get("expected_wins")
            if not checks.expect(all(is_number(x) for x in (wins, losses, expected)), f"simulate_season {t.get('abbr')}: {t}"):
                continue
            left = GAMES_2015_16 - wins - losses
            # Expected wins are rounded to 0.1.
            checks.expect(wins - 0.05 <= expected <= wins + left + 0.05, f"simulate_season {t.get('abbr')}: expected wins {expected} outside {wins}..{wins + left}")
            p = t.get("playoff_probability")
            checks.expect(is_number(p) and 0 <= p <= 1, f"simulate_season {t.get('abbr')}: playoff probability {p}")
        summary["simulate_gsw"] = next(({k: t.get(k) for k in ["wins", "losses", "expected_wins", "playoff_probability"]} for t in teams if t.get("abbr") == "GSW"), None)


async def check_operations(client: Client, checks: Checks, calls: dict[str, Any], summary: dict[str, Any]) -> None:
    """Health, alerts and drift, from the operations layer the server starts."""
    health = await call_ok(client, checks, calls, "system_health", {})
    if health:
        summary["health_status"] = health.get("status")
        checks.expect(health.get("status") in HEALTH_STATUSES, f"system_health status {health.get('status')!r}")
        components = health.get("components") or {}
        checks.expect("database" in components, f"system_health components {sorted(components)}")
        for name, c in components.items():
            checks.expect((c or {}).get("status") in HEALTH_STATUSES, f"system_health {name}: status {(c or {}).get('status')!r}")
    alerts = await call_ok(client, checks, calls, "list_alerts", {})
    if alerts:
        checks.expect(isinstance(alerts.get("active"), list) and isinstance(alerts.get("recent"), list), f"list_alerts: {sorted(alerts)}")
        summary["active_alerts"] = len(alerts.get("active") or [])
    drift = await call_ok(client, checks, calls, "drift_report", {})
    if drift:
        # With a handful of served predictions every feature may say insufficient_data.
        features = drift.get("features") or []
        checks.expect(len(features) > 0, "drift_report: no features")
        levels = sorted({f.get("level") for f in features})
        summary["drift_levels"] = levels
        checks.expect(all(level in ["none", "warning", "alert", "insufficient_data"] for level in levels), f"drift_report levels {levels}")
        checks.expect(is_number(drift.get("recent_predictions")), f"drift_report recent_predictions {drift.get('recent_predictions')!r}")


async def call_refused(client: Client, checks: Checks, calls: dict[str, Any], name: str, arguments: dict[str, Any], expect: list[str]) -> str | None:
    """Calls a tool that must fail as a tool error (isError) whose text contains every
    string of `expect` (case-insensitive); returns the message. A JSON-RPC error counts as a
    refusal too (the message is checked the same way) and is recorded as such."""
    label = f"{name}({json.dumps(arguments, sort_keys=True)})"
    try:
        result = dump(await client.call_tool(name, arguments))
        message = " ".join(text_items(result))
        kind = "tool_error"
        if not checks.expect(result.get("isError") is True, f"{label}: expected a tool error, got {result.get('structuredContent') or message!r}"):
            return None
    except MCPError as e:
        message, kind = e.error.message, f"jsonrpc_error {e.error.code}"
    for needle in expect:
        checks.expect(needle.lower() in message.lower(), f"{label}: {needle!r} not in the error {message!r}")
    calls[name] = {"arguments": arguments, "refused": kind, "message": message}
    return message


async def check_access_tools(client: Client, args: argparse.Namespace, checks: Checks, calls: dict[str, Any], summary: dict[str, Any]) -> None:
    """The access tools, as an admin: who am I, read-only SQL, the audit chain, the accounts,
    and revoking a key that does not exist."""
    me = await call_ok(client, checks, calls, "whoami", {})
    if me:
        summary["whoami"] = {k: me.get(k) for k in ["principal", "kind", "role", "auth_method", "rbac_enabled"]}
        checks.expect(me.get("role") == "admin", f"whoami role {me.get('role')!r}, expected admin")
        checks.expect(me.get("auth_method") == "api_key", f"whoami auth_method {me.get('auth_method')!r}, expected api_key")
        checks.expect(me.get("rbac_enabled") is True, "whoami: rbac_enabled is not true")
        checks.expect("users:manage" in (me.get("permissions") or []), f"whoami permissions {me.get('permissions')}")
    sql = {"sql": "SELECT count(*) AS n FROM games WHERE season = 2016"}
    counted = await call_ok(client, checks, calls, "query_sql", sql)
    if counted:
        rows = counted.get("rows") or []
        n = rows[0][0] if rows and rows[0] else None
        summary["games_2016"] = n
        checks.expect(counted.get("columns") == ["n"], f"query_sql columns {counted.get('columns')}")
        checks.expect(is_number(n) and n > 0, f"query_sql: count of 2015-16 games {n!r}, expected a positive number")
    audit = await call_ok(client, checks, calls, "audit_log", {"limit": 20})
    if audit:
        summary["audit"] = {k: audit.get(k) for k in ["chain_ok", "chain_entries", "problems"]}
        checks.expect(audit.get("chain_ok") is True, f"audit_log: chain_ok {audit.get('chain_ok')!r}, problems {audit.get('problems')}")
        entries = audit.get("entries") or []
        checks.expect(len(entries) > 0, "audit_log: no entries")
        if me:
            checks.expect(any(e.get("principal") == me.get("principal") for e in entries), "audit_log: none of the latest entries is ours")
    accounts = await call_ok(client, checks, calls, "list_accounts", {})
    if accounts:
        listed = accounts.get("accounts") or []
        mine = next((a for a in listed if me and a.get("id") == me.get("principal")), None)
        summary["admin_account"] = {k: (mine or {}).get(k) for k in ["id", "name", "role", "kind"]}
        summary["accounts"] = sorted(a.get("name") for a in listed)
        if checks.expect(mine is not None, f"list_accounts does not list the caller: {[a.get('id') for a in listed]}"):
            checks.expect(mine.get("role") == "admin", f"list_accounts: the caller's role {mine.get('role')!r}")
            checks.expect(len(mine.get("keys") or []) >= 1, "list_accounts: the caller has no key listed")
        # Keys are shown by a short prefix only; our own key never comes back.
        prefixes = [k.get("prefix") or "" for a in listed for k in a.get("keys") or []]
        checks.expect(all(len(p) <= 16 for p in prefixes), f"list_accounts: key prefixes {prefixes} are too long")
        key = os.environ.get(args.bearer_env, "").strip() if args.bearer_env else ""
        checks.expect(not key or key not in json.dumps(accounts), "list_accounts shows our API key")
    # This server has no backup destination: the backup tools say so and what to set.
    for tool, arguments in [("backup_list", {}), ("backup_create", {}), ("backup_verify", {"id": "nba-20260101T000000000Z-00000000"})]:
        await call_refused(client, checks, calls, tool, arguments, ["not configured", "NBA_MCP_BACKUP_DIR"])
    # The model tools: the store's versions with the served champion; promoting the champion
    # to itself moves nothing; a rollback with no earlier version is refused saying so.
    models = await call_ok(client, checks, calls, "list_models", {})
    if models:
        champions = [m.get("model") for m in models.get("models") or [] if "champion" in (m.get("aliases") or [])]
        checks.expect(len(champions) == 1, f"list_models: champion on {champions}")
        checks.expect(models.get("serving") in champions, f"list_models: serving {models.get('serving')!r}, champion {champions}")
        if champions:
            moved = await call_ok(client, checks, calls, "promote_model", {"model": champions[0]})
            if moved:
                checks.expect(moved.get("to") == champions[0] and moved.get("from") == champions[0], f"promote_model: {moved}")
    await call_refused(client, checks, calls, "rollback_model", {"alias": "no-such-alias"}, ["no-such-alias", "points at no model"])
    # Roll-outs: none is running; a roll-out of what is served already is refused, and so are
    # moving on and stopping when nothing runs.
    rollouts = await call_ok(client, checks, calls, "rollout_status", {})
    if rollouts:
        checks.expect(rollouts.get("current") is None, f"rollout_status: {rollouts}")
    if models and models.get("serving"):
        await call_refused(client, checks, calls, "start_rollout", {"model": models["serving"]}, ["serves already"])
    for tool in ["advance_rollout", "stop_rollout"]:
        await call_refused(client, checks, calls, tool, {}, ["no roll-out is running"])
    message = await call_refused(client, checks, calls, "revoke_api_key", {"key_id": "key_doesnotexist"}, ["no API key", "key_doesnotexist"])
    summary["revoke_unknown_key_message"] = message


async def run_viewer(client: Client, checks: Checks, summary: dict[str, Any]) -> None:
    """A viewer: only its tools are listed; the data works; the analyst's and admin's tools
    are refused."""
    tools = (await client.list_tools()).tools
    names = [t.name for t in tools]
    summary["tools"] = names
    checks.expect(names == VIEWER_TOOLS, f"viewer tools {names}, expected {VIEWER_TOOLS}")
    hidden = [t for t in ADMIN_ONLY_TOOLS if t in names]
    checks.expect(not hidden, f"tools/list shows a viewer {hidden}")
    calls: dict[str, Any] = {}
    summary["calls"] = calls
    me = await call_ok(client, checks, calls, "whoami", {})
    if me:
        summary["whoami"] = {k: me.get(k) for k in ["principal", "kind", "role", "auth_method"]}
        checks.expect(me.get("role") == "viewer", f"whoami role {me.get('role')!r}, expected viewer")
        checks.expect(sorted(me.get("permissions") or []) == ["data:read", "health:read", "predictions:read"], f"whoami permissions {me.get('permissions')}")
    stats = await call_ok(client, checks, calls, "get_team_stats", {"team": "GSW", "season": 2016})
    if stats:
        rec = stats.get("record") or {}
        summary["gsw_2015_16_record"] = (rec.get("wins"), rec.get("losses"))
    await call_ok(client, checks, calls, "system_health", {})
    refused: dict[str, str | None] = {}
    summary["refused"] = refused
    for name, arguments, permission in [
        ("query_sql", {"sql": "SELECT count(*) AS n FROM games WHERE season = 2016"}, "sql:query"),
        ("audit_log", {}, "audit:read"),
        ("list_accounts", {}, "users:manage"),
        ("revoke_api_key", {"key_id": "key_doesnotexist"}, "users:manage"),
    ]:
        refused[name] = await call_refused(client, checks, calls, name, arguments, ["forbidden", permission])


async def run_unauthorized(args: argparse.Namespace, checks: Checks, summary: dict[str, Any]) -> None:
    """No key: the first request gets 401 with the RFC 9728 challenge and the SDK raises."""
    seen: list[dict[str, Any]] = []

    async def record(response: httpx2.Response) -> None:
        seen.append({
            "method": response.request.method,
            "status": response.status_code,
            "www_authenticate": response.headers.get("www-authenticate"),
        })

    summary["responses"] = seen
    async with http_client(args) as hc:
        hc.event_hooks = {"request": [], "response": [record]}
        connected = False
        try:
            with anyio.fail_after(args.request_timeout):
                async with Client(streamable_http_client(args.url, http_client=hc), mode=args.mode, read_timeout_seconds=args.request_timeout) as client:
                    connected = True
                    await client.list_tools()
            checks.expect(False, f"no key, yet the client connected and listed tools (connected={connected})")
        except TimeoutError:
            checks.expect(False, f"no key: the client hung for {args.request_timeout} s instead of failing")
        except Exception as e:  # the SDK's error for a 401, possibly inside exception groups
            summary["error"] = [f"{type(x).__name__}: {x}" for x in leaves(e)]
            checks.expect(not any(isinstance(x, TimeoutError) for x in leaves(e)), f"no key: timed out: {summary['error']}")
    statuses = [r["status"] for r in seen]
    checks.expect(bool(statuses) and all(s == 401 for s in statuses), f"no key: HTTP statuses {statuses}, expected 401 only")
    challenge = next((r["www_authenticate"] for r in seen if r["status"] == 401), None)
    summary["www_authenticate"] = challenge
    checks.expect(bool(challenge) and challenge.startswith("Bearer ") and "resource_metadata=" in challenge, f"no key: WWW-Authenticate {challenge!r}")


def leaves(e: BaseException) -> list[BaseException]:
    """The exceptions inside (nested) exception groups."""
    if isinstance(e, BaseExceptionGroup):
        return [leaf for inner in e.exceptions for leaf in leaves(inner)]
    return [e]


def bearer(args: argparse.Namespace) -> str | None:
    key = os.environ.get(args.bearer_env, "").strip() if args.bearer_env else ""
    return key or None


def http_client(args: argparse.Namespace) -> httpx2.AsyncClient:
    """The SDK's default HTTP client (its timeouts), with the bearer key when there is one."""
    key = bearer(args)
    return create_mcp_http_client(headers={"Authorization": f"Bearer {key}"} if key else None)


async def run(args: argparse.Namespace, summary: dict[str, Any], checks: Checks) -> None:
    if args.expect == "unauthorized":
        await run_unauthorized(args, checks, summary)
        return
    async with contextlib.AsyncExitStack() as stack:
        if args.url:
            summary["bearer"] = bearer(args) is not None
            hc = await stack.enter_async_context(http_client(args))
            target: Any = streamable_http_client(args.url, http_client=hc)
        else:
            command = args.command
            # Pass our environment through (DATABASE_URL, NBA_MCP_API_KEY, ...): the SDK's
            # default is a minimal environment.
            target = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))
        client = await stack.enter_async_context(Client(target, mode=args.mode, read_timeout_seconds=args.request_timeout))
        summary["protocol_version"] = client.protocol_version
        summary["server_info"] = dump(client.server_info) if client.server_info else None
        if args.mode == "legacy":
            checks.expect(client.protocol_version == "2025-11-25", f"negotiated {client.protocol_version}, expected 2025-11-25")
            checks.expect(client.server_info is not None and client.server_info.name == "nba-mcp", "serverInfo.name is not nba-mcp")
        else:
            checks.expect(client.protocol_version == args.mode, f"protocol {client.protocol_version}, expected {args.mode}")
        if args.expect == "viewer":
            await run_viewer(client, checks, summary)
        else:
            await run_admin(client, args, checks, summary)


async def run_admin(client: Client, args: argparse.Namespace, checks: Checks, summary: dict[str, Any]) -> None:
    # Tools: all of them, each with both schemas; all read-only but revoke_api_key.
    tools = (await client.list_tools()).tools
    names = [t.name for t in tools]
    summary["tools"] = names
    checks.expect(sorted(names) == sorted(EXPECTED_TOOLS), f"tools {names}, expected {EXPECTED_TOOLS}")
    for tool in tools:
        d = dump(tool)
        checks.expect(d.get("inputSchema", {}).get("type") == "object", f"{tool.name}: inputSchema is not an object schema")
        checks.expect(isinstance(d.get("outputSchema"), dict), f"{tool.name}: no outputSchema")
        annotations = d.get("annotations", {})
        if tool.name in WRITING_TOOLS:
            checks.expect(annotations.get("readOnlyHint") is False, f"{tool.name}: readOnlyHint is not false")
            destructive = tool.name in DESTRUCTIVE_TOOLS
            checks.expect(annotations.get("destructiveHint") is destructive, f"{tool.name}: destructiveHint is not {destructive}")
        else:
            checks.expect(annotations.get("readOnlyHint") is True, f"{tool.name}: readOnlyHint is not true")

    # Every tool, with real arguments.
    calls: dict[str, Any] = {}
    summary["calls"] = calls
    await call_ok(client, checks, calls, "list_teams", {})
    found = await call_ok(client, checks, calls, "find_team", {"query": "Warriors"})
    if found:
        checks.expect(found.get("team", {}).get("abbr") == "GSW", f"find_team Warriors: {found.get('team')}")
    await call_ok(client, checks, calls, "get_standings", {"season": "2015-16"})
    stats = await call_ok(client, checks, calls, "get_team_stats", {"team": "GSW", "season": 2016})
    if stats:
        rec = stats.get("record") or {}
        record = (rec.get("wins"), rec.get("losses"))
        summary["gsw_2015_16_record"] = record
        checks.expect(record == (73, 9), f"2015-16 Warriors went 73-9, got {record}")
    games = await call_ok(client, checks, calls, "get_games", {"team": "GSW", "season": "2015-16", "limit": 5})
    game_ids = [g.get("game_id") for g in (games or {}).get("games", []) if isinstance(g, dict)]
    checks.expect(len(game_ids) == 5, f"get_games limit 5 returned {len(game_ids)} games")
    if game_ids:
        game = await call_ok(client, checks, calls, "get_game", {"game_id": game_ids[0]})
        if game:
            checks.expect(game_ids[0] in json.dumps(game), "get_game does not mention the requested game id")
    await call_ok(client, checks, calls, "head_to_head", {"team_a": "Warriors", "team_b": "Cavaliers", "seasons": "2015-16"})
    metrics = await call_ok(client, checks, calls, "compute_metrics", {"player": {"pts": 30, "fga": 20, "fta": 10}})
    if metrics:
        ts = (metrics.get("player") or {}).get("ts_pct")
        checks.expect(isinstance(ts, (int, float)) and abs(ts - 30 / 48.8) < 1e-3, f"compute_metrics ts_pct {ts}")
    players = await call_ok(client, checks, calls, "search_players", {"query": args.player_query})
    checks.expect(bool((players or {}).get("players")), f"search_players {args.player_query!r} found nobody")
    player_args: dict[str, Any] = {"player": args.player, "season": args.player_season}
    player = await call_ok(client, checks, calls, "get_player_stats", player_args)
    checks.expect(bool(player) and "[]" not in json.dumps(player.get("seasons", ["x"])), f"get_player_stats {player_args}: no season rows")
    leaders_args: dict[str, Any] = {"season": args.player_season, "stat": "points", "limit": 5}
    if args.player_stage:
        leaders_args["stage"] = args.player_stage
    leaders = await call_ok(client, checks, calls, "get_leaders", leaders_args)
    checks.expect(bool((leaders or {}).get("leaders")), f"get_leaders {leaders_args}: no leaders")
    await check_predictions(client, checks, calls, summary)
    await check_operations(client, checks, calls, summary)
    await check_access_tools(client, args, checks, calls, summary)
    missing = [t for t in EXPECTED_TOOLS if t not in calls]
    checks.expect(not missing, f"tools not called as expected: {missing}")

    # An unknown team is a tool error the model can act on, not a protocol error.
    try:
        bad = dump(await client.call_tool("get_team_stats", {"team": "Warriorz", "season": 2016}))
        message = " ".join(text_items(bad))
        summary["unknown_team_message"] = message
        checks.expect(bad.get("isError") is True, "unknown team: isError is not true")
        checks.expect("did you mean" in message.lower(), f"unknown team: no suggestion in {message!r}")
    except MCPError as e:
        checks.expect(False, f"unknown team: JSON-RPC error {e} instead of a tool error")

    # An unknown tool is a JSON-RPC error.
    try:
        await client.call_tool("no_such_tool", {})
        checks.expect(False, "unknown tool: no JSON-RPC error")
    except MCPError as e:
        summary["unknown_tool_error"] = {"code": e.error.code, "message": e.error.message}
        checks.expect(e.error.code == -32602, f"unknown tool: code {e.error.code}, expected -32602")

    # Resources.
    resources = [r.uri for r in (await client.list_resources()).resources]
    summary["resources"] = [str(u) for u in resources]
    checks.expect("nba://schema" in summary["resources"], f"resources {summary['resources']}")
    templates = [t.uri_template for t in (await client.list_resource_templates()).resource_templates]
    summary["resource_templates"] = templates
    checks.expect("nba://standings/{season}" in templates, f"templates {templates}")
    for uri in ["nba://schema", "nba://teams", "nba://standings/2015-16"]:
        read = dump(await client.read_resource(uri))
        contents = read.get("contents", [])
        ok = checks.expect(len(contents) == 1 and "text" in contents[0], f"read {uri}: {read}")
        if ok:
            try:
                json.loads(contents[0]["text"])
            except json.JSONDecodeError:
                checks.expect(False, f"read {uri}: text is not JSON")
    try:
        await client.read_resource("nba://nothing")
        checks.expect(False, "unknown resource: no error")
    except MCPError as e:
        summary["unknown_resource_error"] = e.error.code

    # Prompts.
    prompts = [p.name for p in (await client.list_prompts()).prompts]
    summary["prompts"] = prompts
    checks.expect(sorted(prompts) == EXPECTED_PROMPTS, f"prompts {prompts}")
    rendered = {}
    for name, arguments in [
        ("analyze_matchup", {"team_a": "Warriors", "team_b": "Cavaliers"}),
        ("season_review", {"team": "Warriors", "season": "2015-16"}),
    ]:
        prompt = dump(await client.get_prompt(name, arguments))
        messages = prompt.get("messages", [])
        checks.expect(len(messages) >= 1 and messages[0].get("content", {}).get("text"), f"prompt {name}: {prompt}")
        rendered[name] = prompt.get("description")
    summary["prompt_descriptions"] = rendered


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", required=True, choices=["legacy", "2026-07-28"], help="protocol era")
    parser.add_argument("--url", help="Streamable HTTP endpoint, e.g. http://127.0.0.1:8080/mcp")
    parser.add_argument("--player", default=os.environ.get("E2E_PLAYER", "Stephen Curry"), help="player for get_player_stats")
    parser.add_argument("--player-query", default=os.environ.get("E2E_PLAYER_QUERY", "Curry"), help="search_players query")
    parser.add_argument("--player-season", default=os.environ.get("E2E_PLAYER_SEASON", "2015-16"), help="a season with player box scores loaded")
    parser.add_argument("--player-stage", default=os.environ.get("E2E_PLAYER_STAGE", "playoffs"), help="stage for get_leaders ('' for the default)")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds for the whole run")
    parser.add_argument("--request-timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--expect", choices=["admin", "viewer", "unauthorized"], default="admin", help="what the key's principal should get (unauthorized: no key, HTTP only)")
    parser.add_argument("--bearer-env", default="NBA_MCP_API_KEY", help="environment variable holding the API key sent as Authorization: Bearer over HTTP (default NBA_MCP_API_KEY)")
    parser.add_argument("command", nargs="*", help="stdio server command and arguments (after --)")
    args = parser.parse_args(argv)
    if bool(args.url) == bool(args.command):
        parser.error("give exactly one of --url or a stdio command")
    if args.expect == "unauthorized" and not args.url:
        parser.error("--expect unauthorized needs --url")
    if args.expect == "unauthorized" and bearer(args):
        parser.error(f"--expect unauthorized: ${args.bearer_env} is set; unset it (or pass --bearer-env '')")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    checks = Checks()
    summary: dict[str, Any] = {
        "mode": args.mode,
        "expect": args.expect,
        "transport": "http" if args.url else "stdio",
        "target": args.url or " ".join(args.command),
    }
    started = time.monotonic()

    async def bounded() -> None:
        with anyio.fail_after(args.timeout):
            await run(args, summary, checks)

    try:
        anyio.run(bounded)
    except Exception as e:  # report, do not crash: the summary says what failed
        checks.expect(False, f"{type(e).__name__}: {e}")
        traceback.print_exc(file=sys.stderr)
    summary["seconds"] = round(time.monotonic() - started, 2)
    summary["failures"] = checks.failures
    summary["ok"] = not checks.failures
    print(json.dumps(summary, indent=2, sort_keys=True))
    return 0 if summary["ok"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
