// Sessions and the sign-in rules: seeing and ending one's own sessions (another device is signed
// out at its next request), an admin requiring two-factor sign-in for moderators (a moderator is
// taken to the setup and nowhere else until it is on), an admin's two-factor reset and ending
// another account's sessions from Accounts, and what a password change says it leaves working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_NEW_PASSWORD, AUDITOR, MODERATOR, apiCall, base32Decode, eventually, openPage, screenshot,
  startSignedIn, stepNow, stopAll, submitForcedChange, submitSignIn, totpAt, unexpectedProblems,
  waitForPath,
} from './harness.mjs';

// Other devices say what they are, so the lists can tell them apart from this headless Chrome.
const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const LATER_PASSWORD = 'marble pelican sundial archive';
const AUDITOR_NEW_PASSWORD = 'quartz meadow bicycle lantern';

let server;
let browser;
let page;
let problems;
let adminToken;

before(async () => {
  ({ server, browser, page, problems, adminToken } = await startSignedIn({ accounts: [MODERATOR] }));
});

after(() => stopAll({ browser, server }));

const main = (p) => p.getByRole('navigation', { name: 'Main' });
const sessionsCard = () => page.getByRole('region', { name: 'Sessions', exact: true });
const rows = (scope) => scope.getByTestId('sessions').getByTestId('session');

/** Waits until `locator` matches `n` elements (a list being read again). */
async function eventuallyCount(locator, n) {
  await eventually(`${n} rows`, async () => (await locator.count()) === n);
}

/** Signs `who` in on `device` and waits until the sign-in has been answered (the next page). */
async function signInOn(device, who, password, path = '/') {
  await device.goto(`${server.url}/`);
  await submitSignIn(device, who, password);
  await waitForPath(device, path);
}

/** The next request of `device` finds its session over: reloading lands on the sign-in page. */
async function signedOutOnReload(device) {
  await device.reload();
  await waitForPath(device, '/login');
  await device.getByRole('heading', { name: 'Sign in' }).waitFor();
}

async function openMyAccount() {
  await main(page).getByRole('link', { name: 'My account' }).click();
  await waitForPath(page, '/account');
  await sessionsCard().waitFor();
}

async function openAccounts() {
  await page.goto(`${server.url}/accounts`);
  await page.getByTestId('accounts').waitFor();
}

test('My account lists my sessions; ending another signs that browser out at its next request', async () => {
  const laptop = await openPage(browser, problems, { userAgent: FIREFOX });
  await signInOn(laptop, 'admin', ADMIN_NEW_PASSWORD);
  await laptop.getByTestId('user').waitFor();

  await openMyAccount();
  // This browser, the laptop, and the API sign-in the harness made for its token.
  await eventuallyCount(rows(sessionsCard()), 3);
  const here = rows(sessionsCard()).filter({ hasText: 'This device' });
  assert.equal(await here.getAttribute('data-current'), 'true');
  assert.match(await here.textContent(), /Chrome \(headless\) on Linux/);
  assert.match(await here.textContent(), /127\.0\.0\.1/);
  assert.match(await here.textContent(), /now/);
  const other = rows(sessionsCard()).filter({ hasText: 'Firefox on Linux' });
  const otherText = await other.textContent();
  assert.match(otherText, /Password/, 'how it signed in, in words');
  assert.match(otherText, /just now/, 'last active in words');
  assert.ok(!otherText.includes('This device'));
  await rows(sessionsCard()).filter({ hasText: 'Node.js' }).waitFor();
  await screenshot(page, 'sessions');

  await other.getByRole('button', { name: 'End the session on Firefox on Linux' }).click();
  await sessionsCard().getByText('Signed out the session on Firefox on Linux.').waitFor();
  await eventuallyCount(rows(sessionsCard()), 2);

  await signedOutOnReload(laptop);
  await laptop.context().close();
});

