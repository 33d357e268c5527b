// The friend portal (/portal), against the real binary and the Plex simulator: an admin switches
// it on in Settings and finds its address on a friend's page; a friend on a phone signs in with
// Plex (the simulator approves the PIN as them) and sees their own libraries, when each ends in
// words on their own clock, their weekly window and restrictions, and nobody else's; a reload
// keeps them signed in, "Sign out" ends it. A friend whose invite waits is told to accept it; a
// stranger's Plex account gets a polite refusal and nothing else; switched off, the portal says
// it is not available.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  MODERATOR, apiCall, apiJson, approvePin, eventually, openPhone, screenshot, scrollsSideways, signInAs,
  startSignedIn, stopAll, syncNow, unexpectedProblems, waitForPath,
} from './harness.mjs';

const ALICE = 2100001;
const BOB = 2100002; // his invite is still pending on Plex
const STRANGER = 987654321;
/** The friend's phone is in another zone than the server (UTC): times must follow the phone. */
const PHONE_ZONE = 'America/New_York';

let sim;
let server;
let browser;
let page;
let problems;
let adminToken;
let alice;
let grantsGiven;

const api = (method, path, body) => apiJson(server.url, adminToken, method, path, body);

/** The parts of `date` on the clocks of `zone`, in English (what the portal writes). */
function wall(date, zone) {
  return Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: zone, hourCycle: 'h23', weekday: 'short', year: 'numeric', month: 'short',
      day: 'numeric', hour: '2-digit', minute: '2-digit',
    }).formatToParts(date).map((p) => [p.type, p.value]),
  );
}

/** `Sat 26 Dec, 18:00` on `zone`'s clock (the year too when it is not this one). */
function momentWords(date, zone) {
  const p = wall(date, zone);
  const year = p.year === wall(new Date(), zone).year ? '' : ` ${p.year}`;
  return `${p.weekday} ${p.day} ${p.month}${year}, ${p.hour}:${p.minute}`;
}

/** Where the page calls Plexward's API: every path it asks, in order. */
function apiPaths(p) {
  const paths = [];
  p.on('request', (r) => {
    const { pathname } = new URL(r.url());
    if (pathname.startsWith('/api/')) paths.push(pathname);
  });
  return paths;
}

/**
 * On `p` (at /portal, signed out): "Sign in with Plex" opens Plex's page in a pop-up; the
 * simulator approves the code the page shows as plex.tv account `accountId`. Resolves to the
 * pop-up.
 */
