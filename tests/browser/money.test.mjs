// Money in a real browser, JavaScript on and off, on a phone, in Italian:
// a customer orders a repair and pays by bank transfer with the reference
// shown; the board uploads the bank's statement (camt.053), which confirms
// the payment once; the member does the work, the customer confirms; the
// member finds the net amount
// in her earnings statement and changes her IBAN (with her password, a
// mistyped one caught); the board sees payouts to the new IBAN held for
// 72 hours, then creates a payout batch and downloads its SEPA file
// (pain.001).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, root, launchBrowser, openPage, hydrated, goto, login, act, whenWorkBegins, confirmRegistration, fillPlace } from './server.mjs';

const shots = join(root, 'target', 'browser-screenshots');
mkdirSync(shots, { recursive: true });
const demoPassword = 'mutua-demo-2026';
const password = 'una bici cargo rossa';

const clockFile = join(mkdtempSync(join(tmpdir(), 'mutua-clock-')), 'offset');
let offset = 0;
let server;
let browser;

before(async () => {
  writeFileSync(clockFile, '0');
  // Jobs run at start only: the clock jumps below must not complete demo
  // orders in the middle of the test.
  server = await startServer({ MUTUA_CLOCK_OFFSET_FILE: clockFile, MUTUA_JOB_INTERVAL_SECS: '86400' }, { seed: true });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

for (const js of [true, false]) {
  const mode = js ? 'js' : 'nojs';
  // Each run changes Elena's IBAN to a new one: [mistyped, right, electronic, masked].
  const iban = js
    ? ['IT60 X054 2811 1010 0000 0123 457', 'IT60 X054 2811 1010 0000 0123 456', 'IT60X0542811101000000123456', /IT60 •••• 3456/]
    : ['DE89 3704 0044 0532 0130 01', 'DE89 3704 0044 0532 0130 00', 'DE89370400440532013000', /DE89 •••• 3000/];

  test(`cash payment to earnings to a SEPA payout file; JavaScript ${js ? 'on' : 'off'}`, async () => {
    const api = await (await fetch(`${server.url}/api/v1/listings?kind=service&per_page=100`)).json();
    const repair = api.items.find((i) => i.provider.name === 'Elena Greco');
    assert.ok(repair, 'a demo listing by Elena Greco');

    // 1. A customer orders the repair (cash on delivery).
    const customer = await openPage(browser, js);
    await goto(customer.page, js, `${server.url}/register`);
    await customer.page.fill('#field-display_name', `Paola ${mode}`);
    await customer.page.fill('#field-email', `paola-${mode}@example.it`);
    await customer.page.fill('#field-password', password);
    await customer.page.click('main form button[type=submit]');
    await confirmRegistration(server, customer.page, js, `paola-${mode}@example.it`);
    await goto(customer.page, js, `${server.url}/listings/${repair.id}/order`);
    await hydrated(customer.page, js);
    await fillPlace(server, customer.page, repair.id);
    await customer.page.check('#payment-bank');
    await customer.page.click('[data-testid=place-order]');
    await customer.page.waitForURL(/\/orders\/[0-9a-f-]+$/);
    await hydrated(customer.page, js);
    const orderUrl = customer.page.url();
    const orderId = orderUrl.split('/').pop();

    // The customer is told where to send the money: the cooperative's
    // IBAN, a reference to copy, the day it must arrive by.
    const payment = await customer.page.textContent('[data-testid=payment][data-method=bank][data-paid=false]');
    assert.match(payment, /Bonifico bancario alla cooperativa/);
    assert.match(await customer.page.textContent('[data-testid=pay-reference]'), /^RF\d\d( [0-9A-F]{1,4})+$/);
    assert.match(await customer.page.textContent('[data-testid=pay-iban]'), /^IT\d\d /);
    assert.match(payment, /Da pagare entro/);

    // 2. Elena cannot say the transfer arrived; the board uploads the
    //    bank's statement, which confirms it, once.
    const elena = await openPage(browser, js);
    await login(server, elena, js, 'elena.greco@mutua.example', demoPassword);
    await goto(elena.page, js, orderUrl);
    const net = (await elena.page.textContent('[data-testid=line-0] [data-testid=net]')).match(/\d+,\d\d\s€/)[0];
    assert.equal(await elena.page.locator('[data-testid=act-confirm_payment]').count(), 0);
    const reference = (await customer.page.textContent('[data-testid=pay-reference]')).replace(/\s/g, '');
    const coopIban = (await customer.page.textContent('[data-testid=pay-iban]')).replace(/\s/g, '');
    const minor = Number(await customer.page.getAttribute('[data-testid=pay-amount]', 'data-minor'));
    const statement = camt053(coopIban, [
      { entry: `BANCA-${mode}-1`, minor, text: `Pagamento ordine ${reference.toLowerCase()}` },
      { entry: `BANCA-${mode}-2`, minor: 1234, text: 'Quota sociale' },
    ]);
    const board = await openPage(browser, js);
    await login(server, board, js, 'anna.rossi@mutua.example', demoPassword);
    for (const [confirmed, earlier] of [['1', '0'], ['0', '1']]) {
      await goto(board.page, js, `${server.url}/board/money`);
      await board.page.setInputFiles('#field-statement', { name: 'estratto.xml', mimeType: 'application/xml', buffer: Buffer.from(statement) });
      await board.page.click('[data-testid=statement-upload]');
      await board.page.waitForSelector('[data-testid=statement-result]');
      await hydrated(board.page, js);
      assert.equal(await board.page.textContent('[data-testid=statement-confirmed]'), confirmed);
      assert.equal(await board.page.textContent('[data-testid=statement-earlier]'), earlier);
      const unknown = board.page.locator('[data-testid=bank-lines] tr[data-outcome=unknown]', { hasText: '12,34' });
      assert.equal(await unknown.count(), 1, 'the stranger credit waits for a person');
    }
    await board.page.screenshot({ path: join(shots, `${mode}-bank-statement.png`), fullPage: true });
    // Handled by a person: it leaves the list.
    const unknown = board.page.locator('[data-testid=bank-lines] tr[data-outcome=unknown]', { hasText: '12,34' });
    await unknown.locator('button[type=submit]').click();
    await board.page.waitForFunction(() => ![...document.querySelectorAll('[data-testid=bank-lines] tr')].some((r) => r.textContent.includes('12,34')));
    await hydrated(board.page, js);
    await goto(elena.page, js, orderUrl);
    assert.match(await elena.page.textContent('[data-testid=order-money]'), /Pagamento ricevuto/);
    for (const [step, status] of [['accept', 'accepted'], ['start', 'in_progress']]) {
      await act(elena, js, step, status, '[data-testid=line-0]');
    }
    const back = await whenWorkBegins(server, elena, js, '[data-testid=line-0]');
    await act(elena, js, 'fulfil', 'fulfilled', '[data-testid=line-0]');
    back();
    await goto(customer.page, js, orderUrl);
    await act(customer, js, 'complete', 'completed');
    assert.match(await customer.page.textContent('[data-testid=order-money]'), /Ordine concluso: ripartizione/);

    // 3. Elena's statement has the order at its net amount; the entry behind
    //    it shows the split.
    await goto(elena.page, js, `${server.url}/earnings`);
    const row = elena.page.locator('[data-testid=statement] tr', { has: elena.page.locator(`a[href="/orders/${orderId}"]`) });
    assert.equal(await row.count(), 1, 'the order is in this month\'s statement');
    assert.match(await row.textContent(), new RegExp(net.replace(/\s/, '\\s')));
    assert.match(await elena.page.textContent('[data-testid=earnings-available]'), /Disponibile/);
    await row.locator('a[href^="/ledger/"]').click();
    await elena.page.waitForSelector('[data-testid=ledger-entry][data-kind=completion]');
    await hydrated(elena.page, js);
    assert.match(await elena.page.textContent('[data-testid=postings]'), /Commissioni della cooperativa/);

    // A mistyped IBAN is caught next to the field; the name typed stays.
    await goto(elena.page, js, `${server.url}/earnings`);
    await elena.page.fill('#field-holder', `Elena Greco ${mode}`);
    await elena.page.fill('#field-iban', iban[0]);
    await elena.page.fill('#field-password', demoPassword);
    await elena.page.click('[data-testid=payout-save]');
    await elena.page.waitForSelector('#field-iban-error:has-text("IBAN non valido")');
    await hydrated(elena.page, js);
    assert.equal(await elena.page.inputValue('#field-holder'), `Elena Greco ${mode}`);
    if (!js) assert.equal(await elena.page.inputValue('#field-password'), '', 'a password is never sent back');
    // The password is asked for every change (the server checks it too).
    assert.notEqual(await elena.page.getAttribute('#field-password', 'required'), null);
    await elena.page.fill('#field-iban', iban[1]);
    await elena.page.fill('#field-password', demoPassword);
    await elena.page.click('[data-testid=payout-save]');
    await elena.page.waitForSelector(`[data-testid=payout-current]:has-text("Elena Greco ${mode}")`);
    await hydrated(elena.page, js);
    assert.match(await elena.page.textContent('[data-testid=payout-current]'), iban[3]);
    await elena.page.screenshot({ path: join(shots, `${mode}-earnings.png`), fullPage: true });

    // 4. Payouts to Elena's new IBAN wait 72 hours; then the board pays
    //    what is owed and downloads the bank file.
    await goto(board.page, js, `${server.url}/board/money`);
    // Balances in two groups whose totals are equal, and the page says so.
    const held = await board.page.getAttribute('[data-testid=total-held]', 'data-minor');
    assert.equal(held, await board.page.getAttribute('[data-testid=total-owed]', 'data-minor'));
    assert.ok(Number(held) > 0, 'money somewhere');
    assert.equal(await board.page.getAttribute('[data-testid=balances-add-up]', 'data-balanced'), 'true');
    assert.match(await board.page.textContent('[data-testid=balances-add-up]'), /il registro è in pari/);
    // First the cash a courier collected for others comes into the bank:
    // a payout never sends money the cooperative does not hold.
    const owing = board.page.locator('[data-testid=receivables] li');
    for (let n = await owing.count(); n > 0; n--) {
      const row = owing.first();
      // The whole amount, thousands too ("1.234,50 €" is typed 1234,50).
      const owed = (await row.textContent()).match(/([\d.]+,\d\d)\s€/)[1].replace(/\./g, '');
      await row.locator('input[name=amount]').fill(owed);
      await row.locator('button[type=submit]').click();
      await board.page.waitForFunction((left) => document.querySelectorAll('[data-testid=receivables] li').length === left, n - 1);
      await hydrated(board.page, js);
    }
    assert.match(await board.page.textContent('[data-testid=payees]'), new RegExp(`Elena Greco`));
    const elenaRow = board.page.locator('[data-testid=payees] tr', { hasText: 'Elena Greco' });
    assert.match(await elenaRow.locator('[data-testid=payee-held]').textContent(), /in attesa fino al/);
    offset += 72 * 3600 + 120;
    writeFileSync(clockFile, String(offset));
    await goto(board.page, js, `${server.url}/board/money`);
    assert.equal(await elenaRow.locator('[data-testid=payee-held]').count(), 0);
    assert.equal(await board.page.getAttribute('[data-testid=reconciliation]', 'data-ok'), 'true');
    const before = await board.page.locator('[data-testid=batches] tbody tr').count();
    await board.page.click('[data-testid=create-batch]');
    await board.page.waitForFunction((n) => document.querySelectorAll('[data-testid=batches] tbody tr').length === n + 1, before);
    await hydrated(board.page, js);
    assert.equal(await board.page.locator('[data-testid=no-payees]').count(), 1, 'nothing left to pay');
    const [download] = await Promise.all([
      board.page.waitForEvent('download'),
      board.page.locator('[data-testid=sepa-download]').first().click(),
    ]);
    const xml = readFileSync(await download.path(), 'utf8');
    assert.match(xml, /urn:iso:std:iso:20022:tech:xsd:pain\.001\.001\.03/);
    assert.match(xml, new RegExp(`<Nm>Elena Greco ${mode}</Nm>`));
    assert.ok(xml.includes(`<IBAN>${iban[2]}</IBAN>`), 'paid to the new IBAN');
    await board.page.screenshot({ path: join(shots, `${mode}-board-money.png`), fullPage: true });

    // Paid out: Elena's available balance is now nothing.
    await goto(elena.page, js, `${server.url}/earnings`);
    assert.match(await elena.page.textContent('[data-testid=earnings-available]'), /0,00\s€/);

    for (const s of [customer, elena, board]) {
      assert.deepEqual(s.problems, [], 'no console errors');
      await s.context.close();
    }
  });
}

/** A camt.053.001.02 statement of `iban` crediting `credits`, as a bank sends it. */
function camt053(iban, credits) {
  const entries = credits.map((c) => `<Ntry><Amt Ccy="EUR">${(c.minor / 100).toFixed(2)}</Amt><CdtDbtInd>CRDT</CdtDbtInd>`
    + `<Sts>BOOK</Sts><BookgDt><Dt>2026-12-01</Dt></BookgDt><AcctSvcrRef>${c.entry}</AcctSvcrRef>`
    + `<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Paola</Nm></Dbtr></RltdPties><RmtInf><Ustrd>${c.text}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">`
    + `<BkToCstmrStmt><GrpHdr><MsgId>M</MsgId><CreDtTm>2026-12-01T20:00:00</CreDtTm></GrpHdr><Stmt><Id>S-${Date.now()}</Id>`
    + `<Acct><Id><IBAN>${iban}</IBAN></Id></Acct>${entries}</Stmt></BkToCstmrStmt></Document>`;
}
