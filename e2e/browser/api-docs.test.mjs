// The interactive API docs (Swagger UI at /api/docs/): a script writer pastes an API token under
// Authorize and tries a dry run of replacing a friend's grants. The request must carry
// `?dry_run=true` (it once went without it, and would have applied for real) and change nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  apiJson, eventually, screenshot, startSignedIn, stopAll, unexpectedProblems, ADMIN_NEW_PASSWORD,
} from './harness.mjs';

let sim;
let server;
let browser;
let page;
let problems;
let token;
let alice;

before(async () => {
  ({ sim, server, browser, page, problems } = await startSignedIn({ simulator: true }));
  const { token: session } = await apiJson(server.url, null, 'POST', '/api/v1/auth/login', {
    username: 'admin', password: ADMIN_NEW_PASSWORD,
  });
  ({ secret: token } = await apiJson(server.url, session, 'POST', '/api/v1/me/tokens', { name: 'swagger' }));
  const { job_id: job } = await apiJson(server.url, token, 'POST', '/api/v1/sync');
  await eventually('the first sync', async () =>
    (await apiJson(server.url, token, 'GET', `/api/v1/jobs/${job}`)).state === 'succeeded');
  const found = await apiJson(server.url, token, 'GET', '/api/v1/plex-users?username=alice');
  assert.equal(found.total, 1);
  alice = found.items[0].id;
});

after(() => stopAll({ browser, server, sim }));

test('Authorize takes a pasted token, and try-it-out of a dry run sends dry_run and changes nothing', async () => {
  const grantsBefore = (await apiJson(server.url, token, 'GET', `/api/v1/plex-users/${alice}`)).grants;
  assert.ok(grantsBefore.length > 0, 'alice has grants to lose');

  await page.goto(`${server.url}/api/docs/`);
  await page.locator('button.authorize').first().click();
  const bearer = page.locator('.auth-container').filter({ hasText: 'bearerAuth' });
  await bearer.locator('input').fill(token);
  await bearer.getByRole('button', { name: 'Apply credentials' }).click();
  await bearer.getByRole('button', { name: 'Close' }).click();

  const operation = page.locator('#operations-access-setFriendGrants');
  await operation.locator('.opblock-summary').click();
  await operation.getByRole('button', { name: 'Try it out' }).click();
  await operation.locator('tr[data-param-name="id"] input').fill(String(alice));
  await operation.locator('tr[data-param-name="dry_run"] select').selectOption('true');
  // Without the query parameter this body would remove every grant for real.
  await operation.locator('textarea.body-param__text').fill('{"grants": []}');
  const answered = page.waitForResponse((r) => r.url().includes(`/api/v1/plex-users/${alice}/grants`));
  await operation.getByRole('button', { name: 'Execute' }).click();
  const response = await answered;

  assert.equal(new URL(response.url()).searchParams.get('dry_run'), 'true', response.url());
  assert.equal(response.status(), 200);
  const body = await response.json();
  assert.equal(body.dry_run, true);
  assert.equal(body.plan.action, 'revoke', 'the plan says what would happen');
  await operation.locator('.live-responses-table .response-col_status').filter({ hasText: '200' }).waitFor();
  await screenshot(page, 'api-docs-dry-run');

  const grantsAfter = (await apiJson(server.url, token, 'GET', `/api/v1/plex-users/${alice}`)).grants;
  assert.deepEqual(grantsAfter, grantsBefore, 'a dry run changed the grants');
  assert.deepEqual(unexpectedProblems(problems), []);
});
