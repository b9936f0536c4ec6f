import { judgeCodecRequest, type CodecPolicy, type CodecRequest } from '../../src/codec/codec-policy';

const UI = 'https://temporal.example.com';
const policy: CodecPolicy = {
  allowedHosts: ['codec.example.com', 'localhost:8888'],
  allowedOrigins: [UI],
  namespaces: ['campaigns'],
  credentialsRequired: true,
  encodeEnabled: false,
};
const open: CodecPolicy = { ...policy, credentialsRequired: false };
const withEncode: CodecPolicy = { ...policy, encodeEnabled: true };

const ok: CodecRequest = {
  method: 'POST',
  path: '/decode',
  host: 'codec.example.com',
  origin: UI,
  namespace: 'campaigns',
  credential: 'valid',
};
/** 'none': the answer carries no CORS header (the browser will not hand it to the page). */
const cors = (which: 'ui' | 'none') => (which === 'ui' ? UI : undefined);
const serve = (operation: 'decode' | 'encode', corsTo: 'ui' | 'none' = 'ui') => ({ kind: 'serve', operation, corsOrigin: cors(corsTo) });
const refuse = (status: number, reason: string, corsTo: 'ui' | 'none' = 'ui') => ({
  kind: 'refuse',
  status,
  reason,
  corsOrigin: cors(corsTo),
});

test.each<[string, CodecPolicy, Partial<CodecRequest>, object]>([
  ['the Web UI with a valid token', policy, {}, serve('decode')],
  ['a non-browser caller (no Origin) with a valid token', policy, { origin: undefined }, serve('decode', 'none')],
  ['a Host with any port when the entry has none', policy, { host: 'codec.example.com:443' }, serve('decode')],
  ['a Host in another case', policy, { host: 'CODEC.example.com' }, serve('decode')],
  ['a Host with its port', policy, { host: 'localhost:8888' }, serve('decode')],
  ['a Host on another port', policy, { host: 'localhost:9999' }, refuse(403, 'host not served', 'none')],
  ['a rebinding attacker name in Host', policy, { host: 'evil.example.net' }, refuse(403, 'host not served', 'none')],
  ['no Host', policy, { host: undefined }, refuse(403, 'host not served', 'none')],
  ['another Origin', policy, { origin: 'https://evil.example.net' }, refuse(403, 'origin not allowed', 'none')],
  ['the null Origin (sandboxed page)', policy, { origin: 'null' }, refuse(403, 'origin not allowed', 'none')],
  ['the UI origin over http', policy, { origin: 'http://temporal.example.com' }, refuse(403, 'origin not allowed', 'none')],
  ['a preflight from the UI', policy, { method: 'OPTIONS', credential: 'missing' }, { kind: 'preflight', corsOrigin: UI }],
  ['a preflight without Origin', policy, { method: 'OPTIONS', origin: undefined }, refuse(403, 'a preflight needs an origin', 'none')],
  [
    'a preflight from another Origin',
    policy,
    { method: 'OPTIONS', origin: 'https://evil.example.net' },
    refuse(403, 'origin not allowed', 'none'),
  ],
  ['a preflight to a bad Host', policy, { method: 'OPTIONS', host: 'evil.example.net' }, refuse(403, 'host not served', 'none')],
  ['no token', policy, { credential: 'missing' }, refuse(401, 'send Authorization: Bearer <token>')],
  ['a wrong token', policy, { credential: 'invalid' }, refuse(403, 'credentials refused')],
  ['no token, no Origin', policy, { credential: 'missing', origin: undefined }, refuse(401, 'send Authorization: Bearer <token>', 'none')],
  ['no token on a server without credentials (loopback)', open, { credential: 'missing' }, serve('decode')],
  [
    'no token, wrong namespace, without credentials',
    open,
    { credential: 'missing', namespace: 'other' },
    refuse(403, 'namespace not served'),
  ],
  ['another namespace', policy, { namespace: 'other' }, refuse(403, 'namespace not served')],
  ['no namespace', policy, { namespace: undefined }, refuse(403, 'namespace not served')],
  ['/encode while off', policy, { path: '/encode' }, refuse(404, 'not found')],
  ['/encode when on', withEncode, { path: '/encode' }, serve('encode')],
  [
    '/encode when on, without a token',
    withEncode,
    { path: '/encode', credential: 'missing' },
    refuse(401, 'send Authorization: Bearer <token>'),
  ],
  ['an unknown path', policy, { path: '/metrics' }, refuse(404, 'not found')],
  ['the root', policy, { path: '/' }, refuse(404, 'not found')],
  ['GET /decode', policy, { method: 'GET' }, refuse(405, 'POST only')],
  ['PUT /decode', policy, { method: 'PUT' }, refuse(405, 'POST only')],
  ['an unknown path is 404 before credentials', policy, { path: '/x', credential: 'missing' }, refuse(404, 'not found')],
  [
    'a bad Host is refused before credentials',
    policy,
    { host: 'evil.example.net', credential: 'missing' },
    refuse(403, 'host not served', 'none'),
  ],
])('%s', (_, which, request, verdict) => {
  expect(judgeCodecRequest(which, { ...ok, ...request })).toEqual(verdict);
});
