import { asyncApiToTypeScript } from '../../../lib/asyncapi/typescript/asyncapi-to-typescript.js';
import { fixtureDocument } from './fixture-document.js';
import { type Diagnostic, errorsOf, typeCheck } from './tsc.js';

/**
 * Client code type-checked by tsc against the types generated from the fixture document (every
 * namespace, so the prefixed pairs and the namespace map), as a strict NodeNext browser project
 * with socket.io-client would.
 */
const HEAD = `import { io, type Socket } from 'socket.io-client';
import type {
  NotificationsClientToServerEvents,
  NotificationsServerToClientEvents,
  RealtimeErrorShape,
  RealtimeNamespaces,
  SendMessageDto,
} from './realtime.js';

type Chat = RealtimeNamespaces['/chat'];
export const chat: Socket<Chat['serverToClient'], Chat['clientToServer']> = io(
  'https://example.test/chat',
);
export const notifications: Socket<
  NotificationsServerToClientEvents,
  NotificationsClientToServerEvents
> = io('https://example.test/notifications', { autoConnect: false });
`;

const GOOD = `${HEAD}
const message: SendMessageDto = {
  roomId: 'r1',
  text: 'hi',
  mentions: ['bob'],
  priority: 'high',
  attachment: { url: 'https://x.test/a.png', dimensions: [1, 2], meta: { alt: 'a' }, extra: { a: 1, b: true } },
  replyTo: null,
};
chat.emit('send_message', message, (result) => {
  if (result.status === 'ok') {
    const id: string = result.id;
    void id;
  } else {
    const error: RealtimeErrorShape = result;
    const retry: number | undefined = error.retryAfter;
    void retry;
  }
});
chat.emit('list_rooms', (result) => {
  if (result.status !== 'ok') return;
  for (const room of result.rooms) {
    const kind: 'public' | 'private' = room.kind;
    void kind;
    void room.parent?.parent?.title;
  }
});
chat.emit('typing', { roomId: 'r1', typing: true });
chat.on('typing', (notice) => void notice.roomId);
chat.on('new_message', (m) => {
  const name: string = m.user.name;
  void name;
});
chat.on('presence:online', (p) => void p.userId);
chat.on('exception', (e) => void e.code);
chat.on('connect_error', (err) => void err.message);
notifications.on('notification', (n) => {
  const level: 1 | 2 | 3 | null | undefined = n.level;
  void level;
});
notifications.emit('notify_me', (r) => void r.status);
export async function sendWithAck(): Promise<string> {
  const result = await chat.timeout(5000).emitWithAck('send_message', { roomId: 'r1', text: 'hi' });
  return result.status === 'ok' ? result.id : result.code;
}
chat.timeout(5000).emit('send_message', { roomId: 'r1', text: 'hi' }, (err, result) => {
  if (err) return;
  void result.status;
});
`;

const BAD: Record<string, string> = {
  'wrong-emit-event.ts': `${HEAD}chat.emit('send_mesage', { roomId: 'r1', text: 'hi' });\n`,
  'wrong-listen-event.ts': `${HEAD}chat.on('new_mesage', (m: unknown) => void m);\n`,
  'wrong-field.ts': `${HEAD}chat.emit('send_message', { roomId: 'r1', txt: 'hi' }, () => {});\n`,
  'missing-field.ts': `${HEAD}chat.emit('send_message', { roomId: 'r1' }, () => {});\n`,
  'wrong-enum.ts': `${HEAD}chat.emit('send_message', { roomId: 'r1', text: 'hi', priority: 'urgent' }, () => {});\n`,
  'wrong-nested-field.ts': `${HEAD}chat.emit('send_message', { roomId: 'r1', text: 'hi', attachment: { uri: 'x' } }, () => {});\n`,
  'ack-left-out.ts': `${HEAD}chat.emit('send_message', { roomId: 'r1', text: 'hi' });\n`,
  'wrong-ack-type.ts': `${HEAD}chat.emit('send_message', { roomId: 'r1', text: 'hi' }, (result: { status: 'ok'; id: number }) => void result);\n`,
  'ack-without-error.ts': `${HEAD}chat.emit('send_message', { roomId: 'r1', text: 'hi' }, (result: { status: 'ok'; id: string }) => void result);\n`,
  'wrong-result-use.ts': `${HEAD}chat.emit('send_message', { roomId: 'r1', text: 'hi' }, (result) => {
  if (result.status === 'ok') {
    const id: number = result.id;
    void id;
  }
});\n`,
  'wrong-namespace-event.ts': `${HEAD}notifications.emit('send_message', { roomId: 'r1', text: 'hi' });\n`,
};

