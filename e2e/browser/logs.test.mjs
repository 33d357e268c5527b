// The Logs page in the browser, against the real binary and its real log files: an auditor reads
// the newest lines, filters them by level, follows them live and sees a line the test causes
// arrive; markup inside a log line — one the app writes itself, quoting Plex's answer, and lines
// put in the file — shows as text and never runs; the server's 400 lands under its field; the
// Download buttons are there for auditors and not for moderators (whom the API refuses too).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AUDITOR, MODERATOR, apiJson, eventually, screenshot, signInAs, startSignedIn, stopAll,
  unexpectedProblems, waitForPath,
} from './harness.mjs';

const MARKUP = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">';
const PLEX_MARKUP = '<script>window.__pwned=1</script><img src=p onerror="window.__pwned=2">';
const ALICE = 2100001;

let sim;
let server;
let browser;
let page;
let problems;
let adminToken;
let dialogs;

function api(method, path, body) {
  return apiJson(server.url, adminToken, method, path, body);
}

/** A wrong password: the request middleware logs `request refused` (INFO) for the 401. */
async function failedSignIn() {
  const response = await fetch(`${server.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username: 'nobody', password: 'not the password at all' }),
  });
  assert.equal(response.status, 401);
}

const nav = () => page.getByRole('navigation', { name: 'Main' });
const lines = () => page.getByTestId('log-lines').locator('li');

async function openLogs() {
  await nav().getByRole('link', { name: 'Logs' }).click();
  await waitForPath(page, '/logs');
  await page.getByRole('heading', { name: 'Logs', level: 1 }).waitFor();
}

before(async () => {
  ({ sim, server, browser, page, problems, dialogs, adminToken } = await startSignedIn({
    simulator: true, accounts: [MODERATOR, AUDITOR],
  }));
});

after(() => stopAll({ browser, server, sim }));

test('an auditor reads the newest lines and filters them by level', async () => {
  await failedSignIn();
  await signInAs(page, AUDITOR);
  await openLogs();
  await lines().first().waitFor();
  assert.ok((await lines().count()) > 0);
  await page.getByTestId('log-lines').getByText('request refused').first().waitFor();

  await page.getByLabel('Level', { exact: true }).selectOption('warn');
  await eventually('only warnings and errors', async () => {
    const levels = await lines().evaluateAll((items) => items.map((li) => li.dataset.level));
    return levels.every((l) => l === 'warn' || l === 'error');
  });
  assert.equal(await page.getByTestId('log-lines').getByText('request refused').count(), 0);

  await page.getByLabel('Level', { exact: true }).selectOption('');
  await page.getByTestId('log-lines').getByText('request refused').first().waitFor();
  await screenshot(page, 'logs');
});

test('Live shows a line the moment it is written', async () => {
  await page.getByRole('button', { name: 'Live' }).click();
  await page.getByTestId('live-status').filter({ hasText: /^Live:/ }).waitFor();
  const marker = `e2e-live-${Date.now()}`;
  // An unknown API path: the 404 is logged with its path, which makes this line findable.
  const response = await fetch(`${server.url}/api/v1/${marker}`);
  assert.equal(response.status, 404);
  const line = page.getByTestId('log-lines').locator('li', { hasText: marker });
  await line.waitFor();
  assert.equal(await line.getAttribute('data-level'), 'info');
  assert.match(await line.textContent(), /request refused/);
  // Newest first: the new line is at the top.
  assert.match(await lines().first().textContent(), new RegExp(marker));

  await page.getByRole('button', { name: 'Live' }).click();
  assert.equal(await page.getByTestId('live-status').textContent(), '');
  assert.equal(await page.getByRole('button', { name: 'Live' }).getAttribute('aria-pressed'), 'false');
});

test('a failed sign-in reaches the live stream within a second, quoted, without the password', async () => {
  const { token } = await apiJson(server.url, null, 'POST', '/api/v1/auth/login', {
    username: AUDITOR.username, password: AUDITOR.password,
  });
  const controller = new AbortController();
  const stream = await fetch(`${server.url}/api/v1/logs/stream?level=warn`, {
    headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
    signal: controller.signal,
  });
  assert.equal(stream.status, 200);
  const reader = stream.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  /** Reads the stream until `until(text)` or `ms` pass; resolves to whether it held. */
  const readUntil = async (until, ms) => {
    const deadline = Date.now() + ms;
    while (!until(text)) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      const chunk = await Promise.race([reader.read(), new Promise((r) => setTimeout(() => r(null), left))]);
      if (!chunk || chunk.done) return until(text);
      text += decoder.decode(chunk.value, { stream: true });
    }
    return true;
  };
  try {
    assert.ok(await readUntil((t) => t.includes('connected'), 5_000), 'the stream opens');
    const marker = `forged-${Date.now()}`;
    const password = 'correct horse battery staple 12345';
    const refused = await fetch(`${server.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: `evil\nINFO ${marker}`, password }),
    });
    assert.equal(refused.status, 401);
    // From the refusal to the auditor's stream: within a second.
    const seen = await readUntil((t) => t.includes(marker), 1_000);
    assert.ok(seen, `the failed sign-in reached the stream within a second; so far: ${text.slice(-1500)}`);
    assert.ok(!text.includes(password), 'the password is never logged');
    const frame = text.split('\n\n').find((f) => f.includes(marker));
    const entry = JSON.parse(frame.split('\n').find((l) => l.startsWith('data: ')).slice(6));
    assert.equal(entry.level, 'warn');
    assert.equal(entry.message, 'security event');
    assert.equal(entry.fields.action, 'auth.login');
    assert.equal(entry.fields.outcome, 'failure');
    // Quoted, the newline escaped: a typed name cannot start a forged line.
    assert.ok(entry.fields.actor.startsWith(`"anonymous (evil\\nINFO ${marker}`), entry.fields.actor);
    assert.match(entry.fields.reason, /invalid credentials/);
  } finally {
    controller.abort();
  }
});

