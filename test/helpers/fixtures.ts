import assert from 'node:assert/strict';
import { manualClock } from './admin.js';
import { startTessera, type TestTessera } from './tessera.js';
import type { ClientCredentials } from './tokens.js';

/** Creates an M2M client through the admin API and returns its id and secret. */
export async function createClient(t: TestTessera, body: Record<string, unknown>, tenant?: string): Promise<{ clientId: string; secret: string; body: any }> {
  const res = await t.admin('POST', `${tenant ? `/tenants/${tenant}` : ''}/clients`, body);
  if (res.status !== 201) throw new Error(`client create failed: ${res.status} ${res.text}`);
  return { clientId: res.body.client_id, secret: res.body.client_secret, body: res.body };
}

export async function createOk(t: TestTessera, path: string, body: unknown): Promise<any> {
  const res = await t.admin('POST', path, body);
  if (res.status !== 201) throw new Error(`POST ${path} failed: ${res.status} ${res.text}`);
  return res.body;
}

/**
 * Tenant-isolation setup: a Tessera at `startIso` (manual clock) with tenant `acme`, and a client
 * named `twin` with `audience` in both `default` and `acme`.
 */
export async function startWithTwinClients(startIso: string, audience: string): Promise<{ t: TestTessera; dflt: ClientCredentials; acme: ClientCredentials }> {
  const t = await startTessera({ clock: manualClock(startIso) });
  assert.equal((await t.admin('POST', '/tenants', { id: 'acme' })).status, 201);
  const dflt = await createClient(t, { client_id: 'twin', audience: [audience] });
  const acme = await createClient(t, { client_id: 'twin', audience: [audience] }, 'acme');
  return { t, dflt, acme };
}
