// A friend's whole life in the browser, against the real binary and the Plex simulator: a
// moderator makes an access plan, invites a new friend with it (preview of what Plex receives,
// then sent: pending on Plex, "Invited" in the list, on the Invites page), sends it again and
// cancels it; gives the plan to an existing friend from their page; and chooses what happens at
// the end of a friend's access (in words before saving). The admin sets the default end policy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_NEW_PASSWORD, MODERATOR, apiJson, eventually, screenshot, signInAs, startSignedIn,
  stopAll, unexpectedProblems, waitForPath,
} from './harness.mjs';

const ALICE = 2100001;
const MOVIES_PLEX_ID = 118181361;
const TV_PLEX_ID = 118251661;

let sim;
let server;
let browser;
let page;
let problems;
let adminToken;
let libraries;

function api(method, path, body) {
  return apiJson(server.url, adminToken, method, path, body);
}

async function simState() {
  const response = await fetch(`${sim.plextv}/__sim/state`);
  assert.ok(response.ok);
  return response.json();
}

const nav = () => page.getByRole('navigation', { name: 'Main' });
const libraryId = (title) => libraries.find((l) => l.title === title).id;

before(async () => {
  ({ sim, server, browser, page, problems, adminToken } = await startSignedIn({
    simulator: true, accounts: [MODERATOR],
  }));
  const job = await api('POST', '/api/v1/sync');
  await eventually('the first sync', async () => {
    const now = await api('GET', `/api/v1/jobs/${job.job_id}`);
    return now.state === 'succeeded';
  });
  libraries = (await api('GET', '/api/v1/libraries')).items;
});

after(() => stopAll({ browser, server, sim }));

