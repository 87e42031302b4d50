/** The signed-in operator: the admin token and the tenant being managed. */
export interface Session {
  token: string;
  tenant: string;
}

const KEY = 'tessera.console.session';

/**
 * The session lives in sessionStorage: it ends with the browser tab, is never sent by the
 * browser on its own (no cookie) and is readable by this origin's scripts only — which the
 * console's CSP limits to its own files.
 */
export function loadSession(): Session | null {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Partial<Session> | null;
    return value && typeof value.token === 'string' && typeof value.tenant === 'string' ? { token: value.token, tenant: value.tenant } : null;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
