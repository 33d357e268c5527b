// "Sign in with Plex" on a first start: the dashboard points to it; Settings → Plex opens Plex's
// page (the simulator's) in a pop-up, shows a countdown while waiting, then the account's servers
// with the recommended address chosen; Connect saves and tests it. Cancel closes the pop-up.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  eventually, firstAdminSignIn, openBrowser, screenshot, startSimulator, startWithAdmin, stopAll,
  unexpectedProblems, waitForPath,
} from './harness.mjs';

let sim;
let server;
let browser;
let page;
let problems;

before(async () => {
  sim = await startSimulator();
  // Only plex.tv is known: no server URL, no token (a newcomer's first start).
  server = await startWithAdmin({ PLEXWARD_PLEXTV_URL: sim.plextv });
  ({ browser, page, problems } = await openBrowser());
  await firstAdminSignIn(page, server.url);
});

after(() => stopAll({ browser, server, sim }));

/** Clicks "Sign in with Plex" and returns the pop-up it opens, on Plex's (simulated) page. */
async function openSignIn() {
  const [popup] = await Promise.all([
    page.context().waitForEvent('page'),
    page.getByRole('button', { name: 'Sign in with Plex' }).click(),
  ]);
  await popup.waitForURL(/\/auth#\?clientID=plexward-.*&code=/);
  await popup.getByRole('button', { name: 'Allow' }).waitFor();
  return popup;
}

test('a newcomer connects Plex by signing in with Plex', async () => {
  const notice = page.getByTestId('plex-not-connected');
  await notice.waitFor();
  await notice.getByRole('link', { name: 'Sign in with Plex' }).click();
  await waitForPath(page, '/settings');
  assert.match(await page.getByTestId('plex-sign-in').textContent(), /token of its own/);

  // Cancel: the pop-up closes and nothing changes.
  const abandoned = await openSignIn();
  await page.getByTestId('plex-sign-in-waiting').waitFor();
  await page.getByRole('button', { name: 'Cancel' }).click();
  await eventually('the pop-up to close', () => abandoned.isClosed(), 5_000);
  await page.getByRole('button', { name: 'Sign in with Plex' }).waitFor();

  const popup = await openSignIn();
  const waiting = page.getByTestId('plex-sign-in-waiting');
  await waiting.waitFor();
  assert.match(await waiting.textContent(), /expires in (29|30) m/);
  await screenshot(page, 'plex-sign-in-waiting');

  await popup.getByRole('button', { name: 'Allow' }).click();
  const servers = page.getByTestId('plex-servers');
  await servers.waitFor();
  await eventually('the pop-up to close once approved', () => popup.isClosed(), 5_000);
  assert.match(await servers.textContent(), /Signed in as .+ Connect to:/);
  assert.match(await servers.textContent(), /SimServer/);
  const recommended = page.getByRole('radio', { name: new RegExp(sim.pms.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')) });
  assert.ok(await recommended.isChecked(), 'the recommended address is chosen');
  assert.match(await servers.textContent(), /local network, not encrypted\s*recommended/);
  await screenshot(page, 'plex-sign-in-servers');

  await page.getByTestId('plex-connect').click();
  const connected = page.getByTestId('plex-sign-in-connected');
  await connected.waitFor();
  assert.match(await connected.textContent(), /Connected to SimServer/);
  const facts = await page.getByTestId('plex-settings').textContent();
  assert.ok(facts.includes(sim.pms), facts);
  assert.match(facts, /set \(never shown\)/);
  assert.ok(!(await page.content()).includes('sim-device-token'), 'the token is never on the page');
  await screenshot(page, 'plex-sign-in-connected');

  // The dashboard no longer asks, and a sync reaches the simulator with the new token.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
  await waitForPath(page, '/');
  await page.getByRole('button', { name: 'Sync with Plex' }).click();
  await page.getByTestId('sync-report').waitFor();
  assert.equal(await page.getByTestId('plex-not-connected').count(), 0);
  assert.deepEqual(unexpectedProblems(problems), []);
});
