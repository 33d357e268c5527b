// The Audit page in the browser, against the real binary and the Plex simulator: an auditor
// filters the trail by friend and action, pages through it (the filters, page size and page stay
// in the URL, so a reload or a link shows the same view), reads an event's before/after details,
// and exports the filtered rows as CSV; a sign-in attempt's username full of markup shows as text;
// the friend page shows that friend's history and links to the trail filtered to them; a
// moderator reads the trail but cannot export it (no button, and the API says 403).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  AUDITOR, MODERATOR, apiCall, apiJson, eventually, screenshot, signInAs, startSignedIn, stopAll,
  unexpectedProblems, waitForPath,
} from './harness.mjs';

const ALICE = 2100001;
const ERIN = 2100006;
/** grants.set events made for alice (erin gets two, which the friend filter must leave out). */
const ALICE_CHANGES = 23;
/** Under 64 characters, which the audit keeps of a name tried at sign-in. */
const MARKUP_NAME = '<script>window.__pwned=1</script><img src=x onerror=alert(1)>';
/** A failed sign-in's actor in the trail. */
const MARKUP_ACTOR = `anonymous (${MARKUP_NAME})`;

let sim;
let server;
let browser;
let page;
let problems;
let adminToken;
let aliceId;
let dialogs;

/** A call to Plexward's API, as the admin unless another token is given: { status, body }. */
function call(method, path, { body, token = adminToken } = {}) {
  return apiCall(server.url, token, method, path, body);
}

function api(method, path, body) {
  return apiJson(server.url, adminToken, method, path, body);
}

/** RFC 4180 CSV (quoted cells may hold commas, quotes and line breaks) → rows of cells. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 1; }
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i += 1; }
    else cell += c;
  }
  if (cell !== '' || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

const nav = () => page.getByRole('navigation', { name: 'Main' });
const rows = () => page.getByTestId('audit-events').locator('tbody tr');
const range = () => page.getByTestId('audit-range');
/** The ids of the events shown, top to bottom. */
const shownIds = () => rows().evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.testid.slice('audit-'.length))));

/** Waits for the range text, then for the rows to be the events `GET /api/v1/audit?…` gives. */
async function expectPage(query, rangeText) {
  await range().filter({ hasText: rangeText }).waitFor();
  const expected = (await api('GET', `/api/v1/audit?${query}`)).items.map((e) => e.id);
  await eventually(`rows ${expected}`, async () => JSON.stringify(await shownIds()) === JSON.stringify(expected));
  return expected;
}

before(async () => {
  ({ sim, server, browser, page, problems, dialogs, adminToken } = await startSignedIn({
    simulator: true, accounts: [MODERATOR, AUDITOR],
  }));
  await api('POST', '/api/v1/sync');
  const friends = await eventually('the friends from Plex', async () => {
    const items = (await api('GET', '/api/v1/plex-users')).items;
    return items.some((f) => f.plex_account_id === ERIN) && items;
  });
  const libraries = await eventually('the libraries from Plex', async () => {
    const items = (await api('GET', '/api/v1/libraries')).items;
    return items.length > 0 && items;
  });
  const idOf = (title) => libraries.find((l) => l.title === title).id;
  const friendId = (plexUserId) => friends.find((f) => f.plex_account_id === plexUserId).id;
  aliceId = friendId(ALICE);
  // Alternating sets, so every one is a change with a before and an after.
  for (let i = 0; i < ALICE_CHANGES; i += 1) {
    const grants = [{ library_id: idOf('Movies') }];
    if (i % 2 === 0) grants.push({ library_id: idOf('TV Shows') });
    await api('PUT', `/api/v1/plex-users/${aliceId}/grants`, { grants });
  }
  for (const titles of [['Movies'], ['Movies', 'TV Shows']]) {
    await api('PUT', `/api/v1/plex-users/${friendId(ERIN)}/grants`, {
      grants: titles.map((t) => ({ library_id: idOf(t) })),
    });
  }
});

after(() => stopAll({ browser, server, sim }));

