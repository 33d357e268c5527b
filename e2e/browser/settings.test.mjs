// Settings → Plex connection: an admin tests the connection to (simulated) Plex and sees the
// server; the token is never shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  firstAdminSignIn, openBrowser, screenshot, startSimulator, startWithAdmin, unexpectedProblems,
  waitForPath,
} from './harness.mjs';

let sim;
let server;
let browser;
let page;
let problems;

before(async () => {
  sim = await startSimulator();
  server = await startWithAdmin(sim.env);
  ({ browser, page, problems } = await openBrowser());
  await firstAdminSignIn(page, server.url);
});

after(async () => {
  await browser?.close();
  await server?.stop();
  await sim?.stop();
});

test('an admin sees the Plex connection and tests it', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await waitForPath(page, '/settings');
  const facts = page.getByTestId('plex-settings');
  await facts.waitFor();
  const text = await facts.textContent();
  assert.ok(text.includes(sim.pms), text);
  assert.match(text, /set \(never shown\)/);
  assert.ok(!text.includes('plex-sim-owner-token'));

  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByText('Connected to SimServer').waitFor();
  const result = await page.getByTestId('plex-test').textContent();
  assert.match(result, /Plex Pass\s*yes/);
  await screenshot(page, 'settings-plex');
  assert.deepEqual(unexpectedProblems(problems), []);
});
