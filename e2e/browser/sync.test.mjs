// Sync with (simulated) Plex: an admin syncs from the dashboard, sees the report, then finds the
// friends (Home users, pending invites) and libraries Plex reported.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  screenshot, startSignedIn, stopAll, unexpectedProblems, waitForPath,
} from './harness.mjs';

let sim;
let server;
let browser;
let page;
let problems;

before(async () => {
  ({ sim, server, browser, page, problems } = await startSignedIn({ simulator: true }));
});

after(() => stopAll({ browser, server, sim }));

const nav = () => page.getByRole('navigation', { name: 'Main' });

test('an admin syncs with Plex from the dashboard and sees the report', async () => {
  // No precondition on the counts: the reconcile at startup may already have synced.
  await page.getByTestId('friend-count').waitFor();
  await page.getByRole('button', { name: 'Sync with Plex' }).click();
  const report = page.getByTestId('sync-report');
  await report.waitFor();
  const text = await report.textContent();
  assert.match(text, /^Synced SimServer: 5 libraries, 8 friends, \d+ grants? imported/);
  // The counts follow the sync.
  await page.getByTestId('library-count').filter({ hasText: '5' }).waitFor();
  assert.notEqual((await page.getByTestId('friend-count').textContent()).trim(), '0');
  // Plex's friend limit: 5 shares (the Home user aside), far from about 100.
  await page.getByTestId('friend-limit').filter({ hasText: '5 of about 100 people' }).waitFor();
  assert.equal(await page.getByTestId('friend-limit-warning').count(), 0);
  await screenshot(page, 'sync-dashboard');
});

test('the dashboard warns when the server nears Plex\'s friend limit', async () => {
  const near = await startSignedIn({ simulator: true, env: { PLEXWARD_PLEX_FRIEND_LIMIT: '6' } });
  try {
    await near.page.getByRole('button', { name: 'Sync with Plex' }).click();
    await near.page.getByTestId('sync-report').waitFor();
    await near.page.getByTestId('friend-limit').filter({ hasText: '5 of about 6 people' }).waitFor();
    const warning = near.page.getByTestId('friend-limit-warning');
    await warning.waitFor();
    assert.match(await warning.textContent(), /^Only 1 of about 6 places left/);
    await screenshot(near.page, 'friend-limit-warning');
  } finally {
    await stopAll(near);
  }
});

test('the dashboard makes one request per card at most', async () => {
  const calls = [];
  const record = (request) => {
    const { pathname } = new URL(request.url());
    if (pathname.startsWith('/api/')) calls.push(pathname);
  };
  page.on('request', record);
  await page.goto(`${server.url}/`);
  await page.getByTestId('friend-count').waitFor();
  await page.getByTestId('upcoming-timeline').waitFor();
  await page.getByTestId('countdown').waitFor();
  await page.getByTestId('version').waitFor();
  page.off('request', record);
  // The session's own calls (who am I, a refresh) are the shell's, not a card's.
  const cards = calls.filter((c) => c !== '/api/v1/me' && !c.startsWith('/api/v1/auth/')).sort();
  // Plex counts, expiring, attention and coming-up share the summary; scheduler and health ask their own.
  assert.deepEqual(cards, ['/api/v1/health', '/api/v1/scheduler', '/api/v1/summary'], calls.join(' '));
});

test('the friends page shows Home users and pending invites, and searches', async () => {
  await nav().getByRole('link', { name: 'Friends' }).click();
  await waitForPath(page, '/friends');
  const table = page.getByTestId('friends');
  await table.waitFor();
  const alice = table.getByRole('row').filter({ hasText: 'alice@example.com' });
  await alice.waitFor();
  assert.match(await alice.textContent(), /Default/);
  const kids = table.getByRole('row').filter({ hasText: 'Kids' });
  assert.match(await kids.textContent(), /Home/);
  const bob = table.getByRole('row').filter({ hasText: 'bob@example.com' });
  assert.match(await bob.textContent(), /Pending invite/);
  await screenshot(page, 'sync-friends');

  await page.getByLabel('Search friends').fill('ALI');
  await table.getByRole('row').filter({ hasText: 'bob@example.com' }).waitFor({ state: 'detached' });
  assert.equal(await table.getByRole('row').filter({ hasText: 'alice' }).count(), 1);
  await page.getByLabel('Search friends').fill('');
  await table.getByRole('row').filter({ hasText: 'bob@example.com' }).waitFor();
});

test('the libraries page lists the libraries and who has them', async () => {
  await nav().getByRole('link', { name: 'Libraries' }).click();
  await waitForPath(page, '/libraries');
  const table = page.getByTestId('libraries');
  await table.waitFor();
  const row = table.getByRole('row').filter({ has: page.getByRole('rowheader', { name: 'Default', exact: true }) });
  await row.waitFor();
  // alice, Kids, erin and the pending invitee at least.
  const cells = await row.getByRole('cell').allTextContents();
  assert.ok(Number(cells.at(-1)) >= 3, cells.join(' | '));
  await screenshot(page, 'sync-libraries');
  assert.deepEqual(unexpectedProblems(problems), []);
});
