import { createContext, useCallback, useContext, useEffect, useRef, useState, type RefObject } from 'react';
import type { AdminApi } from './api';
import { hasNavigated } from './router';
import type { AdminScope, Tenant, Whoami } from './types';

/** What every page gets: the API of the current tenant, that tenant, and what the signed-in token may do. */
export interface ConsoleContext {
  api: AdminApi;
  tenant: Tenant | null;
  /** The signed-in token as `GET /whoami` describes it. */
  whoami: Whoami;
  /** Whether the signed-in token holds `scope` (`admin` holds every scope, `R:write` holds `R:read`). */
  can(scope: AdminScope): boolean;
  /** Tells the whole console that tenants changed (created, renamed). */
  tenantsChanged(): void;
  switchTenant(id: string): void;
}

export const Console = createContext<ConsoleContext | null>(null);

export function useConsole(): ConsoleContext {
  const ctx = useContext(Console);
  if (!ctx) throw new Error('useConsole outside the console');
  return ctx;
}

export interface Loaded<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  reload(): void;
}

/** Loads data when the page opens and when `deps` change; `reload` loads again. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: null, loading: true });
  const [round, setRound] = useState(0);
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    latest.current().then(
      (data) => live && setState({ data, error: null, loading: false }),
      (error: unknown) => live && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}

/** A mutation: `run` sets `busy` while it runs and keeps its error, if any, to show. */
export function useAction(): { busy: boolean; error: unknown; run<T>(work: () => Promise<T>): Promise<T | undefined>; clear(): void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await work();
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: useCallback(() => setError(null), []) };
}

/**
 * Sets the document title and, when the operator moved here from another page, moves focus to
 * the page heading (so screen readers announce the new page; on first load the skip link stays first).
 */
export function usePageTitle(title: string): RefObject<HTMLHeadingElement | null> {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Tessera console`;
  }, [title]);
  useEffect(() => {
    if (hasNavigated()) heading.current?.focus();
  }, []);
  return heading;
}
