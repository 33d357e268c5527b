// The sharing editor: a moderator turns on downloads and limits a friend's TV to children's
// ratings, previews what Plex will be told, sends it, and sees it on Plex (the simulator), on the
// friend's page and as badges in the friends list; then turns on Live TV for two friends in one
// bulk change. The dashboard's System card names the Plex API.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  MODERATOR, screenshot, signInAs, startSignedIn, stopAll, unexpectedProblems, waitForPath,
} from './harness.mjs';

const ALICE = 2100001;
const BOB = 2100002;

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

async function share(userId) {
  const response = await fetch(`${sim.plextv}/__sim/state`);
  assert.ok(response.ok);
  return (await response.json()).shares.find((s) => s.userId === userId);
}

const aliceShare = () => share(ALICE);

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

test('a bulk change turns on Live TV for two friends, previewed first', async () => {
  const table = page.getByTestId('friends');
  await table.getByTestId(`friend-${ALICE}`).getByRole('checkbox').check();
  await table.getByTestId(`friend-${BOB}`).getByRole('checkbox').check();
  await page.getByTestId('selected-count').filter({ hasText: '2 selected' }).waitFor();
  await page.getByRole('button', { name: 'Bulk change…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Bulk change for 2 friends' });
  await dialog.getByLabel('Sharing settings').check();
  await dialog.getByTestId('bulk-sharing-live-tv').check();
  await dialog.getByRole('button', { name: 'Preview' }).click();
  const plan = dialog.getByTestId('bulk-plan');
  await plan.waitFor();
  const lines = await plan.getByRole('listitem').allTextContents();
  assert.equal(lines.length, 2, lines.join(' | '));
  for (const line of lines) assert.match(line, /set the sharing settings \(downloads off, Live TV on/i);
  await plan.scrollIntoViewIfNeeded();
  await screenshot(page, 'sharing-bulk-preview');
  assert.equal((await share(BOB)).settings.allowChannels, false, 'a preview sends nothing');

  await dialog.getByRole('button', { name: 'Apply' }).click();
  await dialog.getByTestId('bulk-done').waitFor({ timeout: 30_000 });
  await dialog.getByRole('button', { name: 'Close' }).first().click();
  for (const id of [ALICE, BOB]) {
    assert.equal((await share(id)).settings.allowChannels, true, `${id}`);
  }
  assert.deepEqual(unexpectedProblems(problems), []);
});
