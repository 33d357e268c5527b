// The scheduler in the browser, against the real binary and the Plex simulator: the dashboard's
// countdown (format, ticking, the server's clock, re-reading the schedule when it is due), "Run
// now" with progress and its result, the Settings → Scheduler form with the server's field
// errors, what moderators and auditors see, and friends whose access changes within the hour.
//
// Why some countdowns come from a rewritten answer: the server's next run is at most one interval
// (≤ 1440 min) or one day after the last run started, so a real countdown never shows a whole day
// for more than its first instant. The longer countdown, a browser clock that is off, and a run
// due seconds from now are therefore tested by rewriting `GET /api/v1/scheduler`'s times in the
// browser (marked below); everything else is the real server's answer.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  ADMIN_NEW_PASSWORD, AUDITOR, MODERATOR, apiJson, eventually, screenshot, signInAs, startSignedIn,
  stopAll, unexpectedProblems, waitForPath,
} from './harness.mjs';

const ALICE = 2100001;
const ERIN = 2100006;
const DAY = 86_400;

let sim;
let server;
let browser;
let page;
let problems;
let adminToken;

/** A JSON call to Plexward's API as the admin (Bearer token). */
function api(method, path, body) {
  return apiJson(server.url, adminToken, method, path, body);
}

const nav = () => page.getByRole('navigation', { name: 'Main' });
const countdown = () => page.getByTestId('countdown');
const COUNTDOWN = /^Next reconcile in (?:(\d+) d )?(?:(\d+) h )?(?:(\d+) m )?(\d+) s$/;

/** `Next reconcile in 1 d 05 h 03 m 12 s` → seconds. */
function secondsOf(text) {
  const m = COUNTDOWN.exec(text.trim());
  assert.ok(m, `not a countdown: ${JSON.stringify(text)}`);
  const [d, h, min, s] = m.slice(1).map((x) => Number(x ?? 0));
  return ((d * 24 + h) * 60 + min) * 60 + s;
}

async function openDashboard() {
  await page.goto(`${server.url}/`);
  await countdown().waitFor();
}

before(async () => {
  ({ sim, server, browser, page, problems, adminToken } = await startSignedIn({
    simulator: true, accounts: [MODERATOR, AUDITOR],
  }));
  // The reconcile at startup imports the friends; later tests rely on them.
  await eventually('the startup reconcile', async () => {
    const s = await api('GET', '/api/v1/scheduler');
    return s.last_run && ['succeeded', 'failed'].includes(s.last_run.state);
  });
});

after(() => stopAll({ browser, server, sim }));

test('the dashboard counts down to the next reconcile, hours always shown, every second', async () => {
  // The longest schedule the server allows: the next run is a day after the last one started.
  await api('PUT', '/api/v1/scheduler', { mode: 'interval', interval_minutes: 1440, daily_at: '04:00' });
  await openDashboard();
  await page.getByTestId('schedule-mode').filter({ hasText: 'every 1440 minutes' }).waitFor();
  const first = (await countdown().textContent()).trim();
  // Just under a day: hours with two-digit minutes and seconds, no day.
  assert.match(first, /^Next reconcile in 23 h [0-5]\d m [0-5]\d s$/);
  const start = secondsOf(first);
  assert.ok(start > DAY - 600 && start <= DAY, first);

  // It ticks: the text changes to a smaller number, one second at a time.
  const next = await eventually('the countdown to tick', async () => {
    const text = (await countdown().textContent()).trim();
    return text !== first && text;
  }, 5_000);
  const after1 = secondsOf(next);
  assert.ok(after1 < start && after1 >= start - 3, `${first} → ${next}`);
  await eventually('the countdown to go on ticking',
    async () => secondsOf(await countdown().textContent()) <= start - 2, 6_000);
  await screenshot(page, 'scheduler-dashboard');
});

test('days are shown, and the countdown follows the server clock, not the browser clock', async () => {
  // Rewritten answer (see the top of the file): the server's clock ten days ahead of the
  // browser's, the next run 1 d 05 h 03 m 12 s after the server's "now".
  const handler = async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    const serverNow = Date.parse(body.now) + 10 * DAY * 1000;
    body.now = new Date(serverNow).toISOString();
    body.next_run_at = new Date(serverNow + ((DAY + 5 * 3600 + 3 * 60 + 12) * 1000)).toISOString();
    await route.fulfill({ response, json: body });
  };
  await page.route('**/api/v1/scheduler', handler);
  try {
    await openDashboard();
    const text = (await countdown().textContent()).trim();
    // Not 11 days (the browser clock) — one day and five hours (the server's).
    assert.match(text, /^Next reconcile in 1 d 05 h 03 m (0\d|1[0-2]) s$/);
    await screenshot(page, 'scheduler-days');
  } finally {
    await page.unroute('**/api/v1/scheduler', handler);
  }
});

