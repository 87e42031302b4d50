/** The key usage bits of RFC 5280 §4.2.1.3 that chain validation checks. */
export interface KeyUsage {
  digitalSignature: boolean;
  keyCertSign: boolean;
}

/** DER of the OID 2.5.29.15 (id-ce-keyUsage, RFC 5280 §4.2.1.3). */
const KEY_USAGE_OID = Buffer.from([0x55, 0x1d, 0x0f]);

interface Tlv {
  tag: number;
  start: number;
  end: number;
  next: number;
}

/**
 * The key usage extension of a DER certificate (RFC 5280 §4.2.1.3), or undefined when the certificate has none. node:crypto's
 * X509Certificate exposes only the extended key usage, so the extension is read from the DER here. Throws on malformed DER.
 */
export function certificateKeyUsage(der: Uint8Array): KeyUsage | undefined {
  const bytes = Buffer.from(der.buffer, der.byteOffset, der.byteLength);
  const certificate = readTlv(bytes, 0, bytes.length);
  const tbs = readTlv(bytes, certificate.start, certificate.end);
  for (let offset = tbs.start; offset < tbs.end;) {
    const field = readTlv(bytes, offset, tbs.end);
    // [3] EXPLICIT Extensions (RFC 5280 §4.1)
    if (field.tag === 0xa3) return keyUsageIn(bytes, readTlv(bytes, field.start, field.end));
    offset = field.next;
  }
  return undefined;
}

function keyUsageIn(bytes: Buffer, extensions: Tlv): KeyUsage | undefined {
  for (let offset = extensions.start; offset < extensions.end;) {
    const extension = readTlv(bytes, offset, extensions.end);
    const oid = readTlv(bytes, extension.start, extension.end);
    if (oid.tag === 0x06 && bytes.subarray(oid.start, oid.end).equals(KEY_USAGE_OID)) {
      let valueField = readTlv(bytes, oid.next, extension.end);
      // critical BOOLEAN DEFAULT FALSE
      if (valueField.tag === 0x01) valueField = readTlv(bytes, valueField.next, extension.end);
      const bitString = readTlv(bytes, valueField.start, valueField.end);
      if (bitString.tag !== 0x03) throw new Error('Malformed key usage extension');
      const first = bitString.end - bitString.start > 1 ? (bytes[bitString.start + 1] ?? 0) : 0;
      return { digitalSignature: (first & 0x80) !== 0, keyCertSign: (first & 0x04) !== 0 };
    }
    offset = extension.next;
  }
  return undefined;
}

/** One DER tag-length-value at `offset` that must end by `limit` (X.690 §8.1). */
function readTlv(bytes: Buffer, offset: number, limit: number): Tlv {
  const tag = bytes[offset];
  const first = bytes[offset + 1];
  if (tag === undefined || first === undefined) throw new Error('Truncated DER');
  let length = first;
  let start = offset + 2;
  if (first & 0x80) {
    const count = first & 0x7f;
    if (count === 0 || count > 4) throw new Error('Unsupported DER length');
    length = 0;
    for (let index = 0; index < count; index += 1) length = length * 256 + (bytes[start + index] ?? 0);
    start += count;
  }
  const end = start + length;
  if (end > limit) throw new Error('Truncated DER');
  return { tag, start, end, next: end };
}
