const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----\r?\n([A-Za-z0-9+/=\r\n\t ]+?)-----END CERTIFICATE-----/g;

/** The certificates of a PEM bundle (RFC 7468 §5), each as its own PEM string, in order. */
export function splitPemCertificates(bundle: string): string[] {
  return [...bundle.matchAll(PEM_CERTIFICATE)].map((match) => match[0]);
}

/** The DER of the single certificate in a PEM text (RFC 7468 §5), or null when it holds no certificate or more than one. */
export function pemCertificateDer(text: string): Buffer | null {
  const matches = [...text.matchAll(PEM_CERTIFICATE)];
  const body = matches.length === 1 ? matches[0]?.[1] : undefined;
  if (body === undefined) return null;
  const der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  return der.length > 0 ? der : null;
}