test('when the countdown reaches zero the card asks the server again', async () => {
  // Rewritten answer, once: the next run two seconds away. The card must fetch the schedule
  // again by itself when it is due, and then shows the server's real next run.
  let rewritten = 0;
  const handler = async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    if (rewritten === 0) {
      body.next_run_at = new Date(Date.parse(body.now) + 2_000).toISOString();
    }
    rewritten += 1;
    await route.fulfill({ response, json: body });
  };
  await page.route('**/api/v1/scheduler', handler);
  try {
    await openDashboard();
    await eventually('the card to fetch the schedule again at zero', () => rewritten >= 2, 10_000);
    await countdown().filter({ hasText: /^Next reconcile in 2\d h/ }).waitFor();
  } finally {
    await page.unroute('**/api/v1/scheduler', handler);
  }
});

test('a moderator runs a reconcile now and sees its progress, its result and the last run', async () => {
  await signInAs(page, MODERATOR);
  await countdown().waitFor();
  const before = await page.getByTestId('last-run-outcome').getAttribute('data-job-id');
  // A slower Plex, so the run lasts long enough to be watched.
  await fetch(`${sim.plextv}/__sim/latency`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ms: 400 }),
  });
  try {
    const [started] = await Promise.all([
      page.waitForResponse((r) => r.url().endsWith('/api/v1/scheduler/run')),
      page.getByRole('button', { name: 'Run now' }).click(),
    ]);
    assert.equal(started.status(), 202);
    const { job_id: jobId } = await started.json();
    assert.notEqual(jobId, before);
    await page.getByTestId('reconcile-progress').waitFor();
    assert.ok(await page.getByRole('button', { name: 'Run now' }).isDisabled());
    await screenshot(page, 'scheduler-running');

    const report = page.getByTestId('reconcile-report');
    await report.waitFor({ timeout: 30_000 });
    assert.match(
      (await report.textContent()).trim(),
      /^Reconcile finished\. Synced SimServer: 5 libraries, \d+ friends — \d+ applied, \d+ failed, drift: \d+ found, \d+ corrected\.$/,
    );
    // The card is read again: the last run is this one, ok, with its summary.
    const outcome = page.locator(`[data-testid="last-run-outcome"][data-job-id="${jobId}"]`);
    await outcome.waitFor();
    assert.equal((await outcome.textContent()).trim(), 'ok');
    assert.match(await page.getByTestId('last-run-detail').textContent(), /^Synced SimServer: 5 libraries/);
    assert.ok(await page.getByRole('button', { name: 'Run now' }).isEnabled());
    // A new interval starts with this run: almost a whole day again.
    await eventually('the countdown to restart from the new run',
      async () => secondsOf(await countdown().textContent()) > DAY - 120);
    await screenshot(page, 'scheduler-run-done');
  } finally {
    await fetch(`${sim.plextv}/__sim/latency`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ms: 0 }),
    });
  }
  // Moderators may run it, not change it.
  await nav().getByRole('link', { name: 'Settings' }).click();
  await waitForPath(page, '/settings');
  await page.getByTestId('schedule-summary').waitFor();
  assert.equal(await page.getByRole('form', { name: 'Scheduler settings' }).count(), 0);
  assert.match(await page.getByTestId('schedule-summary').textContent(), /Reconcile every 1440 minutes\./);
});

