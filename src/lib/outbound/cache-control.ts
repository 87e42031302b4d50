/** The longest max-age read, in seconds (68 years, RFC 9111 §1.2.2's advice for delta-seconds overflow). */
const MAX_DELTA_SECONDS = 2 ** 31;

/**
 * The `max-age` of a Cache-Control response header in seconds (RFC 9111 §5.2.2.1), or null when
 * there is none to honour: no header, `no-store` or `no-cache`, no `max-age`, or one that is not
 * plain digits (RFC 9111 §1.2.2). Directive names are case-insensitive; a quoted value is read
 * without its quotes; when `max-age` appears more than once the answer is null.
 */
export function cacheControlMaxAge(header: string | readonly string[] | undefined): number | null {
  if (header === undefined) return null;
  const text = typeof header === 'string' ? header : header.join(',');
  let maxAge: number | null = null;
  let seen = 0;
  for (const part of text.split(',')) {
    const [rawName = '', ...rest] = part.split('=');
    const name = rawName.trim().toLowerCase();
    if (name === 'no-store' || name === 'no-cache') return null;
    if (name !== 'max-age') continue;
    seen += 1;
    const value = rest
      .join('=')
      .trim()
      .replace(/^"(.*)"$/, '$1');
    maxAge = /^\d{1,15}$/.test(value) ? Math.min(Number(value), MAX_DELTA_SECONDS) : null;
  }
  return seen === 1 ? maxAge : null;
}
