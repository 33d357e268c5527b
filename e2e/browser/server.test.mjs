// Settings → Server in the browser, against the real binary (its serve loop restarts in-process):
// the server's field errors, a refused certificate upload with the server's own reason, what a
// moderator sees (nothing) and may do (nothing: 403), values pinned by the environment with the
// banner for HTTPS that fell back to HTTP, and an admin moving Plexward to another port — the
// page follows it to the new address and still works there.
//
// The port must not be pinned for the UI to change it: this Plexward gets its port from a
// configuration file instead of the harness's PLEXWARD_PORT=0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MODERATOR, apiCall, firstAdminSignIn, openBrowser, screenshot, startSignedIn, startWithAdmin,
  stopAll, submitSignIn, unexpectedProblems, waitForPath,
} from './harness.mjs';

/** Not a certificate at all. */
const GARBAGE = Buffer.from('this is not a certificate\n');
/** Restarting takes a graceful stop and a rebuild; the page itself gives up after a minute. */
const FOLLOW_TIMEOUT = 60_000;

let configDir;
let firstPort;
let server;
let browser;
let page;
let problems;
let adminToken;

/** A port nobody listens on right now. */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** A call to Plexward's API as the admin (Bearer token); resolves to { status, body }. */
function api(method, path, body, base = server.url) {
  return apiCall(base, adminToken, method, path, body);
}

/** The same request from the signed-in page (its cookies, same-origin). */
function fromPage(p, method, path, body) {
  return p.evaluate(async ([m, url, json]) => {
    const response = await fetch(url, {
      method: m,
      headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: json,
    });
    return response.status;
  }, [method, path, body === undefined ? undefined : JSON.stringify(body)]);
}

const serverSection = (p = page) => p.getByTestId('server-settings');

async function openSettings(p = page) {
  await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await waitForPath(p, '/settings');
  await p.getByRole('heading', { name: 'Scheduler' }).waitFor();
}

before(async () => {
  configDir = mkdtempSync(join(tmpdir(), 'plexward-e2e-config-'));
  firstPort = await freePort();
  const config = join(configDir, 'plexward.toml');
  writeFileSync(config, `port = ${firstPort}\n`);
  // `undefined` drops the harness's PLEXWARD_PORT=0 from the environment: the port is not pinned.
  ({ server, browser, page, problems, adminToken } = await startSignedIn({
    env: { PLEXWARD_CONFIG: config, PLEXWARD_PORT: undefined }, accounts: [MODERATOR],
  }));
  assert.equal(server.url, `http://127.0.0.1:${firstPort}`);
});

after(async () => {
  await stopAll({ browser, server });
  if (configDir) rmSync(configDir, { recursive: true, force: true });
});

