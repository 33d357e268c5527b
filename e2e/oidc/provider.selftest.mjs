// Self-test of the OpenID provider test peer (e2e/oidc/provider.mjs):
//     node --test e2e/oidc/provider.selftest.mjs
// Starts the script, then walks the documented non-browser login (plain fetch, redirects by
// hand, a hand-made cookie jar) and checks the tokens and the test-control modes.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as crypto from 'node:crypto';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const REDIRECT_URI = 'http://127.0.0.1:9/plexward/callback';

let child;
let issuer;
let discovery;
let stderr = '';

before(async () => {
  child = spawn(process.execPath, [join(here, 'provider.mjs')], {
    env: { ...process.env, OIDC_REDIRECT_URI: REDIRECT_URI, OIDC_CLIENTS: '', OIDC_USERS: '' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const lines = createInterface({ input: child.stdout });
  const first = await Promise.race([
    once(lines, 'line').then(([line]) => line),
    once(child, 'exit').then(([code]) => { throw new Error(`provider exited (${code}): ${stderr}`); }),
    new Promise((_, reject) => { setTimeout(() => reject(new Error(`no ready line: ${stderr}`)), 15000).unref(); }),
  ]);
  assert.match(first, /^\{"issuer": "http:\/\/127\.0\.0\.1:\d+", "port": \d+\}$/);
  const ready = JSON.parse(first);
  assert.equal(ready.issuer, `http://127.0.0.1:${ready.port}`);
  issuer = ready.issuer;
  lines.on('line', (line) => { throw new Error(`unexpected second stdout line: ${line}`); });
});

after(async () => {
  if (child && child.exitCode === null) {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
});

// ---- a minimal cookie jar (name, value, path; host-only, as the provider sets them) ----------
class Jar {
  cookies = new Map(); // `${path} ${name}` -> {name, value, path}

  store(response) {
    for (const header of response.headers.getSetCookie()) {
      const [pair, ...attributes] = header.split(';').map((s) => s.trim());
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq);
      const value = pair.slice(eq + 1);
      let path = '/';
      let expired = value === '';
      for (const attribute of attributes) {
        const [key, v = ''] = attribute.split('=');
        if (key.toLowerCase() === 'path') path = v;
        if (key.toLowerCase() === 'expires' && Date.parse(v) <= Date.now()) expired = true;
        if (key.toLowerCase() === 'max-age' && Number(v) <= 0) expired = true;
      }
      if (expired) this.cookies.delete(`${path} ${name}`);
      else this.cookies.set(`${path} ${name}`, { name, value, path });
    }
  }

  header(url) {
    const { pathname } = new URL(url);
    return [...this.cookies.values()]
      .filter(({ path }) => pathname === path || pathname.startsWith(path.endsWith('/') ? path : `${path}/`))
      .map(({ name, value }) => `${name}=${value}`)
      .join('; ');
  }

  names() {
    return [...this.cookies.values()].map(({ name }) => name).sort();
  }
}

async function request(jar, method, url, { form, headers = {} } = {}) {
  const cookie = jar.header(url);
  const response = await fetch(url, {
    method,
    redirect: 'manual',
    headers: {
      ...headers,
      ...(cookie ? { cookie } : {}),
      ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: form ? new URLSearchParams(form).toString() : undefined,
  });
  jar.store(response);
  return response;
}

const location = (response, base) => new URL(response.headers.get('location'), base).href;

function pkce() {
  const verifier = crypto.randomBytes(32).toString('base64url');
  const challenge = crypto.createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

function authorizeUrl({ challenge, state, nonce, scope = 'openid profile email groups', extra = {} }) {
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'plexward',
    redirect_uri: REDIRECT_URI,
    scope,
    state,
    nonce,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return url.href;
}

// The exact sequence documented in provider.mjs's header; returns the redirect_uri URL reached.
async function logIn(jar, { username, password = 'password', challenge, state, nonce, extra }) {
  // 1. authorization request -> 303 to the interaction page
  let response = await request(jar, 'GET', authorizeUrl({ challenge, state, nonce, extra }));
  assert.equal(response.status, 303);
  const interaction = location(response, issuer);
  assert.match(interaction, new RegExp(`^${issuer}/interaction/[\\w-]+$`));
  // 2. the form (not needed, but it must be there)
  response = await request(jar, 'GET', interaction);
  assert.equal(response.status, 200);
  const html = await response.text();
  assert.match(html, /name="login"/);
  assert.match(html, /name="password"/);
  assert.match(html, /<button type="submit">Sign in<\/button>/);
  // 3. the login form POST -> 303 to /auth/<uid>
  response = await request(jar, 'POST', interaction, { form: { login: username, password } });
  assert.equal(response.status, 303, await response.clone().text());
  let next = location(response, issuer);
  assert.match(next, new RegExp(`^${issuer}/auth/[\\w-]+$`));
  // 4. resume -> 303 to the redirect_uri (following any further provider-side 303s)
  for (let hops = 0; hops < 5 && !next.startsWith(REDIRECT_URI); hops += 1) {
    response = await request(jar, 'GET', next);
    assert.equal(response.status, 303, await response.clone().text());
    next = location(response, issuer);
  }
  assert.ok(next.startsWith(`${REDIRECT_URI}?`), next);
  return new URL(next);
}

async function exchange(code, verifier, how = 'basic') {
  const form = {
    grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI, code_verifier: verifier,
  };
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  if (how === 'basic') {
    headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent('plexward')}:${encodeURIComponent('plexward-secret')}`).toString('base64')}`;
  } else {
    Object.assign(form, { client_id: 'plexward', client_secret: 'plexward-secret' });
  }
  const response = await fetch(discovery.token_endpoint, {
    method: 'POST', headers, body: new URLSearchParams(form).toString(),
  });
  const body = await response.json();
  assert.equal(response.status, 200, JSON.stringify(body));
  return body;
}

async function verifiedClaims(idToken) {
  const [h, p, s] = idToken.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url'));
  assert.equal(header.alg, 'RS256');
  const { keys } = await (await fetch(discovery.jwks_uri)).json();
  const jwk = keys.find((k) => k.kid === header.kid);
  assert.ok(jwk, 'the ID token kid is in the JWKS');
  assert.equal(jwk.d, undefined, 'the JWKS holds no private part');
  const key = crypto.createPublicKey({ key: jwk, format: 'jwk' });
  assert.ok(crypto.verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url')), 'signature');
  return JSON.parse(Buffer.from(p, 'base64url'));
}

async function setMode(mode) {
  const response = await fetch(`${issuer}/__test/mode`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(mode),
  });
  return { status: response.status, body: await response.json() };
}

async function fullFlow(username, how = 'basic') {
  const jar = new Jar();
  const { verifier, challenge } = pkce();
  const state = crypto.randomBytes(8).toString('hex');
  const nonce = crypto.randomBytes(8).toString('hex');
  const back = await logIn(jar, { username, challenge, state, nonce });
  assert.equal(back.searchParams.get('state'), state);
  assert.equal(back.searchParams.get('iss'), issuer);
  const tokens = await exchange(back.searchParams.get('code'), verifier, how);
  return { jar, nonce, tokens, claims: await verifiedClaims(tokens.id_token) };
}

test('discovery document', async () => {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  assert.equal(response.status, 200);
  discovery = await response.json();
  assert.equal(discovery.issuer, issuer);
  assert.equal(discovery.jwks_uri, `${issuer}/jwks`);
  assert.deepEqual(discovery.response_types_supported, ['code']);
  assert.deepEqual(discovery.grant_types_supported, ['authorization_code']);
  assert.deepEqual(discovery.code_challenge_methods_supported, ['S256']);
  assert.deepEqual(discovery.id_token_signing_alg_values_supported, ['RS256']);
  assert.deepEqual(discovery.token_endpoint_auth_methods_supported.sort(), ['client_secret_basic', 'client_secret_post']);
  assert.ok(discovery.scopes_supported.includes('groups'));
  assert.ok(discovery.claims_supported.includes('groups'));
});

test('code + PKCE as alice: iss, aud, nonce, groups in the ID token', async () => {
  const { jar, nonce, tokens, claims } = await fullFlow('alice');
  assert.equal(claims.iss, issuer);
  assert.equal(claims.aud, 'plexward');
  assert.equal(claims.nonce, nonce);
  assert.equal(claims.sub, 'alice');
  assert.equal(claims.preferred_username, 'alice');
  assert.equal(claims.name, 'Alice Admin');
  assert.equal(claims.email, 'alice@example.test');
  assert.deepEqual(claims.groups, ['plex-admins']);
  const now = Math.floor(Date.now() / 1000);
  assert.ok(Math.abs(claims.iat - now) < 60);
  assert.equal(claims.exp - claims.iat, 3600);
  assert.equal(tokens.token_type, 'Bearer');
  assert.ok(jar.names().includes('_session'), jar.names().join());

  const userinfo = await (await fetch(discovery.userinfo_endpoint, {
    headers: { authorization: `Bearer ${tokens.access_token}` },
  })).json();
  assert.deepEqual(userinfo.groups, ['plex-admins']);
  assert.equal(userinfo.sub, 'alice');
});

test('client_secret_post works too; bob and carol carry their groups', async () => {
  assert.deepEqual((await fullFlow('bob', 'post')).claims.groups, ['plex-mods']);
  assert.deepEqual((await fullFlow('carol')).claims.groups, []);
});

test('a wrong password re-shows the form with an error', async () => {
  const jar = new Jar();
  const { challenge } = pkce();
  const response = await request(jar, 'GET', authorizeUrl({ challenge, state: 's', nonce: 'n' }));
  const interaction = location(response, issuer);
  const wrong = await request(jar, 'POST', interaction, { form: { login: 'alice', password: 'nope' } });
  assert.equal(wrong.status, 200); // refused: the form again, not a 303
  const html = await wrong.text();
  assert.match(html, /Invalid username or password\./);
  assert.match(html, /name="login" type="text" value="alice"/);
  const unknown = await request(jar, 'POST', interaction, { form: { login: 'mallory', password: 'password' } });
  assert.equal(unknown.status, 200);
  assert.match(await unknown.text(), /Invalid username or password\./);
  // the same interaction still accepts the right password afterwards
  const ok = await request(jar, 'POST', interaction, { form: { login: 'alice', password: 'password' } });
  assert.equal(ok.status, 303);
});

test('PKCE is required and only S256 is accepted', async () => {
  const jar = new Jar();
  const url = new URL(authorizeUrl({ challenge: 'x', state: 's', nonce: 'n' }));
  url.searchParams.delete('code_challenge');
  url.searchParams.delete('code_challenge_method');
  let response = await request(jar, 'GET', url.href);
  assert.equal(response.status, 303);
  assert.match(location(response, issuer), /error=invalid_request/);
  url.searchParams.set('code_challenge', pkce().challenge);
  url.searchParams.set('code_challenge_method', 'plain');
  response = await request(jar, 'GET', url.href);
  assert.match(location(response, issuer), /error=invalid_request/);
});

test('a second authorization with the same cookies skips the form (session)', async () => {
  const { jar } = await fullFlow('alice');
  const { challenge } = pkce();
  const response = await request(jar, 'GET', authorizeUrl({ challenge, state: 's2', nonce: 'n2' }));
  assert.equal(response.status, 303);
  assert.ok(location(response, issuer).startsWith(`${REDIRECT_URI}?code=`), location(response, issuer));
});

test('test mode: wrong audience, shifted clock, wrong issuer, reset', async () => {
  assert.deepEqual(await (await fetch(`${issuer}/__test/mode`)).json(), {});

  assert.deepEqual(await setMode({ id_token_audience: 'someone-else' }), {
    status: 200, body: { id_token_audience: 'someone-else' },
  });
  assert.deepEqual(await (await fetch(`${issuer}/__test/mode`)).json(), { id_token_audience: 'someone-else' });
  let { claims, nonce } = await fullFlow('alice');
  assert.equal(claims.aud, 'someone-else'); // and verifiedClaims checked the real key signed it
  assert.equal(claims.iss, issuer);
  assert.equal(claims.nonce, nonce);
  assert.deepEqual(claims.groups, ['plex-admins']);

  await setMode({ clock_offset_secs: -7200 });
  ({ claims } = await fullFlow('alice'));
  const now = Math.floor(Date.now() / 1000);
  assert.ok(claims.exp < now, `exp ${claims.exp} < now ${now}`);
  assert.ok(Math.abs(claims.iat - (now - 7200)) < 60);
  assert.equal(claims.aud, 'plexward'); // the mode is replaced, not merged

  await setMode({ id_token_issuer: 'http://127.0.0.1:1' });
  ({ claims } = await fullFlow('alice'));
  assert.equal(claims.iss, 'http://127.0.0.1:1');

  assert.equal((await setMode({ nonsense: true })).status, 400);
  assert.equal((await setMode({ clock_offset_secs: 'soon' })).status, 400);

  assert.deepEqual(await setMode({}), { status: 200, body: {} });
  ({ claims } = await fullFlow('alice'));
  assert.equal(claims.aud, 'plexward');
  assert.equal(claims.iss, issuer);
  assert.ok(claims.exp > Math.floor(Date.now() / 1000));
});

test('stdout carried one line only; the provider exits when stdin ends', async () => {
  child.stdin.end();
  const [code] = await Promise.race([
    once(child, 'exit'),
    new Promise((_, reject) => { setTimeout(() => reject(new Error('still running')), 5000).unref(); }),
  ]);
  assert.equal(code, 0);
  assert.doesNotMatch(stderr, /server_error|Error:/, stderr);
});
