// Set-up for the order placement load (bench/run.sh): registers a
// customer, finds a courier serving the bench zones, and prints the form
// body and session cookie as JSON for wrk.
const [url] = process.argv.slice(2);
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
// A courier that serves these zones: the first one that accepts a probe
// order, among the oldest delivery listings (the demo's; benchmark listings
// come later and serve no zone).
const search = `${url}/api/v1/listings?kind=delivery&per_page=100`;
const { total } = await (await fetch(search)).json();
const last = Math.max(1, Math.ceil(total / 100));
const couriers = (await (await fetch(`${search}&page=${last}`)).json()).items.reverse();
let listing;
for (const c of couriers) {
  const res = await post('/fn/order-place', { listing: c.id, key: `probe-${c.id}`, ...leg }, cookie);
  if (res.status === 200) { listing = c.id; break; }
}
if (!listing) throw new Error('no demo courier serves the bench zones');

// The load itself runs in wrk (bench/orders.lua): print what it needs.
const body = new URLSearchParams({ listing, ...leg }).toString();
console.log(JSON.stringify({ body, cookie }));