test('"End all other sessions" says how many it ended; the API sign-in ends too', async () => {
  const laptop = await openPage(browser, problems, { userAgent: FIREFOX });
  await signInOn(laptop, 'admin', ADMIN_NEW_PASSWORD);
  await laptop.getByTestId('user').waitFor();

  await sessionsCard().getByRole('button', { name: 'Refresh' }).click();
  await eventuallyCount(rows(sessionsCard()), 3);
  await sessionsCard().getByRole('button', { name: 'End all other sessions' }).click();
  await sessionsCard().getByTestId('sessions-notice').filter({ hasText: 'Signed out 2 other sessions.' }).waitFor();
  await eventuallyCount(rows(sessionsCard()), 1);
  assert.ok(await sessionsCard().getByRole('button', { name: 'End all other sessions' }).isDisabled());

  await signedOutOnReload(laptop);
  assert.equal((await apiCall(server.url, adminToken, 'GET', '/api/v1/me')).status, 401);
  await laptop.context().close();
});

test('ending this session signs me out', async () => {
  const laptop = await openPage(browser, problems, { userAgent: FIREFOX });
  await signInOn(laptop, 'admin', ADMIN_NEW_PASSWORD);
  await laptop.goto(`${server.url}/account`);
  const card = laptop.getByRole('region', { name: 'Sessions', exact: true });
  await card.getByRole('button', { name: 'End this session (signs you out here)' }).click();
  await waitForPath(laptop, '/login');
  await laptop.getByText('You ended this session, so you are signed out.').waitFor();
  // The cookies went with it: a reload stays signed out.
  await signedOutOnReload(laptop);
  await laptop.context().close();
});

test('an admin requires two-factor sign-in for moderators (Accounts → Sign-in rules)', async () => {
  await openAccounts();
  const rules = page.getByRole('region', { name: 'Sign-in rules' });
  const moderators = rules.getByLabel('Require two-factor sign-in for moderators');
  await moderators.waitFor();
  assert.ok(!(await moderators.isChecked()), 'nothing is required at first');
  assert.ok(!(await rules.getByLabel('Require two-factor sign-in for admins').isChecked()));
  await moderators.check();
  await rules.getByRole('button', { name: 'Save sign-in rules' }).click();
  await rules.getByText("Saved. It applies at each account's next sign-in.").waitFor();
  await screenshot(page, 'sign-in-rules');

  await page.reload();
  await rules.getByLabel('Require two-factor sign-in for moderators').waitFor();
  await eventually('the saved rule', () => rules.getByLabel('Require two-factor sign-in for moderators').isChecked());
  assert.ok(!(await rules.getByLabel('Require two-factor sign-in for auditors').isChecked()));
});

let phone;

test('a moderator signing in is taken to the setup, and nowhere else until it is on', async () => {
  phone = await openPage(browser, problems);
  await signInOn(phone, MODERATOR.username, MODERATOR.password, '/set-up-two-factor');
  await phone.getByRole('heading', { name: 'Set up two-factor sign-in' }).waitFor();
  await phone.getByTestId('setup-why').filter({ hasText: 'requires two-factor sign-in for the moderator role' }).waitFor();
  assert.equal(await main(phone).count(), 0, 'no navigation while it is due');

  // Another page: back to the setup (and on to that page afterwards).
  await phone.goto(`${server.url}/friends`);
  await waitForPath(phone, '/set-up-two-factor');
  await phone.getByTestId('totp-secret').waitFor();
  // The API refuses this session everything else too.
  const refused = await phone.evaluate(async () => {
    const r = await fetch('/api/v1/plex-users');
    return { status: r.status, code: (await r.json()).error?.code };
  });
  assert.deepEqual(refused, { status: 403, code: 'mfa_enrolment_required' });

  await phone.goto(`${server.url}/`);
  await waitForPath(phone, '/set-up-two-factor', { search: '' });
  const secret = await phone.getByTestId('totp-secret').textContent();
  const key = base32Decode(secret);
  // No way out but signing out: no Cancel.
  assert.equal(await phone.getByRole('button', { name: 'Cancel' }).count(), 0);
  // The choices: other sessions stay unless asked; the tokens cannot be listed yet.
  assert.ok(!(await phone.getByLabel('Also sign out my other sessions').isChecked()));
  assert.ok(!(await phone.getByLabel('Also revoke my API tokens').isChecked()));
  await phone.getByTestId('totp-on-ends-tokens-words').filter({ hasText: 'keep working' }).waitFor();
  await screenshot(phone, 'two-factor-required');

  await phone.getByLabel('Code', { exact: true }).fill(totpAt(key, stepNow()));
  await phone.getByRole('button', { name: 'Turn on' }).click();
  const codes = phone.getByTestId('recovery-codes');
  await codes.waitFor();
  assert.equal(await codes.locator('li').count(), 10);
  // The codes are shown once: the page waits for them to be saved.
  assert.equal(new URL(phone.url()).pathname, '/set-up-two-factor');
  await phone.getByRole('button', { name: 'I have saved them' }).click();
  await waitForPath(phone, '/');
  await phone.getByTestId('user-role').filter({ hasText: 'moderator' }).waitFor();
  await main(phone).getByRole('link', { name: 'Friends' }).waitFor();
});

