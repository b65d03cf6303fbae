// Governance in a real browser, on a phone, in Italian, JavaScript on and
// off by person: a member previews a fee cut (services 8 % → 6 %) and opens
// the vote; members vote (one changes her mind); the server's clock passes
// the closing and the rule's first day; with nobody doing anything the
// rule is in force: a new order pays 6 % while an older one keeps 8 %, and
// the public transparency page shows both versions with the vote.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, root, launchBrowser, openPage, hydrated, goto, login, reloadUntil, fillPlace } from './server.mjs';

const shots = join(root, 'target', 'browser-screenshots');
mkdirSync(shots, { recursive: true });
const demoPassword = 'mutua-demo-2026';
const clockFile = join(mkdtempSync(join(tmpdir(), 'mutua-clock-')), 'offset');

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

const day = (n) => new Date(Date.now() + n * 86_400_000).toISOString().slice(0, 10);

/** A demo member votes `choice` on the proposal at `url`. */
async function vote(email, js, url, choice) {
  const s = await openPage(browser, js);
  await login(server, s, js, email, demoPassword);
  await goto(s.page, js, url);
  await s.page.check(`#choice-${choice}`);
  await s.page.click('[data-testid=vote]');
  await s.page.waitForSelector(`[data-testid=my-choice][data-choice=${choice}]`);
  await hydrated(s.page, js);
  return s;
}

test('a passed fee vote takes effect by itself', async () => {
  const api = await (await fetch(`${server.url}/api/v1/listings?kind=service&per_page=100`)).json();
  const repair = api.items.find((i) => i.provider.name === 'Elena Greco');
  const price = repair.price.minor;
  const fee = (bps) => Math.max(50, Math.round((price * bps) / 10_000));
  const euros = (minor) => `${Math.floor(minor / 100)},${String(minor % 100).padStart(2, '0')}`;

  // An order placed now pays 8 %.
  const paola = await openPage(browser, true);
  await login(server, paola, true, 'paolo.conti@mutua.example', demoPassword);
  await goto(paola.page, true, `${server.url}/listings/${repair.id}/order`);
  await fillPlace(server, paola.page, repair.id);
  await paola.page.click('[data-testid=place-order]');
  await paola.page.waitForURL(/\/orders\/[0-9a-f-]+$/);
  await hydrated(paola.page, true);
  const olderOrder = paola.page.url();
  assert.match(await paola.page.textContent('[data-testid=breakdown]'), new RegExp(euros(fee(800))));

  // 1. Anna, without JavaScript, previews 6 % and opens the vote.
  const anna = await openPage(browser, false);
  await login(server, anna, false, 'anna.rossi@mutua.example', demoPassword);
  await goto(anna.page, false, `${server.url}/governance`);
  await anna.page.fill('#field-service_percent', '6');
  await anna.page.click('[data-testid=preview]');
  await anna.page.waitForSelector('[data-testid=impact]');
  assert.match(await anna.page.textContent('[data-testid=impact]'), /Socio mediano/);
  assert.equal(await anna.page.inputValue('#field-service_percent'), '6');
  // A mistake first: the title is too short; nothing typed is lost.
  await anna.page.fill('#field-title', 'Sei');
  await anna.page.fill('#field-body', 'Abbassiamo la commissione sui servizi dall\'8 al 6 %.');
  await anna.page.fill('#field-closes_on', day(7));
  await anna.page.fill('#field-effective_on', day(9));
  await anna.page.click('[data-testid=propose]');
  await anna.page.waitForSelector('#field-title-error');
  assert.match(await anna.page.inputValue('#field-body'), /dall'8 al 6 %/);
  await anna.page.fill('#field-title', 'Commissione servizi al 6 %');
  await anna.page.click('[data-testid=propose]');
  await anna.page.waitForURL(/\/governance\/[0-9a-f-]+/);
  const proposalUrl = anna.page.url().replace(/#.*$/, '');
  assert.match(await anna.page.textContent('[data-testid=rule-proposed]'), /6 %/);
  assert.equal(await anna.page.locator('[data-testid=results-hidden]').count(), 1);
  await anna.page.screenshot({ path: join(shots, 'governance-proposal.png'), fullPage: true });

  // 2. Members vote; Luca changes his mind; results stay hidden.
  const voters = [
    await vote('anna.rossi@mutua.example', false, proposalUrl, 'yes'),
    await vote('giulia.bianchi@mutua.example', true, proposalUrl, 'yes'),
    await vote('elena.greco@mutua.example', true, proposalUrl, 'yes'),
    await vote('luca.ferrari@mutua.example', false, proposalUrl, 'yes'),
  ];
  const luca = voters[3];
  await luca.page.check('#choice-no');
  await luca.page.click('[data-testid=vote]');
  await luca.page.waitForSelector('[data-testid=my-choice][data-choice=no]');
  assert.equal(await luca.page.locator('[data-testid=results-hidden]').count(), 1);

  // 3. The clock passes the closing and the rule's first day.
  const firstDay = Date.parse(`${day(9)}T00:00:00Z`);
  writeFileSync(clockFile, String(Math.ceil((firstDay - Date.now()) / 1000) + 5));
  await goto(anna.page, false, proposalUrl);
  await reloadUntil(anna.page, false, '[data-testid=proposal][data-status=passed]');
  assert.match(await anna.page.textContent('[data-testid=result]'), /Sì 3 · No 1/);
  assert.equal(await anna.page.locator('[data-testid=enacted]').count(), 1);

  // 4. Nobody did anything else: a new order pays 6 %, the older one 8 %.
  await goto(paola.page, true, `${server.url}/listings/${repair.id}/order`);
  await fillPlace(server, paola.page, repair.id);
  await paola.page.click('[data-testid=place-order]');
  await paola.page.waitForURL((u) => /\/orders\/[0-9a-f-]+$/.test(u.pathname) && u.href !== olderOrder);
  await hydrated(paola.page, true);
  assert.match(await paola.page.textContent('[data-testid=breakdown]'), new RegExp(euros(fee(600))));
  await goto(paola.page, true, olderOrder);
  assert.match(await paola.page.textContent('[data-testid=breakdown]'), new RegExp(euros(fee(800))));

  // 5. Anyone sees both versions and the vote, with no login.
  for (const js of [true, false]) {
    const visitor = await openPage(browser, js);
    await goto(visitor.page, js, `${server.url}/transparency`);
    const history = await visitor.page.textContent('[data-testid=fee-history]');
    assert.match(history, /Versione 2/);
    assert.match(history, /Versione 1/);
    assert.match(history, /Commissione servizi al 6 %/);
    assert.equal(await visitor.page.locator('[data-version="2"][data-active=true]').count(), 1);
    assert.equal(await visitor.page.locator('svg[data-testid=month-chart][role=img]').count(), 1);
    if (!js) await visitor.page.screenshot({ path: join(shots, 'transparency.png'), fullPage: true });
    assert.deepEqual(visitor.problems, [], 'no console errors');
    await visitor.context.close();
  }

  for (const s of [paola, anna, ...voters]) {
    assert.deepEqual(s.problems, [], 'no console errors');
    await s.context.close();
  }
});
