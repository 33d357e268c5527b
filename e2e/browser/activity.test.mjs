// Who watches, against the real binary and the Plex simulator (whose seed has a watch history:
// alice and dave watch, erin stopped 75 days ago, carol never did): the friends list shows when
// each last watched, sorts by it and filters "Inactive for" through the address; the friend page
// counts plays; an admin sets the inactivity policy in Settings (the server's refusal shown by
// the field); the Inactive friends page lists erin as due, previews ending her access, confirms,
// and the simulator stops sharing her libraries. An auditor sees the policy read only and has no
// Inactive friends page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_NEW_PASSWORD, AUDITOR, apiJson, eventually, openPage, openPhone, screenshot, scrollsSideways, simShare, startSignedIn,
  stopAll, submitSignIn, syncNow, unexpectedProblems, waitForPath,
} from './harness.mjs';

const ALICE = 2100001;
const CAROL = 2100003;
const ERIN = 2100006;
const TV_SHOWS_PLEX_ID = 118251661;
const MUSIC_PLEX_ID = 118300417;

let sim;
let server;
let browser;
let page;
let problems;
let adminToken;

const api = (method, path, body) => apiJson(server.url, adminToken, method, path, body);
const nav = () => page.getByRole('navigation', { name: 'Main' });


/** The friends table's rows' plex.tv account ids, top to bottom. */
async function rowAccounts() {
  const ids = await page.getByTestId('friends').locator('tbody tr')
    .evaluateAll((rows) => rows.map((r) => r.dataset.testid));
  return ids.filter(Boolean).map((id) => Number(id.replace('friend-', '')));
}

before(async () => {
  ({ sim, server, browser, page, problems, adminToken } = await startSignedIn({
    simulator: true, accounts: [AUDITOR],
  }));
  await syncNow(server.url, adminToken);
});

after(() => stopAll({ browser, server, sim }));