test("an admin resets the moderator's two-factor sign-in from Accounts: its sessions end", async () => {
  await openAccounts();
  const row = page.getByTestId('account-mo');
  await row.getByTestId('mfa').filter({ hasText: 'On' }).waitFor();
  // One's own is turned off under My account, and its sessions are there too.
  const own = page.getByTestId('account-admin');
  assert.ok(await own.getByRole('button', { name: 'Reset two-factor' }).isDisabled());
  assert.ok(await own.getByRole('button', { name: 'Sessions' }).isDisabled());

  await row.getByRole('button', { name: 'Reset two-factor' }).click();
  const confirm = page.getByRole('dialog', { name: 'Reset the two-factor sign-in of mo?' });
  await confirm.getByText('All their sessions end').waitFor();
  await screenshot(page, 'accounts-reset-two-factor');
  await confirm.getByRole('button', { name: 'Reset two-factor' }).click();
  await page.getByText('Two-factor sign-in of mo removed; its sessions ended.').waitFor();
  await page.getByTestId('account-mo').getByTestId('mfa').filter({ hasText: 'Off' }).waitFor();
  assert.ok(await page.getByTestId('account-mo').getByRole('button', { name: 'Reset two-factor' }).isDisabled());

  await signedOutOnReload(phone);
});

