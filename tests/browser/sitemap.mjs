// Every page of the site map, as the demo cooperative shows it to a
// visitor, a customer, a member, a courier and the board: on a phone
// (375 × 812) and a desktop (1280 × 800), with JavaScript on and off (the
// bundle not loaded), in Italian, English and Spanish. Each page fits the screen's width, its
// controls share one style, and it has no axe-core violation (WCAG 2.2 AA rules); screenshots of each page at
// both sizes are kept under target/browser-screenshots/sitemap. The runs are
// shared out over three test files (sitemap-*.test.mjs), so that no file
// comes near the runner's time limit.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { startServer, sessionCookie, launchBrowser, root } from './server.mjs';

const shots = join(root, 'target', 'browser-screenshots', 'sitemap');
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export const PHONE = { width: 375, height: 812 };
export const DESKTOP = { width: 1280, height: 800 };

/** One test per run: `{ lang, size, js }`, all against one seeded server. */
export function sitemapSuite(runs) {
  let server;
  let browser;
  before(async () => {
    server = await startServer({}, { seed: true });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  const post = async (path, cookie, body = {}) => {
    const res = await fetch(`${server.url}${path}`, {
      method: 'POST', body: new URLSearchParams(body),
      headers: { accept: 'application/json', origin: server.url, cookie },
    });
    assert.equal(res.status, 200, path);
    return res.json();
  };

  /** The pages, each with who looks at it (a session cookie, or '' for a visitor). */
  async function siteMap() {
    const who = {
      visitor: '',
      customer: await sessionCookie(server, 'paolo.conti@mutua.example'),
      member: await sessionCookie(server, 'giulia.bianchi@mutua.example'),
      courier: await sessionCookie(server, 'matteo.bruno@mutua.example'),
      board: await sessionCookie(server, 'luca.ferrari@mutua.example'),
    };
    const listings = await (await fetch(`${server.url}/api/v1/listings?per_page=1`)).json();
    const listing = listings.items[0].id;
    const orders = await post('/fn/my-orders', who.customer);
    const governance = await post('/fn/governance', who.member);
    const members = await post('/fn/directory', who.member);
    const year = new Date().getUTCFullYear();
    return [
      ['home', '/', 'visitor'],
      ['search', '/search?q=bici', 'visitor'],
      ['search-none', '/search?q=astronave+lunare&category=pulizie', 'visitor'],
      ['listing', `/listings/${listing}`, 'visitor'],
      ['login', '/login?next=/orders', 'visitor'],
      ['register', '/register', 'visitor'],
      ['register-sent', '/register/sent', 'visitor'],
      ['transparency', '/transparency', 'visitor'],
      ['not-found', '/nowhere', 'visitor', 404],
      ['order-form', `/listings/${listing}/order`, 'customer'],
      ['orders', '/orders', 'customer'],
      ['order', `/orders/${orders[0].id}`, 'customer'],
      ['account', '/account', 'customer'],
      ['join', '/join', 'customer'],
      ['dashboard', '/dashboard', 'member'],
      ['listing-new', '/dashboard/listings/new', 'member'],
      ['earnings', '/earnings', 'member'],
      ['patronage-statement', `/earnings/patronage/${year - 1}`, 'member', [200, 404]],
      ['members', '/members', 'member'],
      ['member', `/members/${members[0].id}`, 'member'],
      ['governance', '/governance', 'member'],
      ['proposal', `/governance/${governance.proposals[0].id}`, 'member'],
      ['vote-rules', '/governance/vote-rules', 'member'],
      ['deliveries', '/dashboard/deliveries', 'courier'],
      ['board-orders', '/board/orders', 'board'],
      ['board-money', '/board/money', 'board'],
      ['board-applications', '/board/applications', 'board'],
      ['board-catalog', '/board/catalog', 'board'],
      ['board-patronage', '/board/patronage', 'board'],
      ['board-audit', '/board/audit', 'board'],
    ].map(([name, path, role, status = 200]) => ({ name, path, cookie: who[role], status }));
  }

  function cookiesFor(cookie, lang) {
    const pairs = cookie ? cookie.split('; ') : [];
    pairs.push(`mutua_lang=${lang}`);
    return pairs.map((p) => {
      const i = p.indexOf('=');
      return { name: p.slice(0, i), value: p.slice(i + 1), url: server.url };
    });
  }

  for (const run of runs) {
    const label = `${run.lang}-${run.size.width}-${run.js ? 'js' : 'nojs'}`;
    test(`every page fits and passes axe: ${label}`, async () => {
      const pages = await siteMap();
      const failures = [];
      for (const p of pages) {
        // Without JavaScript: the bundle is never fetched, so the page stays
        // as the server rendered it and its forms post as plain HTML; the
        // browser itself keeps scripting on so axe can run in it.
        const context = await browser.newContext({ viewport: run.size, locale: run.lang });
        if (!run.js) await context.route(/\/pkg\/[^?]*\.(js|wasm)(\?|$)/, (r) => r.abort());
        await context.addCookies(cookiesFor(p.cookie, run.lang));
        const page = await context.newPage();
        const res = await page.goto(`${server.url}${p.path}`);
        const allowed = Array.isArray(p.status) ? p.status : [p.status];
        if (!allowed.includes(res.status())) failures.push(`${p.name}: status ${res.status()}`);
        if (run.js) {
          await page.waitForFunction(() => document.body.dataset.hydrated === 'true', null, { timeout: 20_000 })
            .catch(() => failures.push(`${p.name}: never hydrated`));
        }
        if (!run.js && await page.getAttribute('body', 'data-hydrated')) failures.push(`${p.name}: hydrated without JavaScript`);
        assert.equal(await page.getAttribute('html', 'lang'), run.lang, p.name);
        const [scroll, inner] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
        if (scroll > inner) {
          const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
            .filter((e) => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > window.innerWidth + 1)
            .slice(-3).map((e) => `${e.tagName.toLowerCase()}.${e.className}`).join(', '));
          failures.push(`${p.name}: ${scroll}px wide on a ${inner}px screen (${wide})`);
        }
        // One style for every control: text, number, date and time inputs,
        // selects and text areas share their frame and their touch height.
        const odd = await page.evaluate(() => [...document.querySelectorAll('main input, main select, main textarea')]
          .filter((e) => !['checkbox', 'radio', 'file', 'hidden', 'submit'].includes(e.type))
          .filter((e) => e.getClientRects().length > 0 && getComputedStyle(e).opacity !== '0')
          .map((e) => {
            const c = getComputedStyle(e);
            return { what: `${e.tagName.toLowerCase()}#${e.id || e.name}`, look: `${c.borderTopWidth} ${c.borderRadius}`, height: e.getBoundingClientRect().height };
          })
          .filter((c) => !/^(1px|2px) 8px$/.test(c.look) || c.height < 43.5)
          .map((c) => `${c.what}: ${c.look}, ${Math.round(c.height)}px`));
        for (const o of odd) failures.push(`${p.name}: control ${o}`);
        await page.evaluate(axeSource);
        const found = await page.evaluate(async () => {
          const r = await window.axe.run(document, {
            runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] },
          });
          return r.violations.map((v) => `${v.id} (${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join('; ')})`);
        });
        for (const v of found) failures.push(`${p.name}: axe ${v}`);
        if (run.lang === 'it' || run.js) {
          await page.screenshot({ path: join(shots, `${p.name}-${label}.png`), fullPage: true });
        }
        await context.close();
      }
      assert.deepEqual(failures, [], failures.join('\n'));
    });
  }
}
