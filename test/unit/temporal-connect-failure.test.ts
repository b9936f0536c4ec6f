import { describeTemporalConnectFailure, type TemporalConnectionSummary } from '../../src/infra/temporal-connect-failure';

/**
 * Texts the SDK 1.24.0 really threw (client: grpc-js, native: the worker's Rust core) and what the
 * probe (temporal-tls-probe.ts) saw, against Node TLS and HTTP/2 servers set up for each case.
 */
const plain: TemporalConnectionSummary = { address: '127.0.0.1:7233', addressFrom: 'the default', tls: false };
const cloud: TemporalConnectionSummary = {
  address: 'ns.acct.tmprl.cloud:7233',
  addressFrom: 'TEMPORAL_ADDRESS',
  tls: true,
  apiKey: 'TEMPORAL_API_KEY',
};
const privateCa: TemporalConnectionSummary = {
  address: 'temporal.internal:7233',
  addressFrom: 'TEMPORAL_ADDRESS',
  tls: true,
  serverCa: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH (/etc/temporal/ca.pem)',
};
const mtls: TemporalConnectionSummary = {
  ...privateCa,
  clientCert: 'TEMPORAL_TLS_CLIENT_CERT_PATH (/etc/temporal/client.pem)',
  clientKey: 'TEMPORAL_TLS_CLIENT_KEY_PATH (/etc/temporal/client.key)',
};

const grpcDeadline = new Error('Failed to connect before the deadline');
const withCause = (message: string, cause: Error & { code?: number; details?: string }) => Object.assign(new Error(message), { cause });