test("an admin sees another account's sessions and ends one, then all", async () => {
  // Moderators still must use it: both devices are sent to the setup again.
  await signInOn(phone, MODERATOR.username, MODERATOR.password, '/set-up-two-factor');
  const tablet = await openPage(browser, problems, { userAgent: FIREFOX });
  await signInOn(tablet, MODERATOR.username, MODERATOR.password, '/set-up-two-factor');

  await page.getByTestId('account-mo').getByRole('button', { name: 'Sessions' }).click();
  const dialog = page.getByRole('dialog', { name: 'Sessions of mo' });
  await eventuallyCount(rows(dialog), 2);
  assert.equal(await rows(dialog).filter({ hasText: 'This device' }).count(), 0);
  await screenshot(page, 'accounts-sessions');

  await dialog.getByRole('button', { name: 'End the session on Firefox on Linux' }).click();
  await dialog.getByText('Ended the session of mo on Firefox on Linux.').waitFor();
  await eventuallyCount(rows(dialog), 1);
  await signedOutOnReload(tablet);

  await dialog.getByRole('button', { name: 'End all', exact: true }).click();
  await dialog.getByText('Ended 1 session of mo.').waitFor();
  await dialog.getByTestId('no-sessions').waitFor();
  await signedOutOnReload(phone);

  await dialog.getByRole('button', { name: 'Close' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await tablet.context().close();
  await phone.context().close();
});

test('both due: the forced password change comes first, then the two-factor setup', async () => {
  await openAccounts();
  const rules = page.getByRole('region', { name: 'Sign-in rules' });
  await rules.getByLabel('Require two-factor sign-in for auditors').check();
  await rules.getByRole('button', { name: 'Save sign-in rules' }).click();
  await rules.getByText("Saved. It applies at each account's next sign-in.").waitFor();
  // A new account, flagged to choose its own password (the form's default).
  const create = page.locator('form', { has: page.getByRole('button', { name: 'Create account' }) });
  await create.getByLabel('Username').fill(AUDITOR.username);
  await create.getByLabel('Role').selectOption('auditor');
  await create.getByLabel('Initial password', { exact: true }).fill(AUDITOR.password);
  await create.getByRole('button', { name: 'Create account' }).click();
  await page.getByText(`Account ${AUDITOR.username} created.`).waitFor();

  const desk = await openPage(browser, problems);
  await signInOn(desk, AUDITOR.username, AUDITOR.password, '/change-password');
  await submitForcedChange(desk, AUDITOR.password, AUDITOR_NEW_PASSWORD);
  await waitForPath(desk, '/set-up-two-factor');
  await desk.getByTestId('setup-why').filter({ hasText: 'for the auditor role' }).waitFor();
  await desk.getByTestId('totp-secret').waitFor();
  await desk.context().close();
});

test('a password change says which API tokens keep working, and does what was chosen', async () => {
  const laptop = await openPage(browser, problems, { userAgent: FIREFOX });
  await signInOn(laptop, 'admin', ADMIN_NEW_PASSWORD);
  await laptop.getByTestId('user').waitFor();

  await openMyAccount();
  const form = page.getByRole('region', { name: 'Change password' });
  const words = form.getByTestId('password-ends-tokens-words');
  await words.filter({ hasText: 'You have no API tokens.' }).waitFor();
  assert.equal(await form.getByLabel('Also revoke my API tokens').count(), 0, 'nothing to revoke');
  assert.ok(await form.getByLabel('Also sign out my other sessions').isChecked(), 'the default');

  // A token made on this page shows in the form at once.
  await page.getByLabel('Name', { exact: true }).fill('nightly sync');
  await page.getByRole('button', { name: 'Create token' }).click();
  const made = page.getByRole('dialog', { name: 'API token created' });
  const secret = await made.getByTestId('token-secret').inputValue();
  await made.getByRole('button', { name: 'Done' }).click();
  const revoke = form.getByLabel('Also revoke my API tokens');
  await revoke.waitFor();
  assert.ok(await revoke.isChecked(), 'revoking is the default');
  await words.filter({ hasText: 'Scripts using “nightly sync” stop working.' }).waitFor();
  await revoke.uncheck();
  await words.filter({ hasText: 'This API token keeps working: “nightly sync”.' }).waitFor();
  await form.getByLabel('Also sign out my other sessions').uncheck();
  await screenshot(page, 'password-change-choices');

  const changeTo = async (current, next) => {
    await form.getByLabel('Current password', { exact: true }).fill(current);
    await form.getByLabel('New password', { exact: true }).fill(next);
    await form.getByLabel('Repeat the new password', { exact: true }).fill(next);
    await form.getByRole('button', { name: 'Change password' }).click();
    await form.getByText('Your password has been changed.').waitFor();
  };
  const tokenStatus = async () => (await apiCall(server.url, secret, 'GET', '/api/v1/me')).status;

  // Both unticked: the laptop stays signed in and the token works.
  await changeTo(ADMIN_NEW_PASSWORD, LATER_PASSWORD);
  assert.equal(await tokenStatus(), 200);
  await laptop.reload();
  await waitForPath(laptop, '/');
  await laptop.getByTestId('user').waitFor();

  // The defaults again (after a reload): both end.
  await page.reload();
  await revoke.waitFor();
  assert.ok(await revoke.isChecked());
  assert.ok(await form.getByLabel('Also sign out my other sessions').isChecked());
  await changeTo(LATER_PASSWORD, ADMIN_NEW_PASSWORD);
  assert.equal(await tokenStatus(), 401);
  await words.filter({ hasText: 'You have no API tokens.' }).waitFor();
  await signedOutOnReload(laptop);
  await laptop.context().close();
});

test('no console errors and no CSP violations along the way', () => {
  assert.deepEqual(unexpectedProblems(problems), []);
  assert.ok(!problems.some((p) => p.includes('CSP violation')), problems.join('\n'));
});
