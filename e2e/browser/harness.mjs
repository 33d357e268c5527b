// Browser-test harness: starts the real `plexward` binary serving the real built SPA on a free
// loopback port with a throw-away data directory, and Debian's Chromium through playwright-core.
// Every test gets a fresh server, so tests never depend on each other.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const ARTIFACTS = join(ROOT, 'e2e', 'artifacts');
const BIN = process.env.PLEXWARD_BIN ?? join(ROOT, 'target', 'debug', 'plexward');
const WEB_DIR = process.env.PLEXWARD_WEB_DIR ?? join(ROOT, 'dist');
const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const START_DEADLINE_MS = 30_000;

/** Starts Plexward; resolves to { url, stop, logs, dataDir } once it listens. */
export async function startPlexward(extraEnv = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'plexward-e2e-'));
  const child = spawn(BIN, ['serve'], {
    env: {
      ...process.env,
      PLEXWARD_BIND: '127.0.0.1',
      PLEXWARD_PORT: '0',
      PLEXWARD_DATA_DIR: join(dataDir, 'data'),
      PLEXWARD_WEB_DIR: WEB_DIR,
      PLEXWARD_LOG: 'info',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs = [];
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`plexward did not start within ${START_DEADLINE_MS} ms:\n${logs.join('')}`)),
      START_DEADLINE_MS,
    );
    const onData = (chunk) => {
      const text = chunk.toString();
      logs.push(text);
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(logs.join(''));
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk) => logs.push(chunk.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`plexward exited with ${code} before listening:\n${logs.join('')}`));
    });
  });
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { url, stop, logs, dataDir: join(dataDir, 'data') };
}

/** Launches headless Chromium with a page that records console errors and CSP violations
 * (`ignoreHTTPSErrors`: accept a test certificate, e.g. behind the test nginx). */
export async function openBrowser({ ignoreHTTPSErrors = false } = {}) {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
  const problems = [];
  const page = await openPage(browser, problems, { ignoreHTTPSErrors });
  return { browser, page, problems };
}

/**
 * A page in a browser profile of its own (its own cookies: another device signed in beside the
 * first), watched like `openBrowser`'s: its console errors and CSP violations go to `problems`.
 * `options` are the context's (e.g. `userAgent`, to tell the devices apart in a sessions list).
 */
