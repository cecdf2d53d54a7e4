import type { Socket } from 'socket.io-client';
import { TestApp } from '../kit/app.js';
import { ask, once, refused } from '../kit/events.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';
import { LimitsGateway } from './fixtures.js';

interface Answer {
  status?: string;
  code?: string;
  retryAfter?: number;
}

describe('rate limits of incoming events', () => {
  let app: TestApp;
  const token = (sub: string) => ({ auth: { token: signToken({ sub }) } });

  beforeAll(async () => {
    app = await TestApp.start({
      realtime: {
        auth: { secret: TEST_SECRET },
        throttle: { limit: 20, burst: 40, maxViolations: 100 },
      },
      providers: [LimitsGateway],
    });
  });
  afterAll(() => app.close());

  it('a flood of 10,000 events gets RATE_LIMITED answers, then a disconnect; others keep working', async () => {
    const flooder = await app.connect('/limits', token('flooder'));
    const bystander = await app.connect('/limits', token('bystander'));
    const answers: Answer[] = [];
    const disconnected = once<string>(flooder, 'disconnect', 10_000);
    for (let i = 0; i < 10_000; i++) flooder.emit('echo', { i }, (a: Answer) => answers.push(a));

    // The bystander's round trips keep working during the flood.
    const roundTrips = await Promise.all(
      Array.from({ length: 20 }, (_, i) => ask(bystander, 'echo', { b: i })),
    );
    expect(roundTrips).toEqual(Array.from({ length: 20 }, (_, i) => ({ b: i })));

    await expect(disconnected).resolves.toBe('io server disconnect');
    const limited = answers.filter((a) => a.code === 'RATE_LIMITED');
    // Excess events never ran: at most the burst (40) and what refilled meanwhile. (Often none:
    // Socket.IO dispatches on the next tick, after the disconnect that the same batch caused.)
    const ran = LimitsGateway.runs.get('flooder') ?? 0;
    expect(ran).toBeLessThanOrEqual(60);
    expect(limited).toHaveLength(100); // maxViolations, then the disconnect
    expect(limited[0]).toMatchObject({ status: 'error', event: 'echo' });
    expect(limited[0].retryAfter).toBeGreaterThan(0);
    expect(limited[0].retryAfter).toBeLessThanOrEqual(0.05);
    await expect(ask(bystander, 'echo', 'still here')).resolves.toBe('still here');
  });

  it('sends RATE_LIMITED as an exception event when there is no ack', async () => {
    const client = await app.connect('/limits', token('no-ack'));
    const exception = once<Answer>(client, 'exception');
    for (let i = 0; i < 45; i++) client.emit('echo', i);
    await expect(exception).resolves.toMatchObject({ code: 'RATE_LIMITED', event: 'echo' });
  });

  it('@WsThrottle limits one handler more tightly; @SkipThrottle exempts one', async () => {
    const client = await app.connect('/limits', token('handler'));
    const expensive = await Promise.all(
      Array.from({ length: 5 }, () => ask<Answer | string>(client, 'expensive')),
    );
    expect(expensive.filter((a) => a === 'done')).toHaveLength(3);
    expect(
      expensive.filter((a) => typeof a === 'object' && a.code === 'RATE_LIMITED'),
    ).toHaveLength(2);
    // Exempt: more than the burst, all answered.
    const beats = await Promise.all(Array.from({ length: 60 }, () => ask(client, 'heartbeat')));
    expect(beats.every((b) => b === 'alive')).toBe(true);
  });
});

describe('per-user limit (one process)', () => {
  it('counts every socket of a user together', async () => {
    const app = await TestApp.start({
      realtime: {
        auth: { secret: TEST_SECRET },
        throttle: { limit: 100, burst: 100, perUser: 10 },
      },
      providers: [LimitsGateway],
    });
    try {
      const opts = { auth: { token: signToken({ sub: 'multi' }) } };
      const [s1, s2] = await Promise.all([
        app.connect('/limits', opts),
        app.connect('/limits', opts),
      ]);
      const answers = await Promise.all(
        Array.from({ length: 16 }, (_, i) => ask<Answer | number>(i % 2 ? s1 : s2, 'echo', i)),
      );
      const limited = answers.filter((a) => typeof a === 'object' && a.code === 'RATE_LIMITED');
      // 10 per second for the user across both sockets; a window may roll over mid-burst, so
      // between 10 and 20 are served and the rest refused.
      expect(limited.length).toBeGreaterThan(0);
      expect(answers.length - limited.length).toBeGreaterThanOrEqual(10);
      expect(answers.length - limited.length).toBeLessThanOrEqual(16);
      expect(LimitsGateway.runs.get('multi')).toBe(answers.length - limited.length);
    } finally {
      await app.close();
    }
  });
});

describe('handshakes per IP', () => {
  it('refuses connection attempts over the limit with RATE_LIMITED and retryAfter', async () => {
    const app = await TestApp.start({
      realtime: {
        auth: { secret: TEST_SECRET },
        limits: { handshakesPerIp: { limit: 5, windowMs: 60_000 } },
      },
      providers: [LimitsGateway],
    });
    try {
      for (let i = 0; i < 5; i++)
        await app.connect('/limits', { auth: { token: signToken({ sub: `ip${i}` }) } });
      const err = await refused(
        app.client('/limits', { auth: { token: signToken({ sub: 'ip6' }) } }),
      );
      expect(err.message).toBe('RATE_LIMITED');
      expect(err.data).toMatchObject({
        code: 'RATE_LIMITED',
        message: 'Too many connection attempts from this address',
      });
      expect(err.data?.retryAfter).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });
});

describe('room authorization', () => {
  let app: TestApp;
  let client: Socket;
  beforeAll(async () => {
    app = await TestApp.start({
      realtime: {
        auth: { secret: TEST_SECRET },
        canJoin: (user, room) =>
          !room.startsWith('vip:') || (user as { vip?: boolean }).vip === true,
      },
      providers: [LimitsGateway],
    });
    client = await app.connect('/limits', { auth: { token: signToken({ sub: 'joe' }) } });
  });
  afterAll(() => app.close());

  it('lets canJoin decide and answers FORBIDDEN through the error contract', async () => {
    await expect(ask(client, 'join', { room: 'lobby' })).resolves.toEqual({
      ok: true,
      rooms: ['lobby', 'user:joe'],
    });
    await expect(ask(client, 'join', { room: 'vip:lounge' })).resolves.toEqual({
      status: 'error',
      code: 'FORBIDDEN',
      message: 'Not allowed to join room "vip:lounge"',
      event: 'join',
    });
    const vip = await app.connect('/limits', {
      auth: { token: signToken({ sub: 'vera', vip: true }) },
    });
    await expect(ask(vip, 'join', { room: 'vip:lounge' })).resolves.toMatchObject({ ok: true });
  });

  it("never lets a socket into another user's personal room", async () => {
    await expect(ask(client, 'join', { room: 'user:vera' })).resolves.toMatchObject({
      code: 'FORBIDDEN',
    });
    await expect(ask(client, 'join', { room: 'user:joe' })).resolves.toMatchObject({ ok: true });
  });
});
