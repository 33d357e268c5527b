// Friends' requests, against the real binary and the Plex simulator: a friend on a phone asks in
// the portal for another library with a note and sees it waiting; an admin (another browser)
// finds it under Requests, previews what approving changes, approves it, and the simulator now
// shares the library; the friend reloads and sees it approved and the library theirs. Then the
// friend asks for more time, the admin's friend page points at the open request, the admin
// declines it with a reason and the friend reads it; a request can be cancelled; an auditor has
// no Requests page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  AUDITOR, apiJson, approvePin, eventually, openPage, openPhone, screenshot,
  scrollsSideways, simShare, startSignedIn, stopAll, submitSignIn, syncNow, unexpectedProblems, waitForPath,
} from './harness.mjs';

const ALICE = 2100001;
const TV_SHOWS_PLEX_ID = 118251661;
const NOTE = 'I am halfway through a series — could I have TV Shows too?';
const REASON = 'Movies runs until the end of the month already; ask again then.';

let sim;
let server;
let browser;
let page;
let problems;
let adminToken;
let alice;
/** Alice's phone, signed in to the portal (the first test signs in). */
let phone;

const api = (method, path, body) => apiJson(server.url, adminToken, method, path, body);
const nav = () => page.getByRole('navigation', { name: 'Main' });


/** The open requests, as the API lists them to staff. */
async function openRequests() {
  return (await api('GET', '/api/v1/requests?state=open')).items;
}

