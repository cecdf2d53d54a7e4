import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort } from './redis.js';

/**
 * A TCP proxy to a Redis server whose replies can be held back: while held, what Redis sends
 * is queued, so a test can see what the app does before Redis has answered.
 */
export class TcpProxy {
  private readonly sockets = new Set<Socket>();
  private queue: Array<() => void> | null = null;
  /** What the app has sent to Redis (latin1), for sent(). */
  private requests = '';
  private readonly awaiting: Array<{ text: string; resolve: () => void }> = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const port = await freePort();
    const server = createServer();
    const proxy = new TcpProxy(server, port);
    server.on('connection', (client) => proxy.relay(client, targetPort));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** From now on, Redis' replies wait until release(). */
  hold(): void {
    this.queue ??= [];
  }

  /** Sends what was held, in order, and stops holding. */
  release(): void {
    const queue = this.queue ?? [];
    this.queue = null;
    for (const send of queue) send();
  }

  /** Resolves once the app has sent `text` to Redis (a command's key or channel, say). */
  sent(text: string): Promise<void> {
    if (this.requests.includes(text)) return Promise.resolve();
    return new Promise((resolve) => this.awaiting.push({ text, resolve }));
  }

  async close(): Promise<void> {
    this.release();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket, targetPort: number): void {
    const upstream = connect(targetPort, '127.0.0.1');
    this.sockets.add(client).add(upstream);
    client.on('data', (chunk: Buffer) => {
      upstream.write(chunk);
      this.requests += chunk.toString('latin1');
      for (const waiter of [...this.awaiting]) {
        if (!this.requests.includes(waiter.text)) continue;
        this.awaiting.splice(this.awaiting.indexOf(waiter), 1);
        waiter.resolve();
      }
    });
    upstream.on('data', (chunk) => {
      const send = () => client.write(chunk);
      if (this.queue) this.queue.push(send);
      else send();
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      this.sockets.delete(client);
      this.sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  }
}
