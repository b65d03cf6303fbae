// Register, log out, log in and switch language in a real browser, with
// JavaScript enabled (hydrated release build) and disabled.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, root, launchBrowser } from './server.mjs';

const shots = join(root, 'target', 'browser-screenshots');
mkdirSync(shots, { recursive: true });

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const js of [true, false]) {
  const mode = js ? 'js' : 'nojs';

  test(`accounts and language, JavaScript ${js ? 'on' : 'off'}`, async () => {
    const context = await browser.newContext({ javaScriptEnabled: js, locale: 'it-IT', viewport: { width: 375, height: 812 } });
    const page = await context.newPage();
    const problems = [];
    // Chromium logs the answers to our deliberate mistakes (422, 401) as
    // failed loads; anything else on the console is a problem.
    const expected = /Failed to load resource: the server responded with a status of (401|422)/;
    page.on('console', (m) => {
      if (m.type() === 'error' && !expected.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(String(e)));
    const email = `tester-${mode}@example.it`;
    const password = 'una bici cargo rossa';

    await page.goto(`${server.url}/`);
    assert.equal(await page.getAttribute('html', 'lang'), 'it');
    if (js) {
      // Hydration of the release bundle: wait until the wasm has taken over.
      await page.waitForFunction(() => document.body.dataset.hydrated === 'true', null, { timeout: 20_000 });
    }
    await page.screenshot({ path: join(shots, `${mode}-home-phone.png`), fullPage: true });

    // Register, with one mistake first: the error shows, nothing typed is lost.
    await page.click('a[href="/register"] >> nth=0');
    await page.fill('#field-display_name', 'Tina Tester');
    await page.fill('#field-email', email);
    await page.fill('#field-password', 'corta');
    await page.click('form button[type=submit]');
    await page.waitForSelector('#field-password-error:has-text("almeno 8 caratteri")');
    // The summary at the top names the problem and links to the field; with
    // JavaScript the focus is on the first wrong field.
    assert.equal(await page.getAttribute('[data-testid=form-summary] a', 'href'), '#field-password');
    if (js) {
      await page.waitForFunction(() => document.activeElement?.id === 'field-password');
    }
    assert.equal(await page.inputValue('#field-email'), email);
    assert.equal(await page.inputValue('#field-display_name'), 'Tina Tester');
    // Without JavaScript the page round-trips; with it, the hydrated form answers in place.
    assert.equal(page.url().includes('__err='), !js, page.url());
    // Nothing typed goes into the URL, not even encoded in the error.
    const errors = new URL(page.url()).searchParams.getAll('__err')
      .map((e) => Buffer.from(e, 'base64url').toString()).join(' ');
    for (const typed of [email, 'Tina Tester', 'corta']) {
      for (const form of [typed, encodeURIComponent(typed)]) {
        assert.ok(!page.url().includes(form) && !errors.includes(typed), `${typed} in ${page.url()}`);
      }
    }
    await page.screenshot({ path: join(shots, `${mode}-register-error.png`), fullPage: true });

    await page.fill('#field-password', password);
    await page.click('form button[type=submit]');
    // The address is confirmed by the link mailed to it.
    await page.waitForURL('**/register/sent');
    assert.match(await page.textContent('h1'), /Controlla la tua e-mail/);
    await page.screenshot({ path: join(shots, `${mode}-register-sent.png`), fullPage: true });
    await page.goto(server.registrationLink(email));
    if (js) await page.waitForFunction(() => document.body.dataset.hydrated === 'true', null, { timeout: 20_000 });
    assert.match(await page.textContent('main'), /Tina Tester/);
    await page.screenshot({ path: join(shots, `${mode}-register-confirm.png`), fullPage: true });
    await page.click('main form button[type=submit]');
    await page.waitForURL('**/account');
    assert.equal(await page.textContent('[data-testid=account-email]'), email);

    // Log out: on a phone the signed-in header folds into a menu.
    assert.equal(await page.isVisible('[data-testid=logout]'), false, 'folded on a phone');
    await page.click('[data-testid=nav-toggle]');
    await page.click('[data-testid=logout]');
    await page.waitForURL(`${server.url}/`);
    assert.ok(await page.isVisible('a[href="/login"]'));

    // A page that needs an account sends the visitor to log in, says why,
    // and brings them back there. Wrong password first, then the right one.
    await page.goto(`${server.url}/orders`);
    await page.waitForURL((u) => u.pathname === '/login' && u.searchParams.get('next') === '/orders');
    if (js) await page.waitForFunction(() => document.body.dataset.hydrated === 'true', null, { timeout: 20_000 });
    assert.match(await page.textContent('[data-testid=login-reason]'), /torni alla pagina/);
    assert.equal(await page.getAttribute('main a[href^="/register"]', 'href'), '/register?next=/orders');
    await page.fill('#field-email', email);
    await page.fill('#field-password', 'sbagliata-davvero');
    await page.click('form button[type=submit]');
    await page.waitForSelector('.alert-error:has-text("E-mail o password errata.")');
    assert.equal(await page.inputValue('#field-email'), email);
    await page.fill('#field-password', password);
    await page.click('form button[type=submit]');
    await page.waitForURL((u) => u.pathname === '/orders');
    // A new customer's empty list says how to begin, and leads there.
    assert.match(await page.textContent('[data-testid=orders-empty]'), /Non hai ancora ordini/);
    assert.equal(await page.locator('main a.button[href="/search"]').count(), 1);
    await page.goto(`${server.url}/account`);

    // Switch language: the page comes back in English, and stays so; the
    // account (and its mail) keeps Italian until she says so.
    await page.click('[data-testid=lang-en]');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.match(await page.textContent('h1'), /^Hello, Tina Tester/);
    assert.match(await page.textContent('[data-testid=lang-account]'), /are in Italiano/);
    await page.click('[data-testid=lang-account] button');
    await page.waitForURL('**/account');
    await page.waitForFunction(() => !document.querySelector('[data-testid=lang-account]'));
    assert.equal(server.query('SELECT locale FROM users WHERE email = ?', email), 'en');
    await page.goto(`${server.url}/`);
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.match(await page.textContent('main'), /How it works/);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.screenshot({ path: join(shots, `${mode}-home-desktop-en.png`), fullPage: true });

    assert.deepEqual(problems, [], `browser console errors: ${problems.join('\n')}`);
    await context.close();
  });
}
