// Settings → Plex: an admin tests the connection to (simulated) Plex and sees the server; an admin
// of a Plexward started without Plex settings enters them in the form, saves and tests them; the
// token is never shown.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  firstAdminSignIn, openBrowser, screenshot, startSignedIn, startWithAdmin, stopAll,
  unexpectedProblems, waitForPath,
} from './harness.mjs';

let sim;
let server;
let browser;
let page;
let problems;

before(async () => {
  ({ sim, server, browser, page, problems } = await startSignedIn({ simulator: true }));
});

after(() => stopAll({ browser, server, sim }));

test('an admin sees the Plex connection and tests it', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await waitForPath(page, '/settings');
  const facts = page.getByTestId('plex-settings');
  await facts.waitFor();
  const text = await facts.textContent();
  assert.ok(text.includes(sim.pms), text);
  assert.match(text, /set \(never shown\)/);
  assert.ok(!text.includes('plex-sim-owner-token'));

  // Pinned by the environment: read only, and said so.
  assert.equal(await page.getByLabel('Server URL').getAttribute('readonly'), '');
  assert.match(text, /set by environment \(PLEXWARD_PLEX_URL\)/);

  await page.getByRole('button', { name: 'Test connection' }).click();
  await page.getByText('Connected to SimServer').waitFor();
  const result = await page.getByTestId('plex-test').textContent();
  assert.match(result, /Plex Pass\s*yes/);
  await screenshot(page, 'settings-plex');
  assert.deepEqual(unexpectedProblems(problems), []);
});

test('an admin enters the connection in the form, saves it and tests it', async () => {
  // Only plex.tv points at the simulator: URL and token are not pinned.
  const bare = await startWithAdmin({ PLEXWARD_PLEXTV_URL: sim.plextv });
  const own = await openBrowser();
  try {
    const p = own.page;
    await firstAdminSignIn(p, bare.url);
    await p.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await waitForPath(p, '/settings');
    await p.getByTestId('plex-settings').waitFor();
    assert.match(await p.getByTestId('plex-settings').textContent(), /not set/);

    // A bad URL: the field says why, nothing is saved.
    await p.getByLabel('Server URL').fill('plex.local:32400');
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    const urlError = p.locator('#plex-url-error');
    await urlError.waitFor();
    assert.match(await urlError.textContent(), /http/);
    assert.equal(await p.getByLabel('Server URL').getAttribute('aria-invalid'), 'true');

    await p.getByLabel('Server URL').fill(sim.pms);
    await p.getByLabel('Plex token').fill('plex-sim-owner-token');
    await p.getByLabel('Time zone').fill('Europe/Berlin');
    await p.getByRole('radio', { name: /Report/ }).check();
    await p.getByRole('button', { name: 'Save', exact: true }).click();
    await p.getByText('Plex settings saved.').waitFor();
    assert.equal(await urlError.count(), 0, 'the field error is gone');
    const facts = await p.getByTestId('plex-settings').textContent();
    assert.ok(facts.includes(sim.pms), facts);
    assert.match(facts, /set \(never shown\)/);
    assert.equal(await p.getByLabel('Plex token').inputValue(), '', 'the token field is emptied');

    await p.getByRole('button', { name: 'Test connection' }).click();
    await p.getByText('Connected to SimServer').waitFor();

    // Saved for good: a reload shows the values, never the token.
    await p.reload();
    await p.getByTestId('plex-settings').waitFor();
    assert.equal(await p.getByLabel('Server URL').inputValue(), sim.pms);
    assert.equal(await p.getByLabel('Time zone').inputValue(), 'Europe/Berlin');
    assert.ok(await p.getByRole('radio', { name: /Report/ }).isChecked());
    assert.ok(await p.getByLabel('Clear token').isVisible());
    assert.ok(!(await p.content()).includes('plex-sim-owner-token'));
    await screenshot(p, 'settings-plex-form');
    assert.deepEqual(unexpectedProblems(own.problems), []);
  } finally {
    await own.browser.close();
    await bare.stop();
  }
});
