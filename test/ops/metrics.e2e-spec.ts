import { Controller, Get, Header } from '@nestjs/common';
import { ConnectedSocket, SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import { Registry } from 'prom-client';
import type { Socket } from 'socket.io';
import {
  RealtimeErrorCode,
  RealtimeException,
  RealtimeGateway,
  RealtimeMetrics,
  type RealtimeModuleOptions,
} from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { ask, once, refused } from '../kit/events.js';
import { REDIS_URL, uniquePrefix } from '../kit/redis.js';
import { signToken, TEST_SECRET } from '../kit/tokens.js';

@RealtimeGateway({ namespace: '/ops' })
class OpsGateway {
  @SubscribeMessage('echo')
  echo() {
    return { ok: true };
  }

  @SubscribeMessage('forbidden')
  forbidden() {
    throw new RealtimeException(RealtimeErrorCode.FORBIDDEN, 'no');
  }

  /** Queues more than limits.maxBufferedBytes for this client at once. */
  @SubscribeMessage('flood')
  flood(@ConnectedSocket() socket: Socket) {
    socket.emit('big', 'x'.repeat(4096));
  }
}

@WebSocketGateway()
class RootGateway {}

/** What a host app writes: its /metrics route serving the registry. */
@Controller()
class MetricsController {
  constructor(private readonly metrics: RealtimeMetrics) {}

  @Get('metrics')
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  scrape(): Promise<string> {
    return this.metrics.metrics();
  }
}

interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text format into samples by metric name. */
function parse(text: string): Map<string, Sample[]> {
  const samples = new Map<string, Sample[]>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`unparseable metrics line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)) {
      labels[key] = value;
    }
    const list = samples.get(match[1]) ?? [];
    list.push({ labels, value: Number(match[3]) });
    samples.set(match[1], list);
  }
  return samples;
}

async function scrape(app: TestApp) {
  const response = await fetch(`${app.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
  const samples = parse(await response.text());
  /** The value of the sample with exactly these labels (0 when absent, as Prometheus reads it). */
  return (name: string, labels: Record<string, string> = {}): number => {
    const match = (samples.get(name) ?? []).find(
      (s) =>
        Object.keys(s.labels).length === Object.keys(labels).length &&
        Object.entries(labels).every(([k, v]) => s.labels[k] === v),
    );
    return match?.value ?? 0;
  };
}

function start(realtime: RealtimeModuleOptions) {
  return TestApp.start({
    realtime,
    providers: [OpsGateway, RootGateway],
    controllers: [MetricsController],
  });
}

describe('Prometheus metrics on a real /metrics endpoint', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await start({
      auth: { secret: TEST_SECRET },
      metrics: { enabled: true, registry: new Registry() },
      throttle: { limit: 1, burst: 2, maxViolations: 3 },
      limits: { maxBufferedBytes: 1024 },
    });
  });

  afterAll(() => app?.close());

  const auth = (sub: string) => ({ auth: { token: signToken({ sub }) } });

  it('counts connections, handshakes, events by handler name, errors and rate limits', async () => {
    const [alice, bob, gina] = await Promise.all([
      app.connect('/ops', auth('alice')),
      app.connect('/ops', auth('bob')),
      app.connect('/ops', auth('gina')),
    ]);
    await app.connect('/', auth('carol'));
    await refused(app.client('/ops'));
    await refused(app.client('/ops', { auth: { token: 'not-a-jwt' } }));

    await expect(ask(alice, 'echo')).resolves.toEqual({ ok: true });
    // Not a handler: counted as "other", never as its own label (bounded cardinality). Each is
    // followed by an ack round trip on the same socket, so it has arrived before the scrape.
    bob.emit('no_such_handler_1');
    await expect(ask(bob, 'forbidden')).resolves.toMatchObject({ code: 'FORBIDDEN' });
    gina.emit('no_such_handler_2');
    await expect(ask(gina, 'echo')).resolves.toEqual({ ok: true });

    // alice's bucket (burst 2) had one token used: one more passes, the next is refused.
    await expect(ask(alice, 'echo')).resolves.toEqual({ ok: true });
    await expect(ask(alice, 'echo')).resolves.toMatchObject({ code: 'RATE_LIMITED' });

    const value = await scrape(app);
    expect(value('realtime_connections', { namespace: '/ops' })).toBe(3);
    expect(value('realtime_connections', { namespace: '/' })).toBe(1);
    expect(value('realtime_handshakes_accepted_total', { namespace: '/ops' })).toBe(3);
    expect(value('realtime_handshakes_accepted_total', { namespace: '/' })).toBe(1);
    expect(
      value('realtime_handshakes_rejected_total', { namespace: '/ops', code: 'UNAUTHORIZED' }),
    ).toBe(2);
    expect(value('realtime_events_received_total', { namespace: '/ops', event: 'echo' })).toBe(4);
    expect(value('realtime_events_received_total', { namespace: '/ops', event: 'forbidden' })).toBe(
      1,
    );
    expect(value('realtime_events_received_total', { namespace: '/ops', event: 'other' })).toBe(2);
    expect(value('realtime_errors_total', { code: 'FORBIDDEN' })).toBe(1);
    // no_such_handler_1 and _2: answered NOT_FOUND
    expect(value('realtime_errors_total', { code: 'NOT_FOUND' })).toBe(2);
    expect(value('realtime_errors_total', { code: 'RATE_LIMITED' })).toBe(1);
    expect(value('realtime_rate_limited_total', { kind: 'event' })).toBe(1);
    expect(value('realtime_adapter_state', { mode: 'memory', state: 'memory' })).toBe(1);
    expect(value('realtime_adapter_state', { mode: 'memory', state: 'degraded' })).toBe(0);
  });

  it('counts rate-limit disconnects and slow-client disconnects', async () => {
    const before = await scrape(app);
    const flooder = await app.connect('/ops', auth('dave'));
    const gone = once(flooder, 'disconnect');
    // burst 2, then every refusal is a violation; the third one disconnects
    for (let i = 0; i < 5; i++) flooder.emit('echo');
    await gone;

    const slow = await app.connect('/ops', auth('erin'));
    const dropped = once(slow, 'disconnect');
    slow.emit('flood');
    await dropped;

    const after = await scrape(app);
    expect(after('realtime_rate_limit_disconnects_total')).toBe(
      before('realtime_rate_limit_disconnects_total') + 1,
    );
    expect(after('realtime_slow_client_disconnects_total')).toBe(
      before('realtime_slow_client_disconnects_total') + 1,
    );
    expect(after('realtime_rate_limited_total', { kind: 'event' })).toBe(
      before('realtime_rate_limited_total', { kind: 'event' }) + 3,
    );
  });
});

describe('metrics with the Redis adapter', () => {
  it('reports the adapter as connected', async () => {
    const app = await start({
      redis: { url: REDIS_URL, keyPrefix: uniquePrefix('metrics') },
      metrics: { enabled: true, prefix: 'chat_rt_', registry: new Registry() },
    });
    try {
      const value = await scrape(app);
      expect(value('chat_rt_adapter_state', { mode: 'pubsub', state: 'connected' })).toBe(1);
      expect(value('chat_rt_adapter_state', { mode: 'pubsub', state: 'degraded' })).toBe(0);
    } finally {
      await app.close();
    }
  });
});

describe('metrics switched off (the default)', () => {
  it('registers nothing', async () => {
    const app = await start({});
    try {
      const metrics = app.get(RealtimeMetrics);
      expect(metrics.enabled).toBe(false);
      expect(metrics.registry).toBeUndefined();
      await expect(metrics.metrics()).resolves.toBe('');
    } finally {
      await app.close();
    }
  });
});
