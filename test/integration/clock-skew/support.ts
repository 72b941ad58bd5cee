// Helpers shared by the clock-skew integration suites.
import { createServer } from 'node:net';

/** A loopback port that was just free: nothing listens on it, so a connection is refused. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
