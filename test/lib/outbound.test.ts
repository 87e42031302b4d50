import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { embeddedIpv4, parseAddressRange } from '../../src/lib/outbound/addresses.js';
import { AllowList } from '../../src/lib/outbound/allow-list.js';
import { judgedAddress, nonPublicRange } from '../../src/lib/outbound/forbidden-ranges.js';
import { Outbound, OUTBOUND_HEADERS, type OutboundOptions } from '../../src/lib/outbound/outbound.js';
import { OutboundError } from '../../src/lib/outbound/outbound-error.js';
import { startJwksServer, type JwksServer } from '../helpers/jwks-server.js';

const ALLOW_NAME = 'THE_ALLOW_LIST';

function outbound(allow: string, options: Partial<OutboundOptions> = {}): Outbound {
  return new Outbound({ allow: AllowList.parse(allow), allowName: ALLOW_NAME, ...options });
}

/** Asserts that a fetch fails with exactly this reason, as an OutboundError. */
async function refused(promise: Promise<unknown>, reason: string): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof OutboundError, String(err));
    assert.equal(err.message, reason);
    return true;
  });
}

describe('outbound: which addresses are not public', () => {
  it('names the range of every special-purpose address, judging mapped and NAT64 addresses by the IPv4 inside', () => {
    const cases: [string, string | null][] = [
      ['127.0.0.1', 'loopback (127.0.0.0/8)'],
      ['127.255.0.9', 'loopback (127.0.0.0/8)'],
      ['10.0.0.5', 'private (10.0.0.0/8)'],
      ['172.16.0.1', 'private (172.16.0.0/12)'],
      ['172.31.255.255', 'private (172.16.0.0/12)'],
      ['192.168.1.1', 'private (192.168.0.0/16)'],
      ['169.254.169.254', 'link-local (169.254.0.0/16)'],
      ['100.64.0.1', 'shared (carrier-grade NAT) (100.64.0.0/10)'],
      ['0.0.0.0', 'unspecified (0.0.0.0/8)'],
      ['224.0.0.1', 'multicast (224.0.0.0/4)'],
      ['255.255.255.255', 'broadcast (255.255.255.255/32)'],
      ['240.0.0.1', 'reserved (240.0.0.0/4)'],
      ['192.0.2.7', 'documentation (192.0.2.0/24)'],
      ['::1', 'loopback (::1/128)'],
      ['::', 'unspecified (::/128)'],
      ['fe80::1', 'link-local (fe80::/10)'],
      ['fe80::1%eth0', 'link-local (fe80::/10)'],
      ['fd12:3456::1', 'unique-local (fc00::/7)'],
      ['ff02::1', 'multicast (ff00::/8)'],
      ['2001:db8::1', 'documentation (2001:db8::/32)'],
      ['8.8.8.8', null],
      ['172.32.0.1', null],
      ['2606:4700::1111', null],
    ];
    for (const [address, range] of cases) assert.equal(nonPublicRange(judgedAddress(address)), range, address);
    assert.equal(judgedAddress('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(judgedAddress('::ffff:7f00:1'), '127.0.0.1');
    assert.equal(judgedAddress('64:ff9b::a00:5'), '10.0.0.5');
    assert.equal(judgedAddress('64:ff9b::8.8.8.8'), '8.8.8.8');
    assert.equal(embeddedIpv4('2606:4700::1111'), null);
    assert.equal(nonPublicRange(judgedAddress('::ffff:a9fe:a9fe')), 'link-local (169.254.0.0/16)');
  });

  it('reads addresses and CIDR ranges, refusing anything else', () => {
    assert.deepEqual(parseAddressRange('10.0.0.0/8'), { address: '10.0.0.0', prefix: 8, family: 'ipv4' });
    assert.deepEqual(parseAddressRange('::1'), { address: '::1', prefix: 128, family: 'ipv6' });
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0/8', 'keys.internal', '1.2.3.4/8/9', '']) assert.equal(parseAddressRange(bad), null, bad);
  });
});

describe('outbound: the allow list', () => {
  it('holds host names (exact, any case), addresses and CIDR ranges, IPv4 and IPv6', () => {
    const allow = AllowList.parse(' keys.internal , 10.0.0.0/8,192.168.1.7, fd00::/8, [::1] ,');
    assert.deepEqual(allow.entries, ['keys.internal', '10.0.0.0/8', '192.168.1.7', 'fd00::/8', '[::1]']);
    assert.equal(allow.hasName('KEYS.internal'), true);
    assert.equal(allow.hasName('keys.internal.'), true);
    assert.equal(allow.hasName('other.keys.internal'), false);
    assert.equal(allow.hasAddress('10.20.30.40'), true);
    assert.equal(allow.hasAddress('192.168.1.8'), false);
    assert.equal(allow.hasAddress('fd00::5'), true);
    assert.equal(allow.hasAddress('::1'), true);
    assert.equal(allow.hasAddress('127.0.0.1'), false);
  });

  it('names the first entry that is none of them', () => {
    assert.throws(() => AllowList.parse('10.0.0.0/8,https://keys.internal'), {
      message: '"https://keys.internal" is not a host name, IP address or CIDR range',
    });
    assert.throws(() => AllowList.parse('10.0.0.0/40'), { message: '"10.0.0.0/40" is not a host name, IP address or CIDR range' });
    assert.throws(() => AllowList.parse('*.internal'), { message: '"*.internal" is not a host name, IP address or CIDR range' });
  });
});

describe('outbound: checks before anything is registered', () => {
  /** A resolver that answers from a table, as DNS would. */
  const dns = (table: Record<string, string[]>) => async (host: string) => {
    const answer = table[host];
    if (!answer) throw Object.assign(new Error(`no such host ${host}`), { code: 'ENOTFOUND' });
    return answer;
  };

  it('refuses literal and resolved addresses that are not public, unless allowed; tolerates a host that does not resolve yet', async () => {
    const o = outbound('', { resolve: dns({ 'internal.example': ['203.0.113.9'], 'mixed.example': ['8.8.8.8', '10.1.1.1'], 'public.example': ['8.8.4.4'] }) });
    assert.equal(await o.refusal('https://127.0.0.1/jwks'), 'address 127.0.0.1 is loopback (127.0.0.0/8) and not in THE_ALLOW_LIST');
    assert.equal(
      await o.refusal('https://[::ffff:127.0.0.1]/jwks'),
      'address ::ffff:7f00:1 (as 127.0.0.1) is loopback (127.0.0.0/8) and not in THE_ALLOW_LIST',
    );
    assert.equal(
      await o.refusal('https://169.254.169.254/latest/meta-data'),
      'address 169.254.169.254 is link-local (169.254.0.0/16) and not in THE_ALLOW_LIST',
    );
    assert.equal(
      await o.refusal('https://2130706433/jwks'),
      'address 127.0.0.1 is loopback (127.0.0.0/8) and not in THE_ALLOW_LIST',
      'URL parsing normalises 2130706433',
    );
    assert.equal(
      await o.refusal('https://internal.example/jwks'),
      'internal.example resolves to 203.0.113.9, which is documentation (203.0.113.0/24) and not in THE_ALLOW_LIST',
    );
    assert.equal(
      await o.refusal('https://mixed.example/jwks'),
      'mixed.example resolves to 10.1.1.1, which is private (10.0.0.0/8) and not in THE_ALLOW_LIST',
      'one bad address is enough',
    );
    assert.equal(await o.refusal('http://public.example/jwks'), 'http is only for hosts and addresses in THE_ALLOW_LIST; use https');
    assert.equal(await o.refusal('http://not-yet.example/jwks'), 'http is only for hosts and addresses in THE_ALLOW_LIST; use https');
    assert.equal(await o.refusal('https://public.example/jwks'), null);
    assert.equal(await o.refusal('https://not-yet.example/jwks'), null, 'checked again at every fetch');
  });

  it('accepts what the allow list names, over http too', async () => {
    const o = outbound('127.0.0.1,10.0.0.0/8,internal.example', { resolve: dns({ 'internal.example': ['192.168.9.9'], 'ten.example': ['10.2.3.4'] }) });
    for (const url of [
      'http://127.0.0.1:8080/jwks',
      'https://[::ffff:127.0.0.1]/jwks',
      'http://10.9.9.9/jwks',
      'http://internal.example/jwks',
      'http://ten.example/jwks',
    ]) {
      assert.equal(await o.refusal(url), null, url);
    }
    assert.equal(await o.refusal('http://127.0.0.2/jwks'), 'address 127.0.0.2 is loopback (127.0.0.0/8) and not in THE_ALLOW_LIST');
  });

  it('asks the `refuse` rule about every address and port, even allowed ones', async () => {
    const o = outbound('127.0.0.1', { refuse: (address, port) => (port === 4445 ? `${address}:${port} is taken` : null) });
    assert.equal(await o.refusal('http://127.0.0.1:4445/clients'), '127.0.0.1:4445 is taken');
    assert.equal(await o.refusal('http://127.0.0.1:4446/clients'), null);
  });
});

describe('outbound: fetching', () => {
  let server: JwksServer;
  const jwks = { keys: [] };

  before(async () => {
    server = await startJwksServer();
    server.route('/ok', jwks);
    server.route('/moved', (_req, res) => res.writeHead(302, { location: '/ok' }).end());
    server.route('/silent', () => {});
    server.route('/slow-body', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"keys":');
    });
    server.route('/big', { padding: 'x'.repeat(2000) });
    server.route('/chunked-big', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"padding":"');
      for (let i = 0; i < 4; i++) res.write('y'.repeat(512));
      res.end('"}');
    });
    server.route('/text', (_req, res) => res.writeHead(200).end('hello'));
    server.route('/cut', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"keys":', () => res.socket?.destroy());
    });
    server.route('/headers', (req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(req.headers)));
  });
  after(() => server.close());

  const port = () => new URL(server.base).port;
  const local = (options: Partial<OutboundOptions> = {}) => outbound('127.0.0.1', { maxBytes: 1024, ...options });

  it('returns the parsed document from an allowed address', async () => {
    assert.deepEqual(await local().fetchJson(`${server.base}/ok`), jwks);
  });

  it('returns a document with its Cache-Control max-age, sending the caller’s headers besides its own', async () => {
    server.route('/cached', (req, res) =>
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=900' }).end(JSON.stringify(req.headers)),
    );
    const fetched = await local().fetchDocument(`${server.base}/cached`, { headers: { authorization: 'Bearer t0k3n', 'sec-fetch-site': 'same-origin' } });
    assert.equal(fetched.maxAgeSeconds, 900);
    const seen = fetched.json as Record<string, string>;
    assert.equal(seen.authorization, 'Bearer t0k3n');
    assert.equal(seen['sec-fetch-site'], 'cross-site', 'a caller cannot lift the fetch metadata');
    assert.equal((await local().fetchDocument(`${server.base}/ok`)).maxAgeSeconds, null, 'no Cache-Control');
  });

  it('refuses a loopback address that is not allowed, without connecting', async () => {
    const before = server.hits.get('/ok') ?? 0;
    await refused(outbound('').fetchJson(`${server.base}/ok`), 'address 127.0.0.1 is loopback (127.0.0.0/8) and not in THE_ALLOW_LIST');
    assert.equal(server.hits.get('/ok') ?? 0, before);
  });

  it('does not follow a redirect: the target is never asked', async () => {
    const before = server.hits.get('/ok') ?? 0;
    await refused(local().fetchJson(`${server.base}/moved`), 'redirect not followed (HTTP 302)');
    assert.equal(server.hits.get('/ok') ?? 0, before);
  });

  it('refuses a body over the limit (declared or streamed), an HTTP error and a non-JSON body', async () => {
    await refused(local().fetchJson(`${server.base}/big`), 'body over 1 KiB');
    await refused(local().fetchJson(`${server.base}/chunked-big`), 'body over 1 KiB');
    await refused(local().fetchJson(`${server.base}/missing`), 'answered HTTP 404');
    await refused(local().fetchJson(`${server.base}/text`), 'body is not JSON');
    await refused(local().fetchJson(`${server.base}/cut`), 'the answer was cut short');
  });

  it('gives up at its deadline, whether the headers or the body are late', async () => {
    await refused(local({ timeoutMs: 100 }).fetchJson(`${server.base}/silent`), 'timed out after 100 ms');
    await refused(local({ timeoutMs: 100 }).fetchJson(`${server.base}/slow-body`), 'timed out after 100 ms');
  });

  it('connects to the address it checked, with the host name kept in Host: the name is resolved once', async () => {
    const asked: string[] = [];
    const o = outbound('keys.rebind.test', {
      resolve: async (host) => {
        asked.push(host);
        // A rebinding resolver would answer something else the second time: there is no second time.
        return asked.length === 1 ? ['127.0.0.1'] : ['10.0.0.1'];
      },
    });
    const seen = (await o.fetchJson(`http://keys.rebind.test:${port()}/headers`)) as Record<string, string>;
    assert.deepEqual(asked, ['keys.rebind.test']);
    assert.equal(seen.host, `keys.rebind.test:${port()}`);
    assert.equal(seen['sec-fetch-site'], OUTBOUND_HEADERS['sec-fetch-site'], 'marked as made for someone else');
  });

  it('fails the same way for a closed port as for any other failure: an OutboundError with the reason', async () => {
    const closed = await startJwksServer();
    const url = `${closed.base}/ok`;
    await closed.close();
    await refused(local().fetchJson(url), 'request failed (ECONNREFUSED)');
  });
});

