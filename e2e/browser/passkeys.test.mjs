// Passkeys (WebAuthn) in a real Chromium, the test being the authenticator (a virtual one, through
// the DevTools protocol): adding, renaming and removing them on My account (the first brings the
// recovery codes), signing in with one alone and as the second step after the password, a
// cancelled prompt and an unknown passkey, and an IP address, where passkeys cannot work.
//
// WebAuthn refuses IP addresses, so the SPA is opened at `localhost` (the server listens on
// 127.0.0.1); only the last test uses 127.0.0.1 itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import {
  ADMIN_NEW_PASSWORD, MODERATOR, addVirtualAuthenticator, firstAdminSignIn, hostNameUrl, openBrowser, openPage,
  screenshot, signOut, startWithAdmin, stopAll, submitSignIn, unexpectedProblems, waitForPath,
} from './harness.mjs';

let server;
let browser;
let page;
let problems;
let base;
let recoveryCodes;

before(async () => {
  server = await startWithAdmin();
  ({ browser, page, problems } = await openBrowser());
  base = hostNameUrl(server);
  await firstAdminSignIn(page, base);
});

after(() => stopAll({ browser, server }));

const card = (p = page) => p.getByRole('region', { name: 'Passkeys', exact: true });
const rows = () => card().getByTestId('passkey');
const row = (name) => rows().filter({ has: page.getByRole('rowheader', { name, exact: true }) });
const statusLine = () => page.getByRole('region', { name: 'Two-factor sign-in' }).getByTestId('mfa-status');
/** What the API says, through the page's own session (cookies are per host). */
const apiInPage = (p, method, path, body) => p.evaluate(async ([m, u, b]) => {
  const r = await fetch(u, {
    method: m,
    headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
    body: b === undefined ? undefined : JSON.stringify(b),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}, [method, path, body]);
const myPasskeys = async () => (await apiInPage(page, 'GET', '/api/v1/me/passkeys')).body;

async function openMyAccount(p = page) {
  await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My account' }).click();
  await waitForPath(p, '/account');
  await card(p).waitFor();
}

/** "Add a passkey", a name, "Create passkey": the virtual authenticator answers by itself. */
async function addPasskey(name) {
  await card().getByRole('button', { name: 'Add a passkey' }).click();
  const form = card().getByRole('form', { name: 'Add a passkey' });
  const field = form.getByLabel('Passkey name');
  assert.equal(await field.inputValue(), 'Passkey', 'a name to start from');
  await field.fill(name);
  await form.getByRole('button', { name: 'Create passkey' }).click();
}

/**
 * Clicks `button` until `done()` holds. Sign-in answers are throttled per address (a burst of 10,
 * then one every 6 s), and this file signs in often: a "Too many attempts" notice is waited out
 * (as a person would) and the click repeated.
 */
async function clickUntil(p, button, done) {
  await button.click();
  const deadline = Date.now() + 30_000;
  while (!(await done())) {
    if (Date.now() > deadline) assert.fail('the sign-in did not finish');
    const throttled = p.getByRole('alert').filter({ hasText: 'Too many attempts' });
    if (await throttled.isVisible()) {
      await throttled.waitFor({ state: 'hidden', timeout: 15_000 });
      await button.click();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const at = (p, path) => async () => new URL(p.url()).pathname === path;
const showing = (locator) => () => locator.isVisible();

/** How this browser's session signed in, as My account → Sessions says it. */
async function thisSessionMethod() {
  await openMyAccount();
  const here = page.getByRole('region', { name: 'Sessions', exact: true })
    .getByTestId('session').filter({ hasText: 'This device' });
  await here.waitFor();
  return (await here.locator('td').first().textContent()).trim();
}

test('add two passkeys (the first brings recovery codes), rename one, remove one', async () => {
  const laptop = await addVirtualAuthenticator(page);
  await openMyAccount();
  await card().getByTestId('no-passkeys').waitFor();
  await statusLine().filter({ hasText: 'Off' }).waitFor();

  // The account's first second factor: two-factor sign-in is on now, and its recovery codes show
  // this once, as after setting up an authenticator app.
  await addPasskey('Laptop');
  const codes = card().getByTestId('recovery-codes');
  await codes.waitFor();
  recoveryCodes = (await codes.locator('li').allTextContents()).map((c) => c.trim());
  assert.equal(recoveryCodes.length, 10);
  assert.equal(new Set(recoveryCodes).size, 10);
  await card().getByText("Save them now: you won't see them again.").waitFor();
  await screenshot(page, 'passkeys-recovery-codes');
  await card().getByRole('button', { name: 'I have saved them' }).click();
  await codes.waitFor({ state: 'hidden' });
  await row('Laptop').waitFor();
  assert.match(await row('Laptop').textContent(), /localhost/, 'it works at this host name');
  await statusLine().filter({ hasText: 'asks for your passkey' }).waitFor();
  await statusLine().filter({ hasText: '10 recovery codes left.' }).waitFor();
  const held = await laptop.credentials();
  assert.equal(held.length, 1, 'the authenticator keeps the new passkey');
  assert.equal(held[0].rpId, 'localhost');
  assert.ok(held[0].isResidentCredential, 'discoverable: it signs in without a username');

  // A second device. The laptop goes (as if lost): an authenticator that already holds one of
  // the account's passkeys is not asked to make another.
  await laptop.remove();
  await addVirtualAuthenticator(page);
  await addPasskey('Phone');
  await card().getByRole('status').filter({ hasText: 'Passkey “Phone” added.' }).waitFor();
  await row('Phone').waitFor();
  assert.equal(await card().getByTestId('recovery-codes').count(), 0, 'recovery codes come with the first only');
  await card().getByRole('button', { name: 'Add a passkey' }).waitFor();
  let listed = await myPasskeys();
  assert.equal(listed.total, 2);
  assert.deepEqual(listed.items.map((p) => p.name).sort(), ['Laptop', 'Phone']);
  assert.ok(listed.items.every((p) => p.rp_id === 'localhost'), JSON.stringify(listed.items));
  const mfa = (await apiInPage(page, 'GET', '/api/v1/me/mfa')).body;
  assert.equal(mfa.passkeys, 2);
  assert.equal(mfa.totp, false);
  assert.equal(mfa.recovery_codes_left, 10);
  await statusLine().filter({ hasText: 'one of your passkeys' }).waitFor();

  // Rename: a name in use is refused on the field; a free one is taken.
  await card().getByRole('button', { name: 'Rename passkey Phone' }).click();
  const dialog = page.getByRole('dialog', { name: 'Rename passkey' });
  const name = dialog.getByLabel('Passkey name');
  assert.equal(await name.inputValue(), 'Phone');
  await name.fill('Laptop');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.locator('#passkey-rename-error').waitFor();
  await name.fill('Work phone');
  await dialog.getByRole('button', { name: 'Save' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await row('Work phone').waitFor();
  await card().getByRole('status').filter({ hasText: 'Renamed to “Work phone”.' }).waitFor();

  // Remove the lost laptop's, after a confirmation.
  await card().getByRole('button', { name: 'Remove passkey Laptop' }).click();
  const confirm = page.getByRole('dialog', { name: 'Remove this passkey?' });
  await confirm.getByText('“Laptop” will no longer sign you in.').waitFor();
  await confirm.getByRole('button', { name: 'Remove' }).click();
  await card().getByRole('status').filter({ hasText: 'Passkey “Laptop” removed.' }).waitFor();
  await row('Laptop').waitFor({ state: 'detached' });
  assert.equal(await rows().count(), 1);
  listed = await myPasskeys();
  assert.deepEqual(listed.items.map((p) => p.name), ['Work phone']);
  assert.equal(listed.items[0].last_used_at ?? null, null, 'not used to sign in yet');
  await statusLine().filter({ hasText: 'asks for your passkey' }).waitFor();
  await screenshot(page, 'passkeys-list');
});

test('sign in with the passkey alone: no username, no password', async () => {
  await signOut(page);
  const button = page.getByRole('button', { name: 'Sign in with a passkey' });
  await clickUntil(page, button, at(page, '/'));
  await page.getByTestId('user').waitFor();
  assert.equal(await thisSessionMethod(), 'Passkey');
  const [used] = (await myPasskeys()).items;
  assert.ok(used.last_used_at, 'the passkey is marked used');
  await row('Work phone').waitFor();
  assert.doesNotMatch(await row('Work phone').locator('td').nth(2).textContent(), /—/, 'Last used shows');
  await screenshot(page, 'passkeys-signed-in');
});

test('a password sign-in asks for the passkey as the second step', async () => {
  await signOut(page);
  await submitSignIn(page, 'admin', ADMIN_NEW_PASSWORD);
  const use = page.getByRole('button', { name: 'Use a passkey' });
  await use.waitFor();
  await page.getByRole('heading', { name: 'Two-factor sign-in' }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/login', 'no session yet');
  // No app: the passkey is the way, the recovery codes wait behind a link.
  await page.getByRole('button', { name: 'Use a recovery code instead' }).waitFor();
  assert.equal(await page.getByLabel('Recovery code').count(), 0);
  await screenshot(page, 'passkeys-second-step');
  await clickUntil(page, use, at(page, '/'));
  await page.getByTestId('user').waitFor();
  assert.equal(await thisSessionMethod(), 'Password and passkey');
});

test('a cancelled prompt and an unknown passkey say so, and nothing else happens', async () => {
  // Another browser profile, whose authenticator holds no passkey for this site: the browser's
  // prompt ends without one, as when cancelled.
  const visitor = await openPage(browser, problems);
  const empty = await addVirtualAuthenticator(visitor);
  await visitor.goto(`${base}/login`);
  const button = visitor.getByRole('button', { name: 'Sign in with a passkey' });
  const said = (text) => visitor.getByTestId('login-error').filter({ hasText: text });
  await clickUntil(visitor, button, showing(said('No passkey was used')));
  await visitor.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(new URL(visitor.url()).pathname, '/login');
  assert.ok(await button.isEnabled(), 'it can be tried again');
  await screenshot(visitor, 'passkeys-cancelled');

  // A passkey for this host name that Plexward never registered: the server refuses it.
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const { cdp } = empty;
  await cdp.send('WebAuthn.addCredential', {
    authenticatorId: empty.authenticatorId,
    credential: {
      credentialId: randomBytes(16).toString('base64'),
      isResidentCredential: true,
      rpId: 'localhost',
      privateKey: privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'),
      userHandle: randomBytes(16).toString('base64'),
      signCount: 0,
    },
  });
  await clickUntil(visitor, button, showing(said('That passkey is not registered here, or it did not sign the request.')));
  assert.equal(new URL(visitor.url()).pathname, '/login');
  assert.equal(await visitor.getByTestId('user').count(), 0, 'not signed in');
  await visitor.context().close();
});

test('at an IP address, My account says passkeys need a host name', async () => {
  const direct = await openPage(browser, problems);
  await direct.goto(`${server.url}/login`);
  await direct.getByRole('heading', { name: 'Sign in' }).waitFor();
  assert.equal(await direct.getByRole('button', { name: 'Sign in with a passkey' }).count(), 0,
    'not offered where it cannot work');
  await direct.getByLabel('Username').fill('admin');
  await direct.getByLabel('Password', { exact: true }).fill(ADMIN_NEW_PASSWORD);
  const signIn = direct.getByRole('button', { name: 'Sign in', exact: true });
  const use = direct.getByRole('button', { name: 'Use a passkey' });
  await clickUntil(direct, signIn, showing(use));
  // Offered (the account has one), but it cannot work here: the page says why.
  await use.click();
  await direct.getByTestId('mfa-error').waitFor();
  const stepSaid = (await direct.getByTestId('mfa-error').textContent()).trim();
  await screenshot(direct, 'passkeys-ip-second-step');
  // A recovery code gets in.
  await direct.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await direct.getByLabel('Recovery code', { exact: true }).fill(recoveryCodes[0]);
  await clickUntil(direct, direct.getByRole('button', { name: 'Sign in', exact: true }), at(direct, '/'));

  await openMyAccount(direct);
  const here = card(direct);
  await here.getByTestId('passkey').filter({ hasText: 'Work phone' }).waitFor();
  await here.getByRole('button', { name: 'Add a passkey' }).click();
  await here.getByRole('button', { name: 'Create passkey' }).click();
  const error = here.getByTestId('passkey-add-error');
  await error.waitFor();
  // The server's own words (409 `passkeys_unavailable`), not a silent failure.
  const refused = await apiInPage(direct, 'POST', '/api/v1/me/passkeys/registration');
  assert.equal(refused.status, 409);
  assert.equal(refused.body.error.code, 'passkeys_unavailable');
  assert.equal((await error.textContent()).trim(), refused.body.error.message);
  assert.equal(stepSaid, refused.body.error.message, 'the second step said the same');
  await direct.getByRole('heading', { name: 'My account' }).waitFor();
  await screenshot(direct, 'passkeys-ip-address');
  await direct.context().close();
});

test('a role that requires two-factor sign-in: the setup takes a passkey instead of an app', async () => {
  const created = await apiInPage(page, 'POST', '/api/v1/accounts', { ...MODERATOR, must_change_password: false });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const rules = await apiInPage(page, 'PUT', '/api/v1/settings/sign-in', { mfa_required_roles: ['moderator'] });
  assert.equal(rules.status, 200, JSON.stringify(rules.body));

  const mo = await openPage(browser, problems);
  await addVirtualAuthenticator(mo);
  await mo.goto(`${base}/login`);
  await submitSignIn(mo, MODERATOR.username, MODERATOR.password);
  await waitForPath(mo, '/set-up-two-factor');
  await mo.getByTestId('totp-secret').waitFor();
  await mo.getByRole('button', { name: 'Add a passkey instead' }).click();
  // One form at a time: the app's setup gives way to the passkey's.
  assert.equal(await mo.getByTestId('totp-secret').count(), 0);
  await mo.getByLabel('Passkey name').fill('Desk');
  await mo.getByRole('button', { name: 'Create passkey' }).click();
  await mo.getByTestId('recovery-codes').waitFor();
  await screenshot(mo, 'passkeys-required-setup');
  await mo.getByRole('button', { name: 'I have saved them' }).click();
  // Set up: the session goes on, and the rest of the app answers it.
  await waitForPath(mo, '/');
  await mo.getByTestId('user').waitFor();
  const mine = await apiInPage(mo, 'GET', '/api/v1/me/passkeys');
  assert.equal(mine.status, 200);
  assert.deepEqual(mine.body.items.map((p) => p.name), ['Desk']);
  // The dashboard's own calls are answered (a refusal would send it back to the setup).
  await mo.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  assert.equal(new URL(mo.url()).pathname, '/');
  await mo.context().close();
});

test('no console errors and no CSP violations along the way', () => {
  assert.deepEqual(unexpectedProblems(problems), []);
  assert.ok(!problems.some((p) => p.includes('CSP violation')), problems.join('\n'));
});