test('an auditor filters the trail by friend and action and pages through it', async () => {
  await signInAs(page, AUDITOR);
  await nav().getByRole('link', { name: 'Audit' }).click();
  await waitForPath(page, '/audit');
  await page.getByRole('heading', { name: 'Audit trail', level: 1 }).waitFor();
  await rows().first().waitFor();

  // Choices apply at once and land in the URL.
  await page.getByLabel('Friend', { exact: true }).selectOption(String(aliceId));
  await waitForPath(page, '/audit', { search: `?friend_id=${aliceId}` });
  await page.getByLabel('Action', { exact: true }).selectOption('grants.set');
  const filters = `friend_id=${aliceId}&action=grants.set`;
  await waitForPath(page, '/audit', { search: `?action=grants.set&friend_id=${aliceId}` });
  await expectPage(filters, `1–${ALICE_CHANGES} of ${ALICE_CHANGES}`);
  for (const tr of await rows().all()) {
    assert.equal(await tr.getAttribute('data-action'), 'grants.set');
    assert.match(await tr.textContent(), new RegExp(`\\(friend #${aliceId}\\)`));
  }

  // Ten a page: newest first, Older and Newer move by ten, the last page stops Older.
  await page.getByLabel('Per page').selectOption('10');
  const first = await expectPage(`${filters}&limit=10`, `1–10 of ${ALICE_CHANGES}`);
  const newer = page.getByRole('button', { name: '← Newer' });
  const older = page.getByRole('button', { name: 'Older →' });
  assert.ok(await newer.isDisabled());
  await older.click();
  const second = await expectPage(`${filters}&limit=10&offset=10`, `11–20 of ${ALICE_CHANGES}`);
  assert.ok(Math.max(...second) < Math.min(...first), 'the second page is older');
  await older.click();
  await expectPage(`${filters}&limit=10&offset=20`, `21–23 of ${ALICE_CHANGES}`);
  assert.ok(await older.isDisabled());
  assert.equal((await shownIds()).length, 3);

  // The URL is the view: reloading it (or following it as a link) shows the same page.
  const search = new URL(page.url()).search;
  assert.equal(search, `?action=grants.set&friend_id=${aliceId}&limit=10&offset=20`);
  await page.reload();
  await expectPage(`${filters}&limit=10&offset=20`, `21–23 of ${ALICE_CHANGES}`);
  assert.equal(await page.getByLabel('Friend', { exact: true }).inputValue(), String(aliceId));
  assert.equal(await page.getByLabel('Action', { exact: true }).inputValue(), 'grants.set');
  await page.goBack();
  await expectPage(`${filters}&limit=10&offset=10`, `11–20 of ${ALICE_CHANGES}`);
  await newer.click();
  await expectPage(`${filters}&limit=10`, `1–10 of ${ALICE_CHANGES}`);

  // Before and after, readable behind "Details".
  const top = rows().first();
  await top.getByText('Details').click();
  const details = await top.locator('pre').textContent();
  const parsed = JSON.parse(details);
  assert.ok('before' in parsed && 'after' in parsed, details);
  assert.match(details, /\n {2}"/, 'indented');
  await screenshot(page, 'audit');
});

test('the export downloads the filtered rows as CSV', async () => {
  const link = page.getByRole('link', { name: 'Export CSV' });
  assert.equal(
    await link.getAttribute('href'),
    `/api/v1/audit/export?action=grants.set&friend_id=${aliceId}`,
  );
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  assert.equal(download.suggestedFilename(), 'plexward-audit.csv');
  const csv = parseCsv(readFileSync(await download.path(), 'utf8'));
  const [header, ...events] = csv;
  assert.deepEqual(header, ['id', 'at', 'actor', 'action', 'outcome', 'target_type', 'target_id', 'ip', 'details', 'via_token_id', 'via_token', 'count']);
  // All the matches (not only the page shown), and nothing else.
  assert.equal(events.length, ALICE_CHANGES);
  for (const [, , actor, action, outcome, targetType, targetId] of events) {
    assert.deepEqual([actor, action, outcome, targetType, targetId], ['admin', 'grants.set', 'success', 'plex_user', String(aliceId)]);
  }
  const expected = (await api('GET', `/api/v1/audit?friend_id=${aliceId}&action=grants.set`)).items.map((e) => String(e.id));
  assert.deepEqual(events.map((e) => e[0]), expected);
  // Still on the page.
  assert.equal(new URL(page.url()).pathname, '/audit');
});

test('a sign-in attempt with markup for a username shows as text', async () => {
  const attempt = await call('POST', '/api/v1/auth/login', {
    body: { username: MARKUP_NAME, password: 'not the password at all' },
    token: null,
  });
  assert.equal(attempt.status, 401);
  await page.getByRole('button', { name: 'Clear' }).click();
  await waitForPath(page, '/audit', { search: '?limit=10' });
  await page.getByLabel('Who').fill(MARKUP_ACTOR);
  await page.getByRole('button', { name: 'Apply' }).click();
  await page.waitForURL((url) => url.searchParams.get('actor') === MARKUP_ACTOR);
  assert.equal(new URL(page.url()).searchParams.get('limit'), '10');
  const row = rows().first();
  await row.locator('.audit-actor', { hasText: MARKUP_ACTOR }).waitFor();
  assert.equal(await row.locator('.audit-actor').textContent(), MARKUP_ACTOR);
  assert.equal(await row.getAttribute('data-action'), 'auth.login');
  assert.equal(await row.getAttribute('data-outcome'), 'failure');
  assert.equal(await page.getByTestId('audit-events').locator('script, img').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(dialogs, []);
});

test('Live puts new matching events on top as they are written, and only those', async () => {
  await page.goto(`${server.url}/audit?action=auth.login&outcome=failure&offset=10`);
  await range().waitFor();
  await page.getByRole('button', { name: 'Live' }).click();
  // Live shows what is new: it goes back to the first page.
  await page.waitForURL((url) => !url.searchParams.has('offset'));
  await page.getByTestId('live-status').filter({ hasText: /^Live:/ }).waitFor();
  const before = await shownIds();
  const name = `live-${Date.now()}`;
  // A success (filtered out), then a failure: only the failure appears.
  await call('POST', '/api/v1/auth/login', { body: { username: AUDITOR.username, password: AUDITOR.password }, token: null });
  const refused = await call('POST', '/api/v1/auth/login', { body: { username: name, password: 'wrong wrong wrong' }, token: null });
  assert.equal(refused.status, 401);
  const top = rows().first();
  await top.locator('.audit-actor', { hasText: `anonymous (${name})` }).waitFor({ timeout: 5_000 });
  const now = await shownIds();
  assert.equal(now.length, Math.min(before.length + 1, 50));
  assert.deepEqual(now.slice(1), before.slice(0, now.length - 1), 'the new event on top, the rest as they were');
  await page.getByRole('button', { name: 'Live' }).click();
  assert.equal(await page.getByRole('button', { name: 'Live' }).getAttribute('aria-pressed'), 'false');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test("the friend page shows the friend's history and links to the filtered trail", async () => {
  await page.goto(`${server.url}/friends/${aliceId}`);
  const history = page.getByTestId('history');
  await history.waitFor();
  const entries = history.locator('tbody tr');
  await eventually('alice\'s changes in the history', async () => (await entries.filter({ hasText: 'grants.set' }).count()) >= ALICE_CHANGES);
  await page.getByRole('link', { name: 'Full audit trail' }).click();
  await waitForPath(page, '/audit', { search: `?friend_id=${aliceId}` });
  assert.equal(await page.getByLabel('Friend', { exact: true }).inputValue(), String(aliceId));
  const total = (await api('GET', `/api/v1/audit?friend_id=${aliceId}`)).total;
  await expectPage(`friend_id=${aliceId}`, `1–${Math.min(total, 50)} of ${total}`);
  for (const tr of await rows().all()) {
    assert.match(await tr.textContent(), new RegExp(`\\(friend #${aliceId}\\)`));
  }
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('moderators read the trail but cannot export it', async () => {
  await signInAs(page, MODERATOR);
  await nav().getByRole('link', { name: 'Audit' }).click();
  await waitForPath(page, '/audit');
  await rows().first().waitFor();
  assert.equal(await page.getByRole('link', { name: 'Export CSV' }).count(), 0);
  const { token } = await api('POST', '/api/v1/auth/login', {
    username: MODERATOR.username, password: MODERATOR.password,
  });
  const refused = await call('GET', '/api/v1/audit/export', { token });
  assert.equal(refused.status, 403);
  assert.equal((await call('GET', '/api/v1/audit', { token })).status, 200);
  assert.deepEqual(unexpectedProblems(problems), []);
});
