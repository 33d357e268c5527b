// Two-factor sign-in: set up an authenticator app from My account (the test is the app: it reads
// the key off the page and computes RFC 6238 codes), recovery codes shown once, signing in with a
// code and with a recovery code, and turning it off with the password.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_NEW_PASSWORD, base32Decode, screenshot, signOut, startSignedIn, stepNow, stopAll, totpAt,
  unexpectedProblems, waitForPath, wrongCode,
} from './harness.mjs';

// RFC 6238 appendix B's first SHA-1 vector (8 digits there: 94287082 → its last 6).
assert.equal(totpAt(Buffer.from('12345678901234567890'), Math.floor(59 / 30)), '287082');

let server;
let browser;
let page;
let problems;
let key;
let recoveryCodes;

before(async () => {
  ({ server, browser, page, problems } = await startSignedIn());
});

after(() => stopAll({ browser, server }));

/**
 * Clicks "Sign in" until `done()` holds. Sign-in answers are throttled per address (a burst of 10,
 * then one every 6 s), and this file signs in more often than that: a "Too many attempts" notice
 * is waited out (as a person would) and the click repeated.
 */
async function clickSignIn(done) {
  await page.getByRole('button', { name: 'Sign in' }).click();
  const deadline = Date.now() + 30_000;
  while (!(await done())) {
    if (Date.now() > deadline) assert.fail('the sign-in step did not finish');
    const throttled = page.getByRole('alert').filter({ hasText: 'Too many attempts' });
    if (await throttled.isVisible()) {
      await throttled.waitFor({ state: 'hidden', timeout: 15_000 });
      await page.getByRole('button', { name: 'Sign in' }).click();
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

const atDashboard = async () => new URL(page.url()).pathname === '/';
const showing = (locator) => () => locator.isVisible();
const codeStep = () => page.getByRole('heading', { name: 'Two-factor code' });
const mfaError = (text) => page.getByTestId('mfa-error').filter({ hasText: text });

/** The password step, until the next step shows (`done`). */
async function passwordStep(done) {
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Username').fill('admin');
  await page.getByLabel('Password', { exact: true }).fill(ADMIN_NEW_PASSWORD);
  await clickSignIn(done);
}

const card = () => page.getByRole('region', { name: 'Two-factor sign-in' });

test('set up two-factor sign-in from My account: QR code, key, code, recovery codes', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My account' }).click();
  await waitForPath(page, '/account');
  await card().waitFor();
  await card().getByTestId('mfa-status').filter({ hasText: 'Off' }).waitFor();

  await card().getByRole('button', { name: 'Set up' }).click();
  const qr = card().getByTestId('totp-qr');
  await qr.waitFor();
  assert.match(await qr.getAttribute('src'), /^data:image\/svg\+xml;base64,/);
  // The image loaded (the CSP allows data: images; a refused one has no size).
  assert.ok(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR code shows');
  const secretText = await card().getByTestId('totp-secret').textContent();
  assert.match(secretText, /^[A-Z2-7 ]+$/);
  key = base32Decode(secretText);
  assert.equal(key.length, 20, 'a 160-bit secret');
  const codeInput = card().getByLabel('Code', { exact: true });
  assert.equal(await codeInput.getAttribute('inputmode'), 'numeric');
  assert.equal(await codeInput.getAttribute('autocomplete'), 'one-time-code');
  await screenshot(page, 'two-factor-setup');

  // A wrong code is refused on the field; nothing is on yet.
  await codeInput.fill(wrongCode(key));
  await card().getByRole('button', { name: 'Turn on' }).click();
  await card().locator('#totp-code-error').waitFor();
  assert.match(await card().locator('#totp-code-error').textContent(), /code/i);

  await codeInput.fill(totpAt(key, stepNow()));
  await card().getByRole('button', { name: 'Turn on' }).click();
  const list = card().getByTestId('recovery-codes');
  await list.waitFor();
  recoveryCodes = (await list.locator('li').allTextContents()).map((c) => c.trim());
  assert.equal(recoveryCodes.length, 10);
  for (const code of recoveryCodes) assert.match(code, /^[a-z0-9]{5}-[a-z0-9]{5}$/);
  assert.equal(new Set(recoveryCodes).size, 10);
  await card().getByText("Save them now: you won't see them again.").waitFor();
  const download = card().getByRole('link', { name: 'Download' });
  assert.equal(await download.getAttribute('download'), 'plexward-recovery-codes.txt');
  assert.match(await download.getAttribute('href'), /^data:text\/plain;charset=utf-8;base64,/);
  await screenshot(page, 'two-factor-recovery-codes');

  await card().getByRole('button', { name: 'I have saved them' }).click();
  await list.waitFor({ state: 'hidden' });
  await card().getByTestId('mfa-status').filter({ hasText: '10 recovery codes left.' }).waitFor();
  assert.ok(!(await page.content()).includes(recoveryCodes[0]), 'the codes are gone from the page');
});

test('signing in asks for a code: a wrong one is refused, the right one signs in', async () => {
  await signOut(page);
  await passwordStep(showing(codeStep()));
  const codeInput = page.getByLabel('Code', { exact: true });
  assert.equal(await codeInput.getAttribute('inputmode'), 'numeric');
  assert.equal(await codeInput.getAttribute('autocomplete'), 'one-time-code');
  // No session yet: still on the sign-in page.
  assert.equal(new URL(page.url()).pathname, '/login');

  // Back returns to the password step.
  await page.getByRole('button', { name: 'Back' }).click();
  await passwordStep(showing(codeStep()));

  await codeInput.fill(wrongCode(key));
  await clickSignIn(showing(mfaError('That code is wrong or was already used')));
  await screenshot(page, 'two-factor-login');

  // The step used to turn it on is spent: the next one is inside the ±1 step window.
  await codeInput.fill(totpAt(key, stepNow() + 1));
  await clickSignIn(atDashboard);
  await page.getByTestId('user').waitFor();
});

test('sign in with a recovery code instead; each works once', async () => {
  await signOut(page);
  await passwordStep(showing(codeStep()));
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  // Typed loosely: upper case, spaces around.
  await page.getByLabel('Recovery code', { exact: true }).fill(`  ${recoveryCodes[0].toUpperCase()} `);
  await clickSignIn(atDashboard);
  await page.getByTestId('user').waitFor();

  await signOut(page);
  await passwordStep(showing(codeStep()));
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await page.getByLabel('Recovery code', { exact: true }).fill(recoveryCodes[0]);
  await clickSignIn(showing(mfaError('That recovery code is wrong or was already used')));
  await page.getByLabel('Recovery code', { exact: true }).fill(recoveryCodes[1]);
  await clickSignIn(atDashboard);
  await page.getByTestId('user').waitFor();

  await page.goto(`${server.url}/account`);
  await card().getByTestId('mfa-status').filter({ hasText: '8 recovery codes left.' }).waitFor();
});

test('turn two-factor sign-in off with the password; then the password alone signs in', async () => {
  await card().getByRole('button', { name: 'Turn off' }).click();
  const password = card().getByLabel('Password', { exact: true });
  await password.fill('not my password at all');
  await card().getByRole('button', { name: 'Turn off' }).click();
  await card().locator('#mfa-password-error').filter({ hasText: 'not your password' }).waitFor();
  await card().getByTestId('mfa-status').filter({ hasText: 'On' }).waitFor();

  await password.fill(ADMIN_NEW_PASSWORD);
  await card().getByRole('button', { name: 'Turn off' }).click();
  await card().getByText('Two-factor sign-in is off.').waitFor();
  await card().getByTestId('mfa-status').filter({ hasText: 'Off' }).waitFor();
  await card().getByRole('button', { name: 'Set up' }).waitFor();

  await signOut(page);
  await passwordStep(atDashboard);
  await page.getByTestId('user').waitFor();
});

test('no console errors and no CSP violations along the way', () => {
  assert.deepEqual(unexpectedProblems(problems), []);
  assert.ok(!problems.some((p) => p.includes('CSP violation')), problems.join('\n'));
});
