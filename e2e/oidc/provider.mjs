#!/usr/bin/env node
/*
 * A real OpenID Connect provider for Plexward's single sign-on tests: the certified npm package
 * `oidc-provider` (panva; pinned in package.json at 8.8.1, the newest release that supports
 * Node 20 -- 9.0 dropped Node 18 and 20 and 9.x prints "Unsupported runtime" here), not a fake.
 * Listens on 127.0.0.1 only; state is in memory (hence a WARNING about the adapter on stderr).
 *
 *     node e2e/oidc/provider.mjs [--port N]          (port 0, i.e. a free one, by default)
 *
 * Once listening it prints exactly one line on stdout, then nothing else there (oidc-provider's
 * own notices go to stderr):
 *
 *     {"issuer": "http://127.0.0.1:<port>", "port": <port>}
 *
 * It runs until stdin ends (so a test harness that dies takes it along; give it a pipe, not
 * /dev/null) or until SIGTERM/SIGINT.
 *
 * Configuration (environment):
 *   OIDC_CLIENTS       JSON array of {client_id, client_secret, redirect_uris: [...]}. Default: one
 *                      client `plexward` / `plexward-secret` whose only redirect_uri is
 *                      OIDC_REDIRECT_URI (then required). Every client: response_types ["code"],
 *                      grant_types ["authorization_code"], ID tokens RS256; at the token endpoint
 *                      it may authenticate with client_secret_basic or client_secret_post; PKCE
 *                      (S256 only) is required on every authorization request.
 *   OIDC_REDIRECT_URI  the default client's redirect_uri.
 *   OIDC_USERS         JSON array of {sub, username, password, email, name, groups: [...]}.
 *                      Default: alice (groups ["plex-admins"]), bob (["plex-mods"]), carol ([]),
 *                      each with password "password", sub = username, email <name>@example.test.
 *
 * Scopes and claims: openid (sub), profile (name, preferred_username), email (email,
 * email_verified), groups (groups: array of strings). `conformIdTokenClaims: false`, so the claims
 * of the granted scopes are in the ID token itself, not only at the userinfo endpoint. The signing
 * key (RSA 2048, RS256, random `kid`) is generated at every start and published at
 * /jwks; see /.well-known/openid-configuration. TTLs: ID token 1 h, access token 1 h,
 * authorization code 5 min, interaction 1 h, session 1 day.
 *
 * Login: GET /interaction/<uid> is a plain HTML form (no JavaScript) with inputs `name="login"`
 * (the username) and `name="password"` and a button "Sign in", POSTed to the same URL. A wrong
 * login re-shows the form (status 200 -- a 4xx page is a console error in Chromium, which the
 * browser tests count as a failure) with "Invalid username or password." in
 * `<p class="error" role="alert">`. Consent is granted automatically (all requested scopes), so
 * a good login goes straight back to the client. The provider keeps a session (cookie
 * `_session`): a second authorization request with the same cookies skips the form unless it
 * asks for `prompt=login`. Use a fresh cookie store (browser context) per user: signing in as
 * someone else over an existing session makes oidc-provider end that session first through an
 * auto-submitted logout form.
 *
 * Non-browser login (an HTTP client with a cookie store, following no redirects by itself):
 *   1. GET  <authorization_endpoint>?response_type=code&client_id=..&redirect_uri=..
 *           &scope=openid%20profile%20email%20groups&state=..&nonce=..
 *           &code_challenge=<base64url(sha256(verifier))>&code_challenge_method=S256
 *      -> 303, Location: /interaction/<uid>  (relative to the issuer);
 *         Set-Cookie: _interaction=<uid> (Path=/interaction/<uid>) and
 *         _interaction_resume=<uid> (Path=/auth/<uid>), each with a `.sig` companion cookie
 *         (the cookies are signed), HttpOnly, SameSite=Lax, not Secure (plain http).
 *   2. (optional) GET /interaction/<uid> -> 200, the HTML form. Not needed to log in.
 *   3. POST /interaction/<uid>, Content-Type: application/x-www-form-urlencoded,
 *           body login=<username>&password=<password>  (send the `_interaction` cookies)
 *      -> 303, Location: <issuer>/auth/<uid>  (absolute; no Set-Cookie). A wrong login is
 *         200 with the form again (and the error text), never a 303.
 *         Unknown or expired interaction (no/other cookie) -> 400 with an error page.
 *   4. GET  <issuer>/auth/<uid>  (send the `_interaction_resume` cookies)
 *      -> 303, Location: <redirect_uri>?code=..&state=..&iss=<issuer>  (RFC 9207 `iss` is always
 *         added); Set-Cookie: _session (Path=/) and clears _interaction_resume. Do not follow
 *         this one into the relying party unless that is the point of the test.
 *      (Should the provider ever still ask for consent here it redirects to /interaction/<uid2>
 *      instead; a GET of that URL grants it and 303s to /auth/<uid2>: keep following 303s on
 *      the issuer's origin until the Location starts with the redirect_uri.)
 *   5. POST <token_endpoint> (/token), application/x-www-form-urlencoded,
 *           grant_type=authorization_code&code=..&redirect_uri=..&code_verifier=..
 *           with Authorization: Basic base64(client_id:client_secret)  (form-urlencode both
 *           parts first, RFC 6749 2.3.1) or client_id & client_secret in the body. No cookies.
 *      -> 200 {access_token, id_token, expires_in, scope, token_type: "Bearer"}.
 *   A client that follows redirects itself (reqwest's default policy, with a cookie store) gets
 *   the same: step 1 lands on the form (200); the POST of step 3 is answered 303, so it goes on
 *   with GETs through /auth/<uid> into the redirect_uri, i.e. the relying party's callback.
 *
 * Test control, on the same server. It exists so the tests can prove the relying party refuses
 * an ID token that a real provider signed with its real key but that is wrong in one way: meant
 * for another client (`aud`), already expired, or from another issuer. A real provider never
 * does that on its own, so this makes it misbehave on demand:
 *   POST /__test/mode, JSON body (replaces the whole mode; `{}` resets):
 *     {"id_token_audience": "someone-else"}  issued ID tokens carry that `aud` (string or array)
 *     {"clock_offset_secs": -7200}           issued ID tokens get iat and exp shifted by that many
 *                                            seconds (-7200 with a 1 h TTL: expired when issued)
 *     {"id_token_issuer": "http://evil"}     issued ID tokens carry that `iss`
 *     -> 200 with the mode now in force; 400 {"error": ..} for unknown keys or wrong types.
 *   GET /__test/mode -> 200 with the mode in force.
 * The mode applies to ID tokens issued after it is set (at the token endpoint), whenever the
 * authorization request started. Each affected token is the provider's own token, decoded,
 * changed and re-signed with the provider's key (same `kid`, in the JWKS), so only the changed
 * claim is wrong. Everything else (codes, access tokens, cookies, auth_time) keeps the real clock,
 * so the login flow still completes.
 */

