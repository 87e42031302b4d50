import type { Static } from '@sinclair/typebox';
import { Option, type Command } from 'commander';
import type { FederatedIssuer } from '../http/schemas/federated-issuers.js';
import { segment } from './admin-client.js';
import {
  adminCommand,
  adminGroup,
  changes,
  clears,
  defined,
  deleteCommand,
  getCommand,
  listCommand,
  orNull,
  repeatable,
  wholeNumber,
} from './admin-command.js';
import { readJson } from './clients.js';

type IssuerOut = Static<typeof FederatedIssuer>;

interface IssuerOptions {
  name?: string;
  issuer?: string;
  kind?: string;
  jwks?: string | false;
  jwksUri?: string | false;
  discoveryUrl?: string | false;
  audience?: string[] | false;
  maxTokenAge?: number;
  requireJti?: boolean;
  bearerTokenFile?: string | false;
  allowLongerThanAssertion?: boolean;
  algorithm?: string[] | false;
}

const issuerOptions = (update: boolean) => [
  new Option('--name <name>', 'name shown to people').makeOptionMandatory(!update),
  new Option('--issuer <iss>', 'the exact iss of its tokens; spiffe://TRUST_DOMAIN for spiffe').makeOptionMandatory(!update),
  new Option('--kind <kind>', 'how its keys are found and its tokens matched (default oidc)').choices(['oidc', 'kubernetes', 'spiffe']),
  new Option('--jwks <file>', 'a JSON file holding its public JWK Set (inline keys)'),
  ...clears(update, '--no-jwks', 'remove the inline keys'),
  new Option('--jwks-uri <url>', 'where its keys are fetched (spiffe: the bundle endpoint)'),
  ...clears(update, '--no-jwks-uri', 'remove jwks_uri'),
  new Option('--discovery-url <url>', 'its discovery document, when not {issuer}/.well-known/openid-configuration (managed Kubernetes)'),
  ...clears(update, '--no-discovery-url', 'discover under the issuer'),
  new Option('--audience <aud>', "an aud value accepted (repeatable; default: the tenant's issuer and token endpoint)").argParser(repeatable),
  ...clears(update, '--no-audience', "accept the tenant's issuer and token endpoint"),
  new Option('--max-token-age <seconds>', 'seconds since iat a token is accepted (default 3600)').argParser(wholeNumber),
  new Option('--require-jti', 'each jti works once'),
  ...clears(update, '--no-require-jti', 'jti may repeat'),
  new Option('--bearer-token-file <path>', 'kubernetes: a file the server reads and sends as a bearer token to this issuer only'),
  ...clears(update, '--no-bearer-token-file', 'send no bearer token'),
  new Option('--allow-longer-than-assertion', 'issued tokens may outlive the assertion'),
  ...clears(update, '--no-allow-longer-than-assertion', "cap issued tokens at the assertion's exp"),
  new Option('--algorithm <alg>', 'an algorithm accepted (repeatable; default: every one)').argParser(repeatable),
  ...clears(update, '--no-algorithm', 'accept every algorithm'),
];

const body = (o: IssuerOptions) =>
  defined({
    name: o.name,
    issuer: o.issuer,
    kind: o.kind,
    jwks: typeof o.jwks === 'string' ? readJson('--jwks', o.jwks) : orNull(o.jwks),
    jwks_uri: orNull(o.jwksUri),
    discovery_url: orNull(o.discoveryUrl),
    audiences: orNull(o.audience),
    max_token_age: o.maxTokenAge,
    require_jti: o.requireJti,
    bearer_token_file: orNull(o.bearerTokenFile),
    allow_longer_than_assertion: o.allowLongerThanAssertion,
    algorithms: orNull(o.algorithm),
  });

const path = (id: string) => `/federated-issuers/${segment(id)}`;

/** `tessera federated-issuers …`: the platforms whose tokens authenticate clients (docs/cli.md#federated-issuers). */
export function registerFederatedIssuers(program: Command): void {
  const group = adminGroup(program, 'federated-issuers', 'federated issuers: platforms whose tokens authenticate clients, no secret needed (admin API)', [
    'tessera federated-issuers create --name "GitHub Actions" --issuer https://token.actions.githubusercontent.com --audience https://tessera.example.com/ci',
    'tessera federated-issuers list',
    'tessera federated-issuers delete fi_01m97bqs2vx1h5tmzz4m3qz7yk',
  ]);

  adminCommand<IssuerOptions>(
    group,
    {
      name: 'create',
      description: 'trust a federated issuer',
      mutation: true,
      options: issuerOptions(false),
      examples: [
        'tessera federated-issuers create --name "GitHub Actions" --issuer https://token.actions.githubusercontent.com --audience https://tessera.example.com/ci',
        'tessera federated-issuers create --name prod-cluster --kind kubernetes --issuer https://kubernetes.default.svc.cluster.local --discovery-url https://k8s.example.com/.well-known/openid-configuration --bearer-token-file /var/run/secrets/tessera/k8s-token',
        'tessera federated-issuers create --name mesh --kind spiffe --issuer spiffe://prod.example.org --jwks-uri https://spire.example.com/bundle',
      ],
    },
    async (ctx, _args, o) => {
      ctx.show(await ctx.api.post<IssuerOut>(ctx.api.tenantPath('/federated-issuers'), body(o)));
    },
  );

  listCommand<IssuerOut>(group, {
    description: 'list federated issuers',
    path: '/federated-issuers',
    columns: [
      { header: 'ID', value: (i) => i.id },
      { header: 'NAME', value: (i) => i.name },
      { header: 'KIND', value: (i) => i.kind },
      { header: 'ISSUER', value: (i) => i.issuer },
      { header: 'AUDIENCES', value: (i) => i.effective_audiences },
    ],
    examples: ['tessera federated-issuers list', 'tessera federated-issuers list --tenant acme --json'],
  });

  getCommand(group, {
    arg: 'id',
    path,
    description: 'show a federated issuer',
    examples: ['tessera federated-issuers get fi_01m97bqs2vx1h5tmzz4m3qz7yk'],
  });

  adminCommand<IssuerOptions>(
    group,
    {
      name: 'update <id>',
      description: 'change a federated issuer; lists given replace the old ones',
      mutation: true,
      options: issuerOptions(true),
      examples: ['tessera federated-issuers update fi_01m97bqs2vx1h5tmzz4m3qz7yk --require-jti --max-token-age 600'],
    },
    async (ctx, [id], o) => {
      ctx.show(await ctx.api.patch<IssuerOut>(ctx.api.tenantPath(path(id!)), changes(body(o))));
    },
  );

  deleteCommand(group, {
    name: 'delete <id>',
    path: ([id]) => path(id!),
    deleted: ([id]) => `federated issuer ${id}`,
    description: 'stop trusting a federated issuer (refused while a client has a credential naming it)',
    examples: ['tessera federated-issuers delete fi_01m97bqs2vx1h5tmzz4m3qz7yk --reason "cluster retired"'],
  });
}
