import type { ReactNode } from 'react';
import { useConsole } from '../hooks';
import type { AdminScope } from '../types';
import { PageHead } from './page';

/** Its children only when the signed-in token holds `scope`: the console offers no action the admin API would refuse. */
export function Can({ scope, children }: { scope: AdminScope; children: ReactNode }) {
  const { can } = useConsole();
  return can(scope) ? <>{children}</> : null;
}

/** A page the signed-in token may not open: its heading, and what it needs (a scope; for an installation-wide page, a token for every tenant). */
export function NeedsScope({ title, scope, global = false }: { title: string; scope: AdminScope; global?: boolean }) {
  const { can, whoami } = useConsole();
  return (
    <>
      <PageHead title={title} />
      <p className="alert alert-info" role="status">
        {can(scope) && global && whoami.tenant !== null ? (
          <>
            This page needs an admin token for every tenant; this one is limited to <code>{whoami.tenant}</code>.
          </>
        ) : (
          <>
            This page needs the scope <code>{scope}</code>, which this admin token does not hold.
          </>
        )}
      </p>
    </>
  );
}
