// Message templates, email channels and reminders in the browser, against the real binary and
// the Plex simulator. The admin opens Settings → Notifications → Templates, edits
// "Access ending soon" with a live preview filled with the server's sample event (read from the
// page, never guessed), sees a broken template's error in words, saves it ("custom" after a
// reload) and goes back to the default. An email channel is added through the form (security
// "none", a closed local port: its test send fails with the error in words), chosen for friends'
// reminder emails with the reminder leads; a failing delivery shows on the dashboard. A friend's
// own reminder choices and a plan's own leads are saved from their pages; an auditor sees all of
// it without the buttons.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import {
  ADMIN_NEW_PASSWORD, AUDITOR, apiJson, eventually, screenshot, signInAs, startSignedIn, stopAll,
  unexpectedProblems, waitForPath,
} from './harness.mjs';

const ALICE = 2100001;
const MAIL = 'Mail relay';

let sim;
let server;
let browser;
let page;
let problems;
let adminToken;
/** A loopback port nothing listens on. */
let closedPort;
let mailId;

function api(method, path, body) {
  return apiJson(server.url, adminToken, method, path, body);
}

const nav = () => page.getByRole('navigation', { name: 'Main' });

/** A free loopback port, closed again: connecting to it is refused at once. */
async function findClosedPort() {
  const probe = createServer();
  await new Promise((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', resolve);
  });
  const { port } = probe.address();
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

async function openNotifications() {
  await nav().getByRole('link', { name: 'Settings' }).click();
  await waitForPath(page, '/settings');
  await page.getByTestId('settings-notifications-link').click();
  await waitForPath(page, '/settings/notifications');
  await page.getByRole('heading', { name: 'Channels' }).waitFor();
}

async function openTemplates() {
  await openNotifications();
  await page.getByTestId('notifications-templates').click();
  await waitForPath(page, '/settings/templates');
  await page.getByRole('heading', { name: 'Templates', exact: true }).waitFor();
}

/** The text of `testid` once `check` holds for it (polled: the preview follows typing). */
async function textWhen(testid, check, what) {
  return eventually(what, async () => {
    const locator = page.getByTestId(testid);
    if ((await locator.count()) === 0) return undefined;
    const text = await locator.textContent();
    return check(text) ? text : undefined;
  });
}

async function alice() {
  return (await api('GET', '/api/v1/plex-users')).items.find((f) => f.plex_account_id === ALICE);
}

before(async () => {
  closedPort = await findClosedPort();
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
});

test('the admin edits a template with a live preview, saves it, and goes back to the default', async () => {
  await openTemplates();
  const list = page.getByRole('navigation', { name: 'Templates' });
  await list.getByTestId('templates').waitFor();
  const { items } = await api('GET', '/api/v1/notifications/templates');
  const original = items.find((t) => t.event === 'access.ending');
  assert.ok(original, 'access.ending has a template');
  assert.equal(original.custom, false);
  assert.ok(items.some((t) => t.event === 'friend.access.ending'), 'the friend reminder too');
  assert.equal(await list.locator('li').count(), items.length, 'one link per template');
  await list.getByTestId('template-link-friend-access-ending').filter({ hasText: "Friend's own reminder email" }).waitFor();

  await list.getByRole('link', { name: /Access ending soon/ }).click();
  await waitForPath(page, '/settings/templates', { search: '?event=access.ending' });
  const editor = page.getByTestId('template-editor');
  await editor.getByRole('heading', { name: /Access ending soon/ }).waitFor();
  await page.getByTestId('template-editor-default').waitFor();
  assert.equal(await page.getByLabel('Subject', { exact: true }).inputValue(), original.subject);
  assert.equal(await page.getByLabel('Body', { exact: true }).inputValue(), original.body);
  // The variables it may use are listed beside the editor.
  const variables = page.getByTestId('template-variables');
  for (const v of original.variables) {
    await variables.getByRole('button', { name: `Insert {{${v.name}}}` }).waitFor();
  }
  assert.ok(original.variables.some((v) => v.name === 'friend'));
  assert.ok(original.variables.some((v) => v.name === 'ends_at'));
  // The saved template is previewed at once, every variable filled in.
  const first = await textWhen('template-preview-subject', (t) => t.length > 0, 'the first preview');
  assert.ok(!first.includes('{{'), first);

  // Typing: the preview follows, filled with the sample event.
  await page.getByTestId('template-subject').fill('Ending soon for {{friend}}');
  const subject = await textWhen('template-preview-subject', (t) => t.startsWith('Ending soon for '), 'the subject previewed');
  const friend = subject.slice('Ending soon for '.length).trim();
  assert.ok(friend.length > 0 && !friend.includes('{{'), `the sample friend: ${friend}`);
  await page.getByTestId('template-body').fill('Hello {{friend}}, it ends {{ends_at}}.');
  const body = await textWhen('template-preview-body', (t) => t.startsWith(`Hello ${friend}, it ends `), 'the body previewed');
  const endsAt = body.slice(`Hello ${friend}, it ends `.length).replace(/\.\s*$/, '');
  assert.ok(endsAt.length > 0 && !endsAt.includes('{{'), `the sample end: ${endsAt}`);

  await page.getByTestId('template-body').fill('Goodbye {{friend}}.');
  const changed = await textWhen('template-preview-body', (t) => t.trim() === `Goodbye ${friend}.`, 'the preview after an edit');
  assert.notEqual(changed, body, 'the preview changed with the text');

  // A variable clicked goes in where the cursor is (the end, after `fill`).
  await page.getByTestId('template-body').focus();
  await page.getByRole('button', { name: 'Insert {{ends_at}}' }).click();
  assert.equal(await page.getByTestId('template-body').inputValue(), 'Goodbye {{friend}}.{{ends_at}}');
  await textWhen('template-preview-body', (t) => t.trim() === `Goodbye ${friend}.${endsAt}`, 'the inserted variable previewed');

  // A broken template: the error in words, in the preview and when saving.
  await page.getByTestId('template-body').fill('{{#if friend}}Hi {{friend}}');
  const why = await textWhen('template-preview-error', (t) => t.length > 0, 'the preview error');
  assert.match(why, /^Body: line 1: /);
  assert.match(why, /never closed/);
  assert.equal(await page.getByTestId('template-preview-body').count(), 0);
  await page.getByTestId('template-save').click();
  await page.locator('#template-body-error').filter({ hasText: /never closed/ }).waitFor();
  await page.getByTestId('template-error').filter({ hasText: /^Body: line 1: / }).waitFor();
  assert.equal((await api('GET', '/api/v1/notifications/templates')).items.find((t) => t.event === 'access.ending').custom, false, 'nothing saved');

  // Fixed: previewed again, and saved.
  const fixed = 'Hi {{friend}}, your access ends {{ends_at}}.{{#if friend}} See you!{{/if}}';
  await page.getByTestId('template-body').fill(fixed);
  await textWhen('template-preview-body', (t) => t.trim() === `Hi ${friend}, your access ends ${endsAt}. See you!`, 'the fixed template previewed');
  await page.getByTestId('template-unsaved').waitFor();
  await screenshot(page, 'templates-editor');
  await page.getByTestId('template-save').click();
  await page.getByTestId('template-outcome').filter({ hasText: 'Template “Access ending soon” saved.' }).waitFor();
  await page.getByTestId('template-editor-custom').waitFor();
  const saved = (await api('GET', '/api/v1/notifications/templates')).items.find((t) => t.event === 'access.ending');
  assert.equal(saved.custom, true);
  assert.equal(saved.subject, 'Ending soon for {{friend}}');
  assert.equal(saved.body, fixed);

  // After a reload: still there, "custom" in the list and the editor.
  await page.reload();
  await waitForPath(page, '/settings/templates', { search: '?event=access.ending' });
  await page.getByTestId('template-link-access-ending-custom').filter({ hasText: 'custom' }).waitFor();
  await page.getByTestId('template-editor-custom').waitFor();
  assert.equal(await page.getByTestId('template-subject').inputValue(), 'Ending soon for {{friend}}');
  assert.equal(await page.getByTestId('template-body').inputValue(), fixed);
  assert.equal(await page.getByTestId('template-link-sync-failed-custom').count(), 0, 'only the edited one');

  // Back to default.
  await page.getByTestId('template-reset').click();
  await page.getByTestId('template-reset-confirm').click();
  await page.getByTestId('template-outcome').filter({ hasText: 'back to the default' }).waitFor();
  await page.getByTestId('template-editor-default').waitFor();
  await page.getByTestId('template-link-access-ending-custom').waitFor({ state: 'detached' });
  assert.equal(await page.getByTestId('template-subject').inputValue(), original.default_subject);
  assert.equal(await page.getByTestId('template-reset').count(), 0, 'only for an edited template');
  const back = (await api('GET', '/api/v1/notifications/templates')).items.find((t) => t.event === 'access.ending');
  assert.equal(back.custom, false);
  assert.equal(back.subject, original.default_subject);
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('an email channel added through the form tells why its test send failed, and gets the friends\' reminders', async () => {
  await openNotifications();
  await page.getByTestId('channel-new').click();
  const form = page.getByTestId('channel-form');
  await form.waitFor();
  await page.getByTestId('channel-kind').selectOption('email');
  await page.getByTestId('channel-host').waitFor();
  assert.equal(await page.getByTestId('channel-url').count(), 0);

  // The port's placeholder follows the security.
  const port = page.getByLabel('Port', { exact: true });
  assert.equal(await port.getAttribute('placeholder'), '465');
  await page.getByLabel('Security').selectOption('starttls');
  assert.equal(await port.getAttribute('placeholder'), '587');
  await page.getByLabel('Security').selectOption('none');
  assert.equal(await port.getAttribute('placeholder'), '25');

  // Nothing filled in: said under each field before anything is sent.
  await page.getByTestId('channel-save').click();
  await page.getByTestId('channel-error').waitFor();
  await page.locator('#channel-host-error').filter({ hasText: 'Required.' }).waitFor();
  await page.locator('#channel-to-error').filter({ hasText: 'At least one address.' }).waitFor();

  await page.getByLabel('Name', { exact: true }).fill(MAIL);
  await page.getByLabel('SMTP server').fill('127.0.0.1');
  await port.fill(String(closedPort));
  await page.getByLabel('From').fill('nobody');
  await page.getByLabel('To', { exact: true }).fill('admin@example.com, ops@example.com');
  assert.equal(await page.getByTestId('channel-password').getAttribute('placeholder'), 'none');
  await page.getByTestId('channel-event-access-granted').check();
  await page.getByTestId('channel-event-sync-failed').check();
  // The server refuses the sender: its reason under the field.
  await page.getByTestId('channel-save').click();
  await page.locator('#channel-from-error').filter({ hasText: 'not an email address' }).waitFor();
  assert.equal(await page.getByLabel('From').getAttribute('aria-invalid'), 'true');

  await page.getByLabel('From').fill('Plexward <plexward@example.com>');
  await page.getByTestId('channel-save').click();
  await page.getByTestId('channels-outcome').filter({ hasText: `Channel “${MAIL}” saved.` }).waitFor();
  await form.waitFor({ state: 'detached' });

  const channel = (await api('GET', '/api/v1/notifications/channels')).items.find((c) => c.name === MAIL);
  assert.ok(channel);
  mailId = channel.id;
  assert.equal(channel.kind, 'email');
  assert.deepEqual(channel.config, {
    host: '127.0.0.1', port: closedPort, security: 'none', from: 'Plexward <plexward@example.com>',
    to: ['admin@example.com', 'ops@example.com'],
  });
  assert.equal(channel.secret_set, false);
  assert.equal(await page.getByTestId(`channel-kind-${mailId}`).textContent(), 'Email');
  await page.getByTestId(`channel-row-${mailId}`)
    .filter({ hasText: `127.0.0.1:${closedPort} (no encryption) → admin@example.com, ops@example.com` })
    .waitFor();
  assert.equal(await page.getByTestId(`channel-secret-set-${mailId}`).textContent(), 'No password');

  // The test send: nothing listens there, and the page says so in words.
  await page.getByTestId(`channel-test-${mailId}`).click();
  const result = page.getByTestId(`channel-test-result-${mailId}`);
  await result.filter({ hasText: /^Not delivered: / }).waitFor({ timeout: 20_000 });
  const said = await result.textContent();
  assert.ok(said.length > 'Not delivered: '.length + 5, `the error in words: ${said}`);
  assert.doesNotMatch(said, /Unexpected answer/);
  await screenshot(page, 'notifications-email-channel');

  // Editing: the password is write-only.
  await page.getByTestId(`channel-edit-${mailId}`).click();
  await form.waitFor();
  assert.equal(await page.getByTestId('channel-host').inputValue(), '127.0.0.1');
  assert.equal(await page.getByTestId('channel-port').inputValue(), String(closedPort));
  assert.equal(await page.getByTestId('channel-to').inputValue(), 'admin@example.com, ops@example.com');
  assert.equal(await page.getByTestId('channel-security').inputValue(), 'none');
  await page.getByTestId('channel-cancel').click();
  await form.waitFor({ state: 'detached' });

  // Reminders: the leads in words as they are typed, and the friends' email channel.
  const reminders = page.getByTestId('reminder-settings');
  const leads = reminders.getByLabel('Remind before access ends');
  assert.equal(await leads.inputValue(), '7d, 1d', 'the default: a week and a day');
  await leads.fill('7d, 30');
  await page.getByTestId('reminder-leads-words').filter({ hasText: '“30” needs a unit' }).waitFor();
  await page.getByTestId('reminder-settings-save').click();
  await page.locator('#reminder-leads-error').filter({ hasText: 'needs a unit' }).waitFor();
  await leads.fill('2h, 7d');
  await page.getByTestId('reminder-leads-words').filter({ hasText: 'Reminders 7d and 2h before access ends.' }).waitFor();
  const through = reminders.getByLabel("Friends' reminder emails: sent through");
  await through.selectOption({ label: MAIL });
  await page.getByTestId('reminder-settings-save').click();
  await page.getByTestId('reminder-settings-saved').waitFor();
  assert.deepEqual(await api('GET', '/api/v1/notifications/settings'), {
    reminder_leads_minutes: [10080, 120], friend_email_channel_id: mailId,
  });
  assert.equal(await leads.inputValue(), '7d, 2h', 'as saved, longest first');

  // A delivery that fails shows on the dashboard, from the summary it already asks for.
  const friend = await alice();
  const libraries = (await api('GET', '/api/v1/libraries')).items;
  const detail = await api('GET', `/api/v1/plex-users/${friend.id}`);
  const kept = detail.grants.map(({ library_id, starts_at, ends_at }) => ({ library_id, starts_at, ends_at }));
  const had = new Set(kept.map((g) => g.library_id));
  const gained = libraries.find((l) => !l.removed && !l.anchor && !had.has(l.id));
  assert.ok(gained, 'a library alice does not have yet');
  await api('PUT', `/api/v1/plex-users/${friend.id}/grants`, { grants: [...kept, { library_id: gained.id }] });
  const failing = await eventually('a failing delivery in the summary', async () => {
    const summary = await api('GET', '/api/v1/summary');
    return summary.deliveries_failing > 0 && summary.deliveries_failing;
  }, 30_000);
  await nav().getByRole('link', { name: 'Dashboard' }).click();
  await waitForPath(page, '/');
  const line = page.getByTestId('deliveries-failing');
  await line.waitFor();
  assert.match(await line.textContent(), new RegExp(`^${failing} notification deliver(y is|ies are) failing`));
  await line.getByRole('link', { name: 'See the deliveries' }).click();
  await waitForPath(page, '/deliveries');
  const rows = page.locator('[data-testid^="delivery-row-"]');
  await rows.first().waitFor();
  const mailRows = page.locator('[data-testid^="delivery-channel-"]').filter({ hasText: MAIL });
  assert.ok((await mailRows.count()) > 0, 'the email channel\'s delivery is listed');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('a friend\'s reminder emails and time zone are saved from their page', async () => {
  const friend = await alice();
  const initial = await api('GET', `/api/v1/plex-users/${friend.id}/notifications`);
  assert.equal(initial.reminder_emails, true, 'on by default');
  await nav().getByRole('link', { name: 'Friends' }).click();
  await waitForPath(page, '/friends');
  await page.goto(`${server.url}/friends/${friend.id}`);
  const section = page.getByTestId('friend-reminders');
  await section.getByRole('heading', { name: 'Reminder emails' }).waitFor();
  const emails = section.getByLabel('Email this friend before their access ends');
  assert.equal(await emails.isChecked(), true);
  const zone = section.getByLabel('Their time zone (optional)');
  assert.ok((await zone.getAttribute('placeholder')).length > 0, 'the server\'s zone as placeholder');
  const save = page.getByTestId('friend-reminders-save');
  assert.equal(await save.isDisabled(), true, 'nothing changed yet');

  await zone.fill('Mars/Olympus_Mons');
  await save.click();
  await page.locator('#friend-time-zone-error').waitFor();
  assert.equal(await zone.getAttribute('aria-invalid'), 'true');
  assert.deepEqual(await api('GET', `/api/v1/plex-users/${friend.id}/notifications`), initial, 'nothing saved');

  await emails.uncheck();
  await zone.fill('America/New_York');
  await save.click();
  await page.getByTestId('friend-reminders-saved').waitFor();
  assert.deepEqual(await api('GET', `/api/v1/plex-users/${friend.id}/notifications`), {
    reminder_emails: false, time_zone: 'America/New_York',
  });
  await page.reload();
  await page.getByTestId('friend-reminders').waitFor();
  assert.equal(await page.getByLabel('Email this friend before their access ends').isChecked(), false);
  assert.equal(await page.getByLabel('Their time zone (optional)').inputValue(), 'America/New_York');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('a plan gets its own reminder leads, or the settings\'', async () => {
  await nav().getByRole('link', { name: 'Plans' }).click();
  await waitForPath(page, '/plans');
  await page.getByTestId('plans-new').click();
  const form = page.getByTestId('plan-form');
  await form.waitFor();
  const library = (await api('GET', '/api/v1/libraries')).items.find((l) => !l.removed && !l.anchor);
  await page.getByTestId('plan-name').fill('Reminded trial');
  await page.getByTestId(`plan-library-${library.id}`).check();
  await page.getByTestId(`plan-duration-${library.id}`).fill('14 days');
  const leads = page.getByLabel('Reminder leads');
  assert.equal(await page.getByTestId('plan-reminders-settings').isChecked(), true, 'the settings\' by default');
  assert.equal(await leads.isDisabled(), true);
  await page.getByTestId('plan-reminders-own').check();
  await leads.fill('3 days, 1h 30m');
  await page.getByTestId('plan-reminders-words').filter({ hasText: 'Reminders 3d and 1h 30m before access ends.' }).waitFor();
  await page.getByTestId('plan-save').click();
  await page.getByTestId('plans-outcome').waitFor();
  const plan = (await api('GET', '/api/v1/plans')).items.find((p) => p.name === 'Reminded trial');
  assert.deepEqual(plan.reminder_leads_minutes, [4320, 90]);
  await page.getByTestId(`plan-row-${plan.id}`).filter({ hasText: 'Reminders: 3d, 1h 30m before the end' }).waitFor();

  // Empty: no reminders at all; back to the settings': none of its own.
  await page.getByTestId(`plan-edit-${plan.id}`).click();
  await form.waitFor();
  assert.equal(await page.getByTestId('plan-reminders-own').isChecked(), true);
  assert.equal(await leads.inputValue(), '3d, 1h 30m');
  await leads.fill('');
  await page.getByTestId('plan-reminders-words').filter({ hasText: 'No reminders.' }).waitFor();
  await page.getByTestId('plan-save').click();
  await page.getByTestId('plans-outcome').filter({ hasText: 'version 2' }).waitFor();
  assert.deepEqual((await api('GET', `/api/v1/plans/${plan.id}`)).reminder_leads_minutes, []);
  await page.getByTestId(`plan-edit-${plan.id}`).click();
  await form.waitFor();
  await page.getByTestId('plan-reminders-settings').check();
  await page.getByTestId('plan-save').click();
  await page.getByTestId('plans-outcome').filter({ hasText: 'version 3' }).waitFor();
  assert.equal((await api('GET', `/api/v1/plans/${plan.id}`)).reminder_leads_minutes ?? null, null);
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('an auditor sees templates, reminders and a friend\'s choices without the buttons', async () => {
  await signInAs(page, AUDITOR);
  await openTemplates();
  await page.getByTestId('template-link-access-ending').click();
  await page.getByTestId('template-editor').waitFor();
  assert.equal(await page.getByTestId('template-save').count(), 0);
  assert.equal(await page.getByTestId('template-body').getAttribute('readonly'), '');
  assert.equal(await page.getByRole('button', { name: 'Insert {{friend}}' }).count(), 0);
  await page.getByTestId('template-preview-subject').waitFor();

  await page.getByTestId('templates-back').click();
  await waitForPath(page, '/settings/notifications');
  await page.getByTestId('reminder-settings').getByLabel('Remind before access ends').waitFor();
  assert.equal(await page.getByTestId('reminder-leads').isDisabled(), true);
  assert.equal(await page.getByTestId('reminder-settings-save').count(), 0);

  const friend = await alice();
  await page.goto(`${server.url}/friends/${friend.id}`);
  await page.getByTestId('friend-reminders').waitFor();
  assert.equal(await page.getByTestId('friend-reminder-emails').isDisabled(), true);
  assert.equal(await page.getByTestId('friend-reminders-save').count(), 0);
  assert.deepEqual(unexpectedProblems(problems), []);
  await signInAs(page, { username: 'admin', password: ADMIN_NEW_PASSWORD, role: 'admin' });
});

test('a friend\'s own reminder email is listed with its recipient beside the channel', async () => {
  const friends = (await api('GET', '/api/v1/plex-users')).items;
  // Alice opted out above: another friend Plex knows the email of.
  const friend = friends.find((f) => f.email && f.plex_account_id !== ALICE && !f.home);
  assert.ok(friend, 'a friend with an email');
  const libraries = (await api('GET', '/api/v1/libraries')).items;
  const detail = await api('GET', `/api/v1/plex-users/${friend.id}`);
  const kept = detail.grants.map(({ library_id, starts_at, ends_at }) => ({ library_id, starts_at, ends_at }));
  const had = new Set(kept.map((g) => g.library_id));
  const gained = libraries.find((l) => !l.removed && !l.anchor && !had.has(l.id));
  assert.ok(gained, 'a library the friend does not have yet');
  // Ending within the 2h lead saved above: reminded at once.
  const endsAt = new Date(Date.now() + 60 * 60 * 1000).toISOString();
  await api('PUT', `/api/v1/plex-users/${friend.id}/grants`, {
    grants: [...kept, { library_id: gained.id, ends_at: endsAt }],
  });
  const delivery = await eventually('the friend\'s reminder email', async () => {
    const list = await api('GET', `/api/v1/notifications/deliveries?channel_id=${mailId}`);
    return list.items.find((d) => d.event === 'access.ending' && d.recipient === friend.email);
  }, 30_000);

  await nav().getByRole('link', { name: 'Deliveries' }).click();
  await waitForPath(page, '/deliveries');
  await page.getByTestId('deliveries-refresh').click();
  await page.getByTestId(`delivery-recipient-${delivery.id}`).filter({ hasText: `to ${friend.email}` }).waitFor();
  assert.equal(await page.getByTestId(`delivery-channel-${delivery.id}`).textContent(), MAIL);
  assert.equal(await page.getByTestId(`delivery-event-${delivery.id}`).textContent(), 'Access ending soon');
  assert.deepEqual(unexpectedProblems(problems), []);
});