describe('generated types, compiled with tsc against socket.io-client', () => {
  let diagnostics: Diagnostic[];

  beforeAll(async () => {
    diagnostics = await typeCheck({
      'realtime.ts': asyncApiToTypeScript(fixtureDocument),
      'good.ts': GOOD,
      ...BAD,
    });
  }, 120_000);

  it('compiles the generated module and a client that uses every event as declared', () => {
    expect(errorsOf(diagnostics, 'realtime.ts')).toEqual([]);
    expect(errorsOf(diagnostics, 'good.ts')).toEqual([]);
  });

  it('fails a misspelt event name, emitted or listened to, with TS2345 naming it', () => {
    expect(errorsOf(diagnostics, 'wrong-emit-event.ts')).toEqual([
      expect.stringMatching(/^TS2345: Argument of type '"send_mesage"' is not assignable/),
    ]);
    expect(errorsOf(diagnostics, 'wrong-listen-event.ts')).toEqual([
      expect.stringMatching(/^TS2345: Argument of type '"new_mesage"' is not assignable/),
    ]);
    expect(errorsOf(diagnostics, 'wrong-namespace-event.ts')).toEqual([
      expect.stringMatching(/^TS2345: Argument of type '"send_message"' is not assignable/),
    ]);
  });

  it('fails a wrong payload field: unknown (TS2561), missing (TS2345), nested, or not in the enum (TS2322)', () => {
    expect(errorsOf(diagnostics, 'wrong-field.ts')).toEqual([
      expect.stringMatching(
        /^TS2561: Object literal may only specify known properties, but 'txt' does not exist in type 'SendMessageDto'/,
      ),
    ]);
    expect(errorsOf(diagnostics, 'missing-field.ts')).toEqual([
      expect.stringMatching(
        /^TS2345: [\s\S]*Property 'text' is missing in type '\{ roomId: string; \}' but required in type 'SendMessageDto'/,
      ),
    ]);
    expect(errorsOf(diagnostics, 'wrong-nested-field.ts')).toEqual([
      expect.stringMatching(/^TS2353: [\s\S]*'uri' does not exist in type 'Attachment'/),
    ]);
    expect(errorsOf(diagnostics, 'wrong-enum.ts')).toEqual([
      expect.stringMatching(/^TS2322: Type '"urgent"' is not assignable to type '.*"normal"/),
    ]);
  });

  it('fails an ack callback that expects another result, or ignores the error shape (TS2345), or misuses the result (TS2322)', () => {
    expect(errorsOf(diagnostics, 'wrong-ack-type.ts')).toEqual([
      expect.stringMatching(
        /^TS2345: Argument of type '\(result: \{ status: "ok"; id: number; \}\) => (void|undefined)' is not assignable to parameter of type '\(result: (RealtimeErrorShape \| ChatSendMessageResult|ChatSendMessageResult \| RealtimeErrorShape)\) => void'/,
      ),
    ]);
    // An event the server acknowledges takes the callback (or emitWithAck): the result is the contract.
    expect(errorsOf(diagnostics, 'ack-left-out.ts')).toEqual([
      'TS2554: Expected 3 arguments, but got 2.',
    ]);
    expect(errorsOf(diagnostics, 'ack-without-error.ts')).toEqual([
      expect.stringMatching(
        /^TS2345: [\s\S]*Property 'id' is missing in type 'RealtimeErrorShape' but required/,
      ),
    ]);
    expect(errorsOf(diagnostics, 'wrong-result-use.ts')).toEqual([
      "TS2322: Type 'string' is not assignable to type 'number'.",
    ]);
  });
});
