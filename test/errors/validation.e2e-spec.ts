import type { Socket } from 'socket.io-client';
import { TestApp } from '../kit/app.js';
import { ask } from '../kit/events.js';
import { ErrorsGateway } from './fixtures.js';

const validOrder = () => ({ title: 'lunch', items: [{ name: 'soup', qty: 2 }] });

describe('WsValidationPipe', () => {
  let app: TestApp;
  let client: Socket;

  beforeAll(async () => {
    app = await TestApp.start({ providers: [ErrorsGateway] });
    client = await app.connect('/errors');
  });
  afterAll(() => app.close());

  it('transforms a valid payload into DTO instances', async () => {
    await expect(ask(client, 'order', validOrder())).resolves.toMatchObject({
      ok: true,
      isDto: true,
      itemIsDto: true,
    });
  });

  it('waits for asynchronous rules and keeps class defaults', async () => {
    await expect(ask(client, 'claim', { handle: 'ann' })).resolves.toEqual({
      isDto: true,
      body: { handle: 'ann', note: 'none' },
    });
    await expect(ask(client, 'claim', { handle: 'taken' })).resolves.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ field: 'handle', constraints: { handleIsFree: 'handle is taken' } }],
    });
  });

  it('reports nested and array fields by path', async () => {
    const answer = await ask<{
      code: string;
      details: Array<{ field: string; constraints: object }>;
    }>(client, 'order', {
      title: '',
      items: [
        { name: 'ok', qty: 1 },
        { name: 7, qty: 500 },
      ],
      gift: { name: 'x', qty: 0 },
    });
    expect(answer.code).toBe('VALIDATION_FAILED');
    const fields = answer.details.map((d) => d.field).sort();
    expect(fields).toEqual(['gift.qty', 'items.1.name', 'items.1.qty', 'title']);
    expect(answer.details.find((d) => d.field === 'items.1.qty')?.constraints).toEqual({
      max: 'qty must not be greater than 99',
    });
  });

  it('forbids properties the DTO does not declare', async () => {
    const answer = await ask<{ code: string; details: Array<{ field: string }> }>(client, 'order', {
      ...validOrder(),
      isAdmin: true,
    });
    expect(answer).toMatchObject({ code: 'VALIDATION_FAILED', event: 'order' });
    expect(answer.details).toEqual([
      {
        field: 'isAdmin',
        constraints: { whitelistValidation: 'property isAdmin should not exist' },
      },
    ]);
  });

  it.each([
    ['a string', 'hello'],
    ['a number', 42],
    ['null', null],
    ['an array', [validOrder()]],
    ['a boolean', true],
    ['binary', Buffer.from('binary')],
  ])('answers %s with VALIDATION_FAILED, never a crash', async (_name, payload) => {
    await expect(ask(client, 'order', payload)).resolves.toMatchObject({
      status: 'error',
      code: 'VALIDATION_FAILED',
      event: 'order',
    });
  });

  it('answers a missing payload with VALIDATION_FAILED', async () => {
    await expect(ask(client, 'order')).resolves.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('refuses prototype keys without polluting prototypes', async () => {
    for (const raw of [
      '{"title":"x","items":[],"__proto__":{"polluted":true}}',
      '{"title":"x","items":[{"name":"a","qty":1,"constructor":{"prototype":{"polluted":true}}}]}',
      '{"title":"x","items":[],"gift":{"__proto__":{"polluted":true},"name":"a","qty":1}}',
    ]) {
      const answer = await ask(client, 'order', JSON.parse(raw));
      expect(answer).toMatchObject({ code: 'VALIDATION_FAILED' });
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses absurdly deep nesting instead of overflowing the stack', async () => {
    let deep: Record<string, unknown> = { name: 'x', qty: 1 };
    for (let i = 0; i < 2000; i++) deep = { gift: deep };
    await expect(ask(client, 'order', { ...validOrder(), gift: deep })).resolves.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('passes payloads of non-class parameters through untouched (opt-out)', async () => {
    await expect(ask(client, 'raw', 'just text')).resolves.toEqual({ echo: 'just text' });
    await expect(ask(client, 'raw', { any: ['thing'] })).resolves.toEqual({
      echo: { any: ['thing'] },
    });
  });
});

/** Deterministic PRNG so a failing payload can be reproduced. */
function prng(seed: number) {
  return () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
}

function randomPayload(rand: () => number, depth = 0): unknown {
  const pick = Math.floor(rand() * 14);
  const str = () => 'x'.repeat(Math.floor(rand() * 30));
  switch (depth > 6 ? pick % 5 : pick) {
    case 0:
      return null;
    case 1:
      return rand() * 1e6 - 5e5;
    case 2:
      return str();
    case 3:
      return rand() > 0.5;
    case 4:
      return Math.floor(rand() * 200);
    case 5:
      return Array.from({ length: Math.floor(rand() * 6) }, () => randomPayload(rand, depth + 1));
    case 6: {
      const obj: Record<string, unknown> = {};
      for (let i = 0; i < rand() * 6; i++) obj[str() || 'k'] = randomPayload(rand, depth + 1);
      return obj;
    }
    case 7:
      return {
        ...validOrder(),
        items: [{ name: randomPayload(rand, depth + 1), qty: randomPayload(rand, depth + 1) }],
      };
    case 8:
      return JSON.parse(
        `{"title":"t","items":[],"${['__proto__', 'constructor', 'prototype'][Math.floor(rand() * 3)]}":{"polluted":1}}`,
      );
    case 9:
      return 'y'.repeat(Math.floor(rand() * 200_000));
    case 10: {
      let nested: unknown = 'leaf';
      for (let i = 0; i < rand() * 300; i++)
        nested = [nested, { n: nested === null ? 1 : 0 }].slice(0, 1);
      return { title: 't', items: nested };
    }
    case 11:
      return Buffer.from(
        Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)),
      );
    case 12:
      return [1, 'two', null, { three: [3] }, true, Buffer.from('4')];
    default:
      return validOrder();
  }
}

describe('fuzzing a validated handler', () => {
  it('answers 5,000 random payloads, stays up, and keeps prototypes clean', async () => {
    // Rate limits off: this test is about validation, and it sends 100 events at a time.
    const app = await TestApp.start({ realtime: { throttle: false }, providers: [ErrorsGateway] });
    try {
      const fuzzer = await app.connect('/errors');
      const bystander = await app.connect('/errors');
      const rand = prng(20261122);
      const codes = new Map<string, number>();
      const batch = 100;
      for (let sent = 0; sent < 5000; sent += batch) {
        const answers = await Promise.all(
          Array.from({ length: batch }, () =>
            ask<{ ok?: boolean; code?: string }>(fuzzer, 'order', randomPayload(rand)),
          ),
        );
        for (const answer of answers) {
          const key = answer.ok ? 'ok' : String(answer.code);
          codes.set(key, (codes.get(key) ?? 0) + 1);
        }
      }
      const total = [...codes.values()].reduce((a, b) => a + b, 0);
      expect(total).toBe(5000);
      // Every answer is a success, a validation failure or a too-large payload (over 64 KiB):
      // nothing fell through to INTERNAL_ERROR.
      expect([...codes.keys()].sort()).toEqual(['PAYLOAD_TOO_LARGE', 'VALIDATION_FAILED', 'ok']);
      expect(fuzzer.connected).toBe(true);
      await expect(ask(bystander, 'order', validOrder())).resolves.toMatchObject({ ok: true });
      expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
