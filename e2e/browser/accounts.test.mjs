// Accounts (admin): an admin creates a moderator, who signs in and sees no admin pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  screenshot, signOut, startSignedIn, stopAll, submitForcedChange, submitSignIn,
  unexpectedProblems, waitForPath,
} from './harness.mjs';

const MOD_PASSWORD = 'harbour seagull pretzel thunder';
const MOD_NEW_PASSWORD = 'lavender tractor mosaic whisper';

let server;
let browser;
let page;
let problems;

before(async () => {
  ({ server, browser, page, problems } = await startSignedIn());
});

after(() => stopAll({ browser, server }));

test('an admin creates a moderator; refusals from the API are shown', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).click();
  await waitForPath(page, '/accounts');
  await page.getByTestId('accounts').waitFor();

  const form = page.locator('form', { has: page.getByRole('button', { name: 'Create account' }) });
  await form.getByLabel('Username').fill('mia');
  await form.getByLabel('Role').selectOption('moderator');
  await form.getByLabel('Initial password', { exact: true }).fill('password1234');
  await form.getByRole('button', { name: 'Create account' }).click();
  // The policy refuses it before it is sent.
  await form.locator('.field-error').first().waitFor();

  await form.getByLabel('Initial password', { exact: true }).fill(MOD_PASSWORD);
  await page.getByRole('meter', { name: 'Password strength' }).waitFor();
  await form.getByRole('button', { name: 'Create account' }).click();
  await page.getByText('Account mia created.').waitFor();
  const row = page.getByTestId('account-mia');
  await row.waitFor();
  assert.equal(await row.getByRole('combobox').inputValue(), 'moderator');
  assert.match(await row.textContent(), /must change password/);

  // The same name again: the API says it is taken.
  await form.getByLabel('Username').fill('MIA');
  await form.getByLabel('Initial password', { exact: true }).fill(MOD_PASSWORD);
  await form.getByRole('button', { name: 'Create account' }).click();
  await form.getByText(/exists|taken/).waitFor();

  // One's own role, status, password and existence are not changed here (the API refuses it
  // too: self_change_refused / last_admin), so the controls are off.
  const adminRow = page.getByTestId('account-admin');
  assert.ok(await adminRow.getByRole('combobox').isDisabled());
  for (const name of ['Disable', 'Reset password', 'Delete']) {
    assert.ok(await adminRow.getByRole('button', { name }).isDisabled(), name);
  }
  await screenshot(page, 'accounts');

  // Small screens: the same page, reflowed.
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, 'accounts-mobile');
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('disable and enable an account, reset its password', async () => {
  const row = page.getByTestId('account-mia');
  await row.getByRole('button', { name: 'Disable' }).click();
  await page.getByText(/mia is disabled/).waitFor();
  await page.getByTestId('account-mia').getByText('disabled', { exact: true }).waitFor();
  await page.getByTestId('account-mia').getByRole('button', { name: 'Enable' }).click();
  await page.getByText('mia is enabled again.').waitFor();

  await page.getByTestId('account-mia').getByRole('button', { name: 'Reset password' }).click();
  const dialog = page.getByRole('dialog', { name: 'Reset the password of mia' });
  await dialog.waitFor();
  await dialog.getByLabel('New password', { exact: true }).fill(MOD_PASSWORD);
  await screenshot(page, 'accounts-reset-password');
  await dialog.getByRole('button', { name: 'Set password' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByText(/New password set for mia/).waitFor();
});

test('the moderator signs in, changes the password and sees no admin pages', async () => {
  await signOut(page);
  await submitSignIn(page, 'mia', MOD_PASSWORD);
  await submitForcedChange(page, MOD_PASSWORD, MOD_NEW_PASSWORD);
  await waitForPath(page, '/');
  assert.equal(await page.getByTestId('user-role').textContent(), 'moderator');
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'My account' }).waitFor();
  assert.equal(await nav.getByRole('link', { name: 'Accounts' }).count(), 0);

  // Typed directly: a refusal, no data (and no call for it).
  let asked = false;
  page.on('request', (r) => {
    if (r.url().includes('/api/v1/accounts')) asked = true;
  });
  await page.goto(`${server.url}/accounts`);
  await page.getByTestId('forbidden').waitFor();
  assert.equal(await page.getByTestId('accounts').count(), 0);
  assert.equal(asked, false);
  await screenshot(page, 'accounts-forbidden');

  // A moderator's tokens can only be moderator tokens.
  await page.goto(`${server.url}/account`);
  await page.getByRole('heading', { name: 'API tokens' }).waitFor();
  assert.deepEqual(await page.getByLabel('Role').locator('option').allTextContents(), ['moderator']);
});

test('no console errors and no CSP violations along the way', () => {
  assert.deepEqual(unexpectedProblems(problems), []);
  assert.ok(!problems.some((p) => p.includes('CSP violation')), problems.join('\n'));
});
