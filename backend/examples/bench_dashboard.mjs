// The dashboard's first load in a real browser (a benchmark, not a test: it reports, it does not
// assert numbers). Run by `bench_server` once the server holds its 1,000 friends × 5 libraries:
//   node backend/examples/bench_dashboard.mjs URL USERNAME PASSWORD
// 1. A fresh browser (empty cache) opens URL/: every request until the network is idle (the
//    sign-in page: HTML, JS, WASM, CSS and the signed-out /api calls), with bytes on the wire.
// 2. Signs in through the form and waits for the dashboard and a quiet network: the /api
//    requests made after the sign-in answer, per endpoint, with their bytes.
// 3. Reloads the dashboard (signed in, static files cached): its /api requests again.
// "Quiet" = no request in flight for QUIET_MS; the dashboard has no timer shorter than that.
// Debian's Chromium through playwright-core, launched like the browser tests (harness.mjs).
import { openBrowser, submitSignIn, waitForPath } from '../../e2e/browser/harness.mjs';

const QUIET_MS = 1_500;
const DEADLINE_MS = 60_000;
const [url, username, password] = process.argv.slice(2);
if (!url || !username || !password) {
  console.error('usage: node bench_dashboard.mjs URL USERNAME PASSWORD');
  process.exit(2);
}

/** Records every finished request of `page`, in the order they finish. */
function recorder(page) {
  const state = { inflight: 0, last: Date.now(), done: [] };
  page.on('request', () => {
    state.inflight += 1;
    state.last = Date.now();
  });
  const finished = async (request, failed) => {
    state.inflight -= 1;
    state.last = Date.now();
    const entry = { method: request.method(), url: new URL(request.url()), failed, wire: 0, body: 0, status: 0 };
    state.done.push(entry);
    if (failed) return;
    try {
      const response = await request.response();
      entry.status = response?.status() ?? 0;
      // On the wire: the (possibly compressed) body plus headers, as the browser saw it.
      const sizes = await request.sizes();
      entry.wire = sizes.responseBodySize + sizes.responseHeadersSize;
      entry.body = entry.status === 304 || !response ? 0 : (await response.body()).length;
    } catch {
      // A body already gone (navigation) counts as unknown: 0.
    }
  };
  page.on('requestfinished', (r) => finished(r, false));
  page.on('requestfailed', (r) => finished(r, true));
  return state;
}

/** Resolves once nothing has been in flight for QUIET_MS (deadline DEADLINE_MS). */
async function quiet(state) {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    if (state.inflight <= 0 && Date.now() - state.last >= QUIET_MS) return;
    if (Date.now() > deadline) throw new Error(`network still busy after ${DEADLINE_MS} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

function report(title, entries, { onlyApi }) {
  const chosen = onlyApi ? entries.filter((e) => e.url.pathname.startsWith('/api/')) : entries;
  const wire = chosen.reduce((s, e) => s + e.wire, 0);
  const body = chosen.reduce((s, e) => s + e.body, 0);
  console.log(`   ${title}: ${chosen.length} requests, ${kb(wire)} on the wire, ${kb(body)} of bodies decoded`);
  const groups = new Map();
  for (const e of chosen) {
    const path = e.url.pathname.replace(/\/\d+(?=\/|$)/g, '/{id}');
    const key = `${e.method} ${path}${e.url.search ? ' (with a query)' : ''}`;
    const g = groups.get(key) ?? { n: 0, wire: 0, body: 0, statuses: new Set() };
    g.n += 1;
    g.wire += e.wire;
    g.body += e.body;
    g.statuses.add(e.failed ? 'failed' : e.status);
    groups.set(key, g);
  }
  for (const [key, g] of [...groups].sort((a, b) => b[1].wire - a[1].wire)) {
    console.log(`     ${String(g.n).padStart(3)} × ${key.padEnd(48)} ${kb(g.wire).padStart(10)} wire  ${kb(g.body).padStart(10)} decoded  [${[...g.statuses].join(',')}]`);
  }
  return { requests: chosen.length, wire, body };
}

const { browser, page } = await openBrowser();
try {
  const state = recorder(page);
  const started = Date.now();
  await page.goto(`${url}/`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await quiet(state);
  const shell = report(`5a. First visit, empty cache, until the sign-in page is quiet (${Date.now() - started} ms)`, state.done, { onlyApi: false });

  // Recording stays on: what finished up to the sign-in answer (included) is the sign-in's.
  state.done = [];
  const signedIn = page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login'));
  await submitSignIn(page, username, password);
  if ((await signedIn).status() !== 200) throw new Error('sign-in refused');
  const t0 = Date.now();
  await waitForPath(page, '/');
  await page.getByTestId('version').waitFor();
  await quiet(state);
  const login = state.done.findIndex((e) => e.url.pathname === '/api/v1/auth/login');
  state.done = state.done.slice(login + 1);
  const dash = report(`5b. Sign-in → dashboard quiet (${Date.now() - t0 - QUIET_MS} ms + ${QUIET_MS} ms quiet), /api only`, state.done, { onlyApi: true });

  state.done = [];
  const t1 = Date.now();
  await page.reload();
  await page.getByTestId('version').waitFor();
  await quiet(state);
  const again = report(`5c. Dashboard reloaded (${Date.now() - t1 - QUIET_MS} ms + quiet), /api only`, state.done, { onlyApi: true });
  console.log(`   DASHBOARD ${JSON.stringify({ shell, first: dash, reload: again })}`);
} finally {
  await browser.close();
}
