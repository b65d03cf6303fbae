// Money in a real browser, JavaScript on and off, on a phone, in Italian:
// a customer orders a repair and pays cash, the member confirms the money
// and does the work, the customer confirms; the member finds the net amount
// in her earnings statement and corrects a mistyped IBAN; the board creates
// a payout batch and downloads its SEPA file (pain.001).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, root, launchBrowser, openPage, hydrated, goto, login, act } from './server.mjs';

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

for (const js of [true, false]) {
  const mode = js ? 'js' : 'nojs';

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
    await customer.page.waitForURL('**/account');
    await goto(customer.page, js, `${server.url}/listings/${repair.id}/order`);
    await hydrated(customer.page, js);
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

    // 2. Elena cannot say the transfer arrived; a board member who is not
    //    a party does, and the order's money section shows the payment.
    const elena = await openPage(browser, js);
    await login(server, elena, js, 'elena.greco@mutua.example', demoPassword);
    await goto(elena.page, js, orderUrl);
    const net = (await elena.page.textContent('[data-testid=line-0] [data-testid=net]')).match(/\d+,\d\d\s€/)[0];
    assert.equal(await elena.page.locator('[data-testid=act-confirm_payment]').count(), 0);
    const board = await openPage(browser, js);
    await login(server, board, js, 'anna.rossi@mutua.example', demoPassword);
    await goto(board.page, js, orderUrl);
    await act(board, js, 'confirm_payment', 'paid');
    await goto(elena.page, js, orderUrl);
    assert.match(await elena.page.textContent('[data-testid=order-money]'), /Pagamento ricevuto/);
    for (const [step, status] of [['accept', 'accepted'], ['start', 'in_progress'], ['fulfil', 'fulfilled']]) {
      await act(elena, js, step, status, '[data-testid=line-0]');
    }
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
    await elena.page.fill('#field-iban', 'IT60 X054 2811 1010 0000 0123 457');
    await elena.page.click('[data-testid=payout-save]');
    await elena.page.waitForSelector('#field-iban-error:has-text("IBAN non valido")');
    await hydrated(elena.page, js);
    assert.equal(await elena.page.inputValue('#field-holder'), `Elena Greco ${mode}`);
    await elena.page.fill('#field-iban', 'IT60 X054 2811 1010 0000 0123 456');
    await elena.page.click('[data-testid=payout-save]');
    await elena.page.waitForSelector(`[data-testid=payout-current]:has-text("Elena Greco ${mode}")`);
    await hydrated(elena.page, js);
    assert.match(await elena.page.textContent('[data-testid=payout-current]'), /IT60 •••• 3456/);
    await elena.page.screenshot({ path: join(shots, `${mode}-earnings.png`), fullPage: true });

    // 4. The board pays what is owed and downloads the bank file.
    await goto(board.page, js, `${server.url}/board/money`);
    // First the cash a courier collected for others comes into the bank:
    // a payout never sends money the cooperative does not hold.
    const owing = board.page.locator('[data-testid=receivables] li');
    for (let n = await owing.count(); n > 0; n--) {
      const row = owing.first();
      const owed = (await row.textContent()).match(/(\d+,\d\d)\s€/)[1];
      await row.locator('input[name=amount]').fill(owed);
      await row.locator('button[type=submit]').click();
      await board.page.waitForFunction((left) => document.querySelectorAll('[data-testid=receivables] li').length === left, n - 1);
      await hydrated(board.page, js);
    }
    assert.match(await board.page.textContent('[data-testid=payees]'), new RegExp(`Elena Greco`));
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
    assert.match(xml, /<IBAN>IT60X0542811101000000123456<\/IBAN>/);
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