test('markup in a log line is shown as text, never run', async () => {
  const file = join(server.dataDir, 'logs', 'app.log');
  const line = {
    timestamp: new Date().toISOString(),
    level: 'WARN',
    fields: { message: `login as ${MARKUP}`, path: '<img src=y onerror="window.__xss = 3">' },
    target: 'e2e::markup',
  };
  // A parsed line and a line that is not JSON at all (shown whole as its message).
  appendFileSync(file, `${JSON.stringify(line)}\n<img src=z onerror="window.__xss = 4"> raw line\n`);
  await page.getByRole('button', { name: 'Refresh' }).click();
  const list = page.getByTestId('log-lines');
  await list.getByText(`login as ${MARKUP}`).waitFor();
  await list.getByText('<img src=z onerror="window.__xss = 4"> raw line').waitFor();
  assert.equal(await list.locator('script, img').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
  assert.deepEqual(dialogs, []);
  const row = list.locator('li', { hasText: 'login as' });
  assert.equal(await row.getAttribute('data-level'), 'warn');
  assert.match(await row.textContent(), /path=<img src=y/);
});

test('markup the app logs from Plex\'s answer is shown as text, never run', async () => {
  await api('POST', '/api/v1/sync');
  let alice;
  await eventually('alice synced from Plex', async () => {
    alice = (await api('GET', '/api/v1/plex-users')).items.find((f) => f.plex_account_id === ALICE);
    return alice !== undefined;
  });
  const movies = (await api('GET', '/api/v1/libraries')).items.find((l) => l.title === 'Movies');
  // plex.tv refuses the next share update with markup for a body; the applier logs the refusal
  // (WARN "apply failed; will retry") quoting the body.
  const fault = await fetch(`${sim.plextv}/__sim/fault`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      host: 'plextv', method: 'PUT', path: '/api/servers/*/shared_servers/*', status: 400,
      body: PLEX_MARKUP, content_type: 'text/html', count: 1,
    }),
  });
  assert.ok(fault.ok, `fault → ${fault.status}`);
  await api('PUT', `/api/v1/plex-users/${alice.id}/grants`, { grants: [{ library_id: movies.id }] });

  const list = page.getByTestId('log-lines');
  const row = list.locator('li', { hasText: PLEX_MARKUP });
  await eventually('the refusal in the log', async () => {
    await page.getByRole('button', { name: 'Refresh' }).click();
    return (await row.count()) > 0;
  });
  assert.equal(await row.first().getAttribute('data-level'), 'warn');
  assert.match(await row.first().textContent(), /apply failed; will retry/);
  assert.equal(await list.locator('script, img').count(), 0);
  assert.equal(await page.evaluate(() => window.__pwned), undefined);
  assert.deepEqual(dialogs, []);
});

test('a refused filter is explained under its field', async () => {
  await page.getByLabel('Lines', { exact: true }).fill('5');
  await page.getByRole('button', { name: 'Refresh' }).click();
  const error = page.locator('#log-lines-error');
  await error.waitFor();
  assert.match(await error.textContent(), /from 10 to 1000/);
  assert.equal(await page.getByLabel('Lines', { exact: true }).getAttribute('aria-invalid'), 'true');
  await page.getByLabel('Lines', { exact: true }).fill('10');
  await page.getByRole('button', { name: 'Refresh' }).click();
  await error.waitFor({ state: 'detached' });
  await eventually('ten lines at most', async () => (await lines().count()) <= 10);
});

test('auditors can download the logs', async () => {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download', exact: true }).click(),
  ]);
  assert.equal(download.suggestedFilename(), 'plexward-app.log');
  const [archive] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download all rotated files' }).click(),
  ]);
  assert.equal(archive.suggestedFilename(), 'plexward-app-logs.tar.gz');
  // Still on the page.
  assert.equal(new URL(page.url()).pathname, '/logs');
});

test('moderators read the logs but cannot download them', async () => {
  await signInAs(page, MODERATOR);
  await openLogs();
  await lines().first().waitFor();
  assert.equal(await page.getByRole('link', { name: 'Download', exact: true }).count(), 0);
  assert.equal(await page.getByRole('link', { name: 'Download all rotated files' }).count(), 0);
  // Not only hidden: the API refuses a moderator's download.
  const { token } = await api('POST', '/api/v1/auth/login', {
    username: MODERATOR.username, password: MODERATOR.password,
  });
  for (const query of ['file=app', 'file=app&all=true']) {
    const response = await fetch(`${server.url}/api/v1/logs/download?${query}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    assert.equal(response.status, 403, query);
  }
  // 400: the refused values an earlier test typed on purpose.
  assert.deepEqual(unexpectedProblems(problems, [400, 401, 404]), []);
});