test('the friends list shows who last watched, sorts by it and filters the inactive', async () => {
  await nav().getByRole('link', { name: 'Friends' }).click();
  await waitForPath(page, '/friends');
  const table = page.getByTestId('friends');
  await table.getByTestId(`friend-${ERIN}`).waitFor();
  const watched = (account) => table.getByTestId(`friend-${account}`).getByTestId('last-watched');
  assert.equal(await watched(ERIN).textContent(), '75 days ago');
  assert.equal(await watched(CAROL).textContent(), 'Never');
  // Alice played yesterday and plays now: minutes or hours, never days.
  assert.match(await watched(ALICE).textContent(), /^(just now|\d+ (minute|hour)s? ago)$/);
  // The exact time is in the title, in the server's time zone.
  assert.match(await watched(ERIN).getAttribute('title'), /\d:\d\d.* \(.+\)$/);

  // Longest idle first: those never seen, then erin, then those who watch.
  await page.getByLabel('Sort by').selectOption('last_watched');
  await eventually('the list sorted by last watched', async () => {
    const order = await rowAccounts();
    return order.indexOf(CAROL) >= 0 && order.indexOf(CAROL) < order.indexOf(ERIN)
      && order.indexOf(ERIN) < order.indexOf(ALICE);
  });

  // "Inactive for 60+ days" goes into the address and leaves out those who watch.
  await page.getByTestId('friends-inactive').selectOption('60');
  await waitForPath(page, '/friends', { search: '?inactive_days=60' });
  await table.getByTestId(`friend-${ALICE}`).waitFor({ state: 'detached' });
  assert.ok((await rowAccounts()).includes(ERIN));
  assert.ok((await rowAccounts()).includes(CAROL));
  await screenshot(page, 'activity-friends-inactive');

  // A reload (or a shared link) keeps the filter.
  await page.reload();
  await table.getByTestId(`friend-${ERIN}`).waitFor();
  assert.equal(await page.getByTestId('friends-inactive').inputValue(), '60');
  assert.equal(await table.getByTestId(`friend-${ALICE}`).count(), 0);
  await page.getByTestId('friends-inactive').selectOption('');
  await table.getByTestId(`friend-${ALICE}`).waitFor();
  assert.equal(new URL(page.url()).search, '');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('the friend page counts plays, in all and per library', async () => {
  const erin = (await api('GET', '/api/v1/plex-users')).items.find((f) => f.plex_account_id === ERIN);
  await page.goto(`${server.url}/friends/${erin.id}`);
  const card = page.getByTestId('friend-activity');
  await card.getByTestId('activity-last').waitFor();
  assert.match(await card.getByTestId('activity-last').textContent(), /^Last watched 75 days ago: .+/);
  assert.equal(await card.getByTestId('activity-plays').textContent(), '0 plays in 30 days · 2 plays in 90 days');
  const libraries = await card.getByTestId('activity-libraries').locator('tbody tr').allTextContents();
  assert.equal(libraries.length, 2, libraries.join(' | '));
  assert.equal(await card.getByTestId('activity-now').count(), 0);

  // Alice plays something now (the seed's session on the LAN).
  const alice = (await api('GET', '/api/v1/plex-users')).items.find((f) => f.plex_account_id === ALICE);
  await page.goto(`${server.url}/friends/${alice.id}`);
  await card.getByTestId('activity-now').waitFor();
  assert.match(await card.getByTestId('activity-now').textContent(), /^Watching now .+/);
  assert.match(await card.getByTestId('activity-plays').textContent(), /^[1-9]\d* plays? in 30 days · [1-9]\d* plays in 90 days$/);
  await screenshot(page, 'activity-friend');

  // Carol was never seen watching.
  const carol = (await api('GET', '/api/v1/plex-users')).items.find((f) => f.plex_account_id === CAROL);
  await page.goto(`${server.url}/friends/${carol.id}`);
  await card.getByTestId('activity-empty').waitFor();
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('an admin sets the inactivity policy, and the server\'s refusal shows by its field', async () => {
  await page.goto(`${server.url}/settings`);
  const card = page.getByTestId('inactivity-settings');
  await card.getByTestId('inactivity-state').filter({ hasText: /^Off\./ }).waitFor();

  await card.getByTestId('inactivity-enabled').check();
  await card.getByTestId('inactivity-days').fill('0');
  await card.getByTestId('inactivity-save').click();
  const days = card.getByTestId('inactivity-days');
  await eventually('the days field marked wrong', async () => (await days.getAttribute('aria-invalid')) === 'true');
  assert.notEqual((await card.locator('#inactivity-days-error').textContent()).trim(), '');
  assert.equal((await api('GET', '/api/v1/settings/inactivity')).enabled, false, 'nothing saved');

  await days.fill('70');
  await card.getByTestId('inactivity-action').selectOption('end_access');
  await card.getByTestId('inactivity-remind').fill('10');
  await card.getByTestId('inactivity-save').click();
  await card.getByTestId('inactivity-saved')
    .filter({ hasText: 'Saved. After 70 days without watching: end their access (reminded 10 days before).' })
    .waitFor();
  await card.getByTestId('inactivity-state').filter({ hasText: 'Each due friend waits for your confirmation.' }).waitFor();
  const saved = await api('GET', '/api/v1/settings/inactivity');
  assert.deepEqual(saved, { enabled: true, days: 70, action: 'end_access', remind_days_before: 10, automatic: false });
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('the Inactive friends page previews ending erin\'s access, and confirming ends it in Plex', async () => {
  await nav().getByRole('link', { name: 'Friends' }).click();
  await waitForPath(page, '/friends');
  await page.getByTestId('friends-inactive-link').click();
  await waitForPath(page, '/inactive');
  const view = page.getByTestId('inactive-friends');
  const erin = (await api('GET', '/api/v1/plex-users')).items.find((f) => f.plex_account_id === ERIN);
  const row = view.getByTestId(`inactive-${erin.id}`);
  await row.waitFor();
  assert.equal(await row.getAttribute('data-stage'), 'due');
  assert.equal(await row.getByTestId('inactive-stage').textContent(), 'Due');
  assert.match(await row.textContent(), /75 days/);
  // Only erin has stopped long enough; nothing is confirmed yet.
  assert.equal(await view.locator('tbody tr').count(), 1);
  const confirm = view.getByTestId('inactive-confirm');
  assert.equal(await confirm.textContent(), 'End access…');
  assert.equal(await confirm.isDisabled(), true);

  await row.getByRole('checkbox', { name: /^Select / }).check();
  await view.getByTestId('inactive-selected').filter({ hasText: '1 selected' }).waitFor();
  await confirm.click();
  const dialog = page.getByRole('dialog');
  const plan = dialog.getByTestId('inactive-plan');
  await plan.waitFor();
  assert.match(await plan.textContent(), /^erin: /);
  await screenshot(page, 'activity-inactive-preview');
  // The preview changed nothing.
  const before = await simShare(sim, ERIN);
  assert.ok(before.sectionIds.includes(TV_SHOWS_PLEX_ID) && before.sectionIds.includes(MUSIC_PLEX_ID));

  await dialog.getByTestId('inactive-apply').click();
  await dialog.getByTestId('inactive-done').filter({ hasText: 'Done: saved and applied for 1 friend.' }).waitFor();
  const after = await simShare(sim, ERIN);
  assert.ok(!after || (!after.sectionIds.includes(TV_SHOWS_PLEX_ID) && !after.sectionIds.includes(MUSIC_PLEX_ID)),
    JSON.stringify(after));
  await dialog.locator('.actions').getByRole('button', { name: 'Close' }).click();
  // With no access left she is no longer the policy's concern.
  await view.getByTestId('inactive-empty').waitFor();

  const audit = await api('GET', '/api/v1/audit?action=inactivity.end_access');
  assert.equal(audit.items.length, 1, JSON.stringify(audit.items));
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('on a phone the Inactive friends page fits the screen', async () => {
  const phone = await openPhone(browser, problems);
  await phone.goto(`${server.url}/`);
  await submitSignIn(phone, 'admin', ADMIN_NEW_PASSWORD);
  await waitForPath(phone, '/');
  await phone.goto(`${server.url}/inactive`);
  await phone.getByTestId('inactive-policy').waitFor();
  assert.equal(await scrollsSideways(phone), false, 'no sideways scrolling at 390 px');
  await screenshot(phone, 'activity-inactive-phone');
  await phone.context().close();
});

test('an auditor sees the policy read only and has no Inactive friends page', async () => {
  const auditor = await openPage(browser, problems);
  await auditor.goto(`${server.url}/`);
  await submitSignIn(auditor, AUDITOR.username, AUDITOR.password);
  await waitForPath(auditor, '/');
  await auditor.goto(`${server.url}/friends`);
  await auditor.getByTestId('friends').waitFor();
  assert.equal(await auditor.getByTestId('friends-inactive-link').count(), 0);
  await auditor.goto(`${server.url}/settings`);
  const card = auditor.getByTestId('inactivity-settings');
  await card.getByTestId('inactivity-state').filter({ hasText: /^On\./ }).waitFor();
  assert.equal(await card.getByTestId('inactivity-save').count(), 0);
  assert.equal(await card.getByTestId('inactivity-days').isDisabled(), true);
  await auditor.goto(`${server.url}/inactive`);
  await auditor.getByTestId('forbidden').waitFor();
  await auditor.context().close();
  assert.deepEqual(unexpectedProblems(problems), []);
});
