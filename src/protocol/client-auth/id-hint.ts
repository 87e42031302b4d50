/** Characters of an unauthenticated client id shown in logs and audit events. */
const HINT_CHARACTERS = 4;

/**
 * How a client id that did not authenticate appears in log lines and audit events: its first
 * four characters and its length (`orde…(11 chars)`), never the whole value. A caller who swaps
 * `client_id` and `client_secret`, or sends an assertion as `client_id`, thus never gets the
 * secret written down, while an operator can still recognise a mistyped id.
 */
export function clientIdHint(clientId: string): string {
  const chars = [...clientId];
  return `${chars.slice(0, HINT_CHARACTERS).join('')}…(${chars.length} chars)`;
}

/** A client id as logged: as is when `known` (the tenant has that client), else its {@link clientIdHint}. */
export function loggedClientId(clientId: string, known: boolean): string {
  return known ? clientId : clientIdHint(clientId);
}
