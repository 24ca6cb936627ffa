#!/usr/bin/env python3
"""End-to-end check of the NBA MCP server with the official MCP Python SDK (2.x).

Connects to a server over stdio (a command to launch) or Streamable HTTP (a URL), in one
protocol era (``legacy``: the initialize handshake; ``2026-07-28``: stateless), then:
lists the tools (all 11, each with inputSchema and outputSchema), calls every tool with
real arguments and checks that structuredContent is present and equal to the JSON text
content, checks that an unknown team is a tool error with a suggestion, and lists/reads
resources and renders both prompts. Prints a JSON summary on stdout; exits 1 on any
failure (every failure is listed in the summary), 2 on bad usage.

The server needs the FiveThirtyEight games loaded; for search_players, get_player_stats and
get_leaders also a player list and player box scores of --player-season (--player-stage).

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
    "compute_metrics",
]
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
