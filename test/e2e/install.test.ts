import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../helpers/ports.js';
import { runCli, spawnTessera, stopTessera } from '../helpers/process.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
const run = promisify(execFile);
const NOT_BUILT = 'Tessera is not built: run `npm run build` first (npm ci does it)\n';

/** The names of every package installed below `dir` (nested node_modules included). */
function installedPackages(dir: string): Set<string> {
  const names = new Set<string>();
  const walk = (modules: string) => {
    if (!existsSync(modules)) return;
    for (const entry of readdirSync(modules)) {
      if (entry.startsWith('.')) continue;
      const packages = entry.startsWith('@') ? readdirSync(join(modules, entry)).map((name) => `${entry}/${name}`) : [entry];
      for (const name of packages) {
        names.add(name);
        walk(join(modules, name, 'node_modules'));
      }
    }
  };
  walk(join(dir, 'node_modules'));
  return names;
}

describe('Installing Tessera: build once, npm start and npx never build, a production install without dev dependencies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-install-'));
  const prefix = join(dir, 'global');
  const installed = join(prefix, 'lib/node_modules/tessera');
  // Only the global install's bin, node and the system's tools: not the clone's node_modules/.bin.
  const PATH = [join(prefix, 'bin'), dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':');
  let packed: string[];

  before(async () => {
    // The tarball of what is built, as `npm pack` makes it (its prepare step, a build, is done already).
    const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], { cwd: root });
    const [tarball] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
    assert.ok(tarball);
    packed = tarball.files.map((f) => f.path);
    // `npm install -g` of the tarball (dependencies from the npm cache as CI fills it). Install
    // scripts are skipped: the only one, better-sqlite3's, compiles the native SQLite binding for a
    // minute; the binding the clone's install built, of the same version, is copied instead.
    await run(
      'npm',
      ['install', '--global', '--prefix', prefix, '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund', join(dir, tarball.filename)],
      { cwd: dir },
    );
    const built = dirname(createRequire(join(root, 'package.json')).resolve('better-sqlite3/package.json'));
    const target = join(installed, 'node_modules/better-sqlite3');
    const version = (path: string) => (JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as { version: string }).version;
    assert.equal(version(target), version(built), 'the install resolved the better-sqlite3 the lockfile pins');
    mkdirSync(join(target, 'build/Release'), { recursive: true });
    copyFileSync(join(built, 'build/Release/better_sqlite3.node'), join(target, 'build/Release/better_sqlite3.node'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('packs the built server and console with the docs; no sources, tests or source maps', () => {
    for (const path of ['bin/tessera.js', 'dist/src/main.js', 'dist/console/index.html', 'package.json', 'README.md', 'docs/deployment.md']) {
      assert.ok(packed.includes(path), `${path} is in the tarball`);
    }
    const unexpected = packed.filter((path) => !/^(bin|dist\/src|dist\/console|docs)\/|^(package\.json|README\.md)$/.test(path) || path.endsWith('.map'));
    assert.deepEqual(unexpected, []);
  });

  it('installs no development dependency (TypeScript, Vite, React, playwright, …)', () => {
    const names = installedPackages(installed);
    for (const runtime of ['fastify', 'better-sqlite3', 'pg', 'jose', 'commander']) assert.ok(names.has(runtime), `${runtime} is installed`);
    assert.deepEqual(
      Object.keys(manifest.devDependencies).filter((name) => names.has(name)),
      [],
    );
  });

  it('puts `tessera` on the PATH: it serves the API and the console, and its admin commands and `tessera token` work', async () => {
    const publicPort = await freePort();
    const issuer = `http://127.0.0.1:${publicPort}`;
    const env = { PATH, TESSERA_PUBLIC_PORT: String(publicPort), TESSERA_PUBLIC_URL: issuer, TESSERA_DATABASE_URL: `sqlite:${join(dir, 'data/tessera.db')}` };
    const server = await spawnTessera(env, ['tessera', 'serve']);
    try {
      const adminToken = /tsr_at_[A-Za-z0-9_-]{43}/.exec(server.output.join(''))?.[0];
      assert.ok(adminToken, 'the first start prints the admin token');

      const page = await fetch(`${server.adminUrl}/console/`);
      const html = await page.text();
      assert.equal(page.status, 200);
      assert.match(html, /<title>Tessera console<\/title>/);
      const script = /<script type="module" crossorigin src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
      assert.ok(script, html);
      const bundle = await fetch(`${server.adminUrl}${script}`);
      assert.equal(bundle.status, 200, 'the console bundle is served');
      assert.ok((await bundle.text()).length > 0); // read to the end: an unread body holds the connection open

      const admin = { PATH, TESSERA_ADMIN_URL: server.adminUrl, TESSERA_ADMIN_TOKEN: adminToken };
      const created = await runCli(['clients', 'create', '--client-id', 'billing', '--audience', 'https://billing.example.com/', '--json'], admin, ['tessera']);
      assert.equal(created.code, 0, created.stderr);
      const { client_id: clientId, client_secret: secret } = JSON.parse(created.stdout) as { client_id: string; client_secret: string };
      assert.equal(clientId, 'billing');

      const token = await runCli(['token', '--issuer', issuer, '--client-id', 'billing', '--client-secret', secret, '--json', '--decode'], { PATH }, [
        'tessera',
      ]);
      assert.equal(token.code, 0, token.stderr);
      const { claims } = JSON.parse(token.stdout) as { claims: Record<string, unknown> };
      assert.deepEqual([claims.iss, claims.aud, claims.client_id], [issuer, 'https://billing.example.com/', 'billing']);
    } finally {
      assert.equal(await stopTessera(server), 0, 'SIGTERM shuts down cleanly');
    }
  });

  it('`npm start` runs the built command and builds nothing (the install has no TypeScript to build with)', async () => {
    const start = await runCli(['start', '--silent', '--prefix', installed, '--', '--help'], { PATH }, ['npm']);
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /^Usage: tessera serve /m);
    assert.ok(existsSync(join(installed, 'dist/src/main.js')), 'dist/ is still there');
  });

  it('without a build, `npm start` and `tessera` say so on standard error and stop (exit code 1)', async () => {
    const unbuilt = join(dir, 'unbuilt');
    cpSync(join(root, 'bin'), join(unbuilt, 'bin'), { recursive: true });
    copyFileSync(join(root, 'package.json'), join(unbuilt, 'package.json'));
    const direct = await runCli(['serve'], { PATH }, [process.execPath, join(unbuilt, 'bin/tessera.js')]);
    assert.deepEqual([direct.code, direct.stdout, direct.stderr], [1, '', NOT_BUILT]);
    const start = await runCli(['start', '--silent', '--prefix', unbuilt], { PATH }, ['npm']);
    assert.equal(start.code, 1);
    assert.ok(start.stderr.startsWith(NOT_BUILT), start.stderr);
    assert.ok(!existsSync(join(unbuilt, 'dist')), 'nothing was built');
  });

  it('`npx tessera` in a clone runs the built command and never builds (not even the first time, when npx links the project)', async () => {
    const clone = join(dir, 'clone');
    for (const path of ['package.json', 'bin', 'scripts', 'dist/src']) {
      if (existsSync(join(root, path))) cpSync(join(root, path), join(clone, path), { recursive: true });
    }
    symlinkSync(join(root, 'node_modules'), join(clone, 'node_modules'));
    writeFileSync(join(clone, 'dist/untouched'), '');
    // A fresh npx cache: the first `npx tessera` links the project there and runs its prepare step.
    const { stdout } = await run('npx', ['--offline', 'tessera', '--help'], { cwd: clone, env: { ...process.env, npm_config_cache: join(dir, 'npm-cache') } });
    assert.match(stdout, /^Usage: tessera /m);
    assert.ok(existsSync(join(clone, 'dist/untouched')), 'dist/ was neither removed nor rebuilt');
  });
});
