/**
 * A failed connection to Temporal as one line saying what to fix. The SDKs' own texts ("transport
 * error", "14 UNAVAILABLE: No connection established") rarely say which setting is wrong; this
 * reads them (both the worker's Rust core and the client's grpc-js) together with what was
 * configured. Pure: tested as a table of texts the SDKs really threw (test/unit/temporal-connect-failure.test.ts).
 */

/** What was configured, by name and path only: never key material. */
export interface TemporalConnectionSummary {
  address: string;
  /** Where the address came from: TEMPORAL_ADDRESS, a profile, or the default. */
  addressFrom: string;
  tls: boolean;
  /** The setting (and path) of the CA, client certificate and key, when given. */
  serverCa?: string;
  clientCert?: string;
  clientKey?: string;
  serverName?: string;
  /** The setting the API key came from, when one is set. */
  apiKey?: string;
}

interface Rule {
  test: RegExp;
  /** What to fix; '' when the rule does not apply to this configuration. */
  say(summary: TemporalConnectionSummary): string;
  /** Nothing answered at all: worded "Cannot reach". */
  unreachable?: boolean;
}

// grpc-js: "7 PERMISSION_DENIED: Request unauthorized."; Rust core: "code: 'The caller does not have permission ...'".
const REFUSED_CREDENTIALS =
  /PERMISSION_DENIED|UNAUTHENTICATED|Request unauthorized|does not have permission|does not have valid authentication credentials/i;

/** Whether the server answered that these credentials may not do this (rather than failing otherwise). */
export const isCredentialRefusal = (err: unknown): boolean => REFUSED_CREDENTIALS.test(errorText(err));

/** First match wins: the most specific causes first, "cannot reach" last. */
const RULES: Rule[] = [
  {
    test: REFUSED_CREDENTIALS,
    say: (s) =>
      s.apiKey
        ? `the server refused the API key from ${s.apiKey}: check that it is current and allowed on this namespace`
        : 'the server requires credentials: set TEMPORAL_API_KEY (or TEMPORAL_API_KEY_FILE), or a client certificate (TEMPORAL_TLS_CLIENT_CERT_PATH)',
  },
  {
    test: /key values mismatch|InconsistentKeys|KeyMismatch/i,
    say: (s) =>
      `the client certificate and key are not a pair: check ${s.clientCert ?? 'TEMPORAL_TLS_CLIENT_CERT_PATH'} and ${s.clientKey ?? 'TEMPORAL_TLS_CLIENT_KEY_PATH'}`,
  },
  {
    // The server refused our certificate, or wanted one: "certificate required" (alert 116), "bad certificate" (42),
    // "unknown ca" (48), or a TLS 1.3 server closing the connection right after the handshake.
    test: /certificate ?required|bad certificate|alert unknown ca|alert number (42|48|116)|close_notify|closed the TLS connection after the handshake/i,
    say: (s) =>
      s.clientCert
        ? `the server refused the client certificate: check that ${s.clientCert} is issued by a CA the server trusts for clients, and not expired`
        : 'the server requires a client certificate (mTLS): set TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH',
  },
  {
    test: /UnknownIssuer|unable to verify the first certificate|unable to get (local )?issuer|self[- ]signed certificate|certificate verify failed/i,
    say: (s) =>
      s.serverCa
        ? `the server's certificate is not signed by the CA in ${s.serverCa}: name the CA that issued it`
        : "the server's certificate is not signed by a CA this machine trusts: set TEMPORAL_TLS_SERVER_CA_CERT_PATH to the CA that issued it",
  },
  {
    test: /NotValidForName|does not match certificate's altnames/i,
    say: (s) =>
      `the server's certificate does not carry the name ${s.serverName ?? s.address.replace(/:\d+$/, '')}: set TEMPORAL_TLS_SERVER_NAME to a name it carries`,
  },
  {
    test: /certificate has expired|CertExpired|Expired\b|not yet valid|CertNotValidYet/i,
    say: () => "a certificate is expired or not yet valid: check the server's and the client's certificates, and this machine's clock",
  },
  {
    // TLS to a server answering in plaintext: rustls "InvalidContentType", OpenSSL "wrong version number".
    test: /InvalidContentType|wrong version number/i,
    say: () => 'the server does not speak TLS there: set TEMPORAL_TLS=false, or use its TLS port',
  },
  {
    // Plaintext to a TLS server: the Rust core's pipe breaks; the probe sees no HTTP/2 answer.
    test: /broken pipe|plaintext refused|ECONNRESET/i,
    say: (s) => (s.tls ? '' : 'the server requires TLS: set TEMPORAL_TLS=true (and TEMPORAL_TLS_SERVER_CA_CERT_PATH for a private CA)'),
  },
  {
    test: /ECONNREFUSED|Connection refused|tcp connect error|ENOTFOUND|EAI_AGAIN|dns error|failed to lookup|EHOSTUNREACH|ENETUNREACH|timed out|before the deadline|DEADLINE_EXCEEDED/i,
    say: (s) =>
      /^(127\.0\.0\.1|localhost|\[::1\]):/.test(s.address)
        ? 'start it with `npm start` or set TEMPORAL_ADDRESS'
        : `check ${s.addressFrom} and that this machine can reach it`,
    unreachable: true,
  },
];

/**
 * The one line: what failed, where, and what to fix. `observed` is what a probe of the address saw
 * (temporal-tls-probe.ts), for the client, whose own error says nothing of the cause.
 */
export function describeTemporalConnectFailure(err: unknown, summary: TemporalConnectionSummary, observed?: string): string {
  const text = [errorText(err), observed].filter(Boolean).join(' | ');
  for (const rule of RULES) {
    if (rule.test.test(text)) {
      const fix = rule.say(summary);
      if (fix) return `Cannot ${rule.unreachable ? 'reach' : 'connect to'} Temporal at ${summary.address}: ${fix}`;
    }
  }
  return `Cannot connect to Temporal at ${summary.address} (${firstLine(text)}): check TEMPORAL_ADDRESS and the TEMPORAL_TLS* settings`;
}

/** The error's message and its causes' messages, on one line. */
function errorText(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && e !== null && depth < 5; depth++) {
    if (e instanceof Error) {
      parts.push(e.message, String((e as { code?: unknown }).code ?? ''), String((e as { details?: unknown }).details ?? ''));
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.filter(Boolean).join(' | ');
}

/** Enough of the SDK's text to search for; SDK texts name hosts and codes, never the key sent. */
const firstLine = (text: string) => text.split('\n')[0]!.slice(0, 200);
