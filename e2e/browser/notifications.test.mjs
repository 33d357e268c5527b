// Notifications in the browser, against the real binary, the Plex simulator and a webhook
// receiver running in this test process: the admin adds a webhook channel from Settings →
// Notifications, reads its signing secret once, and tests it ("Delivered (HTTP 200)", signed
// with that secret); giving a friend a library sends a signed `access.granted` whose body's id is
// its `X-Plexward-Delivery`; the Deliveries page shows it delivered and sends it again under the
// same id. An auditor sees channels and deliveries but no buttons; the admin edits the channel
// (a new secret, shown once), sees a failing receiver's exact error, and deletes it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import {
  ADMIN_NEW_PASSWORD, AUDITOR, apiJson, eventually, screenshot, signInAs, startSignedIn, stopAll,
  unexpectedProblems, waitForPath,
} from './harness.mjs';

const ALICE = 2100001;
const CHANNEL = 'Home automation';

let sim;
let server;
let browser;
let page;
let problems;
let adminToken;
let receiver;
/** The webhook's signing secret, as the UI showed it once. */
let secret;
let channelId;

function api(method, path, body) {
  return apiJson(server.url, adminToken, method, path, body);
}

const nav = () => page.getByRole('navigation', { name: 'Main' });

/**
 * A webhook receiver on a free loopback port. It records every request — method, path, headers
 * (lower-case names) and the raw body as bytes, exactly as received — and answers `status`
 * (200 unless a test changes it) with `reply` for a body.
 */
async function startReceiver() {
  const hits = [];
  const self = { hits, status: 200, reply: 'ok' };
  const http = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      hits.push({ method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(self.status, { 'Content-Type': 'text/plain' });
      res.end(self.reply);
    });
  });
  await new Promise((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', resolve);
  });
  self.url = `http://127.0.0.1:${http.address().port}/plexward-hook`;
  self.stop = () => new Promise((resolve) => {
    http.closeAllConnections?.();
    http.close(() => resolve());
  });
  return self;
}

/** Whether `hit` carries `X-Plexward-Signature: sha256=<hex HMAC-SHA256 of its raw body>` keyed
 * with `key`. */
