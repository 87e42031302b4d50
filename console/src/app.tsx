import { useCallback, useMemo, useRef, useState } from 'react';
import { AdminApi } from './api';
import { Console, useLoad, type ConsoleContext } from './hooks';
import { AdminTokens } from './pages/admin-tokens';
import { ApiDetail } from './pages/api-detail';
import { Apis } from './pages/apis';
import { Audit } from './pages/audit';
import { ClientDetail } from './pages/client-detail';
import { Clients } from './pages/clients';
import { Dashboard } from './pages/dashboard';
import { Federation } from './pages/federation';
import { Grants } from './pages/grants';
import { Keys } from './pages/keys';
import { NotFound } from './pages/not-found';
import { Playground } from './pages/playground';
import { ServiceAccounts } from './pages/service-accounts';
import { Tenants } from './pages/tenants';
import { Wizard } from './pages/wizard';
import { href, navigate, useRoute } from './router';
import { clearSession, loadSession, saveSession, type Session } from './session';
import { SignIn } from './sign-in';
import type { Tenant } from './types';

/** The navigation: groups of pages, as in guide 001 ("Directory → Service Accounts"). */
const NAV: { group: string; items: { path: string; label: string }[] }[] = [
  { group: 'Overview', items: [{ path: '', label: 'Dashboard' }] },
  { group: 'Directory', items: [{ path: 'directory/service-accounts', label: 'Service Accounts' }] },
  {
    group: 'Applications',
    items: [
      { path: 'applications/m2m', label: 'Machine to Machine' },
      { path: 'applications/apis', label: 'APIs' },
    ],
  },
  { group: 'Access', items: [{ path: 'grants', label: 'Grants' }] },
  {
    group: 'Security',
    items: [
      { path: 'keys', label: 'Keys' },
      { path: 'federation', label: 'Federation' },
      { path: 'audit', label: 'Audit log' },
    ],
  },
  { group: 'Tools', items: [{ path: 'playground', label: 'Playground' }] },
  {
    group: 'Settings',
    items: [
      { path: 'tenants', label: 'Tenants' },
      { path: 'admin-tokens', label: 'Admin tokens' },
    ],
  },
];

function Page({ route }: { route: string[] }) {
  const [first = '', second, third] = route;
  if (first === '') return <Dashboard />;
  if (first === 'directory' && second === 'service-accounts') return <ServiceAccounts />;
  if (first === 'applications' && second === 'm2m') {
    if (third === 'new') return <Wizard />;
    return third ? <ClientDetail clientId={third} /> : <Clients />;
  }
  if (first === 'applications' && second === 'apis') return third ? <ApiDetail apiId={third} /> : <Apis />;
  if (first === 'grants') return <Grants />;
  if (first === 'keys') return <Keys />;
  if (first === 'federation') return <Federation />;
  if (first === 'audit') return <Audit />;
  if (first === 'playground') return <Playground />;
  if (first === 'tenants') return <Tenants />;
  if (first === 'admin-tokens') return <AdminTokens />;
  return <NotFound />;
}

function Shell({ session, onSession, onSignOut }: { session: Session; onSession(s: Session): void; onSignOut(notice?: string): void }) {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const api = useMemo(() => new AdminApi(session.token, session.tenant, () => onSignOut('The admin token was refused: sign in again.')), [session, onSignOut]);
  const tenants = useLoad(() => api.all<Tenant>('/tenants'), [api]);
  const tenant = tenants.data?.find((t) => t.id === session.tenant) ?? null;
  const ctx: ConsoleContext = useMemo(
    () => ({ api, tenant, tenantsChanged: tenants.reload, switchTenant: (id: string) => onSession({ ...session, tenant: id }) }),
    [api, tenant, tenants.reload, session, onSession],
  );
  const active = route.slice(0, 2).join('/');
  return (
    <Console.Provider value={ctx}>
      <a
        className="skip-link"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          main.current?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="topbar">
        <a className="brand" href={href('')}>
          Tessera <span>console</span>
        </a>
        <div className="topbar-tools">
          <label htmlFor="tenant-switcher">Tenant</label>
          <select
            id="tenant-switcher"
            value={session.tenant}
            onChange={(e) => {
              onSession({ ...session, tenant: e.target.value });
            }}
          >
            {(tenants.data ?? [{ id: session.tenant }]).map((t) => (
              <option key={t.id} value={t.id}>
                {t.id}
              </option>
            ))}
          </select>
          <button type="button" className="button-secondary" onClick={() => onSignOut()}>
            Sign out
          </button>
        </div>
      </header>
      <div className="layout">
        <nav className="sidebar" aria-label="Main">
          {NAV.map((g) => (
            <div key={g.group} className="nav-group">
              <p className="nav-group-title" id={`nav-${g.group}`}>
                {g.group}
              </p>
              <ul aria-labelledby={`nav-${g.group}`}>
                {g.items.map((item) => {
                  const current = item.path === '' ? route.length === 0 : active === item.path || route[0] === item.path;
                  return (
                    <li key={item.path}>
                      <a href={href(item.path)} aria-current={current ? 'page' : undefined}>
                        {item.label}
                      </a>
                    </li>
                  );
                })}
              </ul>
            </div>
          ))}
        </nav>
        <main id="main" ref={main} tabIndex={-1} className="content">
          {/* A new tenant is a new page: nothing of the previous one stays on screen. */}
          <Page key={session.tenant} route={route} />
        </main>
      </div>
    </Console.Provider>
  );
}

export function App() {
  const [session, setSession] = useState<Session | null>(loadSession);
  const [notice, setNotice] = useState<string | null>(null);
  const onSession = useCallback((s: Session) => {
    saveSession(s);
    setSession(s);
  }, []);
  const onSignOut = useCallback((message?: string) => {
    clearSession();
    setSession(null);
    setNotice(message ?? 'You are signed out. The admin token was removed from this tab.');
  }, []);
  if (!session) {
    return (
      <SignIn
        notice={notice}
        onSignedIn={(s) => {
          setNotice(null);
          onSession(s);
          if (location.hash === '') navigate('');
        }}
      />
    );
  }
  return <Shell session={session} onSession={onSession} onSignOut={onSignOut} />;
}
