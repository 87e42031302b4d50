import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { certificateDetails, certificateJwk, readPemCertificate } from '../../../domain/certificates/details.js';
import { CertificateInspect, CertificateInspection } from '../../schemas/certificates.js';
import { pathParams } from '../../schemas/common.js';
import { presentCertificateDetails } from '../present.js';
import { Problem } from '../problem.js';

/**
 * `POST /certificates/inspect`: what a pasted PEM certificate holds (names, x5t#S256, validity, whether it is a CA, its
 * public key as a JWK), for the console and CLI to register mutual TLS clients (RFC 8705 §2) and tenant CAs. Stores nothing.
 */
export const certificateRoutes =
  (): FastifyPluginAsyncTypebox<{ withTenant: boolean }> =>
  async (app, { withTenant }) => {
    app.post(
      '/certificates/inspect',
      {
        config: { scope: 'clients:read' },
        schema: {
          tags: ['certificates'],
          summary: 'Read a PEM certificate: subject, issuer, SANs, x5t#S256, validity, CA flag and public key as a JWK',
          params: pathParams(withTenant, {}),
          body: CertificateInspect,
          response: { 200: CertificateInspection },
        },
      },
      async (request) => {
        const read = readPemCertificate(request.body.certificate);
        if (!read.ok) throw new Problem(422, 'Unprocessable Content', 'the certificate is not valid', [{ pointer: '/certificate', detail: read.problem }]);
        return { ...presentCertificateDetails(certificateDetails(read.cert)), ca: read.cert.ca, jwk: certificateJwk(read.cert) };
      },
    );
  };