function signedWith(hit, key) {
  const expected = Buffer.from(`sha256=${createHmac('sha256', key).update(hit.body).digest('hex')}`);
  const got = Buffer.from(hit.headers['x-plexward-signature'] ?? '');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

const eventHits = (event, from = 0) =>
  receiver.hits.slice(from).filter((h) => h.headers['x-plexward-event'] === event);

async function openChannels() {
  await nav().getByRole('link', { name: 'Settings' }).click();
  await waitForPath(page, '/settings');
  await page.getByTestId('settings-notifications-link').click();
  await waitForPath(page, '/settings/notifications');
  await page.getByRole('heading', { name: 'Channels' }).waitFor();
}

before(async () => {
  receiver = await startReceiver();
  ({ sim, server, browser, page, problems, adminToken } = await startSignedIn({
    simulator: true, accounts: [AUDITOR],
  }));
  const job = await api('POST', '/api/v1/sync');
  await eventually('the first sync', async () => {
    const now = await api('GET', `/api/v1/jobs/${job.job_id}`);
    return now.state === 'succeeded';
  });
});

after(async () => {
  await stopAll({ browser, server, sim });
  await receiver?.stop();
});

test('the admin adds a webhook channel, reads its secret once, and tests it', async () => {
  await openChannels();
  await page.getByTestId('channels-empty').waitFor();
  assert.match(await page.getByTestId('webhook-format').textContent(), /X-Plexward-Signature/);
  await page.getByTestId('channel-new').click();
  const form = page.getByTestId('channel-form');
  await form.waitFor();

  // Each kind asks for its own settings: ntfy a server and topic, a webhook a URL.
  await page.getByTestId('channel-kind').selectOption('ntfy');
  await page.getByTestId('channel-topic').waitFor();
  assert.equal(await page.getByTestId('channel-url').count(), 0);
  await page.getByTestId('channel-kind').selectOption('webhook');
  await page.getByTestId('channel-url').waitFor();
  assert.equal(await page.getByTestId('channel-topic').count(), 0);

  // Nothing filled in: refused before anything is sent, under each field.
  await page.getByTestId('channel-save').click();
  await page.getByTestId('channel-error').waitFor();
  await form.getByText('Choose at least one event.').waitFor();

  await page.getByTestId('channel-name').fill(CHANNEL);
  await page.getByTestId('channel-url').fill(receiver.url);
  await page.getByTestId('channel-event-access-granted').check();
  await page.getByTestId('channel-event-access-started').check();
  assert.equal(await page.getByTestId('channel-enabled').isChecked(), true);
  assert.equal(await page.getByTestId('channel-rotate-secret').count(), 0, 'only when editing');
  await screenshot(page, 'notifications-channel-form');
  await page.getByTestId('channel-save').click();

  // The signing secret, this once.
  const dialog = page.getByRole('dialog', { name: `Signing secret for “${CHANNEL}”` });
  await dialog.waitFor();
  await dialog.getByText("Copy it now: you won't see it again.").waitFor();
  secret = await dialog.getByTestId('channel-secret').inputValue();
  assert.match(secret, /^pwh_[0-9a-f]{64}$/);
  await screenshot(page, 'notifications-secret');
  await dialog.getByRole('button', { name: 'Done' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByTestId('channel-form').waitFor({ state: 'detached' });

  const { items } = await api('GET', '/api/v1/notifications/channels');
  assert.equal(items.length, 1);
  const [channel] = items;
  channelId = channel.id;
  assert.deepEqual(channel.events, ['access.granted', 'access.started']);
  assert.equal(channel.secret_set, true);
  assert.equal(JSON.stringify(channel).includes(secret), false, 'the secret is never listed');
  await page.getByTestId(`channel-row-${channelId}`).waitFor();
  assert.equal(await page.getByTestId(`channel-name-${channelId}`).textContent(), CHANNEL);
  assert.equal(await page.getByTestId(`channel-kind-${channelId}`).textContent(), 'Webhook');
  assert.equal(await page.getByTestId(`channel-events-${channelId}`).textContent(), 'Access granted, Access started');
  assert.equal(await page.getByTestId(`channel-enabled-${channelId}`).textContent(), 'On');
  assert.equal(await page.getByTestId(`channel-secret-set-${channelId}`).textContent(), 'Signing secret set');

  // Test: sent now, signed with the secret shown, and the answer in words.
  await page.getByTestId(`channel-test-${channelId}`).click();
  await page.getByTestId(`channel-test-result-${channelId}`).filter({ hasText: 'Delivered (HTTP 200)' }).waitFor();
  const [tested] = eventHits('test');
  assert.ok(tested, 'the receiver got the test');
  assert.equal(tested.method, 'POST');
  assert.equal(tested.path, '/plexward-hook');
  assert.ok(signedWith(tested, secret), 'the test is signed with the secret shown once');
  const body = JSON.parse(tested.body.toString('utf8'));
  assert.equal(body.event, 'test');
  assert.equal(body.id, tested.headers['x-plexward-delivery']);
  await screenshot(page, 'notifications-channels');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('giving a friend a library sends a signed access.granted, delivered and sent again from Deliveries', async () => {
  const alice = (await api('GET', '/api/v1/plex-users')).items.find((f) => f.plex_account_id === ALICE);
  const libraries = (await api('GET', '/api/v1/libraries')).items;
  const detail = await api('GET', `/api/v1/plex-users/${alice.id}`);
  const kept = detail.grants.map(({ library_id, starts_at, ends_at }) => ({ library_id, starts_at, ends_at }));
  const had = new Set(kept.map((g) => g.library_id));
  const gained = libraries.find((l) => !l.removed && !had.has(l.id));
  assert.ok(gained, 'a library alice does not have yet');
  await api('PUT', `/api/v1/plex-users/${alice.id}/grants`, {
    grants: [...kept, { library_id: gained.id }],
  });

  const granted = await eventually('access.granted at the receiver', () => eventHits('access.granted')[0], 20_000);
  assert.ok(signedWith(granted, secret), 'signed with the secret shown once');
  assert.equal(granted.headers['content-type'], 'application/json');
  const delivery = granted.headers['x-plexward-delivery'];
  const body = JSON.parse(granted.body.toString('utf8'));
  assert.equal(body.event, 'access.granted');
  assert.equal(body.id, delivery, 'the body names its delivery id');
  assert.equal(body.friend.title, 'alice');
  assert.deepEqual(body.libraries, [gained.title]);
  assert.match(body.details.summary, /alice was given/);

  const delivered = await eventually('the delivery marked delivered', async () => {
    const list = await api('GET', '/api/v1/notifications/deliveries?state=delivered');
    return list.items.find((d) => d.event_id === delivery);
  });

  await nav().getByRole('link', { name: 'Deliveries' }).click();
  await waitForPath(page, '/deliveries');
  await page.getByTestId('deliveries-refresh').click();
  const row = page.getByTestId(`delivery-row-${delivered.id}`);
  await row.waitFor();
  await page.getByTestId(`delivery-state-${delivered.id}`).filter({ hasText: 'Delivered' }).waitFor();
  assert.equal(await page.getByTestId(`delivery-event-${delivered.id}`).textContent(), 'Access granted');
  assert.equal(await page.getByTestId(`delivery-channel-${delivered.id}`).textContent(), CHANNEL);
  assert.equal(await page.getByTestId(`delivery-attempts-${delivered.id}`).textContent(), '1');
  assert.equal(await page.getByTestId(`delivery-last-${delivered.id}`).textContent(), 'HTTP 200');
  assert.match(await page.getByTestId(`delivery-when-${delivered.id}`).textContent(), /^Delivered /);
  assert.match(await row.textContent(), new RegExp(delivery));

  // The filters: nothing is dead; the channel's own list holds the row.
  await page.getByTestId('deliveries-state').selectOption({ label: 'Dead' });
  await page.getByTestId('deliveries-empty').filter({ hasText: 'No delivery matches.' }).waitFor();
  await page.getByTestId('deliveries-state').selectOption({ label: 'All states' });
  await page.getByTestId('deliveries-channel').selectOption({ label: CHANNEL });
  await row.waitFor();
  await screenshot(page, 'notifications-deliveries');

  // Sent again: the same body under the same delivery id, signed the same way.
  const from = receiver.hits.length;
  await page.getByTestId(`delivery-resend-${delivered.id}`).click();
  await page.getByTestId('delivery-resent').waitFor();
  const again = await eventually('the delivery sent again', () =>
    receiver.hits.slice(from).find((h) => h.headers['x-plexward-delivery'] === delivery));
  assert.ok(signedWith(again, secret));
  assert.equal(again.body.toString('utf8'), granted.body.toString('utf8'), 'the same body');
  await eventually('delivered again', async () => {
    const list = await api('GET', '/api/v1/notifications/deliveries?state=delivered');
    return list.items.some((d) => d.id === delivered.id);
  });
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('an auditor sees the channels and deliveries but no buttons', async () => {
  await signInAs(page, AUDITOR);
  await nav().getByRole('link', { name: 'Deliveries' }).click();
  await waitForPath(page, '/deliveries');
  await page.getByTestId('deliveries').waitFor();
  assert.ok(await page.locator('[data-testid^="delivery-row-"]').count() > 0);
  assert.equal(await page.locator('[data-testid^="delivery-resend-"]').count(), 0);

  await openChannels();
  await page.getByTestId(`channel-row-${channelId}`).waitFor();
  assert.equal(await page.getByTestId('channel-new').count(), 0);
  assert.equal(await page.getByTestId(`channel-test-${channelId}`).count(), 0);
  assert.equal(await page.getByTestId(`channel-edit-${channelId}`).count(), 0);
  assert.equal(await page.getByTestId(`channel-delete-${channelId}`).count(), 0);
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('the admin edits the channel with a new secret, sees a failing receiver\'s error, and deletes it', async () => {
  await signInAs(page, { username: 'admin', password: ADMIN_NEW_PASSWORD, role: 'admin' });
  await openChannels();
  await page.getByTestId(`channel-edit-${channelId}`).click();
  await page.getByTestId('channel-form').waitFor();
  assert.equal(await page.getByTestId('channel-url').inputValue(), receiver.url);
  assert.equal(await page.getByTestId('channel-kind').isDisabled(), true, 'a kind cannot change');
  assert.equal(await page.getByTestId('channel-event-access-granted').isChecked(), true);
  await page.getByTestId('channel-event-access-started').uncheck();
  await page.getByTestId('channel-rotate-secret').check();
  await page.getByTestId('channel-save').click();

  const dialog = page.getByRole('dialog', { name: `Signing secret for “${CHANNEL}”` });
  await dialog.waitFor();
  const rotated = await dialog.getByTestId('channel-secret').inputValue();
  assert.match(rotated, /^pwh_[0-9a-f]{64}$/);
  assert.notEqual(rotated, secret);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await dialog.waitFor({ state: 'hidden' });
  await page.getByTestId(`channel-events-${channelId}`).filter({ hasText: /^Access granted$/ }).waitFor();

  // Tests are signed with the new secret only.
  let from = receiver.hits.length;
  await page.getByTestId(`channel-test-${channelId}`).click();
  await page.getByTestId(`channel-test-result-${channelId}`).filter({ hasText: 'Delivered (HTTP 200)' }).waitFor();
  const [tested] = eventHits('test', from);
  assert.ok(signedWith(tested, rotated), 'signed with the new secret');
  assert.ok(!signedWith(tested, secret), 'not with the old one');

  // A receiver that refuses: its answer, exactly.
  receiver.status = 503;
  receiver.reply = 'receiver down';
  from = receiver.hits.length;
  await page.getByTestId(`channel-test-${channelId}`).click();
  await page
    .getByTestId(`channel-test-result-${channelId}`)
    .filter({ hasText: 'Not delivered: answered HTTP 503: receiver down' })
    .waitFor();
  assert.equal(eventHits('test', from).length, 1);
  receiver.status = 200;
  receiver.reply = 'ok';

  await page.getByTestId(`channel-delete-${channelId}`).click();
  await page.getByTestId('channel-delete-confirm').click();
  await page.getByTestId('channels-empty').waitFor();
  assert.equal((await api('GET', '/api/v1/notifications/channels')).total, 0);
  assert.deepEqual(unexpectedProblems(problems), []);
});
