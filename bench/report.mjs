// Assembles what bench/run.sh measured (the JSON files in DIR/raw) into
// DIR/report.json and DIR/report.md, checks the budgets, and prints the
// markdown. Usage: node bench/report.mjs DIR SITE_PKG_DIR
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import os from 'node:os';

const [dir, pkg] = process.argv.slice(2);
const raw = join(dir, 'raw');
const read = (name) => {
  const file = join(raw, `${name}.json`);
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
};
const PAGES = [
  ['search', 'search page'],
  ['listing', 'listing page'],
  ['home', 'home page'],
];
const CONNECTIONS = [16, 64];
const pct = (a, b) => (a && b ? Math.round((1000 * a) / b) / 10 : null);
const kb = (n) => Math.round(n / 102.4) / 10;
const mb = (kib) => Math.round(kib / 102.4) / 10;

// 1 and 6: pages against the baseline, on both databases.
const pages = [];
for (const c of CONNECTIONS) {
  const base = read(`page-postgres-fortunes-${c}`);
  if (base) pages.push({ db: 'postgres', page: 'baseline (Fortunes)', connections: c, ...base, ratio_pct: 100 });
  for (const db of ['postgres', 'sqlite']) {
    for (const [key, label] of PAGES) {
      const r = read(`page-${db}-${key}-${c}`);
      if (r) pages.push({ db, page: label, key, connections: c, ...r, ratio_pct: pct(r.rps, base?.rps) });
    }
  }
}

// 2 and 6: order placement against pgbench.
const pgbench = read('pgbench');
const orders = ['postgres', 'sqlite']
  .map((db) => {
    const r = read(`orders-${db}`);
    return r && { db, ...r, ratio_pct: pct(r.rps, pgbench?.tps) };
  })
  .filter(Boolean);

// 3: login under attack.
const quiet = read('login-search-quiet');
const during = read('login-search-during');
const attack = read('login-attack');
const login = quiet && during && attack && {
  search_p99_quiet_ms: quiet.p99_ms,
  search_p99_during_ms: during.p99_ms,
  factor: Math.round((100 * during.p99_ms) / quiet.p99_ms) / 100,
  attack_requests: attack.requests,
  attack_codes: attack.codes,
  search_failures: during.non_2xx + during.socket_errors,
};

// 4: memory (kB from /proc).
const memory = read('memory');

