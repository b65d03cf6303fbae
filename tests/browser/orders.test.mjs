// Orders in a real browser, JavaScript on and off, on a phone-sized screen,
// in Italian: a customer orders a repair plus a delivery leg (one mistake
// first), the provider accepts on her dashboard, the courier accepts and
// picks up on his day and delivers, the customer confirms; every page shows the right
// state and amounts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, root, launchBrowser, openPage, hydrated, goto, login, act, whenWorkBegins, confirmRegistration, fillPlace } from './server.mjs';

const shots = join(root, 'target', 'browser-screenshots');
mkdirSync(shots, { recursive: true });
const demoPassword = 'mutua-demo-2026';
const password = 'una bici cargo rossa';

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

const open = (js) => openPage(browser, js);

/** The next day from Monday to Saturday, as YYYY-MM-DD. */
function nextWorkingDay() {
  const d = new Date(Date.now() + 86_400_000);
  if (d.getUTCDay() === 0) d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** The demo e-mail of a member from their display name. */
const emailOf = (name) => `${name.toLowerCase().replace(' ', '.')}@mutua.example`;

for (const js of [true, false]) {
  const mode = js ? 'js' : 'nojs';

  test(`composite order from listing to completion; JavaScript ${js ? 'on' : 'off'}`, async () => {
    // A service by Elena Greco (a member without a board seat), found
    // through the public API.
    const api = await (await fetch(`${server.url}/api/v1/listings?kind=service&per_page=100`)).json();
    const repair = api.items.find((i) => i.provider.name === 'Elena Greco');
    assert.ok(repair, 'a demo listing by Elena Greco');

    // 1. A customer registers and opens the listing's order form.
    const customer = await open(js);
    await goto(customer.page, js, `${server.url}/register`);
    await customer.page.fill('#field-display_name', `Teresa ${mode}`);
    await customer.page.fill('#field-email', `teresa-${mode}@example.it`);
    await customer.page.fill('#field-password', password);
    await customer.page.click('main form button[type=submit]');
    await confirmRegistration(server, customer.page, js, `teresa-${mode}@example.it`);
    await goto(customer.page, js, `${server.url}/listings/${repair.id}`);
    await customer.page.click('[data-testid=order-link]');
    await customer.page.waitForURL(`**/listings/${repair.id}/order`);
    await hydrated(customer.page, js);

    // One mistake: the delivery is asked for but the pickup address is missing.
    const note = `Freni da registrare (${mode})`;
    const pickup = `Via Irnerio ${js ? 41 : 42}`;
    await customer.page.fill('#field-note', note);
    await fillPlace(server, customer.page, repair.id);
    await customer.page.check('#field-with_delivery');
    await customer.page.fill('#field-pickup_postcode', '40126');
    await customer.page.fill('#field-dropoff_address', 'Via di Corticella 30');
    await customer.page.fill('#field-dropoff_postcode', '40128');
    await customer.page.selectOption('#field-package_size', 'large');
    await customer.page.fill('#field-weight_kg', '15');
    await customer.page.fill('#field-window_date', nextWorkingDay());
    await customer.page.fill('#field-window_from', '11:00');
    await customer.page.fill('#field-window_to', '15:00');
    await customer.page.click('[data-testid=place-order]');
    await customer.page.waitForSelector('#field-pickup_address-error:has-text("obbligatorio")');
    await hydrated(customer.page, js);
    assert.equal(await customer.page.inputValue('#field-note'), note, 'note kept');
    assert.equal(await customer.page.inputValue('#field-dropoff_address'), 'Via di Corticella 30', 'address kept');
    assert.ok(await customer.page.isChecked('#field-with_delivery'), 'delivery still ticked');
    await customer.page.fill('#field-pickup_address', pickup);
    // Cash, to the courier, once the work is done.
    await customer.page.check('#payment-cash');
    await customer.page.click('[data-testid=place-order]');
    await customer.page.waitForURL(/\/orders\/[0-9a-f-]+$/);
    await hydrated(customer.page, js);
    const orderUrl = customer.page.url();
    await customer.page.waitForSelector('[data-testid=order][data-status=placed]');
    assert.match(await customer.page.textContent('[data-testid=order] .order-head'), /Ordinato, in attesa dei soci/);
    assert.match(await customer.page.textContent('[data-testid=payment][data-method=cash][data-paid=false]'), /Da pagare in contanti a/);
    const breakdown = await customer.page.textContent('[data-testid=breakdown]');
    assert.match(breakdown, /Totale/);
    assert.match(breakdown, /di cui alla cooperativa/);
    assert.match(await customer.page.textContent('[data-testid=total]'), /^\d+,\d\d\s€$/);
    await customer.page.screenshot({ path: join(shots, `${mode}-order-placed.png`), fullPage: true });

    // 2. Elena accepts her line; she sees her net, and no cash to confirm.
    const provider = await open(js);
    await login(server, provider, js, 'elena.greco@mutua.example', demoPassword);
    await goto(provider.page, js, orderUrl);
    assert.equal(await provider.page.locator('[data-testid=breakdown]').count(), 0, 'no order total for a provider');
    assert.match(await provider.page.textContent('[data-testid=line-0] [data-testid=net]'), /A te: \d+,\d\d\s€/);
    assert.equal(await provider.page.locator('[data-testid=act-confirm_payment]').count(), 0, 'the courier collects the cash');
    const number = (await customer.page.textContent('[data-testid=order-number]')).trim();
    // She accepts it on her dashboard, where it waits for her answer, and
    // comes back to the dashboard with the line under today or upcoming.
    await goto(provider.page, js, `${server.url}/dashboard`);
    await hydrated(provider.page, js);
    const waiting = provider.page.locator(`[data-testid=work-to-act] [data-testid="work-${number}"]`);
    assert.match(await waiting.locator('[data-testid=work-next]').textContent(), /Aspetta te/);
    assert.equal(await waiting.locator('[data-testid=act-decline]').count(), 1, 'decline offered there too');
    await provider.page.screenshot({ path: join(shots, `${mode}-dashboard-to-act.png`), fullPage: true });
    await waiting.locator('[data-testid=act-accept]').click();
    await provider.page.waitForSelector(`:is([data-testid=work-today], [data-testid=work-upcoming]) [data-testid="work-${number}"][data-status=accepted]`);
    assert.match(provider.page.url(), /\/dashboard(#work)?$/);
    assert.equal(await provider.page.locator(`[data-testid=work-to-act] [data-testid="work-${number}"]`).count(), 0);
    await hydrated(provider.page, js);
    await goto(provider.page, js, orderUrl);
    await provider.page.waitForSelector('[data-testid=line-0][data-status=accepted]');

    // 3. The courier (assigned automatically) accepts, picks up, delivers.
    const providerName = await provider.page.locator('[data-testid=line-1] .muted').first().textContent();
    const courierFull = ['Matteo Bruno', 'Lorenzo Gallo'].find((n) => providerName.includes(n));
    assert.ok(courierFull, `a demo courier, got ${providerName}`);
    const courier = await open(js);
    await login(server, courier, js, emailOf(courierFull), demoPassword);
    // The courier's day shows the stop, with both addresses; he accepts
    // and picks up there, staying on his day.
    const day = `${server.url}/dashboard/deliveries?date=${nextWorkingDay()}`;
    await goto(courier.page, js, day);
    const stop = courier.page.locator('[data-testid=stops] .stop', { hasText: pickup });
    assert.equal(await stop.count(), 1);
    assert.match(await stop.textContent(), /Via di Corticella 30/);
    await stop.locator('[data-testid=act-accept]').click();
    await courier.page.waitForSelector(`[data-testid=stops] .stop[data-status=accepted]:has-text("${pickup}")`);
    await hydrated(courier.page, js);
    assert.equal(courier.page.url(), day);
    await courier.page.screenshot({ path: join(shots, `${mode}-courier-day.png`), fullPage: true });
    await stop.locator('[data-testid=act-start]').click();
    await courier.page.waitForSelector(`[data-testid=stops] .stop[data-status=in_progress]:has-text("${pickup}")`);
    await hydrated(courier.page, js);
    await goto(courier.page, js, orderUrl);
    await courier.page.waitForSelector('[data-testid=line-1][data-status=in_progress]');
    await goto(provider.page, js, orderUrl);
    // The repair is done once its opening has begun (the page says when).
    assert.match(await provider.page.textContent('[data-testid=line-0] [data-testid=done-from]'), /Da segnare come fatto a partire da/);
    const back = await whenWorkBegins(server, provider, js, '[data-testid=line-0]');
    await act(provider, js, 'fulfil', 'in_progress', '[data-testid=line-0]');
    await goto(courier.page, js, orderUrl);
    const backAgain = await whenWorkBegins(server, courier, js, '[data-testid=line-1]');
    assert.match(await courier.page.textContent('[data-testid=line-1] [data-testid=act-fulfil]'), /Consegnato/);
    await act(courier, js, 'fulfil', 'fulfilled', '[data-testid=line-1]');
    backAgain();
    back();
    // The courier took the cash: he says so, and the order can complete.
    assert.match(await courier.page.textContent('[data-testid=payment]'), /\d+,\d\d\s€/);
    await courier.page.locator('[data-testid=order] [data-testid=act-confirm_payment]').first().click();
    await courier.page.waitForSelector('[data-testid=payment][data-paid=true]');
    await hydrated(courier.page, js);

    // 4. The customer confirms; the timeline tells the whole story.
    await goto(customer.page, js, orderUrl);
    assert.match(await customer.page.textContent('.order-head'), /Eseguito/);
    await act(customer, js, 'complete', 'completed');
    assert.match(await customer.page.textContent('.order-head'), /Completato/);
    const timeline = await customer.page.textContent('[data-testid=timeline]');
    for (const step of ['Ordine effettuato', 'Conferma pagamento ricevuto', 'Accetta', 'Ritirato', 'Consegnato', 'Confermo: tutto a posto']) {
      assert.ok(timeline.includes(step), `timeline has ${step}`);
    }
    // A message to the members.
    await customer.page.fill('#field-body', 'Grazie, tutto perfetto!');
    await customer.page.click('[data-testid=send-message]');
    await customer.page.waitForSelector('[data-testid=messages] :text("Grazie, tutto perfetto!")');
    await customer.page.screenshot({ path: join(shots, `${mode}-order-completed.png`), fullPage: true });
    // The customer's list shows it completed.
    await goto(customer.page, js, `${server.url}/orders`);
    assert.match(await customer.page.textContent('[data-testid=order-list]'), /Completato/);

    for (const s of [customer, provider, courier]) {
      assert.deepEqual(s.problems, [], 'no console errors');
      await s.context.close();
    }
  });
}
