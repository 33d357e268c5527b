// Sign-in, the forced password change, sign-out, and a session that ends mid-way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_NEW_PASSWORD, ADMIN_PASSWORD, openBrowser, screenshot, signOut, startWithAdmin,
  submitForcedChange, submitSignIn, unexpectedProblems, waitForPath,
} from './harness.mjs';

let server;
let browser;
let page;
let problems;

before(async () => {
  server = await startWithAdmin();
  ({ browser, page, problems } = await openBrowser());
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('signed out, any page leads to sign-in, remembering where it was going', async () => {
  await page.goto(`${server.url}/account`);
  await waitForPath(page, '/login', { search: '?next=%2Faccount' });
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  // Only the sign-in page: no navigation, nobody signed in.
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Sign out' }).count(), 0);
  await screenshot(page, 'login');
});

test('a wrong password is refused with a clear message; the eye toggle shows the password', async () => {
  await submitSignIn(page, 'admin', 'not the right password at all');
  const error = page.getByTestId('login-error');
  await error.waitFor();
  assert.equal(await error.textContent(), 'Wrong username or password.');
  assert.equal(new URL(page.url()).pathname, '/login');

  const field = page.getByLabel('Password', { exact: true });
  const eye = page.getByRole('button', { name: 'Show password' });
  assert.equal(await field.getAttribute('type'), 'password');
  assert.equal(await eye.getAttribute('aria-pressed'), 'false');
  await eye.click();
  const hide = page.getByRole('button', { name: 'Hide password' });
  await hide.waitFor();
  assert.equal(await field.getAttribute('type'), 'text');
  assert.equal(await hide.getAttribute('aria-pressed'), 'true');
  await screenshot(page, 'login-error');
  await hide.click();
  assert.equal(await field.getAttribute('type'), 'password');
});

test('first sign-in forces a new password, with a live strength meter, then goes where it was going', async () => {
  await submitSignIn(page, 'admin', ADMIN_PASSWORD);
  await waitForPath(page, '/change-password', { search: '?next=%2Faccount' });
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  // Nothing else is offered before the change.
  assert.equal(await page.getByRole('navigation', { name: 'Main' }).count(), 0);

  // The meter follows the shared policy as one types.
  await page.getByLabel('New password', { exact: true }).fill('plexplexplex');
  const meter = page.getByRole('meter', { name: 'Password strength' });
  await meter.waitFor();
  assert.ok(Number(await meter.getAttribute('aria-valuenow')) < 3);
  assert.match(await page.getByTestId('strength-message').textContent(), /easy to guess|\w/);
  await page.getByLabel('New password', { exact: true }).fill(ADMIN_NEW_PASSWORD);
  await page.waitForFunction(
    () => document.querySelector('[data-testid="strength-message"]')?.textContent === 'Strong enough.',
    null,
    { timeout: 15_000 },
  );
  await screenshot(page, 'change-password');

  // The server's own refusal shows next to the field: a wrong current password.
  await page.getByLabel('Current password', { exact: true }).fill('this is not it at all');
  await page.getByLabel('Repeat the new password', { exact: true }).fill(ADMIN_NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('The current password is not your current password.').waitFor({ timeout: 15_000 });

  await submitForcedChange(page, ADMIN_PASSWORD, ADMIN_NEW_PASSWORD);
  await waitForPath(page, '/account');
  await page.getByRole('heading', { name: 'My account' }).waitFor();
  assert.equal(await page.getByTestId('user-role').textContent(), 'admin');
  // An admin sees the admin pages in the navigation.
  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const name of ['Dashboard', 'Accounts', 'My account']) {
    await nav.getByRole('link', { name }).waitFor();
  }
});

test('an expired access token is refreshed without the user noticing', async () => {
  // Only the short-lived access cookie goes; the refresh cookie stays.
  await page.context().clearCookies({ name: /access/ });
  await page.goto(`${server.url}/account`);
  await page.getByTestId('me-username').waitFor({ timeout: 15_000 });
  assert.equal(await page.getByTestId('me-username').textContent(), 'admin');
  assert.equal(new URL(page.url()).pathname, '/account');
});

test('a session that is over sends the user to sign in, then back where they were', async () => {
  await page.context().clearCookies();
  await page.goto(`${server.url}/accounts`);
  await waitForPath(page, '/login', { search: '?next=%2Faccounts' });
  await submitSignIn(page, 'admin', ADMIN_NEW_PASSWORD);
  await waitForPath(page, '/accounts');
  await page.getByTestId('accounts').waitFor({ timeout: 15_000 });
});

test('calls that fail together share one refresh', async () => {
  await page.goto(`${server.url}/account`);
  await page.getByTestId('me-username').waitFor();
  // The access token "expires" while the app runs; the accounts page then asks for accounts, the
  // sign-in rules and all tokens at once, and all three get a 401.
  await page.context().clearCookies({ name: /access/ });
  const refreshes = [];
  const refused = new Set();
  const count = (r) => {
    if (r.url().endsWith('/api/v1/auth/refresh')) refreshes.push(r);
  };
  const note = (r) => {
    if (r.status() === 401) refused.add(new URL(r.url()).pathname);
  };
  page.on('request', count);
  page.on('response', note);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).click();
  await page.getByTestId('accounts').waitFor();
  await page.getByText('No account has an API token.').waitFor();
  page.off('request', count);
  page.off('response', note);
  assert.deepEqual([...refused].sort(), ['/api/v1/accounts', '/api/v1/settings/sign-in', '/api/v1/tokens']);
  assert.equal(refreshes.length, 1);
  assert.equal(new URL(page.url()).pathname, '/accounts');
});

test('a call refused before the refresh finished retries without a second refresh', async () => {
  await page.goto(`${server.url}/account`);
  await page.getByTestId('me-username').waitFor();
  await page.context().clearCookies({ name: /access/ });
  // The accounts page asks for accounts and tokens at once; both are refused. The tokens' 401 is
  // held back until the accounts call has refreshed the session and gone again — the order that
  // under load made the tokens call refresh a second time.
  const refreshes = [];
  let accountsRequests = 0;
  let retried;
  const accountsRetried = new Promise((resolve) => { retried = resolve; });
  let tokensWent;
  const tokensSent = new Promise((resolve) => { tokensWent = resolve; });
  const onRequest = (r) => {
    const path = new URL(r.url()).pathname;
    if (path === '/api/v1/auth/refresh') refreshes.push(r);
    if (path === '/api/v1/accounts' && (accountsRequests += 1) === 2) retried();
    if (path === '/api/v1/tokens') tokensWent();
  };
  const within = (promise, what) => Promise.race([promise, new Promise((_, reject) => {
    setTimeout(() => reject(new Error(what)), 15_000);
  })]);
  // The accounts call's 401 waits until the tokens call has gone too (a loaded machine could
  // otherwise refresh before the page sends it, and there would be nothing to test).
  let accountsHeld = 0;
  const isAccounts = (url) => url.pathname === '/api/v1/accounts';
  const holdAccounts = async (route) => {
    if (accountsHeld++ > 0) return route.continue();
    const response = await route.fetch();
    await within(tokensSent, 'the tokens call was never sent');
    return route.fulfill({ response });
  };
  let held = 0;
  const hold = async (route) => {
    if (held++ > 0) return route.continue();
    const response = await route.fetch();
    tokensStatus = response.status();
    await within(accountsRetried, 'the accounts call was never retried');
    return route.fulfill({ response });
  };
  let tokensStatus;
  page.on('request', onRequest);
  await page.route(isAccounts, holdAccounts);
  await page.route('**/api/v1/tokens', hold);
  try {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).click();
    await page.getByTestId('accounts').waitFor();
    await page.getByText('No account has an API token.').waitFor();
  } finally {
    page.off('request', onRequest);
    await page.unroute('**/api/v1/tokens', hold);
    await page.unroute(isAccounts, holdAccounts);
  }
  assert.equal(tokensStatus, 401, 'the tokens call went before the refresh');
  assert.equal(held, 2, 'the tokens call went twice: refused, then retried');
  assert.equal(refreshes.length, 1);
  assert.equal(new URL(page.url()).pathname, '/accounts');
});

