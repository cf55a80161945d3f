// implhub load test for a self-hosted Sourcegraph instance: self-contained (no remote imports),
// so it runs on an air-gapped load generator with nothing but the k6 binary.
//
// Endpoints and formats from Sourcegraph's public API documentation: the streaming search API
// (GET /.api/search/stream, server-sent events: matches, progress, filters, alert, error, done)
// and GraphQL (POST /.api/graphql, Search with version V3, Highlight). Method after the public
// repository sourcegraph/k6: virtual users at 20% of the users, think times, a mix of search
// types, a highlight request per streamed match, a check that passes only with results.
//
//   SRC_ENDPOINT=https://sourcegraph.example.com SRC_ACCESS_TOKEN=... k6 run this.js
//
// Every request is tagged type (literal, regexp, structural, unindexed, highlight), variant
// (regular, expensive) and endpoint (stream, graphql); time_to_first_byte is recorded per type.
// IMPLHUB_SUMMARY names the machine-readable summary file (default implhub-summary.json).
import http from 'k6/http';
import { check, sleep } from 'k6';
import exec from 'k6/execution';
import { Trend, Counter } from 'k6/metrics';

const PROFILE = __IMPLHUB_PROFILE__;

const ENDPOINT = (__ENV.SRC_ENDPOINT || '').replace(/\/+$/, '');
const TOKEN = __ENV.SRC_ACCESS_TOKEN || '';
const SEARCH_TYPES = ['literal', 'regexp', 'structural', 'unindexed'];

export const options = {
  scenarios: { main: PROFILE.scenario },
  thresholds: PROFILE.thresholds,
  summaryTrendStats: ['avg', 'min', 'med', 'max', 'p(90)', 'p(95)'],
  setupTimeout: '30s',
  userAgent: 'implhub-loadtest',
};

const ttfb = new Trend('time_to_first_byte', true);
const matchesSeen = new Counter('search_matches');

const SEARCH_GQL = 'query Search($q: String!) { search(query: $q, version: V3) { results { matchCount limitHit elapsedMilliseconds results { __typename ... on FileMatch { file { path } repository { name } lineMatches { lineNumber } } } } } }';
const HIGHLIGHT_GQL = 'query Highlight($repo: String!, $rev: String!, $path: String!) { repository(name: $repo) { commit(rev: $rev) { file(path: $path) { highlight(disableTimeout: false) { aborted html } } } } }';
const VERSION_GQL = 'query SiteVersion { site { productVersion } }';

function headers(extra) {
  const h = Object.assign({ 'Content-Type': 'application/json' }, extra || {});
  if (TOKEN) h.Authorization = 'token ' + TOKEN;
  return h;
}

function pick(list) {
  return list[Math.floor(Math.random() * list.length)];
}

function between(range) {
  return range[0] + Math.random() * (range[1] - range[0]);
}

// Reads a complete event stream: events are separated by a blank line, each has event: and data:.
function parseEvents(body) {
  const events = [];
  for (const block of String(body || '').split('\n\n')) {
    let name = '';
    const data = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) name = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trim());
    }
    if (!name) continue;
    let parsed = null;
    try { parsed = JSON.parse(data.join('\n') || 'null'); } catch (e) { parsed = null; }
    events.push({ name: name, data: parsed });
  }
  return events;
}

export function setup() {
  if (!ENDPOINT) exec.test.abort('SRC_ENDPOINT is not set: export SRC_ENDPOINT=https://sourcegraph.example.com');
  const res = http.post(ENDPOINT + '/.api/graphql', JSON.stringify({ query: VERSION_GQL }),
    { headers: headers(), tags: { type: 'setup', endpoint: 'graphql' }, timeout: '20s' });
  if (res.status === 0) exec.test.abort('cannot reach ' + ENDPOINT + ': ' + res.error);
  if (res.status === 401 || res.status === 403) exec.test.abort('the instance answered ' + res.status + ': SRC_ACCESS_TOKEN is missing or not accepted');
  if (res.status !== 200) exec.test.abort('the instance answered ' + res.status + ' to a GraphQL request');
  let version = null;
  try { version = res.json('data.site.productVersion'); } catch (e) { version = null; }
  return { version: version };
}

