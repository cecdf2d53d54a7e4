import { WebSocketGateway } from '@nestjs/websockets';
import type { Namespace } from 'socket.io';
import type { Socket } from 'socket.io-client';
import type { RealtimeModuleOptions } from '../../lib/index.js';
import { RoomsGateway } from '../fixtures/rooms-gateway.js';
import { TestApp } from '../kit/app.js';
import { ask, once } from '../kit/events.js';
import { deletePrefix, REDIS_URL, uniquePrefix } from '../kit/redis.js';
import { TEST_SECRET } from '../kit/tokens.js';

@WebSocketGateway({ namespace: '/frames' })
class FramesGateway extends RoomsGateway {}

/** The same gateway on a server with permessage-deflate on for every message. */
@WebSocketGateway({ namespace: '/frames', perMessageDeflate: { threshold: 0 } })
class DeflateGateway extends FramesGateway {}

/** What the namespace's adapter hands engine.io for one broadcast of `data`. */
function frameOf(nsp: Namespace, data: unknown): Buffer[] | undefined {
  const adapter = nsp.adapter as unknown as {
    _encode(packet: unknown, options: { wsPreEncodedFrame?: Buffer[] }): unknown;
  };
  const options: { wsPreEncodedFrame?: Buffer[] } = {};
  adapter._encode({ type: 2, nsp: nsp.name, data: ['heard', data] }, options);
  return options.wsPreEncodedFrame;
}

/** A string whose broadcast's WebSocket frame (header, '4' and the packet) is `bytes` long. */
function framedAt(bytes: number): string {
  // A 2-byte header carries up to 125 payload bytes, a 4-byte one up to 65,535.
  const header = bytes - 2 <= 125 ? 2 : 4;
  return 'x'.repeat(bytes - header - '42/frames,["heard",""]'.length);
}

const PAYLOADS: Array<[string, unknown]> = [
  ['a small object', { text: 'hello', n: 1 }],
  ['text outside ASCII', { text: 'grüße, 你好, 🎉' }],
  ['a frame of 127 bytes (the longest with a 2-byte header)', framedAt(127)],
  ['a frame of exactly 64 KiB', framedAt(64 * 1024)],
  ['a frame just over 64 KiB', framedAt(64 * 1024 + 1)],
  ['300 KiB', 'y'.repeat(300 * 1024)],
];

describe.each([
  ['in-memory adapter', FramesGateway, false],
  ['Redis adapter', FramesGateway, true],
  ['permessage-deflate', DeflateGateway, false],
])('broadcast frames (%s)', (_name, gateway, withRedis) => {
  const prefix = uniquePrefix('frames');
  let app: TestApp;
  let nsp: Namespace;
  /** Two WebSocket clients and one that stays on HTTP long-polling, all in room r. */
  let clients: Socket[];

  beforeAll(async () => {
    const realtime: RealtimeModuleOptions = {
      auth: { secret: TEST_SECRET },
      ...(withRedis && { redis: { url: REDIS_URL, keyPrefix: prefix } }),
    };
    app = await TestApp.start({ realtime, providers: [gateway] });
    nsp = app.get<FramesGateway>(gateway).server;
    clients = await Promise.all([
      app.connectAs('a', '/frames'),
      app.connectAs('b', '/frames'),
      app.connectAs('c', '/frames', { transports: ['polling'] }),
    ]);
    await Promise.all(clients.map((c) => ask(c, 'join', { room: 'r' })));
  });

  afterAll(async () => {
    await app?.close();
    await deletePrefix(prefix);
  });

  /** Broadcasts `data` to the room and resolves with what each client received. */
  async function roundTrip(data: unknown): Promise<unknown[]> {
    const heard = Promise.all(clients.map((c) => once(c, 'heard')));
    await ask(clients[0], 'broadcast', { room: 'r', event: 'heard', data });
    return heard;
  }

  it('hands engine.io one buffer per broadcast: the whole frame, built once', () => {
    const frame = frameOf(nsp, { text: 'hello' });
    expect(frame).toHaveLength(1);
    const [buffer] = frame!;
    expect(buffer[0]).toBe(0x81); // FIN, text
    expect(buffer[1]).toBe(buffer.length - 2);
    expect(buffer.subarray(2).toString()).toBe('42/frames,["heard",{"text":"hello"}]');
  });

  it('leaves a frame over 64 KiB in two parts (no copy of a large payload)', () => {
    expect(frameOf(nsp, framedAt(64 * 1024))).toHaveLength(1);
    expect(frameOf(nsp, framedAt(64 * 1024 + 1))).toHaveLength(2);
  });

  it.each(PAYLOADS)(
    'delivers %s intact to every member, WebSocket and polling',
    async (_, data) => {
      await expect(roundTrip(data)).resolves.toEqual([data, data, data]);
    },
  );

  it('delivers binary payloads (several packets, never pre-framed) intact', async () => {
    const data = Buffer.from([0, 1, 2, 250, 255]);
    const got = (await roundTrip({ blob: data })) as Array<{ blob: Buffer }>;
    for (const each of got) expect(Buffer.from(each.blob)).toEqual(data);
  });

  it('keeps the order of broadcasts sent back to back', async () => {
    const received: number[][] = clients.map(() => []);
    const done = Promise.all(
      clients.map(
        (c, i) =>
          new Promise<void>((resolve) =>
            c.on('heard', (n: number) => {
              received[i].push(n);
              if (n === 49) resolve();
            }),
          ),
      ),
    );
    for (let n = 0; n < 50; n++) nsp.to('r').emit('heard', n);
    await done;
    for (const c of clients) c.off('heard');
    const expected = Array.from({ length: 50 }, (_, n) => n);
    expect(received).toEqual([expected, expected, expected]);
  });
});