test('sign-out returns to the sign-in page and the session is gone', async () => {
  await signOut(page);
  assert.equal(new URL(page.url()).search, '');
  await page.getByText('You have signed out.').waitFor();
  const me = await page.evaluate(async () => (await fetch('/api/v1/me')).status);
  assert.equal(me, 401);
  await page.goto(`${server.url}/`);
  await waitForPath(page, '/login');
});

test('no console errors and no CSP violations along the way', () => {
  assert.deepEqual(unexpectedProblems(problems), []);
  assert.ok(!problems.some((p) => p.includes('CSP violation')), problems.join('\n'));
});

test('too many attempts are throttled with a countdown', async () => {
  const throttled = await startWithAdmin({
    PLEXWARD_LOGIN_RATE_BURST: '2',
    PLEXWARD_LOGIN_RATE_PERIOD_SECS: '120',
  });
  try {
    await page.goto(`${throttled.url}/login`);
    await page.getByLabel('Username').fill('admin');
    let status = 0;
    for (let i = 0; i < 6 && status !== 429; i += 1) {
      await page.getByLabel('Password', { exact: true }).fill(`wrong password number ${i}`);
      const [response] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login')),
        page.getByRole('button', { name: 'Sign in' }).click(),
      ]);
      status = response.status();
    }
    assert.equal(status, 429);
    await page.getByText(/Too many attempts, try again in \d+ s\./).waitFor({ timeout: 15_000 });
    assert.ok(await page.getByRole('button', { name: 'Sign in' }).isDisabled());
    await screenshot(page, 'login-throttled');
  } finally {
    await throttled.stop();
  }
});
