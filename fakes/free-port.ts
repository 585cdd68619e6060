// A port free at this moment on 127.0.0.1, for a process whose address must be known before it starts
// (or kept across restarts). Shared by the test helpers and the demo.
import { createServer } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
