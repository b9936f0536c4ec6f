import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** A certificate and its private key, as PEM files. */
export interface CertificateFiles {
  cert: string;
  key: string;
}

/**
 * A throwaway PKI for a TLS-secured Temporal server on this machine: a CA, the server's
 * certificate (localhost and 127.0.0.1), a client certificate for mTLS, and for the refusals a
 * second CA nobody trusts with a client certificate of its own.
 */
export interface TestCertificates {
  dir: string;
  ca: CertificateFiles;
  server: CertificateFiles;
  client: CertificateFiles;
  wrongCa: CertificateFiles;
  wrongClient: CertificateFiles;
}

/** The name in the server certificate, which clients check (TEMPORAL_TLS_SERVER_NAME). */
export const TEST_SERVER_NAME = 'localhost';

const openssl = (args: string[]) => promisify(execFile)('openssl', args);

// P-256 keys: quick to make, and both Go's TLS and the SDKs' (rustls, grpc-js) take them.
const newKey = (key: string) => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);

async function makeCa(dir: string, name: string): Promise<CertificateFiles> {
  const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) };
  await newKey(files.key);
  await openssl(
    // prettier-ignore
    ['req', '-x509', '-new', '-key', files.key, '-out', files.cert, '-days', '2', '-subj', `/CN=campaign-sync test ${name}`,
     '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
  );
  return files;
}

/** A leaf certificate signed by `ca`, with the extensions rustls and Go insist on (v3, SAN, EKU). */
async function makeLeaf(dir: string, name: string, ca: CertificateFiles, extensions: string): Promise<CertificateFiles> {
  const files = { cert: join(dir, `${name}.pem`), key: join(dir, `${name}-key.pem`) };
  const request = join(dir, `${name}.csr`);
  const extensionsFile = join(dir, `${name}.ext`);
  writeFileSync(extensionsFile, `basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n${extensions}\n`);
  await newKey(files.key);
  await openssl(['req', '-new', '-key', files.key, '-out', request, '-subj', `/CN=campaign-sync test ${name}`]);
  await openssl(
    // prettier-ignore
    ['x509', '-req', '-in', request, '-CA', ca.cert, '-CAkey', ca.key, '-out', files.cert, '-days', '2', '-extfile', extensionsFile,
     // A random serial: one CA signs several at once, so no shared serial file.
     '-set_serial', `0x${randomBytes(16).toString('hex')}`],
  );
  return files;
}

/** Makes the certificates with `openssl` in a new folder under the system's temporary folder. */
export async function makeTestCertificates(): Promise<TestCertificates> {
  const dir = mkdtempSync(join(tmpdir(), 'campaign-sync-certs-'));
  const [ca, wrongCa] = await Promise.all([makeCa(dir, 'ca'), makeCa(dir, 'wrong-ca')]);
  const clientExtensions = 'extendedKeyUsage=clientAuth';
  const [server, client, wrongClient] = await Promise.all([
    // The server's certificate also serves its own system worker as a client certificate.
    makeLeaf(dir, 'server', ca, `extendedKeyUsage=serverAuth,clientAuth\nsubjectAltName=DNS:${TEST_SERVER_NAME},IP:127.0.0.1`),
    makeLeaf(dir, 'client', ca, clientExtensions),
    makeLeaf(dir, 'wrong-client', wrongCa, clientExtensions),
  ]);
  return { dir, ca, server, client, wrongCa, wrongClient };
}
