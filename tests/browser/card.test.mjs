// Card payments in a real browser against a fake Stripe (localstripe and
// its documented shim), on a phone: a member connects a Stripe account
// through the hosted onboarding with JavaScript off; a customer, in
// English, pays an order with Stripe.js's card field; the signed webhook
// pays the order; once the work is done and confirmed, the job runner
// transfers the member's share and her earnings show it paid out.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, startFakeStripe, root, launchBrowser, openPage, hydrated, goto, login, act, reloadUntil, whenWorkBegins, confirmRegistration, fillPlace } from './server.mjs';

const shots = join(root, 'target', 'browser-screenshots');
mkdirSync(shots, { recursive: true });
const demoPassword = 'mutua-demo-2026';

let stripe;
let server;
let browser;

before(async () => {
  stripe = await startFakeStripe();
  server = await startServer(stripe.env, { seed: true });
  await stripe.sendWebhooksTo(server);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await stripe?.stop();
});

test('a connected member is paid by transfer for an order paid by card', async () => {
  const api = await (await fetch(`${server.url}/api/v1/listings?kind=service&per_page=100`)).json();
  const repair = api.items.find((i) => i.provider.name === 'Elena Greco');
  assert.ok(repair, 'a demo listing by Elena Greco');

  // 1. Elena connects a Stripe account, JavaScript off: Stripe's hosted
  //    onboarding and back.
  const elena = await openPage(browser, false);
  await login(server, elena, false, 'elena.greco@mutua.example', demoPassword);
  await goto(elena.page, false, `${server.url}/earnings`);
  assert.equal(await elena.page.getAttribute('[data-testid=stripe-connect]', 'data-standing'), 'none');
  await elena.page.click('[data-testid=connect-start]');
  await elena.page.waitForURL(`${stripe.url}/connect/onboarding/**`);
  await elena.page.click('button[type=submit]');
  await elena.page.waitForURL('**/earnings?stripe=return**');
  await reloadUntil(elena.page, false, '[data-testid=stripe-connect][data-standing=ready]');
  assert.match(await elena.page.textContent('[data-testid=stripe-connect]'), /Conto Stripe collegato/);

  // 2. A customer, in English, orders the repair and pays by card.
  const customer = await openPage(browser, true, { locale: 'en-GB' });
  await goto(customer.page, true, `${server.url}/register`);
  await customer.page.fill('#field-display_name', 'Laura Card');
  await customer.page.fill('#field-email', 'laura.card@example.org');
  await customer.page.fill('#field-password', 'a red cargo bike');
  await customer.page.click('main form button[type=submit]');
  await confirmRegistration(server, customer.page, true, 'laura.card@example.org');
  await goto(customer.page, true, `${server.url}/listings/${repair.id}/order`);
  await fillPlace(server, customer.page, repair.id);
  await customer.page.click('[data-testid=place-order]');
  await customer.page.waitForURL(/\/orders\/[0-9a-f-]+$/);
  await hydrated(customer.page, true);
  const orderUrl = customer.page.url();
  const pay = customer.page.locator('[data-testid=card-pay]');
  assert.match(await pay.textContent(), /Pay by card/);
  assert.equal(await pay.locator('[data-card-fallback]').isHidden(), true, 'the card form replaced the fallback');
  const card = pay.locator('[data-card-element]');
  await card.locator('input[placeholder=number]').fill('4242424242424242');
  await card.locator('input[placeholder=exp_month]').fill('12');
  await card.locator('input[placeholder=exp_year]').fill('30');
  await card.locator('input[placeholder=cvc]').fill('123');
  await card.locator('input[placeholder=postal_code]').fill('40121');
  await customer.page.click('[data-testid=card-pay-submit]');
  await customer.page.waitForSelector('[data-testid=order][data-status=paid]', { timeout: 30_000 });
  await hydrated(customer.page, true);
  assert.equal(await customer.page.locator('[data-testid=card-pay]').count(), 0, 'paid: no card form');
  assert.match(await customer.page.textContent('[data-testid=order-money]'), /Payment received/);
  await customer.page.screenshot({ path: join(shots, 'card-paid.png'), fullPage: true });

  // Without JavaScript the same page says what to do instead.
  const other = await openPage(browser, false, { locale: 'en-GB' });
  await login(server, other, false, 'laura.card@example.org', 'a red cargo bike');
  await goto(other.page, false, `${server.url}/listings/${repair.id}/order`);
  await fillPlace(server, other.page, repair.id);
  await other.page.click('[data-testid=place-order]');
  await other.page.waitForURL(/\/orders\/[0-9a-f-]+$/);
  assert.equal(await other.page.locator('[data-card-fallback]').isVisible(), true);
  assert.equal(await other.page.locator('form[data-card-pay]').isHidden(), true);

  // 3. Elena does the work; the customer confirms.
  await goto(elena.page, false, orderUrl);
  const net = (await elena.page.textContent('[data-testid=line-0] [data-testid=net]')).match(/\d+,\d\d\s€/)[0];
  for (const [step, status] of [['accept', 'accepted'], ['start', 'in_progress']]) {
    await act(elena, false, step, status, '[data-testid=line-0]');
  }
  const back = await whenWorkBegins(server, elena, false, '[data-testid=line-0]');
  await act(elena, false, 'fulfil', 'fulfilled', '[data-testid=line-0]');
  back();
  await goto(customer.page, true, orderUrl);
  await act(customer, true, 'complete', 'completed');

  // 4. The job runner transfers her share to her Stripe account.
  await goto(elena.page, false, `${server.url}/earnings`);
  await reloadUntil(elena.page, false, `[data-testid=earnings-paid]:has-text("${net}")`);
  const transfers = await (await fetch(`${stripe.url}/v1/transfers`, {
    headers: { Authorization: `Bearer ${stripe.env.STRIPE_SECRET_KEY}` },
  })).json();
  assert.equal(transfers.data.length, 1);
  assert.equal(transfers.data[0].transfer_group, orderUrl.split('/').pop());
  await elena.page.screenshot({ path: join(shots, 'card-earnings.png'), fullPage: true });

  for (const s of [elena, customer, other]) {
    assert.deepEqual(s.problems, [], 'no console errors');
    await s.context.close();
  }
});