test('an admin changes the schedule: the field error for 2 minutes, then 30 is saved', async () => {
  await signInAs(page, { username: 'admin', password: ADMIN_NEW_PASSWORD, role: 'admin' });
  await nav().getByRole('link', { name: 'Settings' }).click();
  await waitForPath(page, '/settings');
  const form = page.getByRole('form', { name: 'Scheduler settings' });
  await form.waitFor();
  assert.ok(await form.getByRole('radio', { name: 'Every so many minutes' }).isChecked());
  assert.match(await page.getByTestId('schedule-zone').textContent(), /\S/);

  const interval = form.getByLabel('Interval (minutes)');
  await interval.fill('2');
  await form.getByRole('button', { name: 'Save schedule' }).click();
  const error = page.locator('#schedule-interval-error');
  await error.waitFor();
  assert.equal((await error.textContent()).trim(), 'must be between 5 and 1440 minutes');
  assert.equal(await interval.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByTestId('schedule-saved').count(), 0);
  await screenshot(page, 'scheduler-settings-error');

  await interval.fill('30');
  await form.getByRole('button', { name: 'Save schedule' }).click();
  const saved = page.getByTestId('schedule-saved');
  await saved.waitFor();
  // The last run was a minute or so ago: the next one is under half an hour away.
  assert.match((await saved.textContent()).trim(), /^Schedule saved\. Next reconcile: .+ \(.+\), in (\d+ m \d\d s|\d+ s)\.$/);
  assert.equal(await error.count(), 0, 'the field error is gone');
  assert.match(await page.getByTestId('schedule-summary').textContent(), /Reconcile every 30 minutes\./);

  // Daily mode: the time field takes over; a bad time is the server's to refuse too.
  await form.getByRole('radio', { name: 'Daily at a set time' }).check();
  assert.ok(await interval.isDisabled());
  assert.ok(await form.getByLabel('Time of day').isEnabled());
  await form.getByRole('radio', { name: 'Every so many minutes' }).check();

  await nav().getByRole('link', { name: 'Dashboard' }).click();
  await waitForPath(page, '/');
  await page.getByTestId('schedule-mode').filter({ hasText: /^every 30 minutes$/ }).waitFor();
  const left = secondsOf(await countdown().textContent());
  assert.ok(left > 0 && left <= 30 * 60, String(left));
  assert.equal((await api('GET', '/api/v1/scheduler')).settings.interval_minutes, 30);
});

test('an auditor sees the countdown but no Run now and no scheduler form', async () => {
  await signInAs(page, AUDITOR);
  await countdown().waitFor();
  await page.getByTestId('last-run-outcome').waitFor();
  assert.equal(await page.getByRole('button', { name: 'Run now' }).count(), 0);
  await nav().getByRole('link', { name: 'Settings' }).click();
  await waitForPath(page, '/settings');
  const summary = page.getByTestId('schedule-summary');
  await summary.waitFor();
  assert.match(await summary.textContent(), /Reconcile every 30 minutes\./);
  assert.equal(await page.getByRole('form', { name: 'Scheduler settings' }).count(), 0);
  assert.equal(await page.getByRole('button', { name: 'Save schedule' }).count(), 0);
  await page.getByText('Only admins can change the schedule.').waitFor();
  await screenshot(page, 'scheduler-auditor');
});

test('friends whose access changes within the hour are highlighted', async () => {
  const libraries = (await api('GET', '/api/v1/libraries')).items;
  const idOf = (title) => libraries.find((l) => l.title === title).id;
  const friends = (await api('GET', '/api/v1/plex-users')).items;
  const friendId = (plexUserId) => friends.find((f) => f.plex_account_id === plexUserId).id;
  const inMinutes = (m) => new Date(Date.now() + m * 60_000).toISOString();

  // alice loses TV Shows in 30 minutes; erin loses it in 3 hours.
  await api('PUT', `/api/v1/plex-users/${friendId(ALICE)}/grants`, {
    grants: [
      { library_id: idOf('Movies') },
      { library_id: idOf('Default') },
      { library_id: idOf('TV Shows'), ends_at: inMinutes(30) },
    ],
  });
  const erin = await api('GET', `/api/v1/plex-users/${friendId(ERIN)}`);
  await api('PUT', `/api/v1/plex-users/${friendId(ERIN)}/grants`, {
    grants: erin.grants.map((g) => ({
      library_id: g.library_id,
      ...(g.library_id === idOf('TV Shows') ? { ends_at: inMinutes(180) } : {}),
    })),
  });

  await nav().getByRole('link', { name: 'Friends' }).click();
  await waitForPath(page, '/friends');
  const alice = page.getByTestId(`friend-${ALICE}`);
  await alice.filter({ hasText: /TV Shows ends in (29|30) m/ }).waitFor();
  const erinRow = page.getByTestId(`friend-${ERIN}`);
  await erinRow.filter({ hasText: /TV Shows ends in 2 h 59 m|TV Shows ends in 3 h 0 m/ }).waitFor();
  assert.ok(await alice.evaluate((row) => row.classList.contains('soon')), 'alice is highlighted');
  assert.ok(!(await erinRow.evaluate((row) => row.classList.contains('soon'))), 'erin is not');
  const kids = page.getByTestId('friend-2100004');
  assert.ok(!(await kids.evaluate((row) => row.classList.contains('soon'))), 'no change, no highlight');
  await screenshot(page, 'scheduler-friends-soon');
  assert.deepEqual(unexpectedProblems(problems), []);
});
