// The server-rendered HTML is valid before any JavaScript runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { HtmlValidate } from 'html-validate';
import { startServer, sessionCookie, signUpCookie } from './server.mjs';

let server;
before(async () => {
  server = await startServer({}, { seed: true });
});
after(async () => { await server?.stop(); });

const validator = new HtmlValidate({
  extends: ['html-validate:standard', 'html-validate:a11y'],
});

async function assertValidPage(path, { status = 200, lang = 'it', cookie = '' } = {}) {
  const res = await fetch(`${server.url}${path}`, { headers: { accept: 'text/html', 'accept-language': lang, cookie } });
  assert.equal(res.status, status);
  const html = await res.text();
  assert.match(html, new RegExp(`^<!DOCTYPE html><html lang="${lang}"`));
  // Leptos marks hydration points with `<!>`, which browsers read as an
  // empty comment; the validator's tokenizer does not, so spell it out.
  const report = await validator.validateString(html.replaceAll('<!>', '<!---->'));
  // Known upstream quirk: Leptos' <HydrationScripts> writes the CSP nonce
  // into the preload links' `crossorigin` attribute, which browsers read as
  // "anonymous" (harmless on our own origin). Tolerate exactly that.
  const nonce = (res.headers.get('content-security-policy') ?? '').match(/'nonce-([^']+)'/)?.[1];
  assert.ok(nonce, 'the page has a CSP nonce');
  const problems = report.results
    .flatMap((r) => r.messages)
    .filter((m) => !(m.ruleId === 'attribute-allowed-values' && m.message === `Attribute "crossorigin" has invalid value "${nonce}"`))
    .map((m) => `${m.ruleId}: ${m.message} (line ${m.line}:${m.column})`);
  assert.deepEqual(problems, [], path);
}

for (const [path, status] of [['/', 200], ['/login', 200], ['/register', 200], ['/nowhere', 404]]) {
  for (const lang of ['it', 'en', 'es']) {
    test(`${path} in ${lang} is valid HTML`, () => assertValidPage(path, { status, lang }));
  }
}

test('a form showing errors and the account page are valid HTML', async () => {
  // A form post without JavaScript comes back with the error in the URL.
  const form = new URLSearchParams({ email: 'bad', display_name: 'V', password: 'x' });
  const failed = await fetch(`${server.url}/fn/register`, {
    method: 'POST', redirect: 'manual', body: form,
    headers: { accept: 'text/html', origin: server.url, referer: `${server.url}/register` },
  });
  assert.equal(failed.status, 302);
  const back = new URL(failed.headers.get('location'));
  assert.ok(back.searchParams.has('__err'));
  await assertValidPage(back.pathname + back.search);

  const cookie = await signUpCookie(server, 'valida@example.it', 'Valeria', 'una password valida');
  await assertValidPage('/register/sent');
  await assertValidPage('/account', { cookie });
  // A used registration link's page.
  await assertValidPage(server.registrationLink('valida@example.it').slice(server.url.length));
});

const login = (email) => sessionCookie(server, email);

test('catalog pages of the demo cooperative are valid HTML', async () => {
  const list = await (await fetch(`${server.url}/api/v1/listings?q=cargo`)).json();
  assert.ok(list.total > 0, 'the demo has listings');
  const { id, provider } = list.items[0];
  for (const lang of ['it', 'en', 'es']) {
    await assertValidPage('/search?q=pulizie&sort=price', { lang });
    await assertValidPage(`/listings/${id}`, { lang });
  }
  await assertValidPage(`/members/${provider.id}`);
  await assertValidPage('/search?min=abc');

  const anna = await login('anna.rossi@mutua.example');
  for (const path of ['/join', '/dashboard', '/dashboard/listings/new', '/members', '/board/applications', '/board/catalog']) {
    await assertValidPage(path, { cookie: anna });
  }
  const mine = (await (await fetch(`${server.url}/fn/my-listings`, { method: 'POST', headers: { accept: 'application/json', origin: server.url, cookie: anna } })).json());
  await assertValidPage(`/dashboard/listings/${mine[0].id}`, { cookie: anna });
  const paolo = await login('paolo.conti@mutua.example');
  await assertValidPage('/join', { cookie: paolo });
});

