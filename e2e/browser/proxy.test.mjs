// Behind a real nginx (Debian's, installed by scripts/setup.sh --test), terminating TLS with a
// throw-away certificate on 127.0.0.1 and passing requests on from 127.0.0.2 (its `proxy_bind`,
// the one address Plexward is told to trust): the real client's address is what the audit trail
// records (a forged X-Forwarded-For is not), cookies are Secure, /metrics asks for an admin, the
// live log stream is not buffered, a certificate upload and a restart go through, and a browser
// signs in. All of it twice: with Plexward at the root, and under a sub-path (`base_path`
// /plexward, nginx passing the path on as it is, with X-Forwarded-Host).
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ADMIN_NEW_PASSWORD, ADMIN_PASSWORD, apiJson, eventually, openBrowser, screenshot, startWithAdmin,
} from './harness.mjs';

const NGINX = process.env.NGINX_BIN ?? '/usr/sbin/nginx';

for (const prefix of ['', '/plexward']) describe(`behind nginx at ${prefix || 'the root'}`, () => {
let server;
let nginx;
let base;
let ca;
let dir;

/** A free loopback port (closed again at once; nginx takes it next). */
function freePort() {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** A self-signed certificate for 127.0.0.1 (PEM paths). */
function certificate(name) {
  const [cert, key] = [join(dir, `${name}.pem`), join(dir, `${name}.key`)];
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1',
  ], { stdio: 'ignore' });
  return { cert, key };
}

/** One HTTPS request through nginx: { status, headers, body } (body parsed when JSON). */
function call(method, path, { token, body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = httpsRequest(`${base}${path}`, {
      method,
      ca,
      headers: {
        Accept: 'application/json',
        ...(payload !== undefined && typeof body !== 'string' ? { 'Content-Type': 'application/json' } : {}),
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...headers,
      },
    }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => {
        const json = (res.headers['content-type'] ?? '').includes('json');
        resolve({ status: res.statusCode, headers: res.headers, body: text && json ? JSON.parse(text) : text });
      });
    });
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

async function adminToken() {
  const answer = await call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_NEW_PASSWORD } });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return answer.body.token;
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plexward-nginx-'));
  // A fixed port, so the restart comes back where nginx expects it.
  server = await startWithAdmin({
    PLEXWARD_TRUSTED_PROXIES: '127.0.0.2', PLEXWARD_PORT: String(await freePort()), PLEXWARD_BASE_PATH: prefix,
  });
  const upstream = new URL(server.url);
  const port = await freePort();
  const tls = certificate('nginx');
  ca = readFileSync(tls.cert);
  writeFileSync(join(dir, 'nginx.conf'), `
daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${tls.cert};
    ssl_certificate_key ${tls.key};
    client_max_body_size 1m;
    location ${prefix}/ {
      proxy_pass http://127.0.0.1:${upstream.port};
      proxy_set_header X-Forwarded-Host $host:$server_port;
      proxy_bind 127.0.0.2;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_buffering off;
      proxy_read_timeout 1h;
    }
  }
}
`);
  nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'ignore' });
  base = `https://127.0.0.1:${port}${prefix}`;
  await eventually('nginx listening', async () => {
    try {
      return (await call('GET', '/api/v1/health')).status === 200;
    } catch {
      return false;
    }
  });
  // The first sign-in changes the admin's initial password.
  const direct = `${server.url}${prefix}`;
  const { token } = await apiJson(direct, null, 'POST', '/api/v1/auth/login', { username: 'admin', password: ADMIN_PASSWORD });
  await apiJson(direct, token, 'PUT', '/api/v1/me/password', { current_password: ADMIN_PASSWORD, new_password: ADMIN_NEW_PASSWORD });
});

after(async () => {
  if (nginx && nginx.exitCode === null) {
    const exited = new Promise((r) => nginx.once('exit', r));
    nginx.kill('SIGQUIT');
    await exited;
  }
  await server?.stop();
});

test('through nginx the audit trail records the real client, never a forged X-Forwarded-For', async () => {
  const refused = await call('POST', '/api/v1/auth/login', {
    body: { username: 'admin', password: 'not it at all' },
    headers: { 'X-Forwarded-For': '203.0.113.66' },
  });
  assert.equal(refused.status, 401);
  const token = await adminToken();
  const audit = await call('GET', '/api/v1/audit?action=auth.login&outcome=failure', { token });
  assert.equal(audit.status, 200);
  assert.equal(audit.body.items[0].ip, '127.0.0.1', JSON.stringify(audit.body.items[0]));
});

