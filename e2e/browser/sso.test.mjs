// Single sign-on in the browser, against the real binary and a real OpenID provider
// (e2e/oidc/provider.mjs: panva's certified oidc-provider, its own login form). The admin sets it
// up on Settings → Single sign-on (the redirect URI to register shown and copied, the server's
// refusals under their fields), then people sign in from fresh browsers: alice (group
// plex-admins) lands on the dashboard as an admin; carol (no groups) and bob while the provider
// issues tokens for another client are sent back to the login page with the reason in words. An
// auditor sees neither the link nor the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import {
  AUDITOR, ROOT, apiJson, eventually, openPage, screenshot, startSignedIn, stopAll, submitSignIn,
  unexpectedProblems, waitForPath,
} from './harness.mjs';

const PROVIDER_DEADLINE_MS = 30_000;
const LABEL = 'Test IdP';
const NOT_ALLOWED = 'Your account at the provider is not allowed into Plexward: ask an admin to map one of your groups to a role.';
const CHECKS_FAILED = "The provider's answer did not pass Plexward's checks; an admin can see why in the audit trail.";

let server;
let browser;
let page;
let problems;
let adminToken;
let provider;

function api(method, path, body) {
  return apiJson(server.url, adminToken, method, path, body);
}

/**
 * Starts the OpenID provider for Plexward's callback; resolves to { issuer, stop, logs } once it
 * printed its one ready line. Its stdin is a pipe it watches: it ends when the pipe does.
 */
