/**
 * The `act` (actor) claim of RFC 8693 §4.1: who acts on behalf of the token's subject. The
 * current actor is the outermost; earlier actors nest inside it, the most recent first.
 */
export interface ActClaim {
  sub: string;
  /** The acting client (RFC 8693 §4.3): Tessera names it besides its `sub`. */
  client_id?: string;
  act?: ActClaim;
}

/** The most actors a delegation chain holds: a longer chain is refused, so a token's size stays bounded. */
export const MAX_DELEGATION_DEPTH = 8;

/** Who a delegated token speaks for and who acts, in `act` order (the current actor first): the token endpoint's log line carries it. */
export interface DelegationChain {
  readonly subject: string;
  /** The `client_id` (else the `sub`) of each actor, outermost first. */
  readonly actors: readonly string[];
}

/** A JSON object (not null, not an array). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The `act` claim of a verified token, rebuilt from its members `sub`, `client_id` and `act`
 * (RFC 8693 §4.1: claims other than those identifying the actor are not meaningful inside it);
 * undefined when the token has none; a string telling what is wrong when it is malformed or nested
 * deeper than MAX_DELEGATION_DEPTH.
 */
export function parseActClaim(value: unknown): ActClaim | undefined | string {
  if (value === undefined) return undefined;
  let depth = 0;
  const parse = (node: unknown): ActClaim | string => {
    depth += 1;
    if (depth > MAX_DELEGATION_DEPTH) return `act is nested deeper than ${MAX_DELEGATION_DEPTH}`;
    if (!isObject(node) || typeof node.sub !== 'string') return 'act is not an object with a string sub';
    const act: ActClaim = { sub: node.sub };
    if (typeof node.client_id === 'string') act.client_id = node.client_id;
    if (node.act !== undefined) {
      const inner = parse(node.act);
      if (typeof inner === 'string') return inner;
      act.act = inner;
    }
    return act;
  };
  return parse(value);
}

/** The actors of an `act` claim, outermost (current) first. */
export function actorsOf(act: ActClaim | undefined): ActClaim[] {
  const actors: ActClaim[] = [];
  for (let node = act; node; node = node.act) actors.push(node);
  return actors;
}

/** The chain a token with `sub` and `act` stands for: the subject, then each actor by `client_id` (else `sub`), outermost first. */
export function delegationChain(sub: string, act: ActClaim | undefined): DelegationChain {
  return { subject: sub, actors: actorsOf(act).map((a) => a.client_id ?? a.sub) };
}
