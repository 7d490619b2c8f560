import { spawn } from 'node:child_process';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/lib/paths';

/** One request an AWS endpoint on 127.0.0.1 received: enough to say which API was called. */
export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  /** `X-Amz-Target` (JSON protocols) or the query protocol's Action. */
  readonly operation: string;
}

/**
 * An HTTP endpoint on 127.0.0.1 that records every request and answers each with an HTML 500 (a proxy's error page):
 * point AWS_ENDPOINT_URL at it and count what reached "AWS".
 */
export async function startRecorder(): Promise<{ url: string; requests: RecordedRequest[]; close: () => Promise<void> }> {
  const requests: RecordedRequest[] = [];
  const server: Server = createHttpServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const target = req.headers['x-amz-target'];
      const action = /(?:^|&)Action=([^&]+)/.exec(body)?.[1];
      requests.push({ method: req.method ?? '', url: req.url ?? '', operation: String(target ?? action ?? 'unknown') });
      res.writeHead(500, { 'content-type': 'text/html' }).end('<html><body><h1>500 Internal Server Error</h1></body></html>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** A TCP endpoint on 127.0.0.1 that accepts connections and never answers: the hang of issue 13. */
export async function startSilentEndpoint(): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createTcpServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => count,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

export interface CliProcess {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * The compiled `ecs-release` (dist/src/release/cli.js) as a child process, with throwaway credentials and every AWS
 * endpoint at `endpoint`; no profile, no instance metadata. `onStart` gets the child (to interrupt it).
 */
export function releaseCli(args: readonly string[], endpoint: string, extraEnv: Record<string, string> = {}, onStart?: (child: ReturnType<typeof spawn>) => void): Promise<CliProcess> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('AWS_')) env[k] = v;
  Object.assign(env, {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'example-secret',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
    ...extraEnv,
  });
  const child = spawn(process.execPath, [join(repoRoot(), 'dist', 'src', 'release', 'cli.js'), ...args], { env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  onStart?.(child);
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}
