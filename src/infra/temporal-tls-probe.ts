/**
 * Why a client connection failed, asked of Node's own TLS stack. The client SDK (grpc-js) reports
 * every failure as "Failed to connect before the deadline"; Node's tls module names the cause
 * (unknown issuer, wrong name, certificate required, plaintext server), which
 * describeTemporalConnectFailure turns into what to fix. Only ever run after a failure.
 */
import { isIP, connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';

/** The HTTP/2 connection preface: a plaintext gRPC server answers it with a SETTINGS frame; a TLS server does not. */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
/** HTTP/2 frame type of SETTINGS, the 4th byte of a frame header. */
const H2_SETTINGS = 0x04;

/** A text describing what the probe saw, for describeTemporalConnectFailure; undefined when all looked well. */
export function probeTemporalConnection(
  address: string,
  tls: TLSConfig | boolean | undefined,
  timeoutMs = 3_000,
): Promise<string | undefined> {
  const at = address.lastIndexOf(':');
  const host = address.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(address.slice(at + 1));
  return new Promise((resolve) => {
    let socket: Socket | undefined;
    const done = (text: string | undefined) => {
      clearTimeout(timer);
      socket?.destroy();
      resolve(text);
    };
    const timer = setTimeout(() => done(`timed out after ${timeoutMs} ms`), timeoutMs);
    try {
      socket = open();
    } catch (err) {
      // A certificate and key that are not a pair fail before connecting.
      done(String((err as Error).message));
      return;
    }
    socket.once('error', (err: Error & { code?: string }) => done(`${err.code ?? ''} ${err.message}`.trim()));

    function open(): Socket {
      let opened: Socket;
      if (tls === undefined || tls === false) {
        opened = tcpConnect({ host, port }, () => opened.write(H2_PREFACE));
        opened.once('data', (data) =>
          done(
            data[3] === H2_SETTINGS ? undefined : 'the server did not answer HTTP/2 in plaintext (plaintext refused): it may require TLS',
          ),
        );
        opened.once('end', () => done('the server closed a plaintext connection: plaintext refused, it may require TLS'));
      } else {
        const options = tls === true ? {} : tls;
        // The name checked is the override when there is one, as the SDK does (Node checks servername, else host).
        const name = options.serverNameOverride ?? host;
        opened = tlsConnect(
          {
            host,
            port,
            servername: isIP(name) ? undefined : name,
            ca: options.serverRootCACertificate ? Buffer.from(options.serverRootCACertificate) : undefined,
            cert: options.clientCertPair ? Buffer.from(options.clientCertPair.crt) : undefined,
            key: options.clientCertPair ? Buffer.from(options.clientCertPair.key) : undefined,
            ALPNProtocols: ['h2'],
          },
          // TLS 1.3 servers refuse a client certificate after the handshake: wait for their first frame.
          () => opened.write(H2_PREFACE),
        );
        opened.once('data', () => done(undefined));
        opened.once('end', () => done('the server closed the TLS connection after the handshake (client certificate refused?)'));
      }
      return opened;
    }
  });
}
