// Many page loads in a row and at once, as a busy cooperative makes them:
// every one answers in time with its own nonce CSP. Server rendering once
// deadlocked the whole process within a hundred such loads (decision 32).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, sessionCookie } from './server.mjs';

let server;
before(async () => {
  server = await startServer({}, { seed: true });
});
after(async () => { await server?.stop(); });

const login = (email) => sessionCookie(server, email);

test('pages keep answering under repeated and concurrent loads', async () => {
  const giulia = await login('giulia.bianchi@mutua.example');
  const luca = await login('luca.ferrari@mutua.example');
  const home = await (await fetch(`${server.url}/fn/governance`, {
    method: 'POST', headers: { accept: 'application/json', origin: server.url, cookie: giulia },
  })).json();
  const pages = [
    ...home.proposals.map((p) => [`/governance/${p.id}`, giulia]),
    ['/governance?service_percent=6&service_min=0%2C50&delivery_percent=5&delivery_min=0%2C50', giulia],
    ['/governance?service_percent=sei&delivery_percent=5', giulia],
    ['/governance', giulia], ['/transparency', giulia], ['/transparency', ''], ['/governance/vote-rules', giulia],
    ['/board/patronage', luca], ['/board/audit', luca], ['/', ''], ['/search', ''], ['/earnings', giulia],
    ['/board/money', luca], ['/orders', giulia], ['/dashboard', giulia],
  ];
  const stalled = [];
  const withoutNonce = [];
  let next = 0;
  const total = 600;
  async function worker() {
    while (next < total) {
      const [path, cookie] = pages[next++ % pages.length];
      try {
        const res = await fetch(`${server.url}${path}`, {
          headers: { accept: 'text/html', cookie }, signal: AbortSignal.timeout(15_000),
        });
        await res.text();
        assert.equal(res.status, 200, path);
        if (!/'nonce-[^']+'/.test(res.headers.get('content-security-policy') ?? '')) withoutNonce.push(path);
      } catch (e) {
        if (e.name !== 'TimeoutError') throw e;
        stalled.push(path);
      }
    }
  }
  await worker(); // one at a time first,
  next = 0;
  await Promise.all(Array.from({ length: 8 }, worker)); // then eight at once
  assert.deepEqual(stalled, [], 'stalled pages');
  assert.deepEqual(withoutNonce, [], 'pages without their nonce CSP');
});
