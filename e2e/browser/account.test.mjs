// My account: changing one's password, and API tokens (secret shown once, then only the prefix).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_NEW_PASSWORD, screenshot, signOut, startSignedIn, stopAll, submitSignIn,
  unexpectedProblems, waitForPath,
} from './harness.mjs';

const THIRD_PASSWORD = 'velvet otter juggling marmalade';

let server;
let browser;
let page;
let problems;

before(async () => {
  ({ server, browser, page, problems } = await startSignedIn());
});

after(() => stopAll({ browser, server }));

test('change the password from My account, then sign in with the new one', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My account' }).click();
  await waitForPath(page, '/account');
  await page.getByRole('heading', { name: 'My account' }).waitFor();

  await page.getByLabel('Current password', { exact: true }).fill(ADMIN_NEW_PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill(THIRD_PASSWORD);
  await page.getByLabel('Repeat the new password', { exact: true }).fill('something else entirely here');
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('The two new passwords differ.').waitFor();

  await page.getByLabel('Repeat the new password', { exact: true }).fill(THIRD_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Your password has been changed.').waitFor();
  await screenshot(page, 'my-account');

  await signOut(page);
  await submitSignIn(page, 'admin', ADMIN_NEW_PASSWORD);
  await page.getByTestId('login-error').waitFor();
  await submitSignIn(page, 'admin', THIRD_PASSWORD);
  await waitForPath(page, '/');
  await page.getByTestId('user').waitFor();
});

test('create an API token: the secret shows once, then only its prefix', async () => {
  await page.goto(`${server.url}/account`);
  await page.getByRole('heading', { name: 'API tokens' }).waitFor();
  await page.getByTestId('no-tokens').waitFor();

  // Only roles the admin covers are offered (all of them), and expiry is optional.
  const roles = await page.getByLabel('Role').locator('option').allTextContents();
  assert.deepEqual(roles, ['admin', 'moderator', 'auditor']);
  await page.getByLabel('Name').fill('backup script');
  await page.getByLabel('Role').selectOption('auditor');
  await page.getByLabel('Expires').selectOption({ label: '30 days' });
  await page.getByRole('button', { name: 'Create token' }).click();

  const dialog = page.getByRole('dialog', { name: 'API token created' });
  await dialog.waitFor();
  await dialog.getByText("Copy it now: you won't see it again.").waitFor();
  const secret = await dialog.getByTestId('token-secret').inputValue();
  assert.match(secret, /^pwt_/);
  await dialog.getByRole('button', { name: 'Copy' }).click();
  await dialog.getByRole('status').filter({ hasText: /Copied|Selected/ }).waitFor();
  await screenshot(page, 'token-created');

  // The secret works as a Bearer token with the token's role.
  const me = await page.evaluate(async (token) => {
    const r = await fetch('/api/v1/me', { headers: { Authorization: `Bearer ${token}` }, credentials: 'omit' });
    return r.status;
  }, secret);
  assert.equal(me, 200);

  await dialog.getByRole('button', { name: 'Done' }).click();
  await dialog.waitFor({ state: 'hidden' });
  const table = page.getByTestId('tokens');
  await table.waitFor();
  const row = table.getByRole('row', { name: /backup script/ });
  await row.waitFor();
  const text = await row.textContent();
  assert.match(text, /auditor/);
  assert.ok(!text.includes(secret), 'the list never shows the secret');
  const prefix = await row.locator('code').textContent();
  assert.ok(secret.startsWith(prefix.replace('…', '')), `${prefix} is the start of the secret`);
  // Nowhere on the page any more.
  assert.ok(!(await page.content()).includes(secret));
  await screenshot(page, 'tokens');
});

test('revoke the token after confirming; it stops working', async () => {
  const row = page.getByTestId('tokens').getByRole('row', { name: /backup script/ });
  await row.getByRole('button', { name: 'Revoke token backup script' }).click();
  const confirm = page.getByRole('dialog', { name: 'Revoke this token?' });
  await confirm.waitFor();
  // Cancel first: nothing happens.
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await confirm.waitFor({ state: 'hidden' });
  await row.waitFor();

  await row.getByRole('button', { name: 'Revoke token backup script' }).click();
  await confirm.getByRole('button', { name: 'Revoke' }).click();
  await page.getByText('Token “backup script” revoked.').waitFor();
  await page.getByTestId('no-tokens').waitFor();
});

test('a password change revokes my API tokens unless I keep them, and says which', async () => {
  const made = await page.evaluate(async () => {
    const r = await fetch('/api/v1/me/tokens', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'nightly sync' }),
    });
    return { status: r.status, body: await r.json() };
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  const secret = made.body.secret;
  const works = () => page.evaluate(async (token) => {
    const r = await fetch('/api/v1/me', { headers: { Authorization: `Bearer ${token}` }, credentials: 'omit' });
    return r.status;
  }, secret);

  await page.goto(`${server.url}/account`);
  const keep = page.getByLabel('Also revoke my API tokens');
  const words = page.getByTestId('password-ends-tokens-words');
  await keep.waitFor();
  assert.ok(await keep.isChecked(), 'revoking is the default');
  await words.filter({ hasText: 'Scripts using “nightly sync” stop working.' }).waitFor();

  // Kept on request.
  await keep.uncheck();
  await words.filter({ hasText: 'This API token keeps working: “nightly sync”.' }).waitFor();
  await page.getByLabel('Current password', { exact: true }).fill(THIRD_PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill(ADMIN_NEW_PASSWORD);
  await page.getByLabel('Repeat the new password', { exact: true }).fill(ADMIN_NEW_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Your password has been changed.').waitFor();
  assert.equal(await works(), 200);

  // The default takes it along: the token stops working and leaves both lists.
  await page.reload();
  await keep.waitFor();
  await page.getByLabel('Current password', { exact: true }).fill(ADMIN_NEW_PASSWORD);
  await page.getByLabel('New password', { exact: true }).fill(THIRD_PASSWORD);
  await page.getByLabel('Repeat the new password', { exact: true }).fill(THIRD_PASSWORD);
  await page.getByRole('button', { name: 'Change password' }).click();
  await page.getByText('Your password has been changed.').waitFor();
  assert.equal(await works(), 401);
  await page.getByTestId('no-tokens').waitFor();
  await keep.waitFor({ state: 'hidden' });
  await words.filter({ hasText: 'You have no API tokens.' }).waitFor();
});

test('no console errors and no CSP violations along the way', () => {
  assert.deepEqual(unexpectedProblems(problems), []);
  assert.ok(!problems.some((p) => p.includes('CSP violation')), problems.join('\n'));
});
