#!/usr/bin/env python3
"""End-to-end check of the NBA MCP server with the official MCP Python SDK (2.x).

Connects to a server over stdio (a command to launch) or Streamable HTTP (a URL), in one
protocol era (``legacy``: the initialize handshake; ``2026-07-28``: stateless), then:
lists the tools (all 18, each with inputSchema and outputSchema), calls every tool with
real arguments and checks that structuredContent is present and equal to the JSON text
content, checks the answers of the prediction tools (probabilities that sum to 1, a
leak-free past date, simulated wins within what the season still allows) and of the
operations tools, checks that an unknown team is a tool error with a suggestion, and
lists/reads resources and renders both prompts. Prints a JSON summary on stdout; exits 1 on
any failure (every failure is listed in the summary), 2 on bad usage.

The server needs the FiveThirtyEight games loaded; for search_players, get_player_stats and
get_leaders also a player list and player box scores of --player-season (--player-stage);
for predict_game, predict_games, get_power_rankings, simulate_season and drift_report a
champion model (`nba-mcp train --seasons 2005-2016 --alias champion`); system_health and
list_alerts come from the operations layer both `serve` and `mcp` start.

    .venv-mcp/bin/python tests/e2e/mcp_client.py --mode legacy --url http://127.0.0.1:8080/mcp
    .venv-mcp/bin/python tests/e2e/mcp_client.py --mode 2026-07-28 -- target/debug/nba-mcp mcp
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from typing import Any

import anyio
from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp.shared.exceptions import MCPError

EXPECTED_TOOLS = [
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


async def run(args: argparse.Namespace, summary: dict[str, Any], checks: Checks) -> None:
    if args.url:
        target: Any = args.url
    else:
        command = args.command
        # Pass our environment through (DATABASE_URL, RUST_LOG, ...): the SDK's default is a
        # minimal environment.
        target = StdioServerParameters(command=command[0], args=command[1:], env=dict(os.environ))

    async with Client(target, mode=args.mode, read_timeout_seconds=args.request_timeout) as client:
        summary["protocol_version"] = client.protocol_version
        summary["server_info"] = dump(client.server_info) if client.server_info else None
        if args.mode == "legacy":
            checks.expect(client.protocol_version == "2025-11-25", f"negotiated {client.protocol_version}, expected 2025-11-25")
            checks.expect(client.server_info is not None and client.server_info.name == "nba-mcp", "serverInfo.name is not nba-mcp")
        else:
            checks.expect(client.protocol_version == args.mode, f"protocol {client.protocol_version}, expected {args.mode}")

        # Tools: all of them, each with both schemas and the read-only hint.
        tools = (await client.list_tools()).tools
        names = [t.name for t in tools]
        summary["tools"] = names
        checks.expect(sorted(names) == sorted(EXPECTED_TOOLS), f"tools {names}, expected {EXPECTED_TOOLS}")
        for tool in tools:
            d = dump(tool)
            checks.expect(d.get("inputSchema", {}).get("type") == "object", f"{tool.name}: inputSchema is not an object schema")
            checks.expect(isinstance(d.get("outputSchema"), dict), f"{tool.name}: no outputSchema")
            checks.expect(d.get("annotations", {}).get("readOnlyHint") is True, f"{tool.name}: readOnlyHint is not true")

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
        missing = [t for t in EXPECTED_TOOLS if t not in calls]
        checks.expect(not missing, f"tools not called successfully: {missing}")

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
    parser.add_argument("command", nargs="*", help="stdio server command and arguments (after --)")
    args = parser.parse_args(argv)
    if bool(args.url) == bool(args.command):
        parser.error("give exactly one of --url or a stdio command")
    return args


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    checks = Checks()
    summary: dict[str, Any] = {
        "mode": args.mode,
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
