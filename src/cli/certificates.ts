import type { Static } from '@sinclair/typebox';
import type { Command } from 'commander';
import type { CertificateInspection } from '../http/schemas/certificates.js';
import { adminCommand, adminGroup } from './admin-command.js';
import { readText } from './certificate-files.js';

/** `tessera certificates inspect <file>`: what a PEM certificate holds, as the admin API reads it (POST /certificates/inspect). */
export function registerCertificates(program: Command): void {
  const group = adminGroup(program, 'certificates', 'read certificates for mutual TLS clients and tenant CAs (admin API)', [
    'tessera certificates inspect device-1.pem',
  ]);
  adminCommand(
    group,
    {
      name: 'inspect <file>',
      description: 'show what a PEM certificate holds: subject, issuer, SANs, x5t#S256, validity, CA flag, public key',
      examples: ['tessera certificates inspect device-1.pem', 'tessera certificates inspect device-1.pem --json | jq -r .subject'],
    },
    async (ctx, [file]) => {
      const certificate = readText('certificates inspect', file!);
      ctx.show(await ctx.api.post<Static<typeof CertificateInspection>>(ctx.api.tenantPath('/certificates/inspect'), { certificate }));
    },
  );
}
