import type { TestTessera } from './tessera.js';

/** Creates an M2M client through the admin API and returns its id and secret. */
export async function createClient(
  t: TestTessera,
  body: Record<string, unknown>,
  tenant?: string,
): Promise<{ clientId: string; secret: string; body: any }> {
  const res = await t.admin('POST', `${tenant ? `/tenants/${tenant}` : ''}/clients`, body);
  if (res.status !== 201) throw new Error(`client create failed: ${res.status} ${res.text}`);
  return { clientId: res.body.client_id, secret: res.body.client_secret, body: res.body };
}

export async function createOk(t: TestTessera, path: string, body: unknown): Promise<any> {
  const res = await t.admin('POST', path, body);
  if (res.status !== 201) throw new Error(`POST ${path} failed: ${res.status} ${res.text}`);
  return res.body;
}