async function signInWithPlex(p, accountId, { shot } = {}) {
  const [popup] = await Promise.all([
    p.context().waitForEvent('page'),
    p.getByRole('button', { name: 'Sign in with Plex' }).click(),
  ]);
  await p.getByTestId('portal-sign-in-waiting').waitFor();
  const code = (await p.getByTestId('portal-code').textContent()).trim();
  assert.match(code, /^\w{4,}$/);
  await popup.waitForURL(/\/auth#\?/);
  assert.equal(await scrollsSideways(p), false, 'the waiting step fits the screen');
  if (shot) await screenshot(p, shot);
  await approvePin(sim, code, accountId);
  return popup;
}

before(async () => {
  ({ sim, server, browser, page, problems, adminToken } = await startSignedIn({
    simulator: true, accounts: [MODERATOR],
  }));
  await syncNow(server.url, adminToken);
  alice = (await api('GET', '/api/v1/plex-users')).items.find((f) => f.plex_account_id === ALICE);
  // Movies until 19 days and some hours from now (a whole minute), TV Shows on weekend evenings.
  const libraries = (await api('GET', '/api/v1/libraries')).items;
  const id = (title) => libraries.find((l) => l.title === title).id;
  const end = new Date(Math.ceil((Date.now() + (19 * 86_400 + 3 * 3_600) * 1_000) / 60_000) * 60_000);
  grantsGiven = { movies: id('Movies'), tv: id('TV Shows'), end };
  await api('PUT', `/api/v1/plex-users/${alice.id}/grants`, {
    grants: [
      { library_id: id('Movies'), ends_at: end.toISOString() },
      { library_id: id('TV Shows'), repeat: { days: ['fri', 'sat'], from: '19:00', to: '23:00' } },
    ],
  });
});

after(() => stopAll({ browser, server, sim }));

test('an admin switches the portal on in Settings and finds its address on a friend\'s page', async () => {
  assert.equal((await api('GET', '/api/v1/portal')).enabled, false, 'off by default');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await waitForPath(page, '/settings');
  const card = page.getByTestId('portal-settings');
  const box = card.getByLabel('Let friends see their own access at /portal');
  await box.waitFor();
  assert.equal(await box.isChecked(), false);
  assert.equal(await card.getByTestId('portal-address').inputValue(), `${server.url}/portal`);

  await box.check();
  await card.getByRole('button', { name: 'Save portal setting' }).click();
  await card.getByTestId('portal-saved').filter({ hasText: 'friends can sign in' }).waitFor();
  assert.deepEqual(await api('GET', '/api/v1/settings/portal'), { enabled: true });
  await screenshot(page, 'settings-portal');
  await page.reload();
  // The box is there (disabled) before the setting is read: wait for it to be read.
  const saved = page.getByTestId('portal-settings').getByLabel('Let friends see their own access at /portal');
  await eventually('the saved switch', async () => (await saved.isEnabled()) && saved.isChecked());

  // The friend page hands the address on.
  await page.goto(`${server.url}/friends/${alice.id}`);
  const share = page.getByTestId('friend-portal');
  await share.waitFor();
  assert.match(await share.textContent(), new RegExp(`^Portal: ${server.url}/portal`));
  assert.equal(await share.getByRole('link').getAttribute('href'), `${server.url}/portal`);
  await share.getByRole('button', { name: 'Copy' }).click();
  await share.getByRole('status').filter({ hasText: /\S/ }).waitFor();
  await screenshot(page, 'friend-portal-address');

  // A moderator sees the switch read-only.
  await signInAs(page, MODERATOR);
  await page.goto(`${server.url}/settings`);
  await page.getByTestId('portal-state').filter({ hasText: 'The friend portal is on.' }).waitFor();
  assert.equal(await page.getByLabel('Let friends see their own access at /portal').count(), 0);
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('a friend on a phone signs in with Plex and sees their own access, in their own time zone', async () => {
  const phone = await openPhone(browser, problems, { timezoneId: PHONE_ZONE });
  const paths = apiPaths(phone);
  await phone.goto(`${server.url}/portal`);
  await phone.getByRole('heading', { name: 'Your access to this Plex server' }).waitFor();
  assert.equal(await phone.getByRole('navigation').count(), 0, 'no admin navigation');
  assert.equal(new URL(phone.url()).pathname, '/portal', 'never sent to the sign-in page');

  const popup = await signInWithPlex(phone, ALICE, { shot: 'portal-sign-in-phone' });
  await phone.getByRole('heading', { name: 'Hello, alice' }).waitFor();
  assert.ok(popup.isClosed(), 'the pop-up closes once signed in');
  assert.match(await phone.getByTestId('portal-server').textContent(), /Your access to SimServer/);

  // Movies: active, and its end in words on the phone's clock.
  const movies = phone.getByTestId('portal-library').filter({ hasText: 'Movies' });
  const moviesText = await movies.textContent();
  assert.match(moviesText, /Active now/);
  const end = `Ends on ${momentWords(grantsGiven.end, PHONE_ZONE)} — in 19 days`;
  assert.ok(moviesText.includes(end), `${moviesText} has “${end}”`);
  // TV Shows: the weekly window on the server's clock, its next openings on the phone's.
  const tv = phone.getByTestId('portal-library').filter({ hasText: 'TV Shows' });
  const tvText = await tv.textContent();
  const serverZone = (await api('GET', '/api/v1/settings/plex')).time_zone;
  assert.ok(tvText.includes(`Weekly: Fri and Sat, 19:00–23:00 (${serverZone})`), tvText);
  const detail = await api('GET', `/api/v1/plex-users/${alice.id}`);
  const next = detail.grants.find((g) => g.library_id === grantsGiven.tv).next_occurrences[0];
  // 19:00–23:00 UTC is the same afternoon in New York.
  const [day, from] = momentWords(new Date(next.starts_at), PHONE_ZONE).split(', ');
  const to = momentWords(new Date(next.ends_at), PHONE_ZONE).split(', ')[1];
  assert.ok(tvText.includes(`${day}, ${from}–${to}`), `${tvText} has “${day}, ${from}–${to}”`);
  assert.match(await phone.getByTestId('portal-zone').textContent(), new RegExp(PHONE_ZONE));

  // The restrictions are the API's, and nobody else's name is on the page.
  const me = await phone.request.get(`${server.url}/api/v1/portal/me`);
  assert.equal(me.status(), 200);
  const access = await me.json();
  assert.deepEqual(
    (await phone.getByTestId('portal-restrictions').getByRole('listitem').allTextContents()),
    access.restrictions,
  );
  assert.ok(access.restrictions.length > 0);
  const body = await phone.locator('body').textContent();
  for (const other of ['bob', 'carol', 'dave', 'erin', 'frank', 'Kids', '@example.com']) {
    assert.ok(!body.includes(other), `${other} is not on alice's page`);
  }
  assert.equal(await scrollsSideways(phone), false, 'no sideways scrolling at 390 px');
  await screenshot(phone, 'portal-friend-phone');

  // The cookie is HttpOnly, keeps them signed in across a reload, and opens nothing else.
  const cookie = (await phone.context().cookies()).find((c) => c.name === 'pw_portal');
  assert.ok(cookie?.httpOnly, 'the portal cookie is HttpOnly');
  assert.equal(cookie.path, '/api/v1/portal', 'the browser sends it to the portal only');
  await phone.reload();
  await phone.getByRole('heading', { name: 'Hello, alice' }).waitFor();
  // Sent anywhere else by hand, it opens nothing.
  const admin = await phone.request.get(`${server.url}/api/v1/me`, {
    headers: { cookie: `pw_portal=${cookie.value}` },
  });
  assert.equal(admin.status(), 403);
  assert.equal((await admin.json()).error.code, 'portal_session');

  await phone.getByRole('button', { name: 'Sign out' }).click();
  await phone.getByRole('button', { name: 'Sign in with Plex' }).waitFor();
  await phone.getByText('You have signed out.').waitFor();
  assert.equal((await phone.request.get(`${server.url}/api/v1/portal/me`)).status(), 401);

  // The page only ever called the portal's own endpoints.
  const others = paths.filter((p) => !p.startsWith('/api/v1/portal'));
  assert.deepEqual(others, [], 'no call outside /api/v1/portal');
  await phone.context().close();
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('the portal also works in a browser signed in to Plexward, and tells a friend with a pending invite to accept it', async () => {
  // `page` is signed in (as the moderator): /portal ignores that session and asks for Plex.
  const paths = apiPaths(page);
  await page.goto(`${server.url}/portal`);
  await page.getByRole('heading', { name: 'Your access to this Plex server' }).waitFor();
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0);
  await signInWithPlex(page, BOB);
  await page.getByRole('heading', { name: 'Hello, bob' }).waitFor();
  await page.getByTestId('portal-invite').filter({ hasText: 'An invite is waiting for you.' }).waitFor();
  assert.match(await page.getByTestId('portal-invite').textContent(), /Accept it in Plex/);
  assert.deepEqual(paths.filter((p) => !p.startsWith('/api/v1/portal')), []);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign in with Plex' }).waitFor();
  // The admin app's session is untouched.
  await page.goto(`${server.url}/`);
  await page.getByTestId('user').waitFor();
  await waitForPath(page, '/');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('a stranger\'s Plex account gets a polite refusal and nothing else', async () => {
  const phone = await openPhone(browser, problems, { timezoneId: PHONE_ZONE });
  await phone.goto(`${server.url}/portal`);
  await signInWithPlex(phone, STRANGER);
  const refused = phone.getByTestId('portal-refused');
  await refused.waitFor();
  assert.match(
    await refused.textContent(),
    /This Plex account doesn't have access to this server\. If you think it should, ask the server's owner\./,
  );
  const main = await phone.locator('main').textContent();
  assert.ok(!main.includes('SimServer'), 'no server details');
  for (const what of ['Movies', 'TV Shows', 'Hello', 'restrictions', 'alice']) {
    assert.ok(!main.includes(what), `${what} is not shown to a stranger`);
  }
  assert.equal(await phone.getByRole('button').count(), 0, 'nothing to do but leave');
  assert.equal((await phone.request.get(`${server.url}/api/v1/portal/me`)).status(), 401, 'no session');
  assert.equal(await scrollsSideways(phone), false, 'no sideways scrolling at 390 px');
  await screenshot(phone, 'portal-stranger-phone');
  await phone.context().close();
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('switched off, the portal says it is not available, and a signed-in friend is out', async () => {
  const phone = await openPhone(browser, problems, { timezoneId: PHONE_ZONE });
  await phone.goto(`${server.url}/portal`);
  await signInWithPlex(phone, ALICE);
  await phone.getByRole('heading', { name: 'Hello, alice' }).waitFor();

  await api('PUT', '/api/v1/settings/portal', { enabled: false });
  await phone.reload();
  const off = phone.getByTestId('portal-off');
  await off.waitFor();
  assert.match(await off.textContent(), /The friend portal is not available on this server\./);
  assert.equal(await phone.getByRole('button', { name: 'Sign in with Plex' }).count(), 0);
  assert.notEqual((await phone.request.get(`${server.url}/api/v1/portal/me`)).status(), 200);
  const start = await apiCall(server.url, null, 'POST', '/api/v1/portal/sign-in');
  assert.equal(start.status, 403);
  assert.equal(start.body.error.code, 'portal_off');
  assert.equal(await scrollsSideways(phone), false);
  await phone.context().close();
  assert.deepEqual(unexpectedProblems(problems), []);
});