// 5: front end: sizes of what the browser downloads, and Lighthouse.
const files = existsSync(pkg) ? readdirSync(pkg) : [];
const size = (pattern) => {
  const name = files.find((f) => pattern.test(f));
  if (!name) return null;
  const bytes = readFileSync(join(pkg, name));
  return {
    file: name,
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
};
const frontend = { wasm: size(/\.wasm$/), js: size(/\.js$/), css: size(/\.css$/) };
const CATEGORIES = ['performance', 'accessibility', 'best-practices', 'seo'];
const lighthouse = PAGES.map(([key, label]) => {
  const r = read(`lighthouse-${key}`);
  if (!r) return null;
  const scores = Object.fromEntries(CATEGORIES.map((c) => [c, Math.round(100 * (r.categories[c]?.score ?? 0))]));
  // Every audit that counts towards a category and did not pass.
  const failed = [];
  for (const c of CATEGORIES) {
    for (const ref of r.categories[c]?.auditRefs ?? []) {
      const a = r.audits[ref.id];
      if (ref.weight > 0 && a && a.score !== null && a.score < 0.9) failed.push(`${c}: ${a.id} (${a.title}, ${Math.round(a.score * 100)})`);
    }
  }
  return { page: label, scores, failed };
}).filter(Boolean);

// The budgets.
const budgets = [];
const budget = (name, value, limit, ok) => budgets.push({ name, value, limit, ok: value !== null && value !== undefined && ok });
const search64 = pages.find((p) => p.db === 'postgres' && p.key === 'search' && p.connections === 64);
budget('search page at 64 connections, share of the baseline', search64?.ratio_pct, '≥ 40 %', search64?.ratio_pct >= 40);
budget('search page at 64 connections, p99 ms', search64?.p99_ms, '≤ 50', search64?.p99_ms <= 50);
const pgOrders = orders.find((o) => o.db === 'postgres');
budget('order placement, share of pgbench', pgOrders?.ratio_pct, '≥ 30 %', pgOrders?.ratio_pct >= 30);
budget('search p99 under a login attack, times the quiet p99', login?.factor, '≤ 2', login?.factor <= 2);
// The attack comes from one address: past its first 30 attempts (the
// default MUTUA_LOGIN_LIMIT_PER_IP) every answer must be a 429.
const refused = login ? login.attack_codes['429'] ?? 0 : 0;
const answered = login ? login.attack_requests - refused : 0;
budget('wrong-password logins answered 429', refused, 'all past the first 30', login && refused > 0 && answered <= 30);
const peakMb = memory ? mb(memory.peak_kb) : null;
budget('server memory at peak, MB', peakMb, '≤ 64', peakMb <= 64);
const wasmBr = frontend.wasm ? kb(frontend.wasm.brotli) : null;
budget('hydrate wasm, brotli KB', wasmBr, '≤ 200', wasmBr <= 200);
for (const l of lighthouse) {
  const s = l.scores;
  budget(`Lighthouse ${l.page} (perf/a11y/bp/seo)`, `${s.performance}/${s.accessibility}/${s['best-practices']}/${s.seo}`, '≥ 95/100/95/95',
    s.performance >= 95 && s.accessibility === 100 && s['best-practices'] >= 95 && s.seo >= 95);
}

const report = {
  date: new Date().toISOString(),
  machine: { cores: os.cpus().length, memory_gb: Math.round(os.totalmem() / 2 ** 30), cpu: os.cpus()[0]?.model },
  dataset: read('dataset'),
  pages, orders, pgbench, login, memory, frontend, lighthouse, budgets,
};
writeFileSync(join(dir, 'report.json'), JSON.stringify(report, null, 2));

const md = [];
const row = (cells) => md.push(`| ${cells.join(' | ')} |`);
const d = report.dataset ?? {};
md.push(`Measured ${report.date.slice(0, 10)} on ${report.machine.cores} cores, ${report.machine.memory_gb} GB; `
  + `dataset: ${d.listings} listings, ${d.orders} orders, ${d.members} members (seeded in ${d.seed_postgres_s} s on PostgreSQL, ${d.seed_sqlite_s} s on SQLite).`, '');
md.push('**Pages** (requests/s, latency; ratio to the Fortunes baseline at the same connections)', '');
row(['database', 'page', 'connections', 'requests/s', 'p50 ms', 'p99 ms', 'of baseline', 'failed']);
row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:']);
for (const p of pages) row([p.db, p.page, p.connections, Math.round(p.rps), p.p50_ms, p.p99_ms, `${p.ratio_pct} %`, p.non_2xx + p.socket_errors]);
md.push('', '**Order placement** (16 clients, each order a full transaction) and the database\'s own limit', '');
row(['measurement', 'per second', 'p50 ms', 'p99 ms', 'of pgbench', 'failed']);
row(['---', '---:', '---:', '---:', '---:', '---:']);
for (const o of orders) row([`Mutua on ${o.db}`, Math.round(o.rps), o.p50_ms, o.p99_ms, `${o.ratio_pct} %`, o.non_2xx + o.socket_errors]);
if (pgbench) row(['pgbench tpcb-like', Math.round(pgbench.tps), '', '', '', '']);
if (login) {
  md.push('', `**Login under attack**: search p99 ${login.search_p99_quiet_ms} ms quiet, ${login.search_p99_during_ms} ms while 200 connections send wrong passwords `
    + `(×${login.factor}); the attack's answers: ${Object.entries(login.attack_codes).map(([k, v]) => `${v} × ${k}`).join(', ')}.`);
}
if (memory) md.push('', `**Memory** (server RSS): ${mb(memory.warm_kb)} MB after warm-up, ${mb(memory.pages_kb)} MB after the page loads, ${peakMb} MB at peak.`);
md.push('', '**Front end** (KB)', '');
row(['file', 'raw', 'gzip', 'brotli']);
row(['---', '---:', '---:', '---:']);
for (const [k, f] of Object.entries(frontend)) if (f) row([k, kb(f.raw), kb(f.gzip), kb(f.brotli)]);
if (lighthouse.length) {
  md.push('', '**Lighthouse** (mobile)', '');
  row(['page', 'performance', 'accessibility', 'best practices', 'SEO', 'failed audits']);
  row(['---', '---:', '---:', '---:', '---:', '---']);
  for (const l of lighthouse) row([l.page, l.scores.performance, l.scores.accessibility, l.scores['best-practices'], l.scores.seo, l.failed.join('; ') || 'none']);
}
md.push('', '**Budgets**', '');
row(['budget', 'measured', 'limit', '']);
row(['---', '---:', '---:', '---']);
for (const b of budgets) row([b.name, b.value ?? 'not measured', b.limit, b.ok ? 'met' : '**missed**']);
writeFileSync(join(dir, 'report.md'), `${md.join('\n')}\n`);
console.log(md.join('\n'));
