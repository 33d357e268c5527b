// The SPA shell: it loads under the strict CSP, shows the backend's health, routes client-side.
// Every page but sign-in needs a session, so the tests sign the first admin in first.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  screenshot, startSignedIn, stopAll, unexpectedProblems,
} from './harness.mjs';

let server;
let browser;
let page;
let problems;

before(async () => {
  ({ server, browser, page, problems } = await startSignedIn());
});

after(() => stopAll({ browser, server }));

test('dashboard shows the health and version reported by the API', async () => {
  const health = await (await fetch(`${server.url}/api/v1/health`)).json();

  await page.goto(`${server.url}/`);

  const version = page.getByTestId('version');
  await version.waitFor({ timeout: 15_000 });
  assert.equal(await version.textContent(), health.version);
  assert.equal(await page.title(), 'Plexward');
  const facts = await page.getByTestId('health').textContent();
  assert.match(facts, /Status\s*ok/);
  assert.match(facts, /Database\s*ok/);
  await screenshot(page, 'dashboard');
});

test('client-side routes load the app and unknown ones say so', async () => {
  await page.goto(`${server.url}/no/such/page`);
  await page.getByRole('heading', { name: 'Page not found' }).waitFor({ timeout: 15_000 });

  await page.getByRole('link', { name: 'Back to the dashboard' }).click();
  await page.getByTestId('version').waitFor({ timeout: 15_000 });
  assert.equal(new URL(page.url()).pathname, '/');
});

test('no console errors and no CSP violations', async () => {
  await page.goto(`${server.url}/`);
  await page.getByTestId('version').waitFor({ timeout: 15_000 });
  // The signed-out start answers 401 by design (and Chromium notes it); nothing else may show.
  assert.deepEqual(unexpectedProblems(problems, [401]), []);

  // The detector itself works: an inline script is refused by the policy and reported.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.textContent = 'window.__injected = true';
    document.body.append(s);
  });
  await page.waitForFunction(() => true);
  const deadline = Date.now() + 5_000;
  while (!problems.some((p) => p.includes('CSP violation')) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.ok(problems.some((p) => p.includes('CSP violation: script-src')), problems.join('\n'));
  assert.equal(await page.evaluate(() => window.__injected), undefined);
});