export async function openPage(browser, problems, options = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  // No step may wait forever: a missing element fails the test instead of hanging it.
  page.setDefaultTimeout(20_000);
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  // Injected through the DevTools protocol, so the page's CSP does not block it.
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI}`);
    });
  });
  return page;
}

/** Saves a screenshot under e2e/artifacts/ (kept for people to look at). */
export async function screenshot(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

// ---- Accounts and sign-in ----

/** The first admin's password, given to the server (flagged must-change on first sign-in). */
export const ADMIN_PASSWORD = 'initial Glacier walrus 4821';
/** What the first admin changes it to. */
export const ADMIN_NEW_PASSWORD = 'copper kettle orbiting lantern';
const UI_TIMEOUT = 15_000;

/** Starts Plexward with the first admin's password set. */
export function startWithAdmin(extraEnv = {}) {
  return startPlexward({ PLEXWARD_ADMIN_PASSWORD: ADMIN_PASSWORD, ...extraEnv });
}

/** Waits until the page's path (and optionally its query) is `path`. */
export async function waitForPath(page, path, { search } = {}) {
  await page.waitForURL(
    (url) => url.pathname === path && (search === undefined || url.search === search),
    { timeout: UI_TIMEOUT },
  );
}

/** Fills the sign-in form and submits it (the page must show it). */
export async function submitSignIn(page, username, password) {
  await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: UI_TIMEOUT });
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  // Exact: "Sign in with a passkey" is a button of the page too (at a host name).
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/** Fills the forced "choose a new password" form and submits it. */
export async function submitForcedChange(page, current, next) {
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor({ timeout: UI_TIMEOUT });
  await page.getByLabel('Current password', { exact: true }).fill(current);
  await page.getByLabel('New password', { exact: true }).fill(next);
  await page.getByLabel('Repeat the new password', { exact: true }).fill(next);
  await page.getByRole('button', { name: 'Change password' }).click();
}

/** First sign-in of the bootstrap admin: sign in, then the forced change; ends on the dashboard. */
export async function firstAdminSignIn(page, url) {
  await page.goto(`${url}/`);
  await submitSignIn(page, 'admin', ADMIN_PASSWORD);
  await submitForcedChange(page, ADMIN_PASSWORD, ADMIN_NEW_PASSWORD);
  await waitForPath(page, '/');
  await page.getByTestId('user').waitFor({ timeout: UI_TIMEOUT });
}

/** A moderator and an auditor the tests that need other roles create (`startSignedIn`). */
export const MODERATOR = { username: 'mo', password: 'saffron glacier tugboat meridian', role: 'moderator' };
export const AUDITOR = { username: 'audrey', password: 'velvet compass harvest lighthouse', role: 'auditor' };

/** Signs out, signs `account` in and waits until the dashboard shows its role. */
export async function signInAs(page, account) {
  await signOut(page);
  await submitSignIn(page, account.username, account.password);
  await waitForPath(page, '/');
  await page.getByTestId('user-role').filter({ hasText: account.role }).waitFor();
}

/** Signs out with the top bar's button and waits for the sign-in page. */
export async function signOut(page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await waitForPath(page, '/login');
  await page.getByRole('heading', { name: 'Sign in' }).waitFor({ timeout: UI_TIMEOUT });
}

/**
 * Console problems that are not the browser's own note about an HTTP error status the test
 * provoked on purpose (Chromium logs "Failed to load resource: … status of 401" for every non-2xx
 * fetch, e.g. a wrong password or the signed-out start). Anything else counts.
 */
export function unexpectedProblems(problems, allowedStatuses = [401, 403, 409, 412, 422, 429]) {
  return problems.filter((p) => {
    const m = /Failed to load resource: the server responded with a status of (\d{3})/.exec(p);
    return !(m && allowedStatuses.includes(Number(m[1])));
  });
}

const SIM_BIN = process.env.PLEX_SIM_BIN ?? join(ROOT, 'target', 'debug', 'plex-sim');

/** Starts the Plex simulator on free loopback ports; resolves to { pms, plextv, env, stop }. */
export async function startSimulator() {
  const child = spawn(SIM_BIN, ['--pms-port', '0', '--plextv-port', '0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const urls = await new Promise((resolveUrls, reject) => {
    const timer = setTimeout(() => reject(new Error(`plex-sim did not start:\n${out}`)), START_DEADLINE_MS);
    child.stdout.on('data', (chunk) => {
      out += chunk.toString();
      const match = /pms=(\S+) plextv=(\S+)/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolveUrls({ pms: match[1], plextv: match[2] });
      }
    });
    child.stderr.on('data', (chunk) => { out += chunk.toString(); });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`plex-sim exited with ${code}:\n${out}`));
    });
  });
  return {
    ...urls,
    /** The environment that wires Plexward to this simulator. */
    env: {
      PLEXWARD_PLEX_URL: urls.pms,
      PLEXWARD_PLEXTV_URL: urls.plextv,
      PLEXWARD_PLEX_TOKEN: 'plex-sim-owner-token',
    },
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

// ---- Setup shared by the test files ----

/**
 * The usual start of a test file: the Plex simulator (with `simulator`), Plexward wired to it
 * (and started with `env` on top),
 * Chromium, and the first admin signed in on the page (past the forced password change). With
 * `accounts`, the admin's API token (`adminToken`) creates them, already past their own forced
 * change. Browser dialogs are dismissed and their messages kept in `dialogs`. Resolves to
 * { sim, server, browser, page, problems, dialogs, adminToken }; `stopAll` ends it.
 */
export async function startSignedIn({ simulator = false, accounts = [], env = {} } = {}) {
  const sim = simulator ? await startSimulator() : undefined;
  const server = await startWithAdmin({ ...sim?.env, ...env });
  const { browser, page, problems } = await openBrowser();
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss().catch(() => {});
  });
  if (process.env.DEBUG_E2E) {
    page.on('console', (m) => console.log(`[${page.url()}] ${m.type()}: ${m.text().slice(0, 300)}`));
    page.on('framenavigated', (f) => f === page.mainFrame() && console.log(`-> ${f.url()}`));
  }
  await firstAdminSignIn(page, server.url);
  let adminToken;
  if (accounts.length > 0) {
    ({ token: adminToken } = await apiJson(server.url, null, 'POST', '/api/v1/auth/login', {
      username: 'admin', password: ADMIN_NEW_PASSWORD,
    }));
    for (const account of accounts) {
      await apiJson(server.url, adminToken, 'POST', '/api/v1/accounts', { ...account, must_change_password: false });
    }
  }
  return { sim, server, browser, page, problems, dialogs, adminToken };
}

/** Ends what `startSignedIn` (or a file's own setup) started; missing parts are skipped. */
export async function stopAll({ browser, server, sim } = {}) {
  await browser?.close();
  await server?.stop();
  await sim?.stop();
}

// ---- Two-factor codes (the tests are the authenticator app) ----

/** RFC 4648 base32 (spaces and padding ignored) to bytes: the key a setup page shows. */
export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  const out = [];
  let bits = 0;
  let value = 0;
  for (const c of clean) {
    const index = alphabet.indexOf(c);
    if (index < 0) throw new Error(`not base32: ${c}`);
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 (HMAC-SHA1, 30-s steps, 6 digits): the code of time step `step`. */
export function totpAt(key, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const binary = ((mac[offset] & 0x7f) << 24) | (mac[offset + 1] << 16)
    | (mac[offset + 2] << 8) | mac[offset + 3];
  return String(binary % 1_000_000).padStart(6, '0');
}

/** The RFC 6238 time step of now. */
export const stepNow = () => Math.floor(Date.now() / 30_000);

/** A six-digit code that is none of the codes valid around now. */
export function wrongCode(key) {
  const valid = new Set([-1, 0, 1, 2].map((d) => totpAt(key, stepNow() + d)));
  for (let n = 123456; ; n += 1) {
    const code = String(n % 1_000_000).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

// ---- Passkeys (the tests are the authenticator) ----

/**
 * Where passkeys can work for a server `startPlexward` started: its address with `localhost` for
 * the IP (WebAuthn refuses IP addresses; Chromium takes `localhost` to loopback, and counts it
 * as a secure context over plain HTTP). Its cookies are not 127.0.0.1's: sign in there anew.
 */
export const hostNameUrl = (server) => server.url.replace('127.0.0.1', 'localhost');

/**
 * Gives `page` a virtual authenticator through the DevTools protocol: a platform one (like
 * Touch ID or Windows Hello) that keeps discoverable passkeys and verifies the user by itself, so
 * `navigator.credentials.create()`/`.get()` answer without a prompt. `options` override its
 * settings. Resolves to { cdp, authenticatorId, credentials(), setUserVerified(bool), remove() };
 * `credentials()` are what it holds (rpId, userHandle, signCount, …); `cdp` sends any other
 * `WebAuthn.*` command.
 */
export async function addVirtualAuthenticator(page, options = {}) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
      ...options,
    },
  });
  return {
    cdp,
    authenticatorId,
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
    setUserVerified: (isUserVerified) => cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified }),
    remove: () => cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId }),
  };
}

// ---- Polling and the API ----

/** Polls `check` (every 100 ms) until it returns a truthy value, which it resolves to; fails the
 * test naming `what` after `ms`. */
export async function eventually(what, check, ms = 15_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A call to Plexward's API at `url` with `token` as Bearer when given: `body` is sent as JSON
 * (or as it is, for a FormData). Resolves to { status, ok, body }, body parsed when it is JSON,
 * the text otherwise, null when empty. */
export async function apiCall(url, token, method, path, body) {
  const form = body instanceof FormData;
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      Accept: 'application/json',
      ...(form ? {} : { 'Content-Type': 'application/json' }),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    },
    body: body === undefined || form ? body : JSON.stringify(body),
  });
  const text = await response.text();
  const json = response.headers.get('content-type')?.includes('json');
  return { status: response.status, ok: response.ok, body: text ? (json ? JSON.parse(text) : text) : null };
}

/** `apiCall` that fails the test on any non-2xx answer; resolves to the body. */
export async function apiJson(url, token, method, path, body) {
  const answer = await apiCall(url, token, method, path, body);
  if (!answer.ok) throw new Error(`${method} ${path} → ${answer.status}: ${JSON.stringify(answer.body)}`);
  return answer.body;
}

// ---- Phones, the Plex simulator's sign-in and syncing ----

/** A phone-sized page (390×844, touch) in a browser profile of its own, watched like `openPage`'s;
 * `options` go on top (e.g. `timezoneId`). */
export function openPhone(browser, problems, options = {}) {
  return openPage(browser, problems, {
    viewport: { width: 390, height: 844 },
    isMobile: true,
    hasTouch: true,
    deviceScaleFactor: 2,
    ...options,
  });
}

/** Whether `page` is wider than its viewport's width (on a phone the browser would zoom out or
 * scroll sideways; `window.innerWidth` grows with a too wide page there, so it is no measure). */
export function scrollsSideways(page) {
  const { width } = page.viewportSize();
  return page.evaluate((w) => document.documentElement.scrollWidth > w, width);
}

/** Approves the simulator's sign-in PIN `code` on "plex.tv" as account `accountId` (a friend's
 * `plex_account_id`, or any other number for a stranger). */
export async function approvePin(sim, code, accountId) {
  const response = await fetch(`${sim.plextv}/__sim/pins/approve`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ code, account_id: accountId }),
  });
  assert.ok(response.ok, `approving PIN ${code}: ${response.status} ${await response.text()}`);
}

/** Syncs Plexward at `url` with Plex (as `token`) and waits until the job has succeeded. */
export async function syncNow(url, token) {
  const { job_id: job } = await apiJson(url, token, 'POST', '/api/v1/sync');
  await eventually('the sync', async () =>
    (await apiJson(url, token, 'GET', `/api/v1/jobs/${job}`)).state === 'succeeded', 30_000);
}

/** The simulator's share for plex.tv account `id` (undefined when there is none). */
export async function simShare(sim, id) {
  const response = await fetch(`${sim.plextv}/__sim/state`);
  assert.ok(response.ok, `simulator state: ${response.status}`);
  return (await response.json()).shares.find((s) => s.userId === id);
}
