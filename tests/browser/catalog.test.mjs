// The catalog in a real browser, JavaScript on and off: a person applies to
// join, the board admits them by vote, the new member publishes a listing with a
// picture, and a visitor finds it by a word of its description, in Italian
// and in English.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';
import { startServer, root, launchBrowser, openPage, hydrated, goto, reloadUntil, confirmRegistration } from './server.mjs';

const shots = join(root, 'target', 'browser-screenshots');
mkdirSync(shots, { recursive: true });
const password = 'una bici cargo rossa';

let server;
let browser;
// The server's clock runs this many seconds ahead, so admission votes close.
const clockFile = join(mkdtempSync(join(tmpdir(), 'mutua-clock-')), 'offset');
let clockDays = 0;

/** A small gradient PNG, drawn here. */
function png(width, height) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set([x * 3 % 256, y * 4 % 256, 150], 1 + x * 3);
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0)),
  ]);
}

before(async () => {
  writeFileSync(clockFile, '0');
  server = await startServer({ MUTUA_CLOCK_OFFSET_FILE: clockFile, MUTUA_JOB_INTERVAL_SECS: '1' });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

const open = (js, locale = 'it-IT') => openPage(browser, js, { locale });

for (const js of [true, false]) {
  const mode = js ? 'js' : 'nojs';

  test(`apply, admitted by vote, publish with a picture, find it; JavaScript ${js ? 'on' : 'off'}`, async () => {
    // A founding member with a board seat: the board's one voter here.
    const boardEmail = `board-${mode}@example.it`;
    server.cli(['create-user', boardEmail, '--name', `Consiglio ${mode}`, '--board', '--member', 'worker'], password);
    const name = `Rita Riparatrice ${mode}`;
    const word = js ? 'ombrellaio' : 'arrotino';

    // 1. Someone registers and applies to join as a worker.
    const me = await open(js);
    await goto(me.page, js, `${server.url}/register`);
    await me.page.fill('#field-display_name', name);
    await me.page.fill('#field-email', `rita-${mode}@example.it`);
    await me.page.fill('#field-password', password);
    await me.page.click('main form button[type=submit]');
    await confirmRegistration(server, me.page, js, `rita-${mode}@example.it`);
    await goto(me.page, js, `${server.url}/join`);
    await me.page.selectOption('#field-class', 'worker');
    await me.page.fill('#field-motivation', 'Riparo ombrelli e affilo coltelli da trent\'anni.');
    await me.page.fill('#field-shares', '2');
    await me.page.click('main form button[type=submit]');
    await me.page.waitForURL('**/join?saved=applied');
    await hydrated(me.page, js);
    assert.match(await me.page.textContent('[data-testid=membership-status]'), /Domanda in esame/);

    // 2. The board puts the application to its vote and votes; when the
    // server's clock passes the closing, the vote admits her by itself.
    const board = await open(js);
    await goto(board.page, js, `${server.url}/login`);
    await board.page.fill('#field-email', boardEmail);
    await board.page.fill('#field-password', password);
    await board.page.click('main form button[type=submit]');
    await board.page.waitForURL('**/account');
    await goto(board.page, js, `${server.url}/board/applications`);
    await board.page.screenshot({ path: join(shots, `${mode}-board-applications.png`), fullPage: true });
    const card = board.page.locator('[data-testid=application]', { hasText: name });
    assert.equal(await card.locator('[data-testid=admit]').count(), 0, 'no direct admission');
    await card.locator('[data-testid=put-to-vote]').click();
    await board.page.waitForURL(/\/governance\/[0-9a-f-]+$/);
    await hydrated(board.page, js);
    await board.page.check('#choice-yes');
    await board.page.click('[data-testid=vote]');
    await board.page.waitForSelector('[data-testid=my-choice][data-choice=yes]');
    await goto(me.page, js, `${server.url}/dashboard`);
    assert.equal(await me.page.locator('[data-testid=new-listing]').count(), 0, 'not a member yet');
    clockDays += 6;
    writeFileSync(clockFile, String(clockDays * 86_400));
    await reloadUntil(board.page, js, '[data-testid=proposal][data-status=passed]');

    // 3. The new member creates a listing, with one mistake first.
    await goto(me.page, js, `${server.url}/dashboard`);
    await me.page.click('[data-testid=new-listing]');
    await me.page.waitForURL('**/dashboard/listings/new');
    await hydrated(me.page, js);
    await me.page.selectOption('#field-category', 'riparazioni');
    await me.page.fill('#field-title', `Riparazione ombrelli (${mode})`);
    await me.page.fill('#field-description', `Sono un ${word} di quartiere.\n\nRiparo ombrelli, anche antichi, e affilo forbici.`);
    await me.page.fill('#field-price', '15,999');
    await me.page.fill('#field-duration_minutes', '30');
    await me.page.click('[data-testid=listing-form] button[type=submit]');
    await me.page.waitForSelector('#field-price-error:has-text("Al massimo due decimali")');
    assert.equal(await me.page.inputValue('#field-title'), `Riparazione ombrelli (${mode})`, 'title kept');
    assert.match(await me.page.inputValue('#field-description'), new RegExp(word), 'description kept');
    await me.page.fill('#field-price', '15,90');
    await me.page.click('[data-testid=listing-form] button[type=submit]');
    await me.page.waitForURL(/\/dashboard\/listings\/[0-9a-f-]+\?saved=created/);
    await hydrated(me.page, js);
    const listingUrl = me.page.url().split('?')[0];

    // A picture, then publish.
    const file = join(root, 'target', `browser-${mode}.png`);
    writeFileSync(file, png(640, 480));
    await me.page.setInputFiles('#field-image', file);
    await me.page.click('[data-testid=image-form] button[type=submit]');
    await me.page.waitForURL('**saved=images*');
    await hydrated(me.page, js);
    assert.equal(await me.page.locator('.image-list img').count(), 1);
    await me.page.click('[data-testid=status-active]');
    await me.page.waitForURL('**saved=status*');
    await hydrated(me.page, js);
    assert.match(await me.page.textContent('[data-testid=listing-status]'), /Pubblicato/);
    await me.page.screenshot({ path: join(shots, `${mode}-listing-editor.png`), fullPage: true });
    assert.ok(listingUrl.includes('/dashboard/listings/'));

    // 4. A visitor finds it by a word of the description, in Italian…
    const it = await open(js, 'it-IT');
    await goto(it.page, js, `${server.url}/`);
    await it.page.fill('#home-q', word.toUpperCase());
    await it.page.click('.hero-search button[type=submit]');
    await it.page.waitForURL(`**/search?q=${word.toUpperCase()}`);
    await hydrated(it.page, js);
    await it.page.waitForSelector('[data-testid=results] .listing-card');
    const result = it.page.locator('[data-testid=results] .listing-card', { hasText: `Riparazione ombrelli (${mode})` });
    assert.equal(await result.count(), 1);
    assert.match(await result.locator('[data-testid=price]').textContent(), /15,90\s€/);
    assert.equal(await result.locator('img').count(), 1, 'thumbnail shown');
    await it.page.screenshot({ path: join(shots, `${mode}-search-it.png`), fullPage: true });
    await result.locator('a.listing-link').click();
    await it.page.waitForURL(/\/listings\/[0-9a-f-]+$/);
    await hydrated(it.page, js);
    assert.match(await it.page.textContent('[data-testid=description]'), new RegExp(word));
    assert.match(await it.page.textContent('[data-testid=provider]'), new RegExp(name));

    // …and in English, through the search page's own form.
    const en = await open(js, 'en-GB');
    await goto(en.page, js, `${server.url}/search`);
    assert.equal(await en.page.getAttribute('html', 'lang'), 'en');
    await en.page.fill('#search-q', word);
    await en.page.click('.search-form button[type=submit]');
    await en.page.waitForURL(`**/search?q=${word}*`);
    await hydrated(en.page, js);
    await en.page.waitForSelector('[data-testid=results] .listing-card');
    const found = en.page.locator('[data-testid=results] .listing-card', { hasText: `Riparazione ombrelli (${mode})` });
    assert.match(await found.locator('[data-testid=price]').textContent(), /€15\.90/);
    assert.match(await en.page.textContent('[data-testid=result-count]'), /^1 results?$/);

    for (const s of [me, board, it, en]) {
      assert.deepEqual(s.problems, [], 'no console errors');
      await s.context.close();
    }
  });
}
