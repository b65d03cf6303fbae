// Starts the release `mutua` binary on a random port with a fresh SQLite file.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

export const root = resolve(import.meta.dirname, '..', '..');

/**
 * localstripe with Mutua's documented shim (tests/support/stripe_shim.py) on
 * a free loopback port: `env` points a server at it; `stop()` ends it.
 */
export async function startFakeStripe() {
  const python = join(root, 'tests', '.venv', 'bin', 'python');
  const child = spawn(python, [join(root, 'tests', 'support', 'stripe_shim.py')],
    { stdio: ['ignore', 'pipe', 'ignore'] });
  const port = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('the fake Stripe did not start in 30 s')), 30_000);
    child.on('exit', (code) => fail(new Error(`the fake Stripe exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = line.match(/listening on (\d+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const secret = 'whsec_mutua_browser';
  return {
    url,
    env: {
      STRIPE_SECRET_KEY: 'sk_test_mutua',
      STRIPE_WEBHOOK_SECRET: secret,
      STRIPE_PUBLISHABLE_KEY: 'pk_test_mutua',
      STRIPE_API_BASE: url,
      STRIPE_JS_URL: `${url}/js.stripe.com/v3/`,
      MUTUA_JOB_INTERVAL_SECS: '1',
    },
    /** Has the fake deliver its signed events to `server`. */
    async sendWebhooksTo(server) {
      const res = await fetch(`${url}/_config/webhooks/mutua`, {
        method: 'POST',
        body: new URLSearchParams({ url: `${server.url}/webhooks/stripe`, secret }),
      });
      if (!res.ok) throw new Error(`webhook set-up: ${res.status}`);
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((ok) => (child.exitCode !== null ? ok() : child.on('exit', ok)));
    },
  };
}

/**
 * Starts `mutua serve` on a fresh SQLite file. With `seed`, the demo
 * cooperative is loaded first, before the server (and its job runner)
 * writes to the same file.
 */
export async function startServer(extraEnv = {}, { seed = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'mutua-browser-'));
  const bin = process.env.MUTUA_BIN ?? join(root, 'target', 'release', 'mutua');
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite://${join(dir, 'mutua.db')}?mode=rwc`,
    MUTUA_DATA_DIR: dir,
    MUTUA_LISTEN: '127.0.0.1:0',
    RUST_LOG: process.env.MUTUA_TEST_LOG ?? 'error',
    // The server's clock can be moved (`whenWorkBegins`).
    MUTUA_CLOCK_OFFSET_FILE: join(dir, 'clock-offset'),
    ...extraEnv,
  };
  delete env.MUTUA_PUBLIC_URL;
  if (seed) {
    const out = spawnSync(bin, ['seed-demo'], { cwd: root, env, encoding: 'utf8' });
    if (out.status !== 0) throw new Error(`mutua seed-demo: ${out.stderr}`);
  }
  const child = spawn(bin, ['serve'], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('mutua did not start in 60 s')), 60_000);
    child.on('exit', (code) => fail(new Error(`mutua exited with ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = line.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
  });
  return {
    url,
    clockFile: env.MUTUA_CLOCK_OFFSET_FILE,
    /**
     * The registration link in the newest mail queued for `email` (read
     * from the server's outbox table, as the person reads their mailbox).
     */
    registrationLink(email) {
      const sql = 'SELECT body FROM email_outbox WHERE recipient = ? ORDER BY created_at DESC, id DESC LIMIT 1';
      const body = this.query(sql, email.toLowerCase());
      const m = body.match(/\/register\/confirm\/(\S+)/);
      if (!m) throw new Error(`no registration link mailed to ${email}: ${body}`);
      return `${url}/register/confirm/${m[1]}`;
    },
    /** The first column of the first row `sql` finds in the server's database ('' if none). */
    query(sql, ...params) {
      const out = spawnSync('python3', ['-c',
        'import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute(sys.argv[2], tuple(sys.argv[3:])).fetchone(); print(r[0] if r else "")',
        join(dir, 'mutua.db'), sql, ...params], { encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`query ${sql}: ${out.stderr}`);
      return out.stdout.trim();
    },
    /** Runs a `mutua` subcommand on the same database; returns its stdout. */
    cli(args, input = '') {
      const out = spawnSync(bin, args, { cwd: root, env, input, encoding: 'utf8' });
      if (out.status !== 0) throw new Error(`mutua ${args.join(' ')}: ${out.stderr}`);
      return out.stdout;
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((ok) => (child.exitCode !== null ? ok() : child.on('exit', ok)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Logs in over HTTP (no browser); returns the session cookies for `fetch`. */
export async function sessionCookie(server, email, password = 'mutua-demo-2026') {
  const res = await fetch(`${server.url}/fn/login`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ email, password }),
    headers: { accept: 'application/json', origin: server.url },
  });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status}`);
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

/** Debian's chromium, headless, quiet. */
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
}

/**
 * A phone-sized page (375 × 812) with JavaScript on or off. Console errors
 * and page errors are collected in `problems`, except failed loads with a
 * status in `allowed` (answers to a test's deliberate mistakes).
 */
export async function openPage(browser, js, { locale = 'it-IT', allowed = [422] } = {}) {
  const context = await browser.newContext({ javaScriptEnabled: js, locale, viewport: { width: 375, height: 812 } });
  const page = await context.newPage();
  const problems = [];
  const expected = new RegExp(`Failed to load resource: the server responded with a status of (${allowed.join('|')})`);
  page.on('console', (m) => { if (m.type() === 'error' && !expected.test(m.text())) problems.push(`${page.url()}: ${m.text().slice(0, 300)}`); });
  page.on('pageerror', (e) => problems.push(String(e)));
  return { context, page, problems };
}

/** Waits for hydration when JavaScript is on. */
export async function hydrated(page, js) {
  if (js) await page.waitForFunction(() => document.body.dataset.hydrated === 'true', null, { timeout: 20_000 });
}

export async function goto(page, js, url) {
  await page.goto(url);
  await hydrated(page, js);
}

/**
 * After the registration form was sent: the "check your e-mail" page, then
 * the mailed link and its button; lands on /account.
 */
export async function confirmRegistration(server, page, js, email) {
  await page.waitForURL('**/register/sent');
  await goto(page, js, server.registrationLink(email));
  await page.click('main form button[type=submit]');
  await page.waitForURL('**/account');
}

/** Registers over HTTP (no browser), link and all; returns the session cookies. */
export async function signUpCookie(server, email, displayName, password) {
  const headers = { accept: 'application/json', origin: server.url };
  const asked = await fetch(`${server.url}/fn/register`, {
    method: 'POST', redirect: 'manual', headers,
    body: new URLSearchParams({ email, display_name: displayName, password }),
  });
  if (asked.status !== 200) throw new Error(`register ${email}: ${asked.status}`);
  const token = server.registrationLink(email).split('/').pop();
  const res = await fetch(`${server.url}/fn/confirm-registration`, {
    method: 'POST', redirect: 'manual', headers, body: new URLSearchParams({ token }),
  });
  if (res.status !== 200) throw new Error(`confirm ${email}: ${res.status}`);
  return res.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
}

/** Logs `s` in through the login form; lands on /account. */
export async function login(server, s, js, email, password) {
  await goto(s.page, js, `${server.url}/login`);
  await s.page.fill('#field-email', email);
  await s.page.fill('#field-password', password);
  await s.page.click('main form button[type=submit]');
  await s.page.waitForURL('**/account');
}

/** Clicks an order action button (optionally inside a line) and waits for the new state. */
export async function act(s, js, testid, status, scope = '[data-testid=order]') {
  await s.page.locator(`${scope} [data-testid=act-${testid}]`).first().click();
  await s.page.waitForSelector(`[data-testid=order][data-status=${status}]`);
  await hydrated(s.page, js);
}

/**
 * The line in `scope` is the viewer's and its work has not begun: the page
 * says from when it can be marked done, and offers no button for it. Moves
 * the server's clock to a minute past that and reloads; returns a function
 * that puts the clock back. A line whose work has begun already is left
 * as it is.
 */
export async function whenWorkBegins(server, s, js, scope) {
  const hint = s.page.locator(`${scope} [data-testid=done-from]`);
  const done = s.page.locator(`${scope} [data-testid=act-fulfil]`);
  // Begun already (the clock was moved for another line of the order).
  if ((await hint.count()) === 0 && (await done.count()) > 0) return () => {};
  if ((await hint.count()) !== 1) throw new Error(`no "done from" on ${scope}`);
  if (await s.page.locator(`${scope} [data-testid=act-fulfil]`).count()) {
    throw new Error(`${scope} can be marked done before its work begins`);
  }
  const begins = Date.parse(await hint.getAttribute('data-begins'));
  let before = '0';
  try { before = readFileSync(server.clockFile, 'utf8'); } catch { /* absent: zero */ }
  const ahead = Math.ceil((begins - Date.now()) / 1000) + 60;
  writeFileSync(server.clockFile, String(Math.max(Number(before) || 0, ahead)));
  await s.page.reload();
  await hydrated(s.page, js);
  return () => writeFileSync(server.clockFile, before);
}

/** Reloads `page` until `selector` is there (webhooks and jobs run apart). */
export async function reloadUntil(page, js, selector) {
  for (let i = 0; i < 40; i++) {
    if (await page.locator(selector).count()) return;
    await new Promise((ok) => setTimeout(ok, 500));
    await page.reload();
    await hydrated(page, js);
  }
  throw new Error(`${selector} never appeared on ${page.url()}`);
}

/** A postcode of each demo zone. */
const DEMO_POSTCODES = {
  'Centro Storico': '40121',
  Bolognina: '40128',
  'San Donato': '40127',
  Saragozza: '40135',
  Savena: '40137',
  'Borgo Panigale': '40132',
};

/**
 * On the order form of a service done at the customer's place, types an
 * address in the listing's first zone; false when the form asks for none.
 */
export async function fillPlace(server, page, listingId) {
  if ((await page.locator('#field-place_address').count()) === 0) return false;
  const listing = await (await fetch(`${server.url}/api/v1/listings/${listingId}`)).json();
  await page.fill('#field-place_address', 'Via Mascarella 12');
  await page.fill('#field-place_postcode', DEMO_POSTCODES[listing.zones[0]] ?? '40121');
  return true;
}