/** On `p` (at /portal, signed out): "Sign in with Plex", approved in the simulator as `accountId`. */
async function signInWithPlex(p, accountId) {
  const [popup] = await Promise.all([
    p.context().waitForEvent('page'),
    p.getByRole('button', { name: 'Sign in with Plex' }).click(),
  ]);
  await p.getByTestId('portal-sign-in-waiting').waitFor();
  const code = (await p.getByTestId('portal-code').textContent()).trim();
  await popup.waitForURL(/\/auth#\?/);
  await approvePin(sim, code, accountId);
}

/** The portal's entry for the request titled `what`. */
const portalRequest = (what) => phone.getByTestId('portal-request')
  .filter({ has: phone.getByTestId('portal-request-what').getByText(what, { exact: true }) });

before(async () => {
  ({ sim, server, browser, page, problems, adminToken } = await startSignedIn({
    simulator: true, accounts: [AUDITOR],
  }));
  await syncNow(server.url, adminToken);
  await api('PUT', '/api/v1/settings/portal', { enabled: true });
  alice = (await api('GET', '/api/v1/plex-users')).items.find((f) => f.plex_account_id === ALICE);
  // Movies only, for 19 days and some hours (to the minute): TV Shows is hers to ask for.
  const libraries = (await api('GET', '/api/v1/libraries')).items;
  const movies = libraries.find((l) => l.title === 'Movies').id;
  const end = new Date(Math.ceil((Date.now() + (19 * 86_400 + 3 * 3_600) * 1_000) / 60_000) * 60_000);
  await api('PUT', `/api/v1/plex-users/${alice.id}/grants`, {
    grants: [{ library_id: movies, ends_at: end.toISOString() }],
  });
  await eventually('alice\'s share to be Movies only', async () => {
    const share = await simShare(sim, ALICE);
    return share && !share.sectionIds.includes(TV_SHOWS_PLEX_ID);
  });
});

after(() => stopAll({ browser, server, sim }));

test('a friend asks for a library on a phone, an admin previews and approves it, and Plex shares it', async () => {
  phone = await openPhone(browser, problems);
  await phone.goto(`${server.url}/portal`);
  await signInWithPlex(phone, ALICE);
  await phone.getByRole('heading', { name: 'Hello, alice' }).waitFor();
  const ask = phone.getByTestId('portal-ask');
  await ask.getByRole('heading', { name: 'Ask for more' }).waitFor();

  // "Another library" offers the server's others; sending without choosing says what is missing.
  await ask.getByTestId('portal-ask-kind-library').check();
  const options = await ask.getByTestId('portal-ask-library').locator('option').allTextContents();
  assert.ok(options.includes('TV Shows'), options.join(', '));
  assert.ok(!options.includes('Movies'), 'not a library she has');
  await ask.getByTestId('portal-ask-send').click();
  await ask.getByText('Choose the library you would like.').waitFor();

  await ask.getByTestId('portal-ask-library').selectOption({ label: 'TV Shows' });
  await ask.getByTestId('portal-ask-message').fill(NOTE);
  assert.equal(await ask.getByTestId('portal-ask-message-count').textContent(), `${[...NOTE].length} / 500`);
  await ask.getByTestId('portal-ask-send').click();
  await ask.getByTestId('portal-ask-sent').waitFor();
  const asked = portalRequest('The library TV Shows');
  await asked.getByTestId('portal-request-state').filter({ hasText: 'Waiting' }).waitFor();
  assert.ok((await asked.textContent()).includes(`“${NOTE}”`));
  assert.match(await asked.textContent(), /Asked \w{3} \d{1,2} \w{3}, \d\d:\d\d — just now/);
  assert.equal(await ask.getByTestId('portal-ask-message').inputValue(), '', 'the form starts afresh');
  assert.equal(await scrollsSideways(phone), false, 'no sideways scrolling at 390 px');
  await screenshot(phone, 'requests-friend-asked');

  // The same again is refused by the server, in words.
  await ask.getByTestId('portal-ask-library').selectOption({ label: 'TV Shows' });
  await ask.getByTestId('portal-ask-send').click();
  await ask.getByTestId('portal-ask-error')
    .filter({ hasText: 'You asked for that already, and it is still waiting.' }).waitFor();
  assert.equal(await scrollsSideways(phone), false);

  // The admin, in a desktop browser of their own, reads on the dashboard that it waits, and
  // follows the line to Requests.
  const [request] = await openRequests();
  assert.equal(request.friend.id, alice.id);
  // (The page is on the dashboard since signing in, read before she asked: open it afresh.)
  await page.goto(`${server.url}/`);
  const waiting = page.getByTestId('open-requests');
  await waiting.filter({ hasText: '1 request from a friend waits for an answer' }).waitFor();
  await waiting.getByRole('link', { name: 'See the requests' }).click();
  await waitForPath(page, '/requests');
  const row = page.getByTestId(`request-row-${request.id}`);
  await row.waitFor();
  assert.equal(await page.getByTestId(`request-what-${request.id}`).textContent(), 'The library TV Shows');
  assert.equal(await page.getByTestId(`request-message-${request.id}`).textContent(), `“${NOTE}”`);
  assert.equal(await page.getByTestId(`request-state-${request.id}`).textContent(), 'Open');
  assert.equal(
    await page.getByTestId(`request-friend-${request.id}`).getAttribute('href'),
    `/friends/${alice.id}`,
  );

  // Approve… previews first: TV Shows from now until her Movies ends; nothing is saved yet.
  await page.getByTestId(`request-approve-${request.id}`).click();
  const dialog = page.getByRole('dialog');
  const preview = dialog.getByTestId('approve-changes');
  await preview.waitFor();
  assert.match(await preview.textContent(), /^TV Shows: no access → until /);
  assert.equal(await dialog.getByTestId('approve-period').count(), 0, 'no period for a library');
  assert.equal((await openRequests()).length, 1, 'the preview leaves it open');
  await screenshot(page, 'requests-approve-preview');
  await dialog.getByTestId('approve-confirm').click();
  await dialog.getByTestId('approve-outcome').filter({ hasText: /^Approved/ }).waitFor();
  await page.getByTestId('requests-done').filter({ hasText: 'Approved alice\'s request: The library TV Shows.' }).waitFor();
  await page.keyboard.press('Escape');
  await page.getByTestId('requests-empty').waitFor();
  await page.getByTestId('requests-tab-approved').click();
  await page.getByTestId(`request-state-${request.id}`).filter({ hasText: 'Approved' }).waitFor();
  assert.match(await page.getByTestId(`request-when-${request.id}`).textContent(), /; approved .* by admin$/);

  // Plex now shares TV Shows with her.
  await eventually('TV Shows shared with alice', async () =>
    (await simShare(sim, ALICE))?.sectionIds.includes(TV_SHOWS_PLEX_ID));

  // Alice reloads: approved, and TV Shows is among her libraries (no longer one to ask for).
  await phone.reload();
  await portalRequest('The library TV Shows').getByTestId('portal-request-state')
    .filter({ hasText: 'Approved' }).waitFor();
  await phone.getByTestId('portal-library').filter({ hasText: 'TV Shows' }).waitFor();
  await phone.getByTestId('portal-ask-kind-library').check();
  const left = await phone.getByTestId('portal-ask-library').locator('option').allTextContents();
  assert.ok(!left.includes('TV Shows'), left.join(', '));
  assert.equal(await scrollsSideways(phone), false);
  await screenshot(phone, 'requests-friend-approved');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('more time is asked, found from the friend page, and declined with a reason the friend reads', async () => {
  const ask = phone.getByTestId('portal-ask');
  await ask.getByTestId('portal-ask-kind-time').check();
  const extendable = await ask.getByTestId('portal-ask-extend').locator('option').allTextContents();
  assert.deepEqual(extendable, ['All my libraries', 'Movies', 'TV Shows']);
  await ask.getByTestId('portal-ask-extend').selectOption({ label: 'Movies' });
  assert.equal(await ask.getByTestId('portal-ask-period').inputValue(), 'month', 'a month unless changed');
  await ask.getByTestId('portal-ask-send').click();
  const asked = portalRequest('More time for Movies — a month');
  await asked.getByTestId('portal-request-state').filter({ hasText: 'Waiting' }).waitFor();
  const [request] = await openRequests();

  // The friend page says a request is waiting, and leads to it.
  await page.goto(`${server.url}/friends/${alice.id}`);
  const waiting = page.getByTestId('friend-open-requests');
  await waiting.filter({ hasText: '1 open request from the portal' }).waitFor();
  await waiting.getByRole('link').click();
  await waitForPath(page, '/requests', { search: `?friend_id=${alice.id}&state=open` });
  await page.getByTestId('requests-one-friend').waitFor();
  assert.equal(await page.getByTestId(`request-what-${request.id}`).textContent(), 'More time for Movies — a month');

  // Approve… for more time offers the period, the friend's first; Cancel leaves it open.
  await page.getByTestId(`request-approve-${request.id}`).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByTestId('approve-changes').filter({ hasText: /^Movies: until .* → until / }).waitFor();
  const period = dialog.getByTestId('approve-period');
  assert.equal(await period.inputValue(), 'month');
  assert.equal(await period.locator('option:checked').textContent(), 'a month (asked)');
  const monthly = await dialog.getByTestId('approve-changes').textContent();
  await period.selectOption('year');
  await eventually('the preview for a year', async () => {
    const now = dialog.getByTestId('approve-changes');
    return (await now.count()) > 0 && (await now.textContent()) !== monthly;
  });
  await dialog.getByRole('button', { name: 'Cancel' }).click();

  // Decline… with a reason, counted as it is typed.
  await page.getByTestId(`request-decline-${request.id}`).click();
  const decline = page.getByRole('dialog');
  await decline.getByTestId('decline-reason').fill(REASON);
  assert.equal(await decline.getByTestId('decline-reason-count').textContent(), `${REASON.length} / 500`);
  await decline.getByTestId('decline-confirm').click();
  await page.getByTestId('requests-done')
    .filter({ hasText: 'Declined alice\'s request: More time for Movies — a month.' }).waitFor();
  await page.getByTestId('requests-tab-declined').click();
  await page.getByTestId(`request-state-${request.id}`).filter({ hasText: 'Declined' }).waitFor();
  assert.equal(await page.getByTestId(`request-reason-${request.id}`).textContent(), `Reason: ${REASON}`);

  await phone.reload();
  const declined = portalRequest('More time for Movies — a month');
  await declined.getByTestId('portal-request-state').filter({ hasText: 'Declined' }).waitFor();
  assert.equal(await declined.getByTestId('portal-request-reason').textContent(), `Reason: ${REASON}`);
  assert.equal(await scrollsSideways(phone), false);
  await screenshot(phone, 'requests-friend-declined');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('a friend cancels a request that is still waiting', async () => {
  const ask = phone.getByTestId('portal-ask');
  await ask.getByTestId('portal-ask-kind-library').check();
  await ask.getByTestId('portal-ask-library').selectOption({ label: 'Music' });
  await ask.getByTestId('portal-ask-send').click();
  const music = portalRequest('The library Music');
  await music.getByTestId('portal-request-state').filter({ hasText: 'Waiting' }).waitFor();
  await music.getByTestId('portal-request-cancel').click();
  await music.getByTestId('portal-request-state').filter({ hasText: 'Cancelled' }).waitFor();
  assert.equal(await music.getByTestId('portal-request-cancel').count(), 0, 'nothing more to cancel');
  assert.deepEqual(await openRequests(), []);
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('an auditor has no Requests page', async () => {
  const auditor = await openPage(browser, problems);
  await auditor.goto(`${server.url}/`);
  await submitSignIn(auditor, AUDITOR.username, AUDITOR.password);
  await waitForPath(auditor, '/');
  const main = auditor.getByRole('navigation', { name: 'Main' });
  await main.getByRole('link', { name: 'Friends' }).waitFor();
  assert.equal(await main.getByRole('link', { name: 'Requests' }).count(), 0);
  await auditor.goto(`${server.url}/requests`);
  await auditor.getByTestId('forbidden').waitFor();
  await auditor.context().close();
  assert.deepEqual(unexpectedProblems(problems), []);
});
