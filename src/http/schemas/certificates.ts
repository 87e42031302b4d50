import { Type } from '@sinclair/typebox';
import { Timestamp } from './common.js';

/** The subject alternative names RFC 8705 §2.1.2 can match, by kind. */
const SubjectAltNamesOut = Type.Object({
  dns: Type.Array(Type.String()),
  uri: Type.Array(Type.String()),
  ip: Type.Array(Type.String()),
  email: Type.Array(Type.String()),
});

/** What a certificate holds: its names, thumbprint and validity. */
export const certificateDetailFields = {
  subject: Type.String({ description: 'RFC 4514, most specific RDN first' }),
  issuer: Type.String({ description: 'RFC 4514, most specific RDN first' }),
  subject_alt_names: SubjectAltNamesOut,
  'x5t#S256': Type.String({ description: 'RFC 8705 §3.1: base64url SHA-256 of the DER' }),
  not_before: Timestamp,
  not_after: Timestamp,
};

/** The certificate (`x5c[0]`) of one key of a client's inline jwks. */
export const ClientCertificateOut = Type.Object({ kid: Type.Union([Type.String(), Type.Null()]), ...certificateDetailFields });

/** One of a tenant's own CAs. */
export const CaDetailsOut = Type.Object(certificateDetailFields);

export const CertificateInspect = Type.Object(
  { certificate: Type.String({ maxLength: 65_536, description: 'one PEM certificate' }) },
  { additionalProperties: false },
);

export const CertificateInspection = Type.Object(
  {
    ...certificateDetailFields,
    ca: Type.Boolean({ description: 'basicConstraints cA' }),
    jwk: Type.Object(
      { kty: Type.String() },
      { additionalProperties: true, description: 'the public key, as a self_signed_tls_client_auth jwks entry holds it' },
    ),
  },
  { $id: 'CertificateInspection' },
);
