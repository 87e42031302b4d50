import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { created } from '../helpers/admin.js';
import { startTessera } from '../helpers/tessera.js';

const WARNING = 'data accessible to group or others: make it private (chmod 700 the directory, 600 the files)';

const modeOf = (path: string) => statSync(path).mode & 0o777;

/** The warn lines about shared data, as `path mode`. */
function warnings(logs: readonly string[]): string[] {
  return logs
    .map((line) => JSON.parse(line) as { msg: string; path?: string; mode?: string; level: number })
    .filter((line) => line.msg === WARNING)
    .map((line) => {
      assert.equal(line.level, 40, 'a warning');
      return `${line.path} ${line.mode}`;
    });
}

/** Runs `work` under `mask`, then puts the process's umask back. */
async function withUmask<T>(mask: number, work: () => Promise<T>): Promise<T> {
  const previous = process.umask(mask);
  try {
    return await work();
  } finally {
    process.umask(previous);
  }
}

// Files are the embedded store's (SQLite): with PostgreSQL Tessera writes none.
describe('[sqlite] private files', () => {
  const root = mkdtempSync(join(tmpdir(), 'tessera-files-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  for (const mask of [0o022, 0o000]) {
    it(`creates the data directory 0700 and the database, its WAL and shared memory and the secret file 0600 under umask ${mask.toString(8).padStart(3, '0')}`, async () => {
      const dataDir = join(root, `umask-${mask.toString(8)}`, 'data');
      const t = await withUmask(mask, () => startTessera({ dataDir }));
      try {
        created(await t.admin('POST', '/clients', { client_id: 'writes-to-the-wal' }));
        assert.equal(modeOf(join(root, `umask-${mask.toString(8)}`)), 0o700, 'a parent it created');
        assert.equal(modeOf(dataDir), 0o700, 'the data directory');
        for (const file of ['tessera.db', 'tessera.db-wal', 'tessera.db-shm', 'tessera.secret']) {
          assert.equal(modeOf(join(dataDir, file)).toString(8), '600', file);
        }
        assert.deepEqual(warnings(t.logs), [], 'nothing to warn about');
      } finally {
        await t.close();
      }
    });
  }

  it('leaves an existing directory and secret file as they are, and warns once about each one others can read', async () => {
    const dataDir = join(root, 'operator');
    mkdirSync(dataDir);
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, 'tessera.secret'), `${'ab'.repeat(32)}\n`);
    chmodSync(join(dataDir, 'tessera.secret'), 0o644);
    const t = await withUmask(0o022, () => startTessera({ dataDir }));
    try {
      assert.deepEqual(warnings(t.logs), [`${dataDir} 0755`, `${join(dataDir, 'tessera.secret')} 0644`]);
      assert.equal(modeOf(dataDir), 0o755, 'not changed behind the operator');
      assert.equal(modeOf(join(dataDir, 'tessera.secret')), 0o644);
      assert.equal(modeOf(join(dataDir, 'tessera.db')), 0o600, 'what Tessera creates is private');
    } finally {
      await t.close();
    }
  });
});
