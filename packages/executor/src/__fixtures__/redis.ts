import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';

export function haveRedisServer(): boolean {
  return spawnSync('redis-server', ['--version']).status === 0;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** start again on the same port (no persistence: the restarted server is empty). */
  restart(): Promise<void>;
}

function launch(port: number, password?: string): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...(password ? ['--requirepass', password] : [])];
  const proc = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise<ChildProcess>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server on port ${port} did not start within 10 s`)), 10_000);
    proc.stdout!.on('data', (b: Buffer) => {
      if (b.toString().includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(proc);
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server on port ${port} exited with ${code}`));
    });
  });
}

/** Start a throwaway redis-server on a free loopback port (no persistence), optionally with a password. */
export async function startRedis(opts: { password?: string } = {}): Promise<TestRedis> {
  const port = await freePort();
  let proc: ChildProcess | undefined = await launch(port, opts.password);
  const stop = () =>
    new Promise<void>((resolve, reject) => {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null) return resolve();
      const timer = setTimeout(() => reject(new Error(`redis-server on port ${port} did not stop within 10 s`)), 10_000);
      p.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      p.kill('SIGKILL');
    });
  return {
    url: `redis://${opts.password ? `:${encodeURIComponent(opts.password)}@` : ''}127.0.0.1:${port}`,
    port,
    stop,
    restart: async () => {
      await stop();
      proc = await launch(port, opts.password);
    },
  };
}