describe('outbound: https to a pinned address', () => {
  it('sends the host name as SNI to the checked address and checks the certificate (a self-signed one is refused)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-tls-'));
    const seen: string[] = [];
    try {
      // A certificate for the name, from a key server nobody trusts.
      execFileSync(
        'openssl',
        [
          'req',
          '-x509',
          '-newkey',
          'ec',
          '-pkeyopt',
          'ec_paramgen_curve:P-256',
          '-nodes',
          '-days',
          '1',
          '-subj',
          '/CN=keys.pinned.test',
          '-addext',
          'subjectAltName=DNS:keys.pinned.test',
          '-keyout',
          join(dir, 'key.pem'),
          '-out',
          join(dir, 'cert.pem'),
        ],
        { stdio: 'ignore' },
      );
      const server = createTlsServer(
        {
          key: readFileSync(join(dir, 'key.pem')),
          cert: readFileSync(join(dir, 'cert.pem')),
          SNICallback: (name, done) => {
            seen.push(name);
            done(null);
          },
        },
        (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}'),
      );
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      try {
        const o = outbound('keys.pinned.test', { resolve: async () => ['127.0.0.1'] });
        await refused(o.fetchJson(`https://keys.pinned.test:${port}/jwks.json`), 'request failed (DEPTH_ZERO_SELF_SIGNED_CERT)');
        assert.deepEqual(seen, ['keys.pinned.test'], 'the pinned connection named the host, not the address');
      } finally {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