test.each<[string, unknown, TemporalConnectionSummary, string | undefined, string]>([
  [
    'nothing listening (native)',
    new Error(
      'tonic::transport::Error(Transport, ConnectError(ConnectError("tcp connect error", 127.0.0.1:1, Os { code: 111, kind: ConnectionRefused, message: "Connection refused" })))',
    ),
    plain,
    undefined,
    'Cannot reach Temporal at 127.0.0.1:7233: start it with `npm start` or set TEMPORAL_ADDRESS',
  ],
  [
    'nothing listening (client, probed)',
    grpcDeadline,
    plain,
    'ECONNREFUSED connect ECONNREFUSED 127.0.0.1:7233',
    'Cannot reach Temporal at 127.0.0.1:7233: start it with `npm start` or set TEMPORAL_ADDRESS',
  ],
  [
    'a remote cluster that does not answer',
    grpcDeadline,
    cloud,
    'timed out after 3000 ms',
    'Cannot reach Temporal at ns.acct.tmprl.cloud:7233: check TEMPORAL_ADDRESS and that this machine can reach it',
  ],
  [
    'unknown CA, none configured (native)',
    new Error('tonic::transport::Error(Transport, ConnectError(Custom { kind: InvalidData, error: InvalidCertificate(UnknownIssuer) }))'),
    { ...privateCa, serverCa: undefined },
    undefined,
    "Cannot connect to Temporal at temporal.internal:7233: the server's certificate is not signed by a CA this machine trusts: set TEMPORAL_TLS_SERVER_CA_CERT_PATH to the CA that issued it",
  ],
  [
    'the wrong CA (client, probed)',
    grpcDeadline,
    privateCa,
    'UNABLE_TO_VERIFY_LEAF_SIGNATURE unable to verify the first certificate',
    "Cannot connect to Temporal at temporal.internal:7233: the server's certificate is not signed by the CA in TEMPORAL_TLS_SERVER_CA_CERT_PATH (/etc/temporal/ca.pem): name the CA that issued it",
  ],
  [
    'a name the certificate lacks (native)',
    new Error(
      'tonic::transport::Error(Transport, ConnectError(Custom { kind: InvalidData, error: InvalidCertificate(NotValidForNameContext { expected: DnsName("other.example"), presented: ["DnsName(\\"localhost\\")", "IpAddress(127.0.0.1)"] }) }))',
    ),
    { ...privateCa, serverName: 'other.example' },
    undefined,
    "Cannot connect to Temporal at temporal.internal:7233: the server's certificate does not carry the name other.example: set TEMPORAL_TLS_SERVER_NAME to a name it carries",
  ],
  [
    'a name the certificate lacks (client, probed)',
    grpcDeadline,
    privateCa,
    "ERR_TLS_CERT_ALTNAME_INVALID Hostname/IP does not match certificate's altnames: Host: temporal.internal. is not in the cert's altnames: DNS:localhost",
    "Cannot connect to Temporal at temporal.internal:7233: the server's certificate does not carry the name temporal.internal: set TEMPORAL_TLS_SERVER_NAME to a name it carries",
  ],
  [
    'mTLS required, no client certificate (native)',
    new Error(
      'Failed to call GetSystemInfo: code: \'Unknown error\', message: "transport error", source: tonic::transport::Error(Transport, hyper::Error(Io, Custom { kind: InvalidData, error: "received fatal alert: CertificateRequired" }))',
    ),
    privateCa,
    undefined,
    'Cannot connect to Temporal at temporal.internal:7233: the server requires a client certificate (mTLS): set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH',
  ],
  [
    'mTLS required, no client certificate (client, probed)',
    grpcDeadline,
    privateCa,
    'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED 805CB048787F0000:error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:../deps/openssl/openssl/ssl/record/rec_layer_s3.c:1601:SSL alert number 116',
    'Cannot connect to Temporal at temporal.internal:7233: the server requires a client certificate (mTLS): set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH',
  ],
  [
    'a client certificate from a CA the server does not trust (native)',
    new Error(
      'Failed to call GetSystemInfo: code: \'Unknown error\', message: "transport error", source: tonic::transport::Error(Transport, hyper::Error(Io, Custom { kind: UnexpectedEof, error: "peer closed connection without sending TLS close_notify: https://docs.rs/rustls/latest/rustls/manual/_03_howto/index.html#unexpected-eof" }))',
    ),
    mtls,
    undefined,
    'Cannot connect to Temporal at temporal.internal:7233: the server refused the client certificate: check that TEMPORAL_TLS_CLIENT_CERT_PATH (/etc/temporal/client.pem) is issued by a CA the server trusts for clients, and not expired',
  ],
  [
    'a client certificate from a CA the server does not trust (native, the race where the core only sees the close; probed)',
    new Error(
      'Failed to call GetSystemInfo: code: \'The operation was cancelled\', message: "operation was canceled", source: tonic::transport::Error(Transport, hyper::Error(Canceled, "connection closed"))',
    ),
    mtls,
    'the server closed the TLS connection after the handshake (client certificate refused?)',
    'Cannot connect to Temporal at temporal.internal:7233: the server refused the client certificate: check that TEMPORAL_TLS_CLIENT_CERT_PATH (/etc/temporal/client.pem) is issued by a CA the server trusts for clients, and not expired',
  ],
  [
    'a certificate and a key that are not a pair (client)',
    Object.assign(new Error('error:05800074:x509 certificate routines::key values mismatch'), {
      code: 'ERR_OSSL_X509_KEY_VALUES_MISMATCH',
    }),
    mtls,
    undefined,
    'Cannot connect to Temporal at temporal.internal:7233: the client certificate and key are not a pair: check TEMPORAL_TLS_CLIENT_CERT_PATH (/etc/temporal/client.pem) and TEMPORAL_TLS_CLIENT_KEY_PATH (/etc/temporal/client.key)',
  ],
  [
    'a certificate and a key that are not a pair (native)',
    new Error('tonic::transport::Error(Transport, InconsistentKeys(KeyMismatch))'),
    mtls,
    undefined,
    'Cannot connect to Temporal at temporal.internal:7233: the client certificate and key are not a pair: check TEMPORAL_TLS_CLIENT_CERT_PATH (/etc/temporal/client.pem) and TEMPORAL_TLS_CLIENT_KEY_PATH (/etc/temporal/client.key)',
  ],
  [
    'TLS to a plaintext server (native)',
    new Error('tonic::transport::Error(Transport, ConnectError(Custom { kind: InvalidData, error: InvalidMessage(InvalidContentType) }))'),
    privateCa,
    undefined,
    'Cannot connect to Temporal at temporal.internal:7233: the server does not speak TLS there: set TEMPORAL_TLS=false, or use its TLS port',
  ],
  [
    'TLS to a plaintext server (client, probed)',
    grpcDeadline,
    privateCa,
    'ERR_SSL_WRONG_VERSION_NUMBER 805CB048787F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:',
    'Cannot connect to Temporal at temporal.internal:7233: the server does not speak TLS there: set TEMPORAL_TLS=false, or use its TLS port',
  ],
  [
    'plaintext to a TLS server (native)',
    new Error(
      'Failed to call GetSystemInfo: code: \'Unknown error\', message: "transport error", source: tonic::transport::Error(Transport, hyper::Error(Io, Custom { kind: BrokenPipe, error: "stream closed because of a broken pipe" }))',
    ),
    plain,
    undefined,
    'Cannot connect to Temporal at 127.0.0.1:7233: the server requires TLS: set TEMPORAL_TLS=true (and TEMPORAL_TLS_SERVER_CA_CERT_PATH for a private CA)',
  ],
  [
    'plaintext to a TLS server (client, probed)',
    grpcDeadline,
    plain,
    'the server closed a plaintext connection: plaintext refused, it may require TLS',
    'Cannot connect to Temporal at 127.0.0.1:7233: the server requires TLS: set TEMPORAL_TLS=true (and TEMPORAL_TLS_SERVER_CA_CERT_PATH for a private CA)',
  ],
  [
    "the authorizer's refusal of the API key (client)",
    withCause(
      'Failed to connect to Temporal server',
      Object.assign(new Error('7 PERMISSION_DENIED: Request unauthorized.'), { code: 7, details: 'Request unauthorized.' }),
    ),
    cloud,
    undefined,
    'Cannot connect to Temporal at ns.acct.tmprl.cloud:7233: the server refused the API key from TEMPORAL_API_KEY: check that it is current and allowed on this namespace',
  ],
  [
    "the authorizer's refusal of the API key (native)",
    new Error(
      'Failed to call GetSystemInfo: code: \'The caller does not have permission to execute the specified operation\', message: "Request unauthorized."',
    ),
    cloud,
    undefined,
    'Cannot connect to Temporal at ns.acct.tmprl.cloud:7233: the server refused the API key from TEMPORAL_API_KEY: check that it is current and allowed on this namespace',
  ],
  [
    'an invalid API key (native)',
    new Error(
      'Failed to call GetSystemInfo: code: \'The request does not have valid authentication credentials\', message: "invalid API key"',
    ),
    { ...cloud, apiKey: 'TEMPORAL_API_KEY_FILE (/run/secrets/temporal-api-key)' },
    undefined,
    'Cannot connect to Temporal at ns.acct.tmprl.cloud:7233: the server refused the API key from TEMPORAL_API_KEY_FILE (/run/secrets/temporal-api-key): check that it is current and allowed on this namespace',
  ],
  [
    'credentials required, none given (client)',
    withCause(
      'Failed to connect to Temporal server',
      Object.assign(new Error('16 UNAUTHENTICATED: missing credentials'), { code: 16, details: 'missing credentials' }),
    ),
    { ...cloud, apiKey: undefined },
    undefined,
    'Cannot connect to Temporal at ns.acct.tmprl.cloud:7233: the server requires credentials: set TEMPORAL_API_KEY (or TEMPORAL_API_KEY_FILE), or a client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH)',
  ],
  [
    'anything else: the first line of what the SDK said, and where to look',
    new Error('Failed to call GetSystemInfo: code: \'Internal error\', message: "Missing response message."\nmore'),
    privateCa,
    undefined,
    'Cannot connect to Temporal at temporal.internal:7233 (Failed to call GetSystemInfo: code: \'Internal error\', message: "Missing response message."): check TEMPORAL_ADDRESS and the TEMPORAL_TLS* settings',
  ],
])('%s', (_case, err, summary, observed, line) => {
  const described = describeTemporalConnectFailure(err, summary, observed);
  expect(described).toBe(line);
  expect(described).not.toContain('\n');
});