async function startProvider(redirectUri) {
  const child = spawn(process.execPath, [join(ROOT, 'e2e', 'oidc', 'provider.mjs')], {
    env: { ...process.env, OIDC_REDIRECT_URI: redirectUri },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr.on('data', (chunk) => { err += chunk.toString(); });
  const ready = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the OpenID provider did not start within ${PROVIDER_DEADLINE_MS} ms:\n${err}`)),
      PROVIDER_DEADLINE_MS,
    );
    child.stdout.on('data', (chunk) => {
      out += chunk.toString();
      const end = out.indexOf('\n');
      if (end < 0) return;
      clearTimeout(timer);
      try {
        resolve(JSON.parse(out.slice(0, end)));
      } catch (e) {
        reject(new Error(`the provider's ready line is not JSON: ${out.slice(0, end)} (${e.message})`));
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the OpenID provider exited with ${code}:\n${err}`));
    });
  });
  return {
    issuer: ready.issuer,
    logs: () => err,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.stdin.end();
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** Makes the provider misbehave on purpose (`{}`: behave again); see provider.mjs. */
async function providerMode(mode) {
  const response = await fetch(`${provider.issuer}/__test/mode`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(mode),
  });
  assert.equal(response.status, 200, await response.text());
}

/**
 * A browser of `username`'s own (fresh cookies, at Plexward and at the provider): the login
 * page's "Sign in with Test IdP", then the provider's form. Resolves to the page, wherever
 * Plexward sent it back to; the caller closes it.
 */
async function signInThroughProvider(username, shot) {
  const visitor = await openPage(browser, problems);
  await visitor.goto(`${server.url}/login`);
  await visitor.getByRole('heading', { name: 'Sign in' }).waitFor();
  const link = visitor.getByRole('link', { name: `Sign in with ${LABEL}` });
  await link.waitFor();
  assert.equal(await link.getAttribute('href'), '/api/v1/auth/sso/start');
  await link.click();
  await visitor.waitForURL((url) => url.href.startsWith(`${provider.issuer}/interaction/`));
  await visitor.locator('input[name="login"]').fill(username);
  await visitor.locator('input[name="password"]').fill('password');
  if (shot) await screenshot(visitor, shot);
  await visitor.getByRole('button', { name: 'Sign in' }).click();
  await visitor.waitForURL((url) => url.origin === server.url);
  return visitor;
}

before(async () => {
  ({ server, browser, page, problems, adminToken } = await startSignedIn({ accounts: [AUDITOR] }));
  // The provider needs Plexward's address first: the only redirect URI it accepts.
  provider = await startProvider(`${server.url}/api/v1/auth/sso/callback`);
});

after(async () => {
  await provider?.stop();
  await stopAll({ browser, server });
});

test('the admin sets single sign-on up on its settings page', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await waitForPath(page, '/settings');
  await page.getByTestId('settings-sso-link').click();
  await waitForPath(page, '/settings/sso');
  await page.getByRole('heading', { name: 'Single sign-on', exact: true }).waitFor();
  await page.getByTestId('sso-state').filter({ hasText: 'Off' }).waitFor();

  // The redirect URI to register, as this browser reaches Plexward; copied with one click.
  const redirect = `${server.url}/api/v1/auth/sso/callback`;
  assert.equal(await page.getByTestId('sso-redirect-uri').inputValue(), redirect);
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  await page.getByTestId('sso-redirect-uri-copy').click();
  await page.getByTestId('sso-redirect-uri-copied').filter({ hasText: 'Copied to the clipboard.' }).waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), redirect);

  // Turned on with nothing else: the server's reason under the box.
  await page.getByLabel('Offer single sign-on on the login page').check();
  await page.getByTestId('sso-save').click();
  await page.locator('#sso-enabled-error').filter({ hasText: 'issuer' }).waitFor();
  await page.getByTestId('sso-errors').waitFor();
  // An issuer that is no URL: under its field.
  await page.getByLabel('Issuer URL').fill('auth.example.com');
  await page.getByTestId('sso-save').click();
  await page.locator('#sso-issuer-error').filter({ hasText: 'issuer URL' }).waitFor();
  assert.equal(await page.getByLabel('Issuer URL').getAttribute('aria-invalid'), 'true');
  assert.equal((await api('GET', '/api/v1/settings/sso')).enabled, false, 'nothing saved');

  await page.getByLabel('Issuer URL').fill(provider.issuer);
  await page.getByLabel('Client ID').fill('plexward');
  assert.equal(await page.getByLabel('Client secret').getAttribute('placeholder'), 'not set');
  await page.getByLabel('Client secret').fill('plexward-secret');
  await page.getByLabel('Scopes').fill('profile email groups');
  const rules = page.getByTestId('sso-rule');
  await page.getByTestId('sso-no-rules').waitFor();
  for (const [group, role] of [['plex-admins', 'admin'], ['plex-mods', 'moderator'], ['spare', 'auditor']]) {
    await page.getByTestId('sso-add-rule').click();
    const row = rules.last();
    await row.getByLabel('Group').fill(group);
    await row.getByLabel('Role').selectOption(role);
  }
  // A rule added by mistake goes again.
  assert.equal(await rules.nth(2).getByLabel('Group').inputValue(), 'spare');
  await rules.nth(2).getByRole('button', { name: 'Remove' }).click();
  await eventually('two rules left', async () => (await rules.count()) === 2);
  await page.getByLabel('Create an account for someone new').check();
  assert.equal(await page.getByLabel('Role when no group matches').inputValue(), 'none');
  await page.getByLabel('Button label').fill(LABEL);
  await page.locator('#sso-button-label-hint').filter({ hasText: `The login page shows “Sign in with ${LABEL}”.` }).waitFor();
  await page.getByTestId('sso-save').click();
  await page.getByTestId('sso-saved').filter({ hasText: `The login page offers “Sign in with ${LABEL}”.` }).waitFor();
  await page.getByTestId('sso-state').filter({ hasText: 'On' }).waitFor();
  assert.equal(await page.locator('.field-error').count(), 0);

  const saved = await api('GET', '/api/v1/settings/sso');
  assert.deepEqual(saved, {
    enabled: true,
    issuer: provider.issuer,
    client_id: 'plexward',
    client_secret_set: true,
    scopes: ['profile', 'email', 'groups'],
    role_mapping: [{ group: 'plex-admins', role: 'admin' }, { group: 'plex-mods', role: 'moderator' }],
    create_unknown_users: true,
    default_role: null,
    button_label: LABEL,
    callback_path: '/api/v1/auth/sso/callback',
  });

  // After a reload: as saved, the secret only as "saved".
  await page.reload();
  await page.getByTestId('sso-state').filter({ hasText: 'On' }).waitFor();
  assert.equal(await page.getByLabel('Issuer URL').inputValue(), provider.issuer);
  assert.equal(await page.getByLabel('Client ID').inputValue(), 'plexward');
  assert.equal(await page.getByLabel('Client secret').inputValue(), '');
  assert.equal(await page.getByLabel('Client secret').getAttribute('placeholder'), 'saved');
  await page.getByTestId('sso-remove-secret').waitFor();
  assert.equal(await page.getByLabel('Scopes').inputValue(), 'profile email groups');
  assert.equal(await rules.count(), 2);
  assert.equal(await rules.nth(0).getByLabel('Group').inputValue(), 'plex-admins');
  assert.equal(await rules.nth(0).getByLabel('Role').inputValue(), 'admin');
  assert.equal(await rules.nth(1).getByLabel('Group').inputValue(), 'plex-mods');
  assert.equal(await rules.nth(1).getByLabel('Role').inputValue(), 'moderator');
  assert.equal(await page.getByLabel('Create an account for someone new').isChecked(), true);
  assert.equal(await page.getByLabel('Button label').inputValue(), LABEL);
  await screenshot(page, 'sso-settings');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('alice signs in through the provider and lands on the dashboard as an admin', async () => {
  const visitor = await signInThroughProvider('alice', 'sso-provider-login');
  try {
    await waitForPath(visitor, '/');
    await visitor.getByTestId('user').filter({ hasText: 'alice' }).waitFor();
    await visitor.getByTestId('user-role').filter({ hasText: 'admin' }).waitFor();
    await screenshot(visitor, 'sso-signed-in');
    await visitor.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'My account' }).click();
    await waitForPath(visitor, '/account');
    assert.equal(await visitor.getByTestId('me-username').textContent(), 'alice');
    await visitor.locator('dt:text-is("Role") + dd').filter({ hasText: 'admin' }).waitFor();
  } finally {
    await visitor.context().close();
  }
  const { items } = await api('GET', '/api/v1/accounts');
  const alice = items.find((a) => a.username === 'alice');
  assert.ok(alice, 'an account was made for alice');
  assert.equal(alice.role, 'admin');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('carol, in no mapped group, is sent back to the login page with the reason', async () => {
  const visitor = await signInThroughProvider('carol');
  try {
    await waitForPath(visitor, '/login', { search: '?sso_error=not_allowed' });
    assert.equal(await visitor.getByTestId('sso-error').textContent(), NOT_ALLOWED);
    // Still free to try again, or sign in with a password.
    await visitor.getByRole('link', { name: `Sign in with ${LABEL}` }).waitFor();
    await visitor.getByLabel('Username').waitFor();
    await screenshot(visitor, 'sso-not-allowed');
    // A password sign-in attempt puts the old reason away.
    await submitSignIn(visitor, 'carol', 'not her password');
    await visitor.getByTestId('login-error').waitFor();
    assert.equal(await visitor.getByTestId('sso-error').count(), 0);
  } finally {
    await visitor.context().close();
  }
  const { items } = await api('GET', '/api/v1/accounts');
  assert.ok(!items.some((a) => a.username === 'carol'), 'no account for carol');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('a token meant for another client is refused, and bob is told why', async () => {
  await providerMode({ id_token_audience: 'someone-else' });
  try {
    const visitor = await signInThroughProvider('bob');
    try {
      await waitForPath(visitor, '/login', { search: '?sso_error=wrong_audience' });
      assert.equal(await visitor.getByTestId('sso-error').textContent(), CHECKS_FAILED);
      await screenshot(visitor, 'sso-checks-failed');
    } finally {
      await visitor.context().close();
    }
  } finally {
    await providerMode({});
  }
  // "An admin can see why in the audit trail": the refusal is there, with its reason.
  const refused = await eventually('the refusal in the audit trail', async () => {
    const { items } = await api('GET', '/api/v1/audit?action=auth.sso');
    return items.find((e) => e.outcome === 'failure' && e.details?.reason === 'wrong_audience');
  });
  assert.ok(refused);
  const { items } = await api('GET', '/api/v1/accounts');
  assert.ok(!items.some((a) => a.username === 'bob'), 'no account for bob');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('an auditor sees neither the link nor the page', async () => {
  const auditor = await openPage(browser, problems);
  try {
    await auditor.goto(`${server.url}/login`);
    await submitSignIn(auditor, AUDITOR.username, AUDITOR.password);
    await waitForPath(auditor, '/');
    await auditor.getByTestId('user-role').filter({ hasText: 'auditor' }).waitFor();
    await auditor.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await waitForPath(auditor, '/settings');
    await auditor.getByTestId('settings-notifications-link').waitFor();
    assert.equal(await auditor.getByTestId('settings-sso-link').count(), 0);
    await auditor.goto(`${server.url}/settings/sso`);
    await auditor.getByTestId('forbidden').waitFor();
    assert.equal(await auditor.getByTestId('sso-redirect-uri').count(), 0);
  } finally {
    await auditor.context().close();
  }
  assert.deepEqual(unexpectedProblems(problems), []);
});
