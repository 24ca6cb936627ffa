// k6 scenario for scripts/load.sh: an open-model (constant-arrival-rate) generator, so a slow
// answer delays no later request and latency is free of coordinated omission.
//
// Environment: BASE (http://host:port), KEY (API key), RATE (requests per second),
// DURATION (e.g. 10m), MIX (mixed | batch | predict), VUS (pre-allocated virtual users).
// A request counts as failed on any non-2xx status, a tool error ("isError":true) or a
// JSON-RPC error; thresholds fail the run on more than 0.1% failed requests.
import http from 'k6/http';
import { check } from 'k6';

const BASE = __ENV.BASE;
const KEY = __ENV.KEY;
const RATE = parseInt(__ENV.RATE || '1000', 10);
const MIX = __ENV.MIX || 'mixed';

export const options = {
  discardResponseBodies: false,
  scenarios: {
    load: {
      executor: 'constant-arrival-rate',
      rate: RATE,
      timeUnit: '1s',
      duration: __ENV.DURATION || '1m',
      preAllocatedVUs: parseInt(__ENV.VUS || '200', 10),
      maxVUs: parseInt(__ENV.VUS || '200', 10) * 2,
    },
  },
  thresholds: {
    checks: ['rate>0.999'],
  },
  summaryTrendStats: ['avg', 'min', 'med', 'p(90)', 'p(95)', 'p(99)', 'max'],
};

const TEAMS = ['ATL', 'BOS', 'BKN', 'CHA', 'CHI', 'CLE', 'DAL', 'DEN', 'DET', 'GSW', 'HOU', 'IND',
  'LAC', 'LAL', 'MEM', 'MIA', 'MIL', 'MIN', 'NOP', 'NYK', 'OKC', 'ORL', 'PHI', 'PHX', 'POR',
  'SAC', 'SAS', 'TOR', 'UTA', 'WAS'];
const SEASONS = ['2015-16', '2016-17', '2017-18', '2018-19', '2019-20', '2020-21', '2021-22',
  '2023-24', '2024-25', '2025-26'];

// Player box scores (leaders) cover the regular season from 2023-24 on.
const PLAYER_SEASONS = ['2023-24', '2024-25', '2025-26'];

const JSON_HEADERS = { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' };

let logged = 0;

function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

function game() {
  const home = pick(TEAMS);
  let away = pick(TEAMS);
  while (away === home) away = pick(TEAMS);
  // Upcoming games (after the data's last day, 2026-02-09): the everyday question. A past
  // date is a compute-heavy call (the model state is rebuilt as of that day), one at a time
  // per caller by design, so it does not belong in a one-principal throughput mix.
  const day = 1 + Math.floor(Math.random() * 28);
  const month = pick(['2026-03', '2026-04']);
  return { home, away, date: `${month}-${String(day).padStart(2, '0')}` };
}

function mcp(name, args) {
  const body = JSON.stringify({
    jsonrpc: '2.0', id: 1, method: 'tools/call',
    params: {
      name, arguments: args,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'k6', version: '1' },
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  });
  return http.post(`${BASE}/mcp`, body, {
    headers: Object.assign({
      Accept: 'application/json, text/event-stream',
      'MCP-Protocol-Version': '2026-07-28',
      'Mcp-Method': 'tools/call',
      'Mcp-Name': name,
    }, JSON_HEADERS),
    tags: { path: `mcp ${name}` },
  });
}

function rest(path, args, tag) {
  return http.post(`${BASE}${path}`, JSON.stringify(args), { headers: JSON_HEADERS, tags: { path: tag } });
}

function ok(res) {
  const body = res.body || '';
  return res.status >= 200 && res.status < 300
    && body.indexOf('"isError":true') < 0 && body.indexOf('"jsonrpc":"2.0","id":1,"error"') < 0;
}

export default function () {
  let res;
  if (MIX === 'batch') {
    const games = [];
    for (let i = 0; i < 100; i++) games.push(game());
    res = rest('/v1/predict/batch', { games }, 'POST /v1/predict/batch (100 games)');
  } else if (MIX === 'predict') {
    // Predictions only (the traffic a model roll-out splits): half REST, half MCP.
    if (Math.random() < 0.5) res = rest('/v1/predict', game(), 'POST /v1/predict');
    else res = mcp('predict_game', game());
  } else {
    // The mix: half predictions over REST, a fifth over MCP, the rest data tools.
    const r = Math.random();
    if (r < 0.5) res = rest('/v1/predict', game(), 'POST /v1/predict');
    else if (r < 0.7) res = mcp('predict_game', game());
    else if (r < 0.8) res = rest('/v1/tools/get_standings', { season: pick(SEASONS) }, 'POST /v1/tools/get_standings');
    else if (r < 0.9) res = mcp('get_leaders', { season: pick(PLAYER_SEASONS), stat: pick(['points', 'rebounds', 'assists']) });
    else res = rest('/v1/tools/get_games', { team: pick(TEAMS), season: pick(SEASONS), limit: 20 }, 'POST /v1/tools/get_games');
  }
  if (!check(res, { 'answered without error': ok }) && logged < 3) {
    // A few failures per virtual user go to the log, so a failed run says why.
    logged += 1;
    console.warn(`failed: ${res.request.method} ${res.url} -> ${res.status} ${(res.body || res.error || '').slice(0, 300)}`);
  }
}