test('a refused port shows under its field; a garbage certificate shows the server\'s reason and saves nothing', async () => {
  await openSettings();
  const section = serverSection();
  await section.waitFor();
  assert.equal(await section.getByLabel('Port').inputValue(), String(firstPort));
  assert.match(await section.locator('#server-port-hint').textContent(), /\(default\)/);
  assert.match(await section.getByTestId('server-running').textContent(), new RegExp(`http://127\\.0\\.0\\.1:${firstPort}`));
  assert.match(await section.getByTestId('server-certificate').textContent(), /none yet/);

  await section.getByLabel('Port').fill('80');
  await section.getByRole('button', { name: 'Save server settings' }).click();
  const portError = section.locator('#server-port-error');
  await portError.waitFor();
  assert.match(await portError.textContent(), /1024–65535/);
  assert.equal(await section.getByLabel('Port').getAttribute('aria-invalid'), 'true');
  assert.equal((await api('GET', '/api/v1/settings/server')).body.port, firstPort, 'nothing saved');

  // Garbage for both files: the page shows exactly what the API says about it.
  const direct = new FormData();
  direct.append('cert', new Blob([GARBAGE]), 'cert.pem');
  direct.append('key', new Blob([GARBAGE]), 'key.pem');
  const refused = await api('POST', '/api/v1/settings/server/certificate', direct);
  assert.equal(refused.status, 422, JSON.stringify(refused.body));
  const reason = refused.body.error.fields.cert;
  assert.ok(reason, JSON.stringify(refused.body));

  const file = (name) => ({ name, mimeType: 'application/x-pem-file', buffer: GARBAGE });
  await section.getByLabel('Certificate chain (PEM)').setInputFiles(file('cert.pem'));
  await section.getByLabel('Private key (PEM)').setInputFiles(file('key.pem'));
  await section.getByRole('button', { name: 'Upload certificate' }).click();
  const certError = section.locator('#server-cert-error');
  await certError.waitFor();
  assert.equal((await certError.textContent()).trim(), reason);
  assert.equal(await section.getByLabel('Certificate chain (PEM)').getAttribute('aria-invalid'), 'true');
  assert.equal((await api('GET', '/api/v1/settings/server')).body.certificate, null, 'nothing saved');
  await screenshot(page, 'settings-server-errors');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('a moderator does not see the Server section, and the API refuses its changes', async () => {
  const own = await openBrowser();
  try {
    const p = own.page;
    await p.goto(`${server.url}/`);
    await submitSignIn(p, MODERATOR.username, MODERATOR.password);
    await waitForPath(p, '/');
    await p.getByTestId('user-role').filter({ hasText: 'moderator' }).waitFor();
    await openSettings(p);
    assert.equal(await serverSection(p).count(), 0);
    assert.equal(await p.getByRole('heading', { name: 'Server', exact: true }).count(), 0);

    assert.equal(await fromPage(p, 'PUT', '/api/v1/settings/server', { port: 6553 }), 403);
    assert.equal(await fromPage(p, 'POST', '/api/v1/system/restart'), 403);
    assert.equal((await api('GET', '/api/v1/settings/server')).body.port, firstPort, 'nothing saved');
    assert.deepEqual(unexpectedProblems(own.problems), []);
  } finally {
    await own.browser.close();
  }
});

test('pinned values are read only and say so; HTTPS that fell back to HTTP gets a banner', async () => {
  // `custom` without an uploaded certificate cannot be served: Plexward serves HTTP and says why.
  const pinned = await startWithAdmin({ PLEXWARD_HTTPS: 'custom', PLEXWARD_HOSTNAMES: 'plex.lan' });
  const own = await openBrowser();
  try {
    const p = own.page;
    await firstAdminSignIn(p, pinned.url);
    await openSettings(p);
    const section = serverSection(p);
    const banner = section.getByTestId('tls-problem');
    await banner.waitFor();
    assert.match(await banner.textContent(), /HTTPS is not served: Plexward is serving plain HTTP/);
    assert.equal(await section.getByLabel('HTTPS').isDisabled(), true);
    assert.equal(await section.getByLabel('HTTPS').inputValue(), 'custom');
    assert.match(await section.locator('#server-https-hint').textContent(), /Set by environment \(PLEXWARD_HTTPS\).*\(set by environment\)/);
    assert.equal(await section.getByLabel('Hostnames').getAttribute('readonly'), '');
    assert.equal(await section.getByLabel('Hostnames').inputValue(), 'plex.lan');
    // PLEXWARD_PORT=0 (the harness) pins the port too.
    assert.equal(await section.getByLabel('Port').getAttribute('readonly'), '');
    assert.match(await section.locator('#server-port-hint').textContent(), /set by environment/);
    await screenshot(p, 'settings-server-pinned');
    assert.deepEqual(unexpectedProblems(own.problems), []);
  } finally {
    await own.browser.close();
    await pinned.stop();
  }
});

test('an admin moves Plexward to another port and restarts; the page follows and still works', async (t) => {
  const newPort = await freePort();
  const oldUrl = server.url;
  const newUrl = `http://127.0.0.1:${newPort}`;
  await page.goto(`${oldUrl}/settings`);
  const section = serverSection();
  await section.waitFor();
  await section.getByLabel('Port').fill(String(newPort));
  await section.getByRole('button', { name: 'Save server settings' }).click();
  await section.getByText('Server settings saved. They apply when Plexward restarts.').waitFor();
  await section.getByTestId('restart-required').waitFor();
  assert.match(await section.locator('#server-port-hint').textContent(), /\(saved in Plexward\)/);

  await section.getByRole('button', { name: 'Restart Plexward' }).click();
  const dialog = page.getByRole('dialog', { name: 'Restart Plexward?' });
  await dialog.waitFor();
  assert.match(await dialog.textContent(), new RegExp(`starts again at ${newUrl.replace(/\./g, '\\.')}`));
  await dialog.getByRole('button', { name: 'Restart', exact: true }).click();
  await section.getByText('Restarting…').waitFor();

  // The page moves itself once Plexward answers on the new port: same path, new origin.
  const asked = Date.now();
  try {
    await page.waitForURL((url) => url.origin === newUrl && url.pathname === '/settings', { timeout: FOLLOW_TIMEOUT });
  } catch (e) {
    const status = await page.getByTestId('restart-status').textContent().catch(() => '(gone)');
    assert.fail(`the page stayed at ${page.url()}: ${status}\n${problems.join('\n')}\n${e.message}`);
  }
  t.diagnostic(`the page followed to the new port ${Date.now() - asked} ms after the restart was confirmed`);
  // The session survived: cookies belong to the host, not the port, and sessions are in the data
  // directory. The page is signed in and shows what runs now.
  await page.getByTestId('user').waitFor();
  const running = serverSection().getByTestId('server-running');
  await running.waitFor();
  assert.match(await running.textContent(), new RegExp(`http://127\\.0\\.0\\.1:${newPort}`));
  assert.equal(await serverSection().getByTestId('restart-required').count(), 0);
  assert.equal(await serverSection().getByLabel('Port').inputValue(), String(newPort));

  // It works there: a change saves on the new address.
  await serverSection().getByLabel('Hostnames').fill('plex.lan, 192.168.1.10');
  await serverSection().getByRole('button', { name: 'Save server settings' }).click();
  await serverSection().getByTestId('server-saved').waitFor();
  assert.deepEqual((await api('GET', '/api/v1/settings/server', undefined, newUrl)).body.hostnames, ['plex.lan', '192.168.1.10']);
  await assert.rejects(fetch(`${oldUrl}/api/v1/health`), 'the old port no longer answers');
  await screenshot(page, 'settings-server-restarted');

  // While it restarted the page polled addresses that did not answer yet: the browser notes each
  // refused connection. Nothing else may show up — in particular no CSP violation.
  const restartNoise = /net::ERR_(CONNECTION_REFUSED|CONNECTION_RESET|EMPTY_RESPONSE)/;
  assert.deepEqual(unexpectedProblems(problems).filter((p) => !restartNoise.test(p)), []);
});
