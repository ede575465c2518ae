// A real OpenID Connect provider for samprio's identity tests: the certified
// `oidc-provider` package, configured like a municipal broker that puts the
// organisation's CVR number, group names and the person's name into its JWT
// access tokens.
//
//   node provider.mjs CONFIG.json
//
// CONFIG: { "audience": "samprio-test",
//           "clients": { "<client_id>": { "secret": "...", "claims": { "cvr": "...", ... } },
//                        "<cli client>": { "redirect_uris": ["http://127.0.0.1/callback"], "native": true } },
//           "accounts": { "<login>": { "cvr": "...", "groups": [...], "name": "..." } },
//           "access_token_ttl": 600 }   (seconds; short to test refreshing an expired session)
// Sign-in uses the provider's development login form: any login and password;
// the account's claims go into its access tokens.
// Prints `ready <issuer>` on stdout once it listens on 127.0.0.1 (a free port).
//
// Test controls (not part of OIDC):
//   POST /_test/rotate?keep_old=1  switch to a new signing key (keeping the old one published, or not)
//   GET  /_test/jwks_fetches       how often /jwks was served

import { readFileSync } from 'node:fs';
import http from 'node:http';
import { generateKeyPair, exportJWK } from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const RESOURCE = 'urn:samprio:api';

let keys = [await newKey()];
let jwksFetches = 0;
let current;

async function newKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: `k-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`, alg: 'RS256', use: 'sig' };
}

function build(issuer) {
  const clients = Object.entries(config.clients).map(([id, c]) => ({
    client_id: id,
    client_secret: c.secret,
    grant_types: c.redirect_uris ? ['authorization_code', 'refresh_token', 'client_credentials'] : ['client_credentials'],
    redirect_uris: c.redirect_uris ?? [],
    response_types: c.redirect_uris ? ['code'] : [],
    token_endpoint_auth_method: c.secret ? 'client_secret_post' : 'none',
    // A CLI with a loopback redirect (RFC 8252): any port is allowed.
    ...(c.native ? { application_type: 'native' } : {}),
  }));
  const provider = new Provider(issuer, {
    clients,
    jwks: { keys },
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'samprio',
          audience: config.audience,
          accessTokenTTL: config.access_token_ttl ?? 600,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    scopes: ['openid', 'offline_access', 'samprio'],
    pkce: { required: () => true },
    extraTokenClaims: (ctx, token) => {
      const client = config.clients[token.clientId];
      const user = token.accountId ? config.accounts?.[token.accountId] : undefined;
      return { ...(client?.claims ?? {}), ...(user ?? {}) };
    },
    findAccount: (ctx, id) => ({ accountId: id, claims: () => ({ sub: id, ...(config.accounts?.[id] ?? {}) }) }),
  });
  provider.on('server_error', (ctx, err) => console.error('server_error', err));
  return provider;
}

const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/_test/rotate' && req.method === 'POST') {
    const key = await newKey();
    keys = url.searchParams.get('keep_old') === '1' ? [key, ...keys] : [key];
    current = build(current.issuer);
    res.end(JSON.stringify({ kid: key.kid }));
    return;
  }
  if (url.pathname === '/_test/jwks_fetches') {
    res.end(String(jwksFetches));
    return;
  }
  if (url.pathname === '/jwks') jwksFetches += 1;
  current.callback()(req, res);
});

server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  current = build(issuer);
  console.log(`ready ${issuer}`);
});
