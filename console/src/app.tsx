import { useCallback, useMemo, useRef, useState } from 'react';
import { holdsScope } from '../../src/domain/admin-scopes.js';
import { AdminApi } from './api';
import { ErrorMessage, Loading } from './components/feedback';
import { NeedsScope } from './components/rights';
import { Console, useConsole, useLoad, type ConsoleContext } from './hooks';
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
import type { AdminScope, Tenant, Whoami } from './types';

interface NavItem {
  path: string;
  label: string;
  /** The scope the page reads with: without it, the page is not offered. */
  scope?: AdminScope;
  /** Installation-wide: offered to a token not limited to a tenant only. */
  global?: true;
}

/** The navigation: groups of pages, as in guide 001 ("Directory → Service Accounts"). */
const NAV: { group: string; items: NavItem[] }[] = [
  { group: 'Overview', items: [{ path: '', label: 'Dashboard' }] },
  { group: 'Directory', items: [{ path: 'directory/service-accounts', label: 'Service Accounts', scope: 'service-accounts:read' }] },
  {
    group: 'Applications',
    items: [
      { path: 'applications/m2m', label: 'Machine to Machine', scope: 'clients:read' },
      { path: 'applications/apis', label: 'APIs', scope: 'apis:read' },
    ],
  },
  { group: 'Access', items: [{ path: 'grants', label: 'Grants', scope: 'grants:read' }] },
  {
    group: 'Security',
    items: [
      { path: 'keys', label: 'Keys', scope: 'keys:read' },
      { path: 'federation', label: 'Federation', scope: 'federation:read' },
      { path: 'audit', label: 'Audit log', scope: 'audit:read' },
    ],
  },
  { group: 'Tools', items: [{ path: 'playground', label: 'Playground', scope: 'clients:read' }] },
  {
    group: 'Settings',
    items: [
      { path: 'tenants', label: 'Tenants', scope: 'tenants:read' },
      { path: 'admin-tokens', label: 'Admin tokens', scope: 'admin-tokens:read', global: true },
    ],
  },
];

/** The navigation entry a route belongs to (`applications/m2m/abc` → Machine to Machine). */
function navItemOf(route: string[]): NavItem | undefined {
  const active = route.slice(0, 2).join('/');
  return NAV.flatMap((g) => g.items).find((item) => (item.path === '' ? route.length === 0 : active === item.path || route[0] === item.path));
}

/** Whether the signed-in token may open the page of a navigation entry. */
function offered(item: NavItem, ctx: Pick<ConsoleContext, 'can' | 'whoami'>): boolean {
  return (item.scope === undefined || ctx.can(item.scope)) && (item.global === undefined || ctx.whoami.tenant === null);
}

function Page({ route }: { route: string[] }) {
  const ctx = useConsole();
  const { can } = ctx;
  const [first = '', second, third] = route;
  // A page the token may not open (reached by its address) says what it needs rather than failing.
  const item = navItemOf(route);
  if (item?.scope !== undefined && !offered(item, ctx)) return <NeedsScope title={item.label} scope={item.scope} global={item.global ?? false} />;
  if (first === '') return <Dashboard />;
  if (first === 'directory' && second === 'service-accounts') return <ServiceAccounts />;
  if (first === 'applications' && second === 'm2m') {
    if (third === 'new') return can('clients:write') ? <Wizard /> : <NeedsScope title="Add integration" scope="clients:write" />;
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

/** What the sign-in page says when the admin API stops accepting the token (deleted, expired). */
const REFUSED = 'The admin token was refused: sign in again.';

interface ShellProps {
  session: Session;
  onSession(s: Session): void;
  onSignOut(notice?: string): void;
}

/** The signed-in console: first what the token may do (`GET /whoami`), then the pages. */
function Shell(props: ShellProps) {
  const { session, onSignOut } = props;
  const whoami = useLoad(() => new AdminApi(session.token, session.tenant, () => onSignOut(REFUSED)).get<Whoami>('/whoami'), [session.token]);
  if (whoami.data) return <SignedIn {...props} whoami={whoami.data} />;
  return (
    <main className="sign-in" id="main">
      {whoami.error ? (
        <div className="card sign-in-card">
          <ErrorMessage error={whoami.error} />
          <div className="actions">
            <button type="button" className="button-secondary" onClick={whoami.reload}>
              Try again
            </button>
            <button type="button" className="button-secondary" onClick={() => onSignOut()}>
              Sign out
            </button>
          </div>
        </div>
      ) : (
        <Loading />
      )}
    </main>
  );
}

function SignedIn({ session, onSession, onSignOut, whoami }: ShellProps & { whoami: Whoami }) {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  const api = useMemo(() => new AdminApi(session.token, session.tenant, () => onSignOut(REFUSED)), [session, onSignOut]);
  const can = useCallback((scope: AdminScope) => holdsScope(whoami.scopes, scope), [whoami]);
  // Without tenants:read the switcher offers the tenant being managed only.
  const tenants = useLoad(() => (can('tenants:read') ? api.all<Tenant>('/tenants') : Promise.resolve([])), [api, can]);
  const tenant = tenants.data?.find((t) => t.id === session.tenant) ?? null;
  const ctx: ConsoleContext = useMemo(
    () => ({ api, tenant, whoami, can, tenantsChanged: tenants.reload, switchTenant: (id: string) => onSession({ ...session, tenant: id }) }),
    [api, tenant, whoami, can, tenants.reload, session, onSession],
  );
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
            {(tenants.data?.length ? tenants.data : [{ id: session.tenant }]).map((t) => (
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
          {NAV.map((g) => {
            // Only the pages the token may read; a group with none is not shown.
            const items = g.items.filter((item) => offered(item, ctx));
            if (items.length === 0) return null;
            return (
              <div key={g.group} className="nav-group">
                <p className="nav-group-title" id={`nav-${g.group}`}>
                  {g.group}
                </p>
                <ul aria-labelledby={`nav-${g.group}`}>
                  {items.map((item) => (
                    <li key={item.path}>
                      <a href={href(item.path)} aria-current={navItemOf(route) === item ? 'page' : undefined}>
                        {item.label}
                      </a>
                    </li>
                  ))}
                </ul>
              </div>
            );
          })}
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
