// Order placement load: one customer, CONNECTIONS concurrent clients, each
// request a full order (delivery line, fee, event, e-mail, idempotency key)
// through the real server function. Prints JSON {orders_per_s, ok, failed, p50, p99}.
import autocannon from 'autocannon';

const [url, connections = '16', seconds = '15'] = process.argv.slice(2);
const json = { accept: 'application/json', origin: url, 'content-type': 'application/x-www-form-urlencoded' };

async function post(path, body, cookie = '') {
  return fetch(`${url}${path}`, { method: 'POST', body: new URLSearchParams(body), headers: { ...json, cookie } });
}

const reg = await post('/fn/register', { email: `bench-${Date.now()}@example.it`, display_name: 'Banco di prova', password: 'una password per il banco' });
if (reg.status !== 200) throw new Error(`register: ${reg.status}`);
const cookie = reg.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

const day = new Date(Date.now() + 86_400_000);
if (day.getUTCDay() === 0) day.setUTCDate(day.getUTCDate() + 1);
const leg = {
  pickup_address: 'Via Irnerio 10', pickup_postcode: '40126',
  dropoff_address: 'Via Saffi 20', dropoff_postcode: '40128',
  package_size: 'small', weight_kg: '3',
  window_date: day.toISOString().slice(0, 10), window_from: '11:00', window_to: '15:00',
};
// A courier that serves these zones: the first one that accepts a probe order.
const couriers = (await (await fetch(`${url}/api/v1/listings?kind=delivery&per_page=50`)).json()).items;
let listing;
for (const c of couriers) {
  const res = await post('/fn/order-place', { listing: c.id, key: `probe-${c.id}`, ...leg }, cookie);
  if (res.status === 200) { listing = c.id; break; }
}
if (!listing) throw new Error('no demo courier serves the bench zones');

let n = 0;
const result = await autocannon({
  url: `${url}/fn/order-place`,
  connections: Number(connections),
  duration: Number(seconds),
  method: 'POST',
  headers: { ...json, cookie },
  requests: [{
    setupRequest: (req) => ({
      ...req,
      body: new URLSearchParams({ listing, key: `bench-${process.pid}-${n++}`, ...leg }).toString(),
    }),
  }],
});
console.log(JSON.stringify({
  orders_per_s: Math.round(result['2xx'] / Number(seconds)),
  ok: result['2xx'],
  failed: result.non2xx + result.errors,
  p50: result.latency.p50,
  p99: result.latency.p99,
}));
