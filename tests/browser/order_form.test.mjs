// The order form as a customer meets it, on a phone (375 × 812) and a
// desktop (1280 × 800), with JavaScript on and off, in Italian, English and
// Spanish: it says what is bought, from whom and for how much before the
// button; the days fold and the start times are few; the delivery leg opens
// only when asked for; a refused form names each field and its rule, all
// in one round, keeps typed values out of the URL and (with JavaScript)
// puts the focus on the first wrong field; the total follows the hours.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, root, launchBrowser, openPage, hydrated, goto, login } from './server.mjs';

const shots = join(root, 'target', 'browser-screenshots', 'order-form');
mkdirSync(shots, { recursive: true });

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

const words = {
  it: { locale: 'it-IT', hours: 'Ore', range: /da 1 a \d/, postcode: /CAP valido/, required: /obbligatorio/i },
  en: { locale: 'en-GB', hours: 'Hours', range: /from 1 to \d/, postcode: /valid postcode/, required: /required/i },
  es: { locale: 'es-ES', hours: 'Horas', range: /del 1 al \d/, postcode: /código postal válido/, required: /obligatorio/i },
};

const runs = [
  { js: true, width: 375, height: 812, lang: 'it' },
  { js: true, width: 1280, height: 800, lang: 'en' },
  { js: false, width: 375, height: 812, lang: 'es' },
  { js: false, width: 1280, height: 800, lang: 'it' },
];

for (const { js, width, height, lang } of runs) {
  const mode = `${js ? 'js' : 'nojs'}-${width}-${lang}`;
  const w = words[lang];
  test(`the order form says what, from whom and how much; ${mode}`, async () => {
    const api = await (await fetch(`${server.url}/api/v1/listings?kind=service&per_page=100`)).json();
    const hourly = api.items.find((i) => i.price.model === 'hourly' && i.price.min_hours === 1);
    assert.ok(hourly, 'an hourly demo service from one hour');
    const rate = hourly.price.minor;

    const s = await openPage(browser, js, { locale: w.locale });
    await s.page.setViewportSize({ width, height });
    await login(server, s, js, 'paolo.conti@mutua.example', 'mutua-demo-2026');
    // Paolo's account is in Italian: the footer buttons change the pages' language.
    if (lang !== 'it') {
      await s.page.click(`[data-testid=lang-${lang}]`);
      await s.page.waitForFunction((l) => document.documentElement.lang === l, lang);
    }

    // The listing page: price, next openings and "Order" in the first screen
    // on a phone, beside the picture on a desktop.
    await goto(s.page, js, `${server.url}/listings/${hourly.id}`);
    const order = await s.page.locator('[data-testid=order-link]').boundingBox();
    const openings = await s.page.locator('[data-testid=openings]').boundingBox();
    assert.ok(order.y + order.height <= height, `"Order" in the first screen (${order.y})`);
    assert.ok(openings.y < height, 'next openings start in the first screen');
    if (width > 800) {
      const picture = await s.page.locator('.gallery img').first().boundingBox();
      assert.ok(order.x > picture.x + picture.width, 'beside the picture');
      assert.ok(order.y < picture.y + picture.height, 'level with the picture');
    }
    await s.page.screenshot({ path: join(shots, `${mode}-listing.png`) });

    await goto(s.page, js, `${server.url}/listings/${hourly.id}/order`);
    await hydrated(s.page, js);

    // What is bought, from whom, and the total before the button.
    assert.equal((await s.page.textContent('[data-testid=order-listing-title]')).trim(), hourly.title);
    assert.match(await s.page.textContent('[data-testid=order-what]'), new RegExp(hourly.provider.name));
    assert.match(await s.page.textContent('[data-testid=order-price]'), /\d/);
    assert.equal(await s.page.getAttribute('[data-testid=quote-total]', 'data-minor'), String(rate));
    assert.match(await s.page.textContent('[data-testid=quote-fee]'), /\d/);
    const totalBox = await s.page.locator('[data-testid=order-total]').boundingBox();
    const button = await s.page.locator('[data-testid=place-order]').boundingBox();
    assert.ok(totalBox.y < button.y, 'the total comes before the button');

    // Days fold: one open, a handful of start times in view.
    assert.ok((await s.page.locator('details.day').count()) >= 2, 'several days');
    assert.equal(await s.page.locator('details.day[open]').count(), 1);
    assert.ok((await s.page.locator('.times label:visible').count()) <= 12, 'only one day\'s times shown');

    // The delivery leg opens only when asked for.
    assert.equal(await s.page.locator('#delivery-fields').isHidden(), true);
    await s.page.check('#field-with_delivery');
    assert.equal(await s.page.locator('#delivery-fields').isVisible(), true);
    await s.page.uncheck('#field-with_delivery');

    // With JavaScript the total follows the hours.
    if (js) {
      await s.page.fill('#field-hours', '2');
      await s.page.locator('#field-hours').dispatchEvent('change');
      await s.page.waitForSelector(`[data-testid=quote-total][data-minor="${2 * rate}"]`);
    }
    assert.ok(await s.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'fits the width');
    await s.page.screenshot({ path: join(shots, `${mode}.png`), fullPage: true });

    // Three mistakes, all refused in one round, each naming its rule.
    await s.page.fill('#field-hours', '99');
    await s.page.check('#field-with_delivery');
    await s.page.fill('#field-pickup_postcode', '4012');
    await s.page.click('[data-testid=place-order]');
    await s.page.waitForSelector('[data-testid=form-summary]');
    await hydrated(s.page, js);
    const summary = await s.page.textContent('[data-testid=form-summary]');
    assert.match(summary, new RegExp(`${w.hours}: .*`), 'the summary names the field');
    assert.match(await s.page.textContent('#field-hours-error'), w.range);
    assert.match(await s.page.textContent('#field-pickup_postcode-error'), w.postcode);
    assert.match(await s.page.textContent('#field-pickup_address-error'), w.required);
    assert.equal(await s.page.inputValue('#field-pickup_postcode'), '4012', 'typed value kept');
    assert.ok(!s.page.url().includes('4012'), `no typed value in ${s.page.url()}`);
    if (js) {
      assert.equal(await s.page.evaluate(() => document.activeElement?.id), 'field-hours', 'focus on the first wrong field');
    }
    assert.ok(await s.page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'fits the width when refused');
    await s.page.screenshot({ path: join(shots, `${mode}-refused.png`), fullPage: true });
    assert.deepEqual(s.problems, []);
    await s.context.close();
  });
}