test('order pages of the demo cooperative are valid HTML', async () => {
  const post = (path, cookie, body = '') => fetch(`${server.url}${path}`, {
    method: 'POST', body, headers: { accept: 'application/json', origin: server.url, cookie, 'content-type': 'application/x-www-form-urlencoded' },
  });
  // Paolo is a customer of the demo: his orders, each order page, a new order form.
  const paolo = await login('paolo.conti@mutua.example');
  const orders = await (await post('/fn/my-orders', paolo)).json();
  assert.ok(orders.length >= 2, 'the demo gives Paolo orders');
  await assertValidPage('/orders', { cookie: paolo });
  for (const o of orders) await assertValidPage(`/orders/${o.id}`, { cookie: paolo });
  const service = (await (await fetch(`${server.url}/api/v1/listings?kind=service`)).json()).items[0];
  await assertValidPage(`/listings/${service.id}/order`, { cookie: paolo });
  const courier = (await (await fetch(`${server.url}/api/v1/listings?kind=delivery`)).json()).items[0];
  await assertValidPage(`/listings/${courier.id}/order`, { cookie: paolo });
  // The order form after a refused submit, without JavaScript.
  const refused = await fetch(`${server.url}/fn/order-place`, {
    method: 'POST', redirect: 'manual',
    body: new URLSearchParams({ listing: courier.id, key: 'html-check-0001', weight_kg: '900' }),
    headers: { accept: 'text/html', origin: server.url, cookie: paolo, referer: `${server.url}/listings/${courier.id}/order` },
  });
  assert.equal(refused.status, 302);
  const back = new URL(refused.headers.get('location'));
  await assertValidPage(back.pathname + back.search, { cookie: paolo });
  // A member's work, a courier's day, the board's list.
  const matteo = await login('matteo.bruno@mutua.example');
  await assertValidPage('/dashboard', { cookie: matteo });
  await assertValidPage('/dashboard/deliveries', { cookie: matteo });
  const luca = await login('luca.ferrari@mutua.example');
  await assertValidPage('/board/orders', { cookie: luca });
  await assertValidPage('/board/orders?status=disputed', { cookie: luca });
  // Someone else's order is a 404 page.
  const chiara = await login('chiara.colombo@mutua.example');
  await assertValidPage(`/orders/${orders[0].id}`, { cookie: chiara, status: 404 });
});

test('money pages of the demo cooperative are valid HTML', async () => {
  const post = (path, cookie, body = '') => fetch(`${server.url}${path}`, {
    method: 'POST', body, headers: { accept: 'application/json', origin: server.url, cookie, 'content-type': 'application/x-www-form-urlencoded' },
  });
  // A worker's earnings (figures, statement, the detail behind a figure) and
  // a ledger entry behind them; the board's money page.
  const matteo = await login('matteo.bruno@mutua.example');
  await assertValidPage('/earnings', { cookie: matteo });
  await assertValidPage('/earnings?show=pending', { cookie: matteo });
  const earnings = await (await post('/fn/earnings', matteo, 'show=available')).json();
  await assertValidPage('/earnings?show=available', { cookie: matteo });
  for (const e of earnings.detail.slice(0, 2)) await assertValidPage(`/ledger/${e.id}`, { cookie: matteo });
  const luca = await login('luca.ferrari@mutua.example');
  await assertValidPage('/board/money', { cookie: luca });
  // A customer has no earnings; another member's entry is not found.
  const paolo = await login('paolo.conti@mutua.example');
  await assertValidPage('/earnings', { cookie: paolo, status: 403 });
  // Someone with no part in an entry gets the not-found page.
  const stranger = await signUpCookie(server, 'estranea@example.it', 'Estranea', 'una bici cargo rossa');
  assert.ok(earnings.detail.length > 0, 'the demo gives Matteo earnings');
  await assertValidPage(`/ledger/${earnings.detail[0].id}`, { cookie: stranger, status: 404 });
});

test('governance, vote rules, transparency, patronage and audit pages of the demo cooperative are valid HTML', async () => {
  const post = (path, cookie, body = '') => fetch(`${server.url}${path}`, {
    method: 'POST', body, headers: { accept: 'application/json', origin: server.url, cookie, 'content-type': 'application/x-www-form-urlencoded' },
  });
  const giulia = await login('giulia.bianchi@mutua.example');
  await assertValidPage('/governance', { cookie: giulia });
  // With the impact preview of 6 % services.
  await assertValidPage('/governance?service_percent=6&service_min=0%2C50&delivery_percent=5&delivery_min=0%2C50', { cookie: giulia });
  // A bad percentage is shown next to its field.
  await assertValidPage('/governance?service_percent=sei&delivery_percent=5', { cookie: giulia });
  const home = await (await post('/fn/governance', giulia)).json();
  assert.ok(home.proposals.length >= 2, 'the demo has open votes');
  for (const p of home.proposals) await assertValidPage(`/governance/${p.id}`, { cookie: giulia });
  for (const lang of ['it', 'en', 'es']) await assertValidPage('/transparency', { lang });
  // A member also sees their own patronage refunds there.
  await assertValidPage('/transparency', { cookie: giulia });
  await assertValidPage('/governance/vote-rules', { cookie: giulia });
  const luca = await login('luca.ferrari@mutua.example');
  await assertValidPage('/board/patronage', { cookie: luca });
  await assertValidPage('/board/audit', { cookie: luca });
  await assertValidPage('/board/audit?kind=proposal_opened', { cookie: luca });
});
