import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { resolveKeyEncryptionKey } from '../../src/app/secret.js';
import type { AuditEvent } from '../../src/domain/audit/model.js';
import { LocalChangeFeed } from '../../src/domain/changes.js';
import { ClientsService } from '../../src/domain/clients/service.js';
import type { DocumentFetcher } from '../../src/domain/document-fetcher.js';
import { ConflictError } from '../../src/domain/errors.js';
import { rememberDialect } from '../../src/storage/dialects.js';
import type { Database } from '../../src/storage/schema.js';
import { created, ok } from '../helpers/admin.js';
import { DIALECTS } from '../helpers/dialects.js';
import { testKey } from '../helpers/keys.js';
import { startTessera, type TestTessera } from '../helpers/tessera.js';

/** No client of this suite names a jwks_uri: nothing is fetched. */
const NO_FETCHES: DocumentFetcher = {
  refusal: async () => 'nothing is fetched in this test',
  fetchJson: async () => {
    throw new Error('nothing is fetched in this test');
  },
  fetchDocument: async () => {
    throw new Error('nothing is fetched in this test');
  },
};

/** The statement a create sends when it runs in a transaction of its own (Kysely's PostgreSQL driver). */
const transactionStatements = (sent: readonly string[]) => sent.filter((s) => /^(begin|commit|rollback)\b/i.test(s.trim()));

// PostgreSQL only: on SQLite a create's statements cost no round trip and it still runs in a (group-committed) transaction.
describe('[postgres] a client create: statements sent', { skip: !DIALECTS.includes('postgres') }, () => {
  let t: TestTessera;
  let db: Kysely<Database>;
  /** The SQL of every statement the service below sent, transaction control included (Kysely's log hears them all). */
  const sent: string[] = [];
  /** The audit events the service's trail heard as committed. */
  const heard: AuditEvent[] = [];
  let clients: ClientsService;
  const actor = { id: 'test' };

  before(async () => {
    t = await startTessera({ dialect: 'postgres' });
    db = new Kysely<Database>({
      dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: t.config.databaseUrl, max: 2 }) }),
      log: (event) => {
        sent.push(event.query.sql);
      },
    });
    rememberDialect(db, 'postgres');
    const deps = t.server.deps;
    clients = new ClientsService(
      {
        db,
        clock: deps.clock,
        changes: new LocalChangeFeed(),
        kek: resolveKeyEncryptionKey(deps.config, deps.store.sqlitePath),
        auditTrail: { committed: (event) => heard.push(event) },
      },
      NO_FETCHES,
    );
  });
  after(async () => {
    await db.destroy();
    await t.close();
  });

  it('an admin caller creating a client without federated credentials: its checks, then one statement, no BEGIN and COMMIT', async () => {
    sent.length = 0;
    heard.length = 0;
    const { secret } = await clients.create(
      actor,
      'default',
      { clientId: 'one-statement', audience: ['https://api.test'] },
      { tenantId: null, scopes: ['admin'] },
    );
    assert.deepEqual(transactionStatements(sent), []);
    assert.equal(sent.length, 2, sent.join('\n'));
    assert.match(sent.at(-1)!, /^with "new_client" as \(insert into "clients"/);
    assert.deepEqual(
      heard.map((e) => [e.action, e.targetId]),
      [['client.create', 'one-statement']],
    );
    const stored = ok(await t.admin('GET', '/clients/one-statement'));
    assert.equal(stored.client_secrets.length, 1);
    assert.equal(stored.client_secrets[0].id, secret?.id);
    const events = ok(await t.admin('GET', '/audit-events?action=client.create&limit=200')).items.filter((e: any) => e.target_id === 'one-statement');
    assert.deepEqual(
      events.map((e: any) => e.id),
      [heard[0]!.id],
    );
  });

  it('a refused duplicate writes nothing and is heard by no audit trail', async () => {
    sent.length = 0;
    heard.length = 0;
    await assert.rejects(
      clients.create(actor, 'default', { clientId: 'one-statement', audience: ['https://api.test'] }, { tenantId: null, scopes: ['admin'] }),
      ConflictError,
    );
    assert.deepEqual(transactionStatements(sent), []);
    assert.deepEqual(heard, []);
    assert.equal(ok(await t.admin('GET', '/clients/one-statement')).client_secrets.length, 1);
    const events = ok(await t.admin('GET', '/audit-events?action=client.create&limit=200')).items.filter((e: any) => e.target_id === 'one-statement');
    assert.equal(events.length, 1);
  });

  it('a caller without `admin` (its escalation read) or a client with federated credentials (the registrations lock) still gets a transaction', async () => {
    sent.length = 0;
    await clients.create(actor, 'default', { clientId: 'scoped-caller', audience: ['https://api.test'] }, { tenantId: null, scopes: ['clients:write'] });
    assert.deepEqual(transactionStatements(sent), ['begin', 'commit']);
    const issuer = created(
      await t.admin('POST', '/federated-issuers', {
        name: 'CI',
        issuer: 'https://ci.example.test',
        jwks: { keys: [(await testKey('ES256', 'ci')).publicJwk] },
      }),
    );
    sent.length = 0;
    await clients.create(
      actor,
      'default',
      {
        clientId: 'federated',
        tokenEndpointAuthMethod: 'federated',
        grantTypes: ['client_credentials'],
        federatedCredentials: [{ issuer: issuer.id, subject: 'repo:a' }],
      },
      { tenantId: null, scopes: ['admin'] },
    );
    assert.deepEqual(transactionStatements(sent), ['begin', 'commit']);
  });
});
