// Plain Socket.IO's server-side code, shared by the plain server (node http) and the
// plain-in-nest variant (the same code in a Nest app): the JWT verified in namespace middleware
// with jsonwebtoken (a KeyObject built once: the fastest way to call it), hand validation, and
// @socket.io/redis-adapter over ioredis when REDIS_URL is set.
import { createSecretKey } from 'node:crypto';
import { createAdapter } from '@socket.io/redis-adapter';
import { Redis } from 'ioredis';
import jwt from 'jsonwebtoken';
import type { Server, Socket } from 'socket.io';
import { BENCH_SECRET, validateRoom, validateSend } from '../shared.js';

const key = createSecretKey(Buffer.from(BENCH_SECRET));

export function servePlain(io: Server): void {
  if (process.env.REDIS_URL) {
    const pub = new Redis(process.env.REDIS_URL);
    const sub = pub.duplicate();
    io.adapter(createAdapter(pub, sub, { key: `${process.env.KEY_PREFIX ?? 'bench'}:io` }));
  }

  io.use((socket, next) => {
    const token = (socket.handshake.auth as { token?: unknown }).token;
    if (typeof token !== 'string') return next(refusal('Authentication token is missing'));
    try {
      const payload = jwt.verify(token, key, { algorithms: ['HS256'] }) as jwt.JwtPayload;
      if (typeof payload.sub !== 'string') return next(refusal('Token has no "sub" user id'));
      socket.data.user = payload;
      next();
    } catch (error) {
      next(refusal(`Invalid token: ${(error as Error).message}`));
    }
  });

  io.on('connection', (socket: Socket) => {
    socket.on('join', (body: unknown, ack?: (answer: unknown) => void) => {
      const room = validateRoom(body);
      if (!room) return reply(socket, ack, invalid('join', 'room must be a string of 1 to 100'));
      void socket.join(room);
      reply(socket, ack, { ok: true, room });
    });
    socket.on('send', (body: unknown, ack?: (answer: unknown) => void) => {
      const message = validateSend(body);
      if (!message)
        return reply(socket, ack, invalid('send', 'room and text (1 to 1000) required'));
      reply(socket, ack, { ok: true });
    });
  });
}

function refusal(message: string): Error {
  const err = new Error('UNAUTHORIZED') as Error & { data: unknown };
  err.data = { status: 'error', code: 'UNAUTHORIZED', message };
  return err;
}

function invalid(event: string, message: string) {
  return { status: 'error', code: 'VALIDATION_FAILED', message, event };
}

function reply(socket: Socket, ack: ((a: unknown) => void) | undefined, answer: unknown): void {
  if (typeof ack === 'function') ack(answer);
  else if ((answer as { status?: string }).status === 'error') socket.emit('exception', answer);
}
