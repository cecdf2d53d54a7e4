import WebSocket from 'ws';
import { SubscribeMessage } from '@nestjs/websockets';
import { RealtimeGateway } from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { ask } from '../kit/events.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';

@RealtimeGateway({ namespace: '/chat' })
class ChatGateway {
  @SubscribeMessage('ping')
  ping() {
    return 'pong';
  }
}

interface Raw {
  ws: WebSocket;
  messages: Array<string | Buffer>;
  closed: Promise<{ code: number; at: number }>;
  next(predicate?: (m: string) => boolean): Promise<string>;
}

/** A raw Engine.IO v4 WebSocket, below socket.io-client, to speak malformed protocol. */
async function raw(url: string): Promise<Raw> {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
  const messages: Array<string | Buffer> = [];
  const waiters: Array<() => void> = [];
  ws.on('message', (data, isBinary) => {
    messages.push(isBinary ? (data as Buffer) : data.toString());
    waiters.splice(0).forEach((w) => w());
  });
  const closed = new Promise<{ code: number; at: number }>((resolve) =>
    ws.on('close', (code) => resolve({ code, at: Date.now() })),
  );
  ws.on('error', () => undefined);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const next = async (predicate: (m: string) => boolean = () => true) => {
    for (;;) {
      const found = messages.find((m): m is string => typeof m === 'string' && predicate(m));
      if (found) {
        messages.splice(messages.indexOf(found), 1);
        return found;
      }
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no such frame within 3 s')), 3000);
        timer.unref(); // a race may settle elsewhere first
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  await next((m) => m.startsWith('0{')); // Engine.IO open packet
  return { ws, messages, closed, next };
}

describe('hostile input at the protocol level', () => {
  let app: TestApp;
  const token = signToken({ sub: 'raw' });

  beforeAll(async () => {
    app = await TestApp.start({
      realtime: {
        auth: { secret: TEST_SECRET },
        server: { maxHttpBufferSize: 100_000, connectTimeout: 1000 },
      },
      providers: [ChatGateway],
    });
  });
  afterAll(() => app.close());

  /** The proof after every attack: a well-behaved client still gets its round trip. */
  async function othersUnaffected() {
    const client = await app.connect('/chat', { auth: { token } });
    await expect(ask(client, 'ping')).resolves.toBe('pong');
    client.disconnect();
  }

  /** The connection either stays usable (the frame was ignored) or is closed; never a crash. */
  async function closedOrStillServing(conn: Raw, id: number): Promise<'closed' | 'serving'> {
    if (conn.ws.readyState === WebSocket.OPEN) conn.ws.send(`42/chat,${id}["ping"]`);
    return Promise.race([
      conn.closed.then(() => 'closed' as const),
      conn.next((m) => m.startsWith(`43/chat,${id}`)).then(() => 'serving' as const),
    ]);
  }

  it.each([
    ['not a packet at all', 'hello there', 'closed'],
    ['an unknown Engine.IO type', '9{}', 'closed'],
    ['an unknown Socket.IO type', '49/chat,["x"]', 'closed'],
    ['truncated JSON', '42/chat,["unterminated', 'closed'],
    ['a non-array event', '42/chat,{"event":"ping"}', 'closed'],
    ['a reserved event name', '42/chat,["connect"]', 'closed'],
    ['a numeric event name (valid, no handler)', '42/chat,[42,"x"]', 'serving'],
    ['an ack for nothing', '43/chat,99["x"]', 'serving'],
    ['too many attachments announced', '4599-/chat,["ev",{"_placeholder":true,"num":0}]', 'closed'],
  ])('survives %s', async (_name, frame, outcome) => {
    const conn = await raw(app.url);
    conn.ws.send(`40/chat,${JSON.stringify({ token })}`);
    await conn.next((m) => m.startsWith('40/chat,'));
    conn.ws.send(frame);
    await expect(closedOrStillServing(conn, 7)).resolves.toBe(outcome);
    conn.ws.close();
    await othersUnaffected();
  });

  it('drops the connection of a binary packet that announces more attachments than it sends', async () => {
    const conn = await raw(app.url);
    conn.ws.send(`40/chat,${JSON.stringify({ token })}`);
    await conn.next((m) => m.startsWith('40/chat,'));
    conn.ws.send('452-/chat,["ping",{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]');
    conn.ws.send(Buffer.from([1, 2, 3]));
    // The second attachment never comes; a text packet while reconstructing is a protocol error.
    conn.ws.send('42/chat,1["ping"]');
    await conn.closed;
    await othersUnaffected();
  });

  it('answers a namespace that does not exist with an error and keeps serving', async () => {
    const conn = await raw(app.url);
    conn.ws.send('40/does-not-exist,');
    await expect(conn.next((m) => m.startsWith('44/does-not-exist,'))).resolves.toContain(
      'Invalid namespace',
    );
    conn.ws.send('42/does-not-exist,["ping"]');
    conn.ws.close();
    await othersUnaffected();
  });

  it('drops a connection that sends an event to a namespace it never joined', async () => {
    const conn = await raw(app.url);
    conn.ws.send('42/chat,1["ping"]');
    await conn.closed;
    await othersUnaffected();
  });

  it('closes a connection that sends a frame over maxHttpBufferSize', async () => {
    const conn = await raw(app.url);
    conn.ws.send(`42/chat,["ping","${'x'.repeat(200_000)}"]`);
    const { code } = await conn.closed;
    expect(code).toBe(1009); // message too big
    await othersUnaffected();
  });

  it('closes a half-open connection that never joins a namespace within connectTimeout', async () => {
    const started = Date.now();
    const conn = await raw(app.url);
    const { at } = await conn.closed;
    expect(at - started).toBeGreaterThanOrEqual(900);
    expect(at - started).toBeLessThan(5000);
    await othersUnaffected();
  });

  it('refuses an unauthenticated namespace join sent by hand', async () => {
    const conn = await raw(app.url);
    conn.ws.send('40/chat,{"token":"forged"}');
    await expect(conn.next((m) => m.startsWith('44/chat,'))).resolves.toContain('UNAUTHORIZED');
    conn.ws.send('42/chat,["ping"]');
    conn.ws.close();
    await othersUnaffected();
  });
});
