import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { SealedDataError } from '../../src/lib/aead.js';
import { openStore } from '../../src/storage/database.js';
import { created } from '../helpers/admin.js';
import { describeEachDialect } from '../helpers/dialects.js';
import { startTessera } from '../helpers/tessera.js';

describeEachDialect('sealed signing keys', (dialect) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tessera-sealed-'));
  const secret = randomBytes(32).toString('hex');
  let env: Record<string, string>;
  let active: { kid: string; private_key: string };
  let retired: { kid: string; private_key: string };

  /** Writes `privateKey` into the active key's row, as someone with the database could. */
  const writeActiveRow = async (privateKey: string) => {
    const store = openStore(env.TESSERA_DATABASE_URL!);
    try {
      await store.db.updateTable('signing_keys').set({ private_key: privateKey }).where('tenant_id', '=', 'default').where('kid', '=', active.kid).execute();
    } finally {
      await store.close();
    }
  };

  /** Starting must fail with exactly `message`, caused by a SealedDataError of `reason`. */
  const assertStartRefused = async (startEnv: Record<string, string>, reason: SealedDataError['reason'], message: string) => {
    await assert.rejects(startTessera({ dialect, dataDir, env: startEnv }), (err: Error) => {
      assert.equal(err.message, message);
      assert.ok(err.cause instanceof SealedDataError, 'caused by a SealedDataError');
      assert.equal(err.cause.reason, reason);
      return true;
    });
  };

  before(async () => {
    const first = await startTessera({ dialect, dataDir, env: { TESSERA_SECRET: secret } });
    try {
      created(await first.admin('POST', '/keys/rotate'));
    } finally {
      await first.close();
    }
    env = { TESSERA_DATABASE_URL: first.config.databaseUrl, TESSERA_SECRET: secret };
    const store = openStore(env.TESSERA_DATABASE_URL!);
    try {
      const rows = await store.db.selectFrom('signing_keys').select(['kid', 'status', 'private_key']).where('tenant_id', '=', 'default').execute();
      active = rows.find((r) => r.status === 'active')!;
      retired = rows.find((r) => r.status === 'retired')!;
      assert.ok(active && retired, 'an active and a retired key');
    } finally {
      await store.close();
    }
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses to start with another TESSERA_SECRET, naming the key and the likely cause', async () => {
    await assertStartRefused(
      { ...env, TESSERA_SECRET: randomBytes(32).toString('hex') },
      'authentication-failed',
      `cannot decrypt the signing key ${active.kid} of tenant default (authentication failed): TESSERA_SECRET (or data/tessera.secret) is not the one it was sealed with, or its database row was altered or copied from another key`,
    );
  });

  it("refuses a sealed key copied into another key's row (its tenant and key id are authenticated data)", async () => {
    await writeActiveRow(retired.private_key);
    await assertStartRefused(
      env,
      'authentication-failed',
      `cannot decrypt the signing key ${active.kid} of tenant default (authentication failed): TESSERA_SECRET (or data/tessera.secret) is not the one it was sealed with, or its database row was altered or copied from another key`,
    );
  });

  it('refuses a sealed key whose authentication tag was cut to 12 bytes, although a 12-byte tag is a prefix of the right one', async () => {
    const parts = active.private_key.split('.');
    parts[3] = Buffer.from(parts[3]!, 'base64url').subarray(0, 12).toString('base64url');
    await writeActiveRow(parts.join('.'));
    await assertStartRefused(
      env,
      'malformed',
      `cannot decrypt the signing key ${active.kid} of tenant default (the authentication tag is 12 bytes, not 16): its database row was altered`,
    );
  });

  it('starts and signs again once the row holds what was sealed for it', async () => {
    await writeActiveRow(active.private_key);
    const t = await startTessera({ dialect, dataDir, env });
    try {
      const jwks = await t.publicFetch('/.well-known/jwks.json');
      assert.ok(jwks.body.keys.some((k: { kid: string }) => k.kid === active.kid));
      assert.equal(t.server.deps.readModel.tenant('default')?.settings.signer?.kid, active.kid);
    } finally {
      await t.close();
    }
  });
});
