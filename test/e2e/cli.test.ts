import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { runCli, spawnTessera } from '../helpers/process.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

describe('CLI: serve, migrate, admin-token create', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-cli-'));
  const env = { TESSERA_DATABASE_URL: `sqlite:${join(dataDir, 'tessera.db')}` };
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('runs through the package bin (npx tessera --help)', async () => {
    const { stdout } = await promisify(execFile)('npx', ['--no-install', 'tessera', '--help'], { cwd: root });
    for (const command of ['serve', 'migrate', 'admin-token']) assert.match(stdout, new RegExp(`\\b${command}\\b`));
  });

  it('migrates an empty database, then says it is up to date', async () => {
    const first = await runCli(['migrate'], env);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /applied: 0001_initial/);
    const second = await runCli(['migrate'], env);
    assert.match(second.stdout, /up to date/);
  });

  it('creates an admin token that the server then accepts; first start prints no other token', async () => {
    const created = await runCli(['admin-token', 'create', '--name', 'ops', '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    const { token, name, tenant } = JSON.parse(created.stdout);
    assert.equal(name, 'ops');
    assert.equal(tenant, null);
    const server = await spawnTessera(env);
    try {
      assert.ok(!server.output.join('').includes('First start'), 'a token already exists: none is generated');
      const res = await fetch(`${server.adminUrl}/clients`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, 'SIGTERM shuts down cleanly');
    }
  });

  it('prints the generated admin token once on the first start of an empty store, and a new one, saying why, after the last was deleted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-first-'));
    try {
      const e = { TESSERA_DATABASE_URL: `sqlite:${join(dir, 'tessera.db')}` };
      const first = await spawnTessera(e);
      const token = /tsr_at_[A-Za-z0-9_-]{43}/.exec(first.output.join(''))?.[0];
      first.child.kill('SIGTERM');
      await first.exited;
      assert.ok(token, 'the first start prints a token');
      // The banner stands whole just before the ready line, which ends the start; both name the console.
      const consoleUrl = `${first.adminUrl}/console/`;
      const banner =
        `\n  First start: an admin token was generated. It is shown this once; keep it safe.\n\n    ${token}\n\n` +
        `  Use it as: Authorization: Bearer <token>   (admin API at ${first.adminUrl})\n` +
        `  Web console: ${consoleUrl}   (sign in with this token)\n\n`;
      const [beforeReady = '', fromReady = ''] = first.output.join('').split(/(?=\{[^\n]*"msg":"Tessera is ready")/);
      assert.ok(beforeReady.endsWith(banner), `the banner comes right before the ready line:\n${beforeReady}`);
      assert.equal(beforeReady.indexOf('First start'), beforeReady.lastIndexOf('First start'), 'printed once');
      const ready = JSON.parse(fromReady.split('\n')[0]!);
      assert.equal(ready.console, consoleUrl);
      assert.equal(ready.admin, first.adminUrl);
      const second = await spawnTessera(e);
      try {
        assert.ok(!second.output.join('').includes(token), 'printed once only');
        const headers = { authorization: `Bearer ${token}` };
        const res = await fetch(`${second.adminUrl}/clients`, { headers });
        assert.equal(res.status, 200);
        // The operator deletes the only admin token: the next start generates another and says why.
        const { items } = (await (await fetch(`${second.adminUrl}/admin-tokens`, { headers })).json()) as { items: { id: string }[] };
        assert.equal(items.length, 1);
        assert.equal((await fetch(`${second.adminUrl}/admin-tokens/${items[0]!.id}`, { method: 'DELETE', headers })).status, 204);
      } finally {
        second.child.kill('SIGTERM');
        await second.exited;
      }
      const third = await spawnTessera(e);
      try {
        const output = third.output.join('');
        const again = /tsr_at_[A-Za-z0-9_-]{43}/.exec(output)?.[0];
        assert.ok(again && again !== token, 'a new token is printed');
        assert.ok(output.includes(`\n  No admin token was left: a new one was generated. It is shown this once; keep it safe.\n\n    ${again}\n\n`), output);
        assert.ok(!output.includes('First start'), 'not called a first start');
        assert.equal((await fetch(`${third.adminUrl}/clients`, { headers: { authorization: `Bearer ${again}` } })).status, 200);
        assert.equal((await fetch(`${third.adminUrl}/clients`, { headers: { authorization: `Bearer ${token}` } })).status, 401);
      } finally {
        third.child.kill('SIGTERM');
        await third.exited;
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('requires TESSERA_SECRET with PostgreSQL before touching the database', async () => {
    const res = await runCli(['serve'], { TESSERA_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' });
    assert.equal(res.code, 2);
    assert.match(res.stderr, /TESSERA_SECRET is required with PostgreSQL/);
  });

  it('admin-token create --expires-in: the token carries its expiry, the server accepts it; out of range is wrong usage', async () => {
    const created = await runCli(['admin-token', 'create', '--name', 'short-lived', '--expires-in', '3600', '--json'], env);
    assert.equal(created.code, 0, created.stderr);
    const { token, created_at, expires_at } = JSON.parse(created.stdout);
    assert.equal(Date.parse(expires_at) - Date.parse(created_at), 3_600_000);
    const server = await spawnTessera(env);
    try {
      const res = await fetch(`${server.adminUrl}/admin-tokens`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(res.status, 200);
      const listed = ((await res.json()) as { items: { name: string; expires_at: string | null }[] }).items.find((x) => x.name === 'short-lived');
      assert.equal(listed?.expires_at, expires_at);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    const tooShort = await runCli(['admin-token', 'create', '--name', 'x', '--expires-in', '59'], env);
    assert.equal(tooShort.code, 2);
    assert.equal(tooShort.stderr, 'tessera: the admin token is not valid\n  /expires_in: must be a whole number of seconds from 60 to 31536000\n');
  });

  it('says plainly when admin-token create names an unknown tenant', async () => {
    const res = await runCli(['admin-token', 'create', '--name', 'x', '--tenant', 'nope'], env);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /no tenant "nope"/);
  });

  it('refuses bad configuration with exit code 2 and names the variable', async () => {
    for (const [variable, value] of [
      ['TESSERA_SECRET', 'short'],
      ['TESSERA_ADMIN_TOKEN', 'too-short'],
      ['TESSERA_PUBLIC_PORT', 'http'],
      ['TESSERA_DATABASE_URL', 'mysql://x'],
      ['TESSERA_KEY_ROTATION_INTERVAL', '30d'],
      ['TESSERA_OUTAGE_GRACE', '5m'],
      ['TESSERA_TRUST_PROXY', '10.0.0.0/33'],
      ['TESSERA_DATABASE_POOL_SIZE', '1'],
    ] as const) {
      const res = await runCli(['serve'], { ...env, [variable]: value });
      assert.equal(res.code, 2, `${variable}: ${res.stderr}`);
      assert.match(res.stderr, new RegExp(variable));
    }
    const flag = await runCli(['serve', '--outage-grace', 'soon'], env);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /TESSERA_OUTAGE_GRACE must be a number of seconds, got "soon"/);
  });
});
