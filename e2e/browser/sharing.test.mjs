// The sharing editor: a moderator turns on downloads and limits a friend's TV to children's
// ratings, previews what Plex will be told, sends it, and sees it on Plex (the simulator), on the
// friend's page and as badges in the friends list. The dashboard's System card names the Plex API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  MODERATOR, screenshot, signInAs, startSignedIn, stopAll, unexpectedProblems, waitForPath,
} from './harness.mjs';

const ALICE = 2100001;

let sim;
let server;
let browser;
let page;
let problems;

before(async () => {
  ({ sim, server, browser, page, problems } = await startSignedIn({
    simulator: true, accounts: [MODERATOR],
  }));
});

after(() => stopAll({ browser, server, sim }));

async function aliceShare() {
  const response = await fetch(`${sim.plextv}/__sim/state`);
  assert.ok(response.ok);
  return (await response.json()).shares.find((s) => s.userId === ALICE);
}

const nav = () => page.getByRole('navigation', { name: 'Main' });

test('a moderator restricts a friend, previews, saves, and sees the badges', async () => {
  await signInAs(page, MODERATOR);
  await page.getByRole('button', { name: 'Sync with Plex' }).click();
  await page.getByTestId('sync-report').waitFor();
  const api = page.getByTestId('plex-api');
  await api.waitFor();
  assert.match(await api.textContent(), /Every operation uses Plex's v1 routes/);

  await nav().getByRole('link', { name: 'Friends' }).click();
  await waitForPath(page, '/friends');
  await page.getByTestId(`friend-${ALICE}`).getByRole('link', { name: 'alice' }).click();
  const editor = page.getByTestId('sharing-editor');
  await editor.waitFor();
  assert.match(await page.getByTestId('sharing-managed').textContent(), /not managed/);

  await page.getByTestId('sharing-downloads').check();
  await page.getByTestId('sharing-television-allow-ratings').fill('TV-Y, TV-G');
  await editor.getByRole('button', { name: 'Preview sharing' }).click();
  const plan = page.getByTestId('sharing-plan');
  await plan.waitFor();
  assert.match(await plan.textContent(), /downloads on.*TV: only rated TV-G, TV-Y/);
  assert.equal((await aliceShare()).settings.allowSync, false, 'a preview sends nothing');
  await screenshot(page, 'sharing-preview');

  await editor.getByRole('button', { name: 'Send settings to Plex' }).click();
  await page.getByTestId('change-outcome').filter({ hasText: 'Applied on Plex ✓' }).waitFor();
  const share = await aliceShare();
  assert.equal(share.settings.allowSync, true, JSON.stringify(share));
  assert.equal(share.settings.filterTelevision, 'contentRating=TV-G%2CTV-Y');
  await page.getByTestId('sharing-managed').filter({ hasText: 'Managed by Plexward' }).waitFor();
  await screenshot(page, 'sharing-saved');

  await nav().getByRole('link', { name: 'Friends' }).click();
  const row = page.getByTestId(`friend-${ALICE}`);
  await row.filter({ hasText: 'Restricted' }).waitFor();
  assert.match(await row.textContent(), /Downloads/);
  await screenshot(page, 'sharing-badges');
  assert.deepEqual(unexpectedProblems(problems), []);
});