import * as crypto from 'node:crypto';
import * as http from 'node:http';
import Provider from 'oidc-provider';

// oidc-provider prints notices with console.info, i.e. on stdout; stdout carries exactly one
// line (the ready line), so everything else goes to stderr.
console.log = console.error;
console.info = console.error;

function fail(message) {
  process.stderr.write(`provider.mjs: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  let port = 0;
  for (let i = 0; i < argv.length; i += 1) {
    if (argv[i] === '--port' && i + 1 < argv.length) {
      port = Number(argv[(i += 1)]);
    } else if (argv[i].startsWith('--port=')) {
      port = Number(argv[i].slice('--port='.length));
    } else {
      fail(`unknown argument ${argv[i]} (usage: provider.mjs [--port N])`);
    }
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail('--port must be 0..65535');
  return { port };
}

function jsonEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback();
  try {
    return JSON.parse(raw);
  } catch (error) {
    return fail(`${name} is not valid JSON: ${error.message}`);
  }
}

function loadClients() {
  const clients = jsonEnv('OIDC_CLIENTS', () => {
    const redirect = process.env.OIDC_REDIRECT_URI;
    if (!redirect) fail('set OIDC_REDIRECT_URI (the default client\'s redirect_uri) or OIDC_CLIENTS');
    return [{ client_id: 'plexward', client_secret: 'plexward-secret', redirect_uris: [redirect] }];
  });
  if (!Array.isArray(clients) || clients.length === 0) fail('OIDC_CLIENTS must be a non-empty array');
  return clients.map((c, i) => {
    if (typeof c?.client_id !== 'string' || typeof c.client_secret !== 'string'
      || !Array.isArray(c.redirect_uris) || c.redirect_uris.length === 0) {
      fail(`OIDC_CLIENTS[${i}] needs client_id, client_secret and a non-empty redirect_uris`);
    }
    return {
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uris: c.redirect_uris,
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic', // _post is accepted as well
      id_token_signed_response_alg: 'RS256',
    };
  });
}

function loadUsers() {
  const users = jsonEnv('OIDC_USERS', () => [
    ['alice', 'Alice Admin', ['plex-admins']],
    ['bob', 'Bob Moderator', ['plex-mods']],
    ['carol', 'Carol Nogroup', []],
  ].map(([username, name, groups]) => ({
    sub: username, username, password: 'password', email: `${username}@example.test`, name, groups,
  })));
  if (!Array.isArray(users)) fail('OIDC_USERS must be an array');
  const bySub = new Map();
  users.forEach((u, i) => {
    if (typeof u?.sub !== 'string' || !u.sub || typeof u.username !== 'string'
      || typeof u.password !== 'string') {
      fail(`OIDC_USERS[${i}] needs sub, username and password (strings)`);
    }
    if (u.groups !== undefined && !(Array.isArray(u.groups) && u.groups.every((g) => typeof g === 'string'))) {
      fail(`OIDC_USERS[${i}].groups must be an array of strings`);
    }
    bySub.set(u.sub, { ...u, groups: u.groups ?? [] });
  });
  return bySub;
}

const { port: wantedPort } = parseArgs(process.argv.slice(2));
const clients = loadClients();
const users = loadUsers();

// ---- the signing key: generated at every start --------------------------------------------
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const kid = crypto.randomBytes(8).toString('hex');
const signingJwk = { ...privateKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' };

// ---- test mode -------------------------------------------------------------------------------
let mode = {};

function validateMode(body) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'the body must be a JSON object';
  for (const [key, value] of Object.entries(body)) {
    switch (key) {
      case 'id_token_audience':
        if (!(typeof value === 'string' || (Array.isArray(value) && value.length > 0
          && value.every((v) => typeof v === 'string')))) {
          return 'id_token_audience must be a string or a non-empty array of strings';
        }
        break;
      case 'id_token_issuer':
        if (typeof value !== 'string') return 'id_token_issuer must be a string';
        break;
      case 'clock_offset_secs':
        if (!Number.isInteger(value)) return 'clock_offset_secs must be an integer';
        break;
      default:
        return `unknown key ${key} (known: id_token_audience, id_token_issuer, clock_offset_secs)`;
    }
  }
  return null;
}

const b64url = (buf) => Buffer.from(buf).toString('base64url');

// Decodes one of the provider's own ID tokens, applies the mode and signs it again with the same
// key, so the signature is valid and `kid` is the one in the JWKS.
function applyMode(jwt) {
  const parts = jwt.split('.');
  if (parts.length !== 3) return jwt; // encrypted ID tokens: not used by these tests
  const header = JSON.parse(Buffer.from(parts[0], 'base64url'));
  if (header.alg !== 'RS256' || header.kid !== kid) return jwt;
  const payload = JSON.parse(Buffer.from(parts[1], 'base64url'));
  if (mode.id_token_audience !== undefined) payload.aud = mode.id_token_audience;
  if (mode.id_token_issuer !== undefined) payload.iss = mode.id_token_issuer;
  if (mode.clock_offset_secs) {
    payload.iat += mode.clock_offset_secs;
    payload.exp += mode.clock_offset_secs;
  }
  const input = `${parts[0]}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(crypto.sign('sha256', Buffer.from(input), privateKey))}`;
}

// ---- HTML ------------------------------------------------------------------------------------
const escapeHtml = (s) => String(s).replace(/[&<>"']/g, (c) => ({
  '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
}[c]));

function page(title, body) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<title>${escapeHtml(title)}</title>
<style>
body { font-family: sans-serif; max-width: 22rem; margin: 4rem auto; }
label { display: block; margin: .75rem 0 .25rem; }
input { width: 100%; padding: .4rem; box-sizing: border-box; }
button { margin-top: 1rem; padding: .5rem 1rem; }
.error { color: #b00020; }
</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function loginForm(uid, clientId, { login = '', error = null } = {}) {
  return page('Sign in – test OpenID provider', `<h1>Test OpenID provider</h1>
<p>Sign in to continue to <strong>${escapeHtml(clientId)}</strong>.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${encodeURIComponent(uid)}" autocomplete="off">
<label for="login">Username</label>
<input id="login" name="login" type="text" value="${escapeHtml(login)}" autofocus required>
<label for="password">Password</label>
<input id="password" name="password" type="password" required>
<button type="submit">Sign in</button>
</form>`);
}

// ---- the provider ----------------------------------------------------------------------------
function claimsOf(user) {
  return {
    sub: user.sub,
    name: user.name ?? user.username,
    preferred_username: user.username,
    email: user.email,
    email_verified: user.email !== undefined,
    groups: user.groups,
  };
}

// Consent is automatic: the grant always covers every scope and claim the request asks for.
async function loadExistingGrant(ctx) {
  const { oidc } = ctx;
  const grantId = oidc.result?.consent?.grantId || oidc.session.grantIdFor(oidc.client.clientId);
  let grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (!grant || grant.accountId !== oidc.session.accountId) {
    grant = new oidc.provider.Grant({ clientId: oidc.client.clientId, accountId: oidc.session.accountId });
  }
  grant.addOIDCScope([...oidc.requestParamOIDCScopes].join(' '));
  if (oidc.requestParamClaims.size) grant.addOIDCClaims([...oidc.requestParamClaims]);
  await grant.save();
  return grant;
}

function configuration() {
  return {
    clients,
    jwks: { keys: [signingJwk] },
    findAccount: async (ctx, id) => {
      const user = users.get(id);
      if (!user) return undefined;
      return { accountId: id, claims: async () => claimsOf(user) };
    },
    scopes: ['openid', 'profile', 'email', 'groups'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
      groups: ['groups'],
    },
    conformIdTokenClaims: false,
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
    responseTypes: ['code'],
    pkce: { methods: ['S256'], required: () => true },
    loadExistingGrant,
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx, form) => {
          ctx.body = page('Sign out – test OpenID provider', `<h1>Sign out?</h1>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
<button type="submit" form="op.logoutForm">Stay signed in</button>`);
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = page('Signed out – test OpenID provider', '<h1>Signed out</h1>');
        },
      },
    },
    interactions: {
      url: (ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    // oidc-provider 8 defaults the long-lived cookie to SameSite=None, which browsers drop
    // unless it is also Secure (never, on plain http): Lax for both.
    cookies: {
      keys: [crypto.randomBytes(32).toString('hex')],
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    clientBasedCORS: () => false,
    ttl: {
      IdToken: 3600,
      AccessToken: 3600,
      AuthorizationCode: 300,
      Interaction: 3600,
      Session: 86400,
      Grant: 86400,
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Error – test OpenID provider', `<h1>Error</h1>
<p class="error" role="alert"><code>${escapeHtml(out.error)}</code>: ${escapeHtml(out.error_description ?? '')}</p>`);
    },
  };
}

// ---- HTTP ------------------------------------------------------------------------------------
function readBody(req, limit = 64 * 1024) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
      } else {
        chunks.push(chunk);
      }
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res, status, type, body) {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

const sendJson = (res, status, value) => send(res, status, 'application/json', `${JSON.stringify(value)}\n`);

async function handleTestMode(req, res) {
  if (req.method === 'GET') return sendJson(res, 200, mode);
  if (req.method !== 'POST') return sendJson(res, 405, { error: 'GET or POST' });
  let body;
  try {
    const raw = await readBody(req);
    body = raw.trim() === '' ? {} : JSON.parse(raw);
  } catch (error) {
    return sendJson(res, 400, { error: `invalid JSON: ${error.message}` });
  }
  const problem = validateMode(body);
  if (problem) return sendJson(res, 400, { error: problem });
  mode = { ...body };
  process.stderr.write(`provider.mjs: test mode ${JSON.stringify(mode)}\n`);
  return sendJson(res, 200, mode);
}

async function handleInteraction(provider, req, res, uid) {
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (error) {
    return send(res, 400, 'text/html; charset=utf-8', page('Error – test OpenID provider',
      `<h1>Error</h1><p class="error" role="alert">${escapeHtml(error.message)}</p>`));
  }
  if (details.uid !== uid) {
    return send(res, 400, 'text/html; charset=utf-8', page('Error', '<p class="error" role="alert">interaction mismatch</p>'));
  }
  const { prompt, params } = details;

  if (prompt.name !== 'login') {
    // Consent (or anything else): granted without asking.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    if (prompt.details.missingResourceScopes) {
      for (const [indicator, scopes] of Object.entries(prompt.details.missingResourceScopes)) {
        grant.addResourceScope(indicator, scopes.join(' '));
      }
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }

  if (req.method === 'GET') {
    return send(res, 200, 'text/html; charset=utf-8', loginForm(uid, params.client_id));
  }
  if (req.method !== 'POST') return send(res, 405, 'text/plain', 'GET or POST\n');

  const form = new URLSearchParams(await readBody(req));
  const login = form.get('login') ?? '';
  const password = form.get('password') ?? '';
  const user = [...users.values()].find((u) => u.username === login);
  const ok = user !== undefined
    && crypto.timingSafeEqual(
      crypto.createHash('sha256').update(password).digest(),
      crypto.createHash('sha256').update(user.password).digest(),
    );
  if (!ok) {
    // 200, not 401: Chromium logs every 4xx page as a console error, which the browser tests
    // count as a failure. A good login is a 303, so a 200 here means "refused".
    return send(res, 200, 'text/html; charset=utf-8',
      loginForm(uid, params.client_id, { login, error: 'Invalid username or password.' }));
  }
  return provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
}

process.on('unhandledRejection', (error) => fail(error?.stack ?? String(error)));

const server = http.createServer();
server.listen(wantedPort, '127.0.0.1', async () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, configuration());

  const originalIssue = provider.IdToken.prototype.issue;
  provider.IdToken.prototype.issue = async function issue(options = {}, ...rest) {
    const jwt = await originalIssue.call(this, options, ...rest);
    if (options.use !== 'idtoken' || Object.keys(mode).length === 0) return jwt;
    return applyMode(jwt);
  };

  provider.on('server_error', (ctx, error) => process.stderr.write(`provider.mjs: server_error ${error.stack}\n`));

  const callback = provider.callback();
  server.on('request', (req, res) => {
    const { pathname } = new URL(req.url, issuer);
    let handled;
    if (pathname === '/__test/mode') {
      handled = handleTestMode(req, res);
    } else {
      const match = /^\/interaction\/([^/]+)$/.exec(pathname);
      if (match) {
        handled = handleInteraction(provider, req, res, decodeURIComponent(match[1]));
      } else {
        callback(req, res);
        return;
      }
    }
    handled.catch((error) => {
      process.stderr.write(`provider.mjs: ${error.stack}\n`);
      if (!res.headersSent) sendJson(res, 500, { error: error.message });
      else res.end();
    });
  });

  // oidc-provider checks static clients' metadata only when one is first used: check them all
  // now, so a bad OIDC_CLIENTS fails here instead of in the middle of a test.
  for (const { client_id: id } of clients) {
    try {
      if (!await provider.Client.find(id)) throw new Error('not found');
    } catch (error) {
      fail(`client ${id}: ${error.error_description ?? error.message}`);
    }
  }

  process.stdout.write(`{"issuer": ${JSON.stringify(issuer)}, "port": ${port}}\n`);
});
server.on('error', (error) => fail(`cannot listen: ${error.message}`));

const stop = () => {
  server.close();
  process.exit(0);
};
process.stdin.on('end', stop);
process.stdin.on('error', stop);
process.stdin.resume();
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
