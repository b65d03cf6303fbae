// The demo cooperative changes its vote rules and shares out a year's
// surplus, in a real browser with JavaScript on and off: a member proposes
// two thirds for general motions (with a mistake first), the assembly
// votes, the server's clock passes the closing and the new rules are in
// force; in the new year the board allocates last year's surplus and a
// member reads his own statement, in Italian and in English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, root, launchBrowser, openPage, hydrated, goto, login, reloadUntil, sessionCookie } from './server.mjs';

const shots = join(root, 'target', 'browser-screenshots');
mkdirSync(shots, { recursive: true });
const demoPassword = 'mutua-demo-2026';
const clockFile = join(mkdtempSync(join(tmpdir(), 'mutua-clock-')), 'offset');
const members = ['anna.rossi', 'luca.ferrari', 'giulia.bianchi', 'marco.esposito', 'francesca.romano',
  'chiara.colombo', 'davide.ricci', 'elena.greco', 'matteo.bruno', 'sofia.marino', 'lorenzo.gallo',
  'martina.costa'].map((n) => `${n}@mutua.example`);

let server;
let browser;

before(async () => {
  writeFileSync(clockFile, '0');
  server = await startServer({ MUTUA_CLOCK_OFFSET_FILE: clockFile, MUTUA_JOB_INTERVAL_SECS: '1' }, { seed: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const byId = (id) => `[id="${id}"]`;
const day = (n) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

/** Votes `choice` over HTTP as a demo member; refused ballots (not eligible) are ignored. */
async function voteOverHttp(email, id, choice) {
  const cookie = await sessionCookie(server, email, demoPassword);
  const ballot = await fetch(`${server.url}/fn/vote`, {
    method: 'POST', body: new URLSearchParams({ id, choice }),
    headers: { accept: 'application/json', origin: server.url, cookie },
  });
  return ballot.status;
}

// Days the server's clock runs ahead; each vote closes two days after it.
let ahead = 0;

for (const js of [true, false]) {
  const mode = js ? 'js' : 'nojs';
  test(`a vote rules change passed by two thirds is in force; JavaScript ${js ? 'on' : 'off'}`, async () => {
    const kind = js ? 'general_motion' : 'platform_rule';
    const giulia = await openPage(browser, js);
    await login(server, giulia, js, 'giulia.bianchi@mutua.example', demoPassword);
    await goto(giulia.page, js, `${server.url}/governance/vote-rules`);
    await giulia.page.fill('#field-title', `Due terzi (${mode})`);
    await giulia.page.fill('#field-body', 'Le decisioni importanti chiedono due terzi dei voti.');
    await giulia.page.fill('#field-closes_on', day(ahead + 7));
    await giulia.page.selectOption(byId(`field-rules[${kind}_threshold]`), 'two_thirds');
    // A quorum under 10 % is refused next to its field, what was typed kept.
    await giulia.page.fill(byId(`field-rules[${kind}_quorum]`), '5');
    await giulia.page.click('[data-testid=propose-rules]');
    await giulia.page.waitForSelector(byId(`field-rules[${kind}_quorum]-error`));
    await hydrated(giulia.page, js);
    assert.equal(await giulia.page.inputValue('#field-title'), `Due terzi (${mode})`, 'title kept');
    assert.equal(await giulia.page.inputValue(byId(`field-rules[${kind}_threshold]`)), 'two_thirds', 'choice kept');
    await giulia.page.fill(byId(`field-rules[${kind}_quorum]`), '25');
    await giulia.page.click('[data-testid=propose-rules]');
    await giulia.page.waitForURL(/\/governance\/[0-9a-f-]+$/);
    await hydrated(giulia.page, js);
    assert.equal(await giulia.page.locator('[data-testid=vote-rules-change]').count(), 1);
    const id = new URL(giulia.page.url()).pathname.split('/').pop();

    // The assembly votes; the clock passes the closing.
    const statuses = [];
    for (const email of members) statuses.push(await voteOverHttp(email, id, 'yes'));
    assert.ok(statuses.filter((s) => s === 200).length >= 7, `ballots: ${statuses}`);
    ahead += 9;
    writeFileSync(clockFile, String(ahead * 86_400));
    await reloadUntil(giulia.page, js, '[data-testid=proposal][data-status=passed]');
    await goto(giulia.page, js, `${server.url}/governance`);
    const row = giulia.page.locator(`[data-testid=vote-rules-now] tr[data-kind=${kind}]`);
    assert.match(await row.textContent(), /due terzi/);
    assert.match(await row.textContent(), /25/);
    await giulia.page.screenshot({ path: join(shots, `${mode}-vote-rules.png`), fullPage: true });
    assert.deepEqual(giulia.problems, []);
    await giulia.context.close();
  });
}

test('the board shares out last year\'s surplus; a member reads his statement', async () => {
  // 2 January of next year: the demo's year is closed.
  const now = new Date();
  const year = now.getUTCFullYear();
  const newYear = Date.UTC(year + 1, 0, 2);
  writeFileSync(clockFile, String(Math.ceil((newYear - now.getTime()) / 1000)));

  // The board, without JavaScript: a surplus larger than the fees held is
  // refused next to its field, what was typed kept.
  const luca = await openPage(browser, false);
  await login(server, luca, false, 'luca.ferrari@mutua.example', demoPassword);
  await goto(luca.page, false, `${server.url}/board/patronage`);
  assert.equal(await luca.page.inputValue('#field-year'), String(year));
  await luca.page.fill('#field-surplus', '999999,00');
  await luca.page.fill('#field-cash_percent', '50');
  await luca.page.click('[data-testid=allocate]');
  await luca.page.waitForSelector('#field-surplus-error');
  assert.equal(await luca.page.inputValue('#field-surplus'), '999999,00');
  assert.equal(await luca.page.inputValue('#field-cash_percent'), '50');
  // Half the fees the cooperative holds.
  const held = Number((await luca.page.textContent('[data-testid=fees-held]')).replace(/[^0-9]/g, ''));
  assert.ok(held > 1, 'the demo holds fees');
  const half = Math.floor(held / 2);
  await luca.page.fill('#field-surplus', `${Math.floor(half / 100)},${String(half % 100).padStart(2, '0')}`);
  await luca.page.click('[data-testid=allocate]');
  await luca.page.waitForSelector(`[data-testid=round][data-year="${year}"]`);
  const rows = await luca.page.locator(`[data-testid=round][data-year="${year}"] [data-testid=shares] tbody tr`).count();
  assert.ok(rows > 0, 'members with earnings get a share');
  await luca.page.screenshot({ path: join(shots, 'nojs-patronage-board.png'), fullPage: true });
  assert.deepEqual(luca.problems, []);

  // A member with earnings that year, with JavaScript.
  const matteo = await openPage(browser, true);
  await login(server, matteo, true, 'matteo.bruno@mutua.example', demoPassword);
  await goto(matteo.page, true, `${server.url}/transparency`);
  const mine = matteo.page.locator(`[data-testid=my-patronage] tr[data-year="${year}"]`);
  await mine.locator('a').click();
  await matteo.page.waitForURL(`**/earnings/patronage/${year}`);
  await hydrated(matteo.page, true);
  // His account speaks Italian; he switches to English on the page.
  assert.match(await matteo.page.textContent('h1'), new RegExp(`Estratto del ristorno ${year}`));
  await matteo.page.click('[data-testid=lang-en]');
  await matteo.page.waitForSelector('html[lang=en]');
  await hydrated(matteo.page, true);
  assert.match(await matteo.page.textContent('h1'), new RegExp(`Patronage refund statement ${year}`));
  assert.match(await matteo.page.textContent('[data-testid=my-share]'), /€/);
  await matteo.page.screenshot({ path: join(shots, 'js-patronage-statement.png'), fullPage: true });
  assert.deepEqual(matteo.problems, []);

  // Someone else's statement is never shown.
  const paolo = await openPage(browser, true);
  await login(server, paolo, true, 'paolo.conti@mutua.example', demoPassword);
  const res = await paolo.page.goto(`${server.url}/earnings/patronage/${year}`);
  assert.notEqual(res.status(), 200);
});
