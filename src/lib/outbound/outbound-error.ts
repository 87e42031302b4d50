/**
 * An outbound fetch refused or failed. The message is the reason, for the log (it names the
 * URL's origin, never its credentials); callers answer the outside world without it.
 */
export class OutboundError extends Error {
  override readonly name = 'OutboundError';
}
