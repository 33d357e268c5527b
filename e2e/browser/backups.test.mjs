// Settings → Backups in the browser, against the real binary (its serve loop restarts in-process):
// an admin backs up now (the row appears), downloads it (one .tar.gz), has a file that is not a
// backup refused with the server's own reason (nothing changes), restores the backup (the page
// follows Plexward through the restart; an account made after the backup is gone, and what was
// there is kept as a "before a restore" backup), and deletes one. A moderator sees no Backups.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  ADMIN_NEW_PASSWORD, MODERATOR, apiCall, eventually, openBrowser, screenshot, startSignedIn,
  stopAll, submitSignIn, unexpectedProblems, waitForPath,
} from './harness.mjs';

/** A restart lets in-flight work finish first; the page itself gives up after a minute. */
const FOLLOW_TIMEOUT = 60_000;

let server;
let browser;
let page;
let problems;
let adminToken;

const api = (method, path, body) => apiCall(server.url, adminToken, method, path, body);
const card = (p = page) => p.getByTestId('backups');
const rows = (p = page) => card(p).getByTestId('backup-row');

async function openSettings(p = page) {
  await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await waitForPath(p, '/settings');
  await p.getByRole('heading', { name: 'Scheduler' }).waitFor();
}

before(async () => {
  ({ server, browser, page, problems, adminToken } = await startSignedIn({ accounts: [MODERATOR] }));
});

after(async () => {
  await stopAll({ browser, server });
});

test('back up now, download it, a file that is not a backup is refused', async () => {
  await openSettings();
  await card().getByTestId('no-backups').waitFor();
  await card().getByRole('button', { name: 'Back up now' }).click();
  await card().getByRole('status').filter({ hasText: 'Backup made' }).waitFor();
  await rows().first().waitFor();
  assert.equal(await rows().count(), 1);
  assert.match(await rows().first().textContent(), /by hand/);
  const name = await rows().first().getAttribute('data-name');
  const listed = (await api('GET', '/api/v1/system/backups')).body;
  assert.equal(listed.items[0].name, name);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    rows().first().getByRole('button', { name: 'Download' }).click(),
  ]);
  assert.equal(download.suggestedFilename(), name);
  const bytes = readFileSync(await download.path());
  assert.equal(bytes.length, listed.items[0].size_bytes);
  assert.deepEqual([...bytes.subarray(0, 2)], [0x1f, 0x8b], 'gzip');

  // Not a backup: the server's reason is shown, and nothing is staged or restarted.
  const before = (await api('GET', '/api/v1/health')).body.uptime_seconds;
  await card().getByLabel('Restore from a backup file').setInputFiles({
    name: 'holiday.tar.gz', mimeType: 'application/gzip', buffer: Buffer.from('not a backup at all'),
  });
  await card().getByRole('button', { name: 'Restore file…' }).click();
  await page.locator('#restore-dialog').getByRole('button', { name: 'Restore' }).click();
  const error = card().getByTestId('backup-error');
  await error.waitFor();
  assert.match(await error.textContent(), /Not restored: this is not a Plexward backup/);
  assert.ok((await api('GET', '/api/v1/health')).body.uptime_seconds >= before, 'no restart');
  await screenshot(page, 'settings-backups');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('a restore brings back the backup: the page follows the restart, later changes are gone', async () => {
  await openSettings();
  await rows().first().waitFor();
  const name = await rows().first().getAttribute('data-name');
  // Made after the backup: the restore undoes it.
  const made = await api('POST', '/api/v1/accounts', {
    username: 'later', password: 'lantern meadow copper thistle', role: 'auditor', must_change_password: false,
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));

  await rows().first().getByRole('button', { name: 'Restore…' }).click();
  const dialog = page.locator('#restore-dialog');
  assert.match(await dialog.textContent(), /keeps a backup of everything as it is now/);
  await dialog.getByRole('button', { name: 'Restore' }).click();
  await card().getByTestId('restore-status').filter({ hasText: 'Plexward is restarting' }).waitFor();

  // The page reloads once Plexward answers again: signed in still, or at the sign-in page.
  await eventually('the page back after the restore', async () => {
    const signIn = await page.getByRole('heading', { name: 'Sign in' }).isVisible().catch(() => false);
    const settings = await page.getByRole('heading', { name: 'Scheduler' }).isVisible().catch(() => false);
    return (signIn || settings) && !(await page.getByTestId('restore-status').isVisible().catch(() => false));
  }, FOLLOW_TIMEOUT);
  if (await page.getByRole('heading', { name: 'Sign in' }).isVisible()) {
    await submitSignIn(page, 'admin', ADMIN_NEW_PASSWORD);
    await waitForPath(page, '/');
    await openSettings();
  }
  const { token } = (await apiCall(server.url, null, 'POST', '/api/v1/auth/login', {
    username: 'admin', password: ADMIN_NEW_PASSWORD,
  })).body;
  adminToken = token;
  const accounts = (await api('GET', '/api/v1/accounts')).body.items.map((a) => a.username);
  assert.ok(accounts.includes(MODERATOR.username) && !accounts.includes('later'), accounts.join(', '));

  // What was there before is kept, as a backup to go back to.
  await card().getByTestId('backup-row').filter({ hasText: 'before a restore' }).waitFor();
  const restored = (await api('GET', '/api/v1/audit?action=system.restore')).body.items;
  assert.equal(restored[0]?.details?.backup, name, JSON.stringify(restored));

  // Deleting one asks first, then it is gone.
  const kept = card().getByTestId('backup-row').filter({ hasText: 'before a restore' });
  const keptName = await kept.getAttribute('data-name');
  await kept.getByRole('button', { name: 'Delete' }).click();
  await page.locator('#delete-backup-dialog').getByRole('button', { name: 'Delete' }).click();
  await card().getByRole('status').filter({ hasText: `Deleted ${keptName}` }).waitFor();
  await eventually('the row gone', async () => (await card().locator(`[data-name="${keptName}"]`).count()) === 0);
  assert.ok(!(await api('GET', '/api/v1/system/backups')).body.items.some((b) => b.name === keptName));
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('a moderator sees no Backups and the API refuses them', async () => {
  const own = await openBrowser();
  try {
    const p = own.page;
    await p.goto(`${server.url}/`);
    await submitSignIn(p, MODERATOR.username, MODERATOR.password);
    await waitForPath(p, '/');
    await openSettings(p);
    assert.equal(await card(p).count(), 0);
    const status = await p.evaluate(async () => (await fetch('/api/v1/system/backups')).status);
    assert.equal(status, 403);
  } finally {
    await own.browser.close();
  }
});
