import { useId, useState } from 'react';

/** Copies `value` to the clipboard and says so; where the clipboard is refused, asks to copy by hand. */
export function CopyButton({ value, what }: { value: string; what: string }) {
  const [said, setSaid] = useState('');
  const copy = () => {
    navigator.clipboard.writeText(value).then(
      () => setSaid(`${what} copied to the clipboard`),
      () => setSaid(`The browser refused the clipboard: select the ${what.toLowerCase()} and copy it by hand`),
    );
  };
  return (
    <>
      <button type="button" className="button-secondary button-small" aria-label={`Copy ${what.toLowerCase()}`} onClick={copy}>
        Copy
      </button>
      <span className="copy-said" role="status" aria-live="polite">
        {said}
      </span>
    </>
  );
}

/** A value shown once (a secret, a command): read-only, selectable, with a copy button. */
export function CopyField({ label, value, multiline }: { label: string; value: string; multiline?: boolean }) {
  const id = useId();
  return (
    <div className="field copy-field">
      <label htmlFor={id}>{label}</label>
      <div className="copy-row">
        {multiline ? (
          <textarea id={id} readOnly value={value} rows={value.split('\n').length} spellCheck={false} onFocus={(e) => e.target.select()} />
        ) : (
          <input id={id} readOnly value={value} spellCheck={false} onFocus={(e) => e.target.select()} />
        )}
        <CopyButton value={value} what={label} />
      </div>
    </div>
  );
}

/** A word for a POSIX shell: as it is when nothing in it is special, else single-quoted. */
function shellWord(value: string): string {
  return /^[A-Za-z0-9._~/:=@%+,-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * One field of curl's multipart form: `-F` reads a file for a value starting with `@` or `<` and takes `;type=` out of
 * it, so a value (a client id may be any VSCHAR string) with more than unreserved characters goes as `--form-string`.
 */
function curlField(name: string, value: string): string {
  return /^[A-Za-z0-9._~-]*$/.test(value) ? `-F ${name}=${value}` : `--form-string ${shellWord(`${name}=${value}`)}`;
}

/** The guide's token request (guide 001, multipart form with the secret in the body), ready to run. */
export function curlTokenCommand(issuer: string, clientId: string, secret: string, scope: string): string {
  const lines = [
    `curl -X POST ${issuer}/oauth2/token`,
    '  -F grant_type=client_credentials',
    `  ${curlField('client_id', clientId)}`,
    `  ${curlField('client_secret', secret)}`,
  ];
  if (scope) lines.push(`  -F scope='${scope}'`);
  return lines.join(' \\\n');
}

/** A token request that authenticates with the client's TLS certificate (RFC 8705 §2): curl's `--cert` and `--key`, no secret. */
export function curlCertificateTokenCommand(issuer: string, clientId: string, scope: string): string {
  const lines = [
    `curl --cert client.pem --key client-key.pem -X POST ${issuer}/oauth2/token`,
    '  -F grant_type=client_credentials',
    `  ${curlField('client_id', clientId)}`,
  ];
  if (scope) lines.push(`  -F scope='${scope}'`);
  return lines.join(' \\\n');
}

/** A `tessera token` command that authenticates with a client assertion (RFC 7523 §2.2): signed with `key.pem`, or another `credential` (a platform's token). */
export function cliTokenCommand(issuer: string, clientId: string, scope: string, credential = '--private-key key.pem'): string {
  const lines = [`tessera token --issuer ${issuer}`, `  --client-id ${shellWord(clientId)}`, `  ${credential}`];
  if (scope) lines.push(`  --scope '${scope}'`);
  return lines.join(' \\\n');
}