test('through nginx cookies are Secure and /metrics asks for an admin', async () => {
  const signedIn = await call('POST', '/api/v1/auth/login', { body: { username: 'admin', password: ADMIN_NEW_PASSWORD } });
  const cookies = signedIn.headers['set-cookie'] ?? [];
  assert.ok(cookies.some((c) => c.startsWith('__Host-') && /;\s*Secure/i.test(c)), cookies.join('\n'));
  assert.equal((await call('GET', '/metrics')).status, 401);
  assert.equal((await call('GET', '/metrics', { token: signedIn.body.token })).status, 200);
});

test('the live log stream comes through nginx unbuffered', async () => {
  const token = await adminToken();
  const marker = `via-nginx-${Date.now()}`;
  const seen = await new Promise((resolve, reject) => {
    const req = httpsRequest(`${base}/api/v1/logs/stream?level=warn`, {
      ca, headers: { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' },
    }, (res) => {
      assert.equal(res.statusCode, 200);
      let text = '';
      let sent = 0;
      const timer = setTimeout(() => { req.destroy(); resolve(false); }, 10_000);
      res.on('data', async (chunk) => {
        text += chunk;
        if (!sent && text.includes('connected')) {
          await call('POST', '/api/v1/auth/login', { body: { username: marker, password: 'wrong wrong wrong' } });
          sent = Date.now();
        }
        if (sent && text.includes(marker)) {
          clearTimeout(timer);
          req.destroy();
          resolve(Date.now() - sent);
        }
      });
    });
    req.on('error', (e) => (e.code === 'ECONNRESET' ? null : reject(e)));
    req.end();
  });
  assert.ok(seen !== false && seen < 1_000, `the failed sign-in reached the stream through nginx (${seen} ms)`);
});

test('a certificate upload and a restart go through nginx', async () => {
  const token = await adminToken();
  const mine = certificate('upload');
  const boundary = `----plexward${Date.now()}`;
  const part = (name, file) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${name}.pem"\r\nContent-Type: application/x-pem-file\r\n\r\n${readFileSync(file)}\r\n`;
  const body = `${part('cert', mine.cert)}${part('key', mine.key)}--${boundary}--\r\n`;
  const uploaded = await call('POST', '/api/v1/settings/server/certificate', {
    token, body, headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
  });
  assert.equal(uploaded.status, 200, JSON.stringify(uploaded.body));
  assert.ok(uploaded.body.certificate, JSON.stringify(uploaded.body));

  // The serve loop restarts in-process: a second "listening on" line says it is back.
  const listening = () => server.logs.join('').split('listening on').length - 1;
  const before = listening();
  const restart = await call('POST', '/api/v1/system/restart', { token });
  assert.equal(restart.status, 202, JSON.stringify(restart.body));
  await eventually('Plexward back behind nginx after the restart', async () => {
    if (listening() <= before) return false;
    try {
      return (await call('GET', '/api/v1/health')).status === 200;
    } catch {
      return false;
    }
  }, 30_000);
});

test('a browser signs in through nginx', async () => {
  const { browser, page } = await openBrowser({ ignoreHTTPSErrors: true });
  try {
    const problems = [];
    page.on('console', (m) => m.type() === 'error' && !/status of 401/.test(m.text()) && problems.push(m.text()));
    await page.goto(`${base}/`);
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password', { exact: true }).fill(ADMIN_NEW_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    // The dashboard: `/` under the prefix (the router writes `/plexward` for it).
    assert.ok([`${prefix}/`, prefix].includes(new URL(page.url()).pathname), page.url());
    // Client-side routes stay under the sub-path, and a reload of one comes back to it.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit' }).click();
    await page.waitForURL((url) => url.pathname === `${prefix}/audit`);
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: 'Audit trail' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.waitForURL((url) => url.pathname === `${prefix}/settings`);
    await page.getByRole('heading', { name: 'Scheduler' }).waitFor();
    await screenshot(page, `behind-nginx${prefix.replace('/', '-')}`);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
  }
});
});
