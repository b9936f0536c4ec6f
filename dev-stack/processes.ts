import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

/**
 * A server process that cannot outlive the process that started it: a small shell supervisor
 * polls its parent and stops the server when the parent is gone, even after a SIGKILL (SIGTERM,
 * then SIGKILL if it is still there 30 s later).
 * The supervisor and the server share a new process group, so `stop` reaches both.
 */
export interface TiedProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  /** Sends the signal to the whole group; resolves once the supervisor has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const SUPERVISOR = `
parent=$1; shift
"$@" &
server=$!
trap 'kill -TERM $server 2>/dev/null' TERM INT
while kill -0 "$parent" 2>/dev/null && kill -0 "$server" 2>/dev/null; do sleep 1; done
kill -TERM "$server" 2>/dev/null
i=0; while kill -0 "$server" 2>/dev/null && [ $i -lt 30 ]; do sleep 1; i=$((i+1)); done
kill -KILL "$server" 2>/dev/null
wait "$server"
`;

export function spawnTied(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; onOutput?: (chunk: string) => void } = {},
): TiedProcess {
  const child = spawn('/bin/sh', ['-c', SUPERVISOR, 'supervisor', String(process.pid), command, ...args], {
    env: options.env ?? process.env,
    cwd: options.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const forward = (chunk: Buffer) => options.onOutput?.(chunk.toString('utf8'));
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // the group is already gone
    }
  };
  return {
    child,
    exited,
    async stop(signal = 'SIGTERM', graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      signalGroup(signal);
      const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
      signalGroup('SIGKILL');
    },
  };
}

/** A TCP port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Whether nothing listens on 127.0.0.1:port right now. */
export async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer().once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}