test('a moderator makes an access plan, seen in words', async () => {
  await signInAs(page, MODERATOR);
  await nav().getByRole('link', { name: 'Plans' }).click();
  await waitForPath(page, '/plans');
  await page.getByTestId('plans-new').click();
  const form = page.getByTestId('plan-form');
  await form.waitFor();
  await page.getByTestId('plan-name').fill('Trial — Movies + TV, 14 days');
  for (const title of ['Movies', 'TV Shows']) {
    await page.getByTestId(`plan-library-${libraryId(title)}`).check();
    await page.getByTestId(`plan-duration-${libraryId(title)}`).fill('14 days');
  }
  await page.getByTestId('plan-end-policy').selectOption('remove_share');
  assert.match(await page.getByTestId('plan-end-policy-words').textContent(), /share ends/);
  await screenshot(page, 'lifecycle-plan-form');
  await page.getByTestId('plan-save').click();
  const plans = await eventually('the plan saved', async () => {
    const list = await api('GET', '/api/v1/plans');
    return list.total === 1 && list.items;
  });
  const summary = page.getByTestId(`plan-summary-${plans[0].id}`);
  await summary.waitFor();
  assert.equal(await summary.textContent(), 'Movies and TV Shows for 2 weeks from when given');
  assert.equal(plans[0].end_policy, 'remove_share');
  await screenshot(page, 'lifecycle-plans');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('a moderator invites a new friend with the plan, sends it again, and cancels it', async () => {
  await nav().getByRole('link', { name: 'Friends' }).click();
  await waitForPath(page, '/friends');
  await page.getByTestId('friends-invite').click();
  await page.getByTestId('invite-identifier').fill('cousin@example.com');
  await page.getByTestId('invite-plan').selectOption({ label: 'Trial — Movies + TV, 14 days' });
  await page.getByTestId('invite-preview').click();
  const preview = page.getByTestId('invite-plan-preview');
  await preview.waitFor();
  assert.match(await preview.textContent(), /for 2 weeks from acceptance/);
  assert.match(await page.getByTestId('invite-sent-libraries').textContent(), /Movies/);
  assert.equal((await simState()).shares.length, 6, 'a preview sends nothing');
  await screenshot(page, 'lifecycle-invite-preview');

  await page.getByTestId('invite-send').click();
  await page.getByTestId('invite-sent').waitFor();
  const invited = await eventually('the share on Plex', async () => {
    const state = await simState();
    const account = state.accounts.find((a) => a.email === 'cousin@example.com');
    return account && state.shares.find((s) => s.userId === account.id);
  });
  assert.deepEqual([...invited.sectionIds].sort(), [MOVIES_PLEX_ID, TV_PLEX_ID].sort());
  assert.equal(invited.acceptedAt, null, 'pending until they accept');
  await screenshot(page, 'lifecycle-invite-sent');
  await page.getByTestId('invite-close').click();

  // "Invited" in the friends list, and on the Invites page.
  const row = page.getByTestId(`friend-${invited.userId}`);
  await row.waitFor();
  assert.match(await row.textContent(), /cousin@example\.com/);
  assert.match(await row.textContent(), /Invited|Pending/i);
  await nav().getByRole('link', { name: 'Invites' }).click();
  await waitForPath(page, '/invites');
  const [invite] = (await api('GET', '/api/v1/invites?state=pending')).items;
  assert.equal(invite.identifier, 'cousin@example.com');
  await page.getByTestId(`invite-state-${invite.id}`).filter({ hasText: /pending/i }).waitFor();
  await screenshot(page, 'lifecycle-invites');

  await page.getByTestId(`invite-resend-${invite.id}`).click();
  await page.getByTestId('invite-action-done').waitFor();
  await eventually('a new invite on Plex', async () => {
    const state = await simState();
    const share = state.shares.find((s) => s.userId === invited.userId);
    return share && share.id !== invited.id;
  });

  await page.getByTestId(`invite-cancel-${invite.id}`).click();
  await page.getByTestId('invite-cancel-confirm').click();
  await page.getByTestId(`invite-state-${invite.id}`).filter({ hasText: /cancelled/i }).waitFor();
  const state = await simState();
  assert.equal(state.shares.find((s) => s.userId === invited.userId), undefined, 'withdrawn on Plex');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('a friend is given the plan from their page, previewed first', async () => {
  await nav().getByRole('link', { name: 'Friends' }).click();
  await page.getByTestId(`friend-${ALICE}`).getByRole('link', { name: 'alice' }).click();
  await page.getByTestId('friend-give-plan').waitFor();
  await page.getByTestId('friend-give-plan').selectOption({ label: 'Trial — Movies + TV, 14 days (v1)' });
  await page.getByTestId('friend-give-plan-preview').click();
  await page.getByTestId('friend-give-plan-result').waitFor();
  await page.getByTestId('friend-give-plan-confirm').click();
  const given = page.getByTestId('friend-access-plan');
  await given.filter({ hasText: /Trial — Movies \+ TV, 14 days/ }).waitFor();
  assert.match(await given.textContent(), /v1/);
  await eventually('alice has Movies and TV on Plex', async () => {
    const share = (await simState()).shares.find((s) => s.userId === ALICE);
    return share && share.sectionIds.includes(TV_PLEX_ID) && share.sectionIds.includes(MOVIES_PLEX_ID);
  });
  await screenshot(page, 'lifecycle-plan-given');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('a moderator chooses what happens when a friend\'s access ends, in words first', async () => {
  const select = page.getByTestId('end-policy-select');
  await select.waitFor();
  // The plan said remove_share.
  assert.equal(await select.inputValue(), 'remove_share');
  await select.selectOption('remove_friend');
  assert.match(
    await page.getByTestId('end-policy-words').textContent(),
    /removed from your Plex friends.*new invite/,
  );
  await screenshot(page, 'lifecycle-end-policy');
  await page.getByTestId('end-policy-save').click();
  await eventually('the policy saved', async () => {
    const alice = (await api('GET', '/api/v1/plex-users')).items.find((f) => f.plex_account_id === ALICE);
    const detail = await api('GET', `/api/v1/plex-users/${alice.id}`);
    return detail.end_policy.chosen === 'remove_friend';
  });
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('the admin sets the default end policy in Settings', async () => {
  await signInAs(page, { username: 'admin', password: ADMIN_NEW_PASSWORD, role: 'admin' });
  await nav().getByRole('link', { name: 'Settings' }).click();
  await waitForPath(page, '/settings');
  const select = page.getByTestId('plex-end-policy');
  await select.waitFor();
  await select.selectOption('remove_share');
  assert.match(await page.getByTestId('plex-end-policy-words').textContent(), /share ends/);
  await page.locator('form', { has: select }).getByRole('button', { name: 'Save', exact: true }).click();
  await eventually('the default saved', async () => {
    const settings = await api('GET', '/api/v1/settings/plex');
    return settings.end_policy === 'remove_share';
  });
  await screenshot(page, 'lifecycle-settings-end-policy');
  assert.deepEqual(unexpectedProblems(problems), []);
});