function highlight(match, variant) {
  const tags = { type: 'highlight', variant: variant, endpoint: 'graphql' };
  const rev = match.commit || (match.branches && match.branches[0]) || 'HEAD';
  const res = http.post(ENDPOINT + '/.api/graphql', JSON.stringify({
    query: HIGHLIGHT_GQL, variables: { repo: match.repository, rev: rev, path: match.path },
  }), { headers: headers(), tags: tags, timeout: '60s' });
  ttfb.add(res.timings.waiting, tags);
  let html = null;
  try { html = res.json('data.repository.commit.file.highlight.html'); } catch (e) { html = null; }
  check(res, { 'highlight returned html': (r) => r.status === 200 && typeof html === 'string' && html.length > 0 }, tags);
}

function streamSearch(type, variant, query) {
  const tags = { type: type, variant: variant, endpoint: 'stream' };
  const url = ENDPOINT + '/.api/search/stream?q=' + encodeURIComponent(query) + '&v=V3&t=standard&display=' + (variant === 'expensive' ? 1500 : 100);
  const res = http.get(url, { headers: headers({ Accept: 'text/event-stream' }), tags: tags, timeout: '120s' });
  ttfb.add(res.timings.waiting, tags);
  const events = res.status === 200 ? parseEvents(res.body) : [];
  const contents = [];
  let count = 0;
  let failed = false;
  let done = false;
  for (const ev of events) {
    if (ev.name === 'matches' && Array.isArray(ev.data)) {
      count += ev.data.length;
      for (const m of ev.data) if (m && m.type === 'content' && m.path && m.repository) contents.push(m);
    } else if (ev.name === 'error') {
      failed = true;
    } else if (ev.name === 'done') {
      done = true;
    }
  }
  matchesSeen.add(count, tags);
  check(res, { 'search returned results': (r) => r.status === 200 && !failed && done && count > 0 }, tags);
  if (PROFILE.highlight.per_match) {
    for (const m of contents.slice(0, PROFILE.highlight.max_per_search)) highlight(m, variant);
  }
}

function graphqlSearch(type, variant, query) {
  const tags = { type: type, variant: variant, endpoint: 'graphql' };
  const res = http.post(ENDPOINT + '/.api/graphql', JSON.stringify({ query: SEARCH_GQL, variables: { q: query } }),
    { headers: headers(), tags: tags, timeout: '120s' });
  ttfb.add(res.timings.waiting, tags);
  let results = null;
  let errors = null;
  try { results = res.json('data.search.results.results'); errors = res.json('errors'); } catch (e) { results = null; }
  check(res, { 'search returned results': (r) => r.status === 200 && !errors && Array.isArray(results) && results.length > 0 }, tags);
}

function search(type, variant, endpoint) {
  const query = pick(PROFILE.queries[variant][type]);
  if (endpoint === 'graphql') graphqlSearch(type, variant, query);
  else streamSearch(type, variant, query);
}

function choose() {
  let r = Math.random();
  let entry = PROFILE.mix[PROFILE.mix.length - 1];
  for (const m of PROFILE.mix) {
    if (r < m.share) { entry = m; break; }
    r -= m.share;
  }
  const type = entry.type === 'random' ? pick(SEARCH_TYPES) : entry.type;
  const endpoint = entry.endpoint === 'random' ? pick(['stream', 'graphql']) : entry.endpoint;
  return { type: type, endpoint: endpoint };
}

export default function () {
  if (PROFILE.kind === 'search') {
    for (const variant of ['regular', 'expensive']) {
      for (const type of SEARCH_TYPES) search(type, variant, 'stream');
    }
    return;
  }
  sleep(between(PROFILE.think_time_s.before));
  const c = choose();
  search(c.type, 'regular', c.endpoint);
  sleep(between(PROFILE.think_time_s.after));
}

export function handleSummary(data) {
  const out = {};
  const summary = {
    implhub: { kind: PROFILE.kind, vus: PROFILE.vus, endpoint: ENDPOINT },
    state: data.state,
    metrics: data.metrics,
  };
  out[__ENV.IMPLHUB_SUMMARY || 'implhub-summary.json'] = JSON.stringify(summary, null, 1);
  const lines = ['implhub ' + PROFILE.kind + ' test against ' + ENDPOINT];
  for (const name of Object.keys(data.metrics).sort()) {
    const m = data.metrics[name];
    if (!m.thresholds) continue;
    for (const t of Object.keys(m.thresholds)) lines.push((m.thresholds[t].ok ? '  ok    ' : '  FAIL  ') + name + ' ' + t);
  }
  out.stdout = lines.join('\n') + '\n';
  return out;
}
