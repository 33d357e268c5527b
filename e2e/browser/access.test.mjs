// Changing access in the browser, against the real binary and the Plex simulator: a moderator
// syncs, gives a friend a library ending in a few minutes and sees it applied (and the simulator
// agrees); the timeline marks today and explains its bars; the friends filter and a bulk preview
// and apply; an auditor sees a friend read-only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  AUDITOR, MODERATOR, apiJson, eventually, screenshot, signInAs, startSignedIn, stopAll,
  unexpectedProblems, waitForPath,
} from './harness.mjs';

const ALICE = 2100001;
const TV_SHOWS_PLEX_ID = 118251661;
const MOVIES_PLEX_ID = 118181361;
const MUSIC_PLEX_ID = 118300417;

let sim;
let server;
let browser;
let page;
let problems;
let adminToken;

/** A JSON call to Plexward's API as the admin (Bearer token). */
function api(method, path, body) {
  return apiJson(server.url, adminToken, method, path, body);
}

/** The simulator's whole state. */
async function simState() {
  const response = await fetch(`${sim.plextv}/__sim/state`);
  assert.ok(response.ok);
  return response.json();
}

/** `YYYY-MM-DDTHH:MM` of `date` on the clocks of IANA zone `zone` (a datetime-local value). */
function wallClock(date, zone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit',
    }).formatToParts(date).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}`;
}

const nav = () => page.getByRole('navigation', { name: 'Main' });

before(async () => {
  ({ sim, server, browser, page, problems, adminToken } = await startSignedIn({
    simulator: true, accounts: [MODERATOR, AUDITOR],
  }));
});

after(() => stopAll({ browser, server, sim }));

test('a moderator syncs, gives a friend a library ending in minutes, and sees it applied on Plex', async () => {
  await signInAs(page, MODERATOR);
  await page.getByRole('button', { name: 'Sync with Plex' }).click();
  await page.getByTestId('sync-report').waitFor();

  await nav().getByRole('link', { name: 'Friends' }).click();
  await waitForPath(page, '/friends');
  await page.getByTestId(`friend-${ALICE}`).getByRole('link', { name: 'alice' }).click();
  await page.getByRole('heading', { name: 'alice', level: 1 }).waitFor();
  await page.getByTestId('apply-state').waitFor();

  const zone = (await page.getByTestId('zone').textContent()).replace(/^Times in /, '').trim();
  const tv = page.getByTestId('grants').getByRole('row').filter({ hasText: 'TV Shows' });
  await tv.getByRole('checkbox').check();
  // Minute precision: three minutes from now ends two to three minutes from now.
  const end = wallClock(new Date(Date.now() + 3 * 60_000), zone);
  await page.getByLabel('TV Shows ends').fill(end);

  // A window that ends before it starts: the API's field error lands on the TV Shows row.
  await page.getByLabel('TV Shows starts').fill(wallClock(new Date(Date.now() + 3 * 3_600_000), zone));
  await page.getByRole('button', { name: 'Save' }).click();
  await tv.locator('.field-error').filter({ hasText: /^End: / }).waitFor();
  assert.equal(await page.getByTestId('plan').count(), 0);
  await page.getByLabel('TV Shows starts').fill('');

  // The anchor-free default: Default is an ordinary library here, so its box is editable.
  await page.getByRole('button', { name: 'Save' }).click();
  const plan = page.getByTestId('plan');
  await plan.waitFor();
  assert.match(await plan.textContent(), /Add TV Shows/);
  await screenshot(page, 'access-plan');
  await page.getByRole('button', { name: 'Confirm' }).click();
  const outcome = page.getByTestId('change-outcome');
  await outcome.filter({ hasText: 'Applied on Plex ✓' }).waitFor();
  await screenshot(page, 'access-applied');

  const share = (await simState()).shares.find((s) => s.userId === ALICE);
  assert.ok(share, 'alice still has a share');
  assert.ok(share.sectionIds.includes(TV_SHOWS_PLEX_ID), JSON.stringify(share));
  assert.ok(share.sectionIds.includes(MOVIES_PLEX_ID), JSON.stringify(share));

  // The friends list says when it ends.
  await nav().getByRole('link', { name: 'Friends' }).click();
  const row = page.getByTestId(`friend-${ALICE}`);
  await row.waitFor();
  if (process.env.DEBUG_E2E) console.log('ROW', await row.textContent());
  await row.filter({ hasText: /TV Shows ends in [1-3] m/ }).waitFor();
  assert.match(await row.textContent(), /TV Shows/);
  // History shows the change.
  await row.getByRole('link', { name: 'alice' }).click();
  await page.getByTestId('history').getByText('mo').first().waitFor();
});

test('the timelines mark today and explain their bars on hover and tap', async () => {
  // alice's page: one bar per library, today marked, a title on every bar.
  const timeline = page.getByTestId('friend-timeline');
  await timeline.waitFor();
  const svg = timeline.getByRole('img');
  assert.match(await svg.getAttribute('aria-label'), /Access windows of alice/);
  assert.equal(await timeline.getByTestId('timeline-today').count(), 1);
  const titles = await timeline.locator('g.tl-item > title').allTextContents();
  assert.ok(titles.some((t) => /^TV Shows: from .* until /.test(t)), titles.join(' | '));
  // Tap (click) a bar: its exact times are shown under the chart.
  const tvBar = timeline.locator('g.tl-item').filter({ has: page.locator('title', { hasText: /^TV Shows/ }) });
  await tvBar.click();
  await timeline.getByTestId('timeline-detail').filter({ hasText: /^TV Shows: from/ }).waitFor();

  // The dashboard: alice loses TV Shows within 30 days.
  await nav().getByRole('link', { name: 'Dashboard' }).click();
  await waitForPath(page, '/');
  const upcoming = page.getByTestId('upcoming-timeline');
  await upcoming.waitFor();
  await upcoming.getByTestId('timeline-today').waitFor();
  const edge = upcoming.locator('g.tl-item').filter({ has: page.locator('title', { hasText: 'alice loses TV Shows' }) });
  await edge.waitFor();
  await edge.hover();
  await edge.focus();
  await upcoming.getByTestId('timeline-detail').filter({ hasText: 'alice loses TV Shows at' }).waitFor();
  assert.match(await upcoming.getByRole('img').getAttribute('aria-label'), /1 friend in the next 30 days/);
  await page.getByRole('button', { name: '90 days' }).click();
  await page.waitForFunction(() => document
    .querySelector('[data-testid="upcoming-timeline"] svg')
    ?.getAttribute('aria-label')
    ?.includes('next 90 days'));
  await screenshot(page, 'access-dashboard');
});

test('the friends filter narrows the list; a bulk change is previewed in words, then applied', async () => {
  await nav().getByRole('link', { name: 'Friends' }).click();
  await waitForPath(page, '/friends');
  const table = page.getByTestId('friends');
  await table.getByTestId(`friend-${ALICE}`).waitFor();
  await page.getByLabel('Status').selectOption('pending');
  await table.getByTestId(`friend-${ALICE}`).waitFor({ state: 'detached' });
  const rows = table.locator('tbody tr');
  assert.equal(await rows.count(), 2);
  assert.match(await table.textContent(), /bob@example\.com/);
  assert.match(await table.textContent(), /pending@example\.com/);

  await page.getByLabel('Select all shown friends').check();
  await page.getByTestId('selected-count').filter({ hasText: '2 selected' }).waitFor();
  await page.getByRole('button', { name: 'Bulk change…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Bulk change for 2 friends' });
  await dialog.waitFor();
  await dialog.getByRole('group', { name: 'Libraries' }).getByLabel('Movies').check();
  await dialog.getByRole('button', { name: 'Preview' }).click();
  const plan = dialog.getByTestId('bulk-plan');
  await plan.waitFor();
  const lines = await plan.getByRole('listitem').allTextContents();
  assert.equal(lines.length, 2, lines.join(' | '));
  const bob = lines.find((l) => l.startsWith('bob'));
  assert.match(bob ?? '', /^bob: Add Movies, remove TV Shows$/);
  await screenshot(page, 'access-bulk-preview');

  await dialog.getByRole('button', { name: 'Apply' }).click();
  await dialog.getByTestId('bulk-done').waitFor({ timeout: 30_000 });
  await dialog.getByRole('button', { name: 'Close' }).first().click();
  const bobShare = (await simState()).shares.find((s) => s.userId === 2100002);
  assert.deepEqual(bobShare.sectionIds, [MOVIES_PLEX_ID]);
});

test('a save that lost to someone else\'s says what they changed, and can go on top', async () => {
  await signInAs(page, MODERATOR);
  await nav().getByRole('link', { name: 'Friends' }).click();
  await waitForPath(page, '/friends');
  await page.getByTestId(`friend-${ALICE}`).getByRole('link', { name: 'alice' }).click();
  const grants = page.getByTestId('grants');
  await grants.waitFor();

  // Meanwhile the admin, elsewhere, gives alice Music until June.
  const alice = (await api('GET', '/api/v1/plex-users')).items.find((f) => f.plex_account_id === ALICE);
  const library = (title) => api('GET', '/api/v1/libraries').then((l) => l.items.find((x) => x.title === title));
  const [music, photos] = [await library('Music'), await library('Photos')];
  const before = await api('GET', `/api/v1/plex-users/${alice.id}`);
  const kept = before.grants.map(({ library_id, starts_at, ends_at }) => ({ library_id, starts_at, ends_at }));
  await api('PUT', `/api/v1/plex-users/${alice.id}/grants`, {
    grants: [...kept, { library_id: music.id, ends_at: '2027-06-30T18:00:00Z' }],
  });

  // The moderator, on the page read before that, adds Photos and saves: refused, in words.
  await grants.getByRole('row').filter({ hasText: 'Photos' }).getByRole('checkbox').check();
  await page.getByRole('button', { name: 'Save' }).click();
  const stale = page.getByTestId('grants-stale');
  await stale.waitFor();
  const words = await stale.getByTestId('stale-changes').textContent();
  assert.match(words, /alice was given Music until .*2027.* by admin at /);
  await screenshot(page, 'stale-dialog');

  // Their edit goes on top: previewed, confirmed, saved at the new version.
  await page.getByRole('button', { name: 'Apply mine on top' }).click();
  await page.getByTestId('plan').waitFor();
  await page.getByRole('button', { name: 'Confirm' }).click();
  const after = await eventually('the edit saved on top', async () => {
    const d = await api('GET', `/api/v1/plex-users/${alice.id}`);
    return d.version === before.version + 2 ? d : null;
  });
  const ids = after.grants.map((g) => g.library_id);
  assert.ok(ids.includes(photos.id), JSON.stringify(after.grants));
  assert.ok(!ids.includes(music.id), 'mine replaced theirs');
});

test('grants go out as CSV and an edited file comes back: bad lines named, previewed, applied', async () => {
  await signInAs(page, MODERATOR);
  await nav().getByRole('link', { name: 'Friends' }).click();
  await waitForPath(page, '/friends');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('button', { name: 'Export CSV' }).click(),
  ]);
  const csv = readFileSync(await download.path(), 'utf8');
  assert.match(csv, /^friend_id,plex_account_id,friend,email,library_id,library,starts_at,ends_at,repeat\r\n/);

  const alice = (await api('GET', '/api/v1/plex-users')).items.find((f) => f.plex_account_id === ALICE);
  await page.getByRole('button', { name: 'Import CSV…' }).click();
  const dialog = page.getByTestId('grants-import');
  const choose = (name, text) => dialog.getByTestId('grants-file')
    .setInputFiles({ name, mimeType: 'text/csv', buffer: Buffer.from(text) });
  await choose('bad.csv', `friend_id,library\r\n${alice.id},No Such Library\r\n`);
  await dialog.getByRole('button', { name: 'Preview' }).click();
  await dialog.getByTestId('import-errors').filter({ hasText: 'Line 2, library' }).waitFor();

  // The export with one more row: alice gets Music.
  await choose('grants.csv', `${csv}${alice.id},,,,,Music,,\r\n`);
  await dialog.getByRole('button', { name: 'Preview' }).click();
  const preview = dialog.getByTestId('import-preview');
  await preview.waitFor();
  assert.match(await preview.textContent(), /^1 to change/);
  assert.match(await preview.textContent(), /alice/);
  await screenshot(page, 'grants-import-preview');
  await dialog.getByRole('button', { name: 'Apply' }).click();
  await dialog.getByTestId('import-done').waitFor();
  await eventually('alice has Music on Plex', async () => {
    const share = (await simState()).shares.find((s) => s.userId === ALICE);
    return share?.sectionIds.includes(MUSIC_PLEX_ID);
  });
  await page.keyboard.press('Escape');
});

test('a weekly window shows in words and survives an edit of the friend\'s other libraries', async () => {
  const alice = (await api('GET', '/api/v1/plex-users')).items.find((f) => f.plex_account_id === ALICE);
  const libraries = (await api('GET', '/api/v1/libraries')).items;
  const id = (title) => libraries.find((l) => l.title === title).id;
  await api('PUT', `/api/v1/plex-users/${alice.id}/grants`, {
    grants: [
      { library_id: id('Movies') },
      { library_id: id('TV Shows'), repeat: { days: ['fri', 'sat'], from: '18:00', to: '23:30' } },
    ],
  });

  await signInAs(page, MODERATOR);
  await page.goto(`${server.url}/friends/${alice.id}`);
  const weekly = page.getByTestId(`weekly-${id('TV Shows')}`);
  await weekly.filter({ hasText: 'Every Fri, Sat 18:00–23:30' }).waitFor();
  await weekly.getByText(/^Next: /).waitFor();
  assert.ok(await page.getByLabel('TV Shows starts').isDisabled(), 'one window or weekly, not both');
  await screenshot(page, 'weekly-window');

  // Sundays too, edited in place: the words follow as you type.
  await page.getByLabel('TV Shows on Sun').check();
  await weekly.filter({ hasText: 'Every Fri, Sat, Sun 18:00–23:30' }).waitFor();
  // And Music, as one window: the TV rule goes out with the edit.
  await page.getByTestId('grants').getByRole('row').filter({ hasText: 'Music' })
    .getByRole('checkbox', { name: 'Music', exact: true }).check();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('plan').waitFor();
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByTestId('change-outcome').filter({ hasText: 'Applied on Plex ✓' }).waitFor();
  const detail = await api('GET', `/api/v1/plex-users/${alice.id}`);
  const tv = detail.grants.find((g) => g.library_id === id('TV Shows'));
  assert.deepEqual(tv.repeat, { days: ['fri', 'sat', 'sun'], from: '18:00', to: '23:30' });
  assert.equal(tv.next_occurrences.length, 4);
  assert.ok(detail.grants.some((g) => g.library_id === id('Music')));
});

test('a library is made weekly from the friend page, and back to one window', async () => {
  const alice = (await api('GET', '/api/v1/plex-users')).items.find((f) => f.plex_account_id === ALICE);
  await signInAs(page, MODERATOR);
  await page.goto(`${server.url}/friends/${alice.id}`);
  const photos = page.getByTestId('grants').getByRole('row').filter({ hasText: 'Photos' });
  await photos.getByRole('checkbox', { name: 'Photos', exact: true }).check();
  await page.getByRole('button', { name: 'Repeat Photos weekly' }).click();
  await page.getByLabel('Photos on Fri').uncheck();
  await page.getByLabel('Photos on Mon').check();
  await page.getByLabel('Photos weekly from').fill('22:00');
  await page.getByLabel('Photos weekly to').fill('02:00');
  await photos.filter({ hasText: 'Every Mon, Sat 22:00–02:00 (next day)' }).waitFor();
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('plan').waitFor();
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByTestId('change-outcome').waitFor();
  const libraries = (await api('GET', '/api/v1/libraries')).items;
  const photosId = libraries.find((l) => l.title === 'Photos').id;
  const saved = (await api('GET', `/api/v1/plex-users/${alice.id}`)).grants.find((g) => g.library_id === photosId);
  assert.deepEqual(saved.repeat, { days: ['mon', 'sat'], from: '22:00', to: '02:00' });

  // Back to one window: the rule goes, the pickers come back.
  await page.reload();
  await page.getByTestId(`weekly-${photosId}`).getByRole('button', { name: 'One window instead' }).click();
  assert.ok(!(await page.getByLabel('Photos starts').isDisabled()));
  await page.getByRole('button', { name: 'Save' }).click();
  await page.getByTestId('plan').waitFor();
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByTestId('change-outcome').waitFor();
  const after = (await api('GET', `/api/v1/plex-users/${alice.id}`)).grants.find((g) => g.library_id === photosId);
  assert.equal(after.repeat, undefined);
});

test('an auditor sees a friend read-only', async () => {
  await signInAs(page, AUDITOR);
  await nav().getByRole('link', { name: 'Friends' }).click();
  await waitForPath(page, '/friends');
  await page.getByTestId(`friend-${ALICE}`).waitFor();
  assert.equal(await page.getByRole('button', { name: 'Bulk change…' }).count(), 0);
  assert.equal(await page.getByTestId('friends').getByRole('checkbox').count(), 0);

  await page.getByTestId(`friend-${ALICE}`).getByRole('link', { name: 'alice' }).click();
  const grants = page.getByTestId('grants');
  await grants.waitFor();
  const inputs = grants.locator('input');
  assert.ok((await inputs.count()) >= 10);
  for (const input of await inputs.all()) {
    assert.ok(await input.isDisabled(), await input.evaluate((e) => e.outerHTML));
  }
  for (const name of ['Save', '+1 week', '+1 month', '+1 year', 'Unlimited', 'Confirm']) {
    assert.equal(await page.getByRole('button', { name }).count(), 0, name);
  }
  await page.getByTestId('history').waitFor();
  await screenshot(page, 'access-auditor');
  assert.deepEqual(unexpectedProblems(problems), []);
});
