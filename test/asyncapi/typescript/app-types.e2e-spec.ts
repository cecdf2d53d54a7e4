import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { generateClientTypes, RealtimeModule } from '../../../lib/index.js';
import { FIXTURE_GATEWAYS, FIXTURE_OPTIONS } from '../fixtures.js';
import { readReadme, section } from '../../package/readme.js';
import { type Diagnostic, errorsOf, typeCheck } from './tsc.js';
import { AppModule } from './typed-app.js';

/**
 * Types generated from real apps' documents (buildAsyncApiDocument on an application context):
 * the typed app's DTOs (nested, arrays, optional, enums, inheritance, @ValidateNested), its acks
 * and declared emits, then client code compiled against them with tsc.
 */
function block(source: string, name: string): string {
  const match = new RegExp(`^export (interface|type) ${name}\\b[\\s\\S]*?^[}].*$`, 'm').exec(
    source,
  );
  if (!match) throw new Error(`no declaration of ${name} in:\n${source}`);
  return match[0];
}

const HEAD = `import { io, type Socket } from 'socket.io-client';
import type {
  ChatClientToServerEvents,
  ChatServerToClientEvents,
  RealtimeErrorCode,
  RealtimeNamespaces,
} from './realtime.js';

export const chat: Socket<ChatServerToClientEvents, ChatClientToServerEvents> = io(
  'https://example.test/chat',
  { auth: { token: 'a.jwt.token' } },
);
type Notifications = RealtimeNamespaces['/notifications'];
export const notifications: Socket<
  Notifications['serverToClient'],
  Notifications['clientToServer']
> = io('https://example.test/notifications');
`;

const GOOD = `${HEAD}
chat.emit(
  'send_message',
  {
    roomId: 'r1',
    text: 'hi',
    priority: 'high',
    mentions: ['ann'],
    attachment: { url: 'https://x.test/a.png', size: 3 },
    gallery: [{ url: 'https://x.test/b.png' }],
  },
  (result) => {
    if (result.status === 'ok') {
      const id: string = result.id;
      void id;
    } else {
      const code: RealtimeErrorCode = result.code;
      const fields = result.details?.map((detail) => detail.field);
      void code;
      void fields;
    }
  },
);
chat.emit('list_rooms', (result) => {
  if ('rooms' in result) {
    for (const room of result.rooms) {
      const visibility: 'public' | 'private' = room.visibility;
      void visibility;
    }
  } else void result.message;
});
chat.emit('typing', { roomId: 'r1', typing: true }, (result: unknown) => void result);
chat.on('new_message', (message) => {
  const name: string = message.user.name;
  const priority: 'low' | 'normal' | 'high' | undefined = message.priority;
  void name;
  void priority;
});
chat.on('typing', (notice) => void notice.typing);
chat.on('presence:online', (user) => void user.userId);
chat.on('auth:expired', (notice) => void notice.graceMs);
chat.on('exception', (error) => void error.code);
chat.emit('auth:refresh', 'a.new.token', (result) => {
  if ('ok' in result) void result.exp;
});
notifications.on('notification', (notification) => void notification.title);
export async function markRead(): Promise<number> {
  const result = await notifications.emitWithAck('mark_read', { ids: ['a'] });
  return 'unread' in result ? result.unread : -1;
}
`;

const BAD: Record<string, string> = {
  'wrong-event.ts': `${HEAD}chat.emit('send_mesage', { roomId: 'r1', text: 'hi' }, () => {});\n`,
  'other-namespace-event.ts': `${HEAD}chat.emit('mark_read', { ids: [] }, () => {});\n`,
  'wrong-field.ts': `${HEAD}chat.emit('send_message', { roomId: 'r1', txt: 'hi' }, () => {});\n`,
  'inherited-field-missing.ts': `${HEAD}chat.emit('send_message', { text: 'hi' }, () => {});\n`,
  'wrong-nested-field.ts': `${HEAD}chat.emit('send_message', { roomId: 'r1', text: 'hi', gallery: [{ uri: 'x' }] }, () => {});\n`,
  'wrong-enum.ts': `${HEAD}chat.emit('send_message', { roomId: 'r1', text: 'hi', priority: 'urgent' }, () => {});\n`,
  'wrong-ack.ts': `${HEAD}chat.emit('send_message', { roomId: 'r1', text: 'hi' }, (result: { status: 'ok'; id: string }) => void result);\n`,
  'wrong-listener.ts': `${HEAD}chat.on('new_message', (message: { text: number }) => void message);\n`,
};

describe('generateClientTypes on a real app', () => {
  let app: INestApplicationContext;
  let source: string;
  let written: string;
  let diagnostics: Diagnostic[];

  beforeAll(async () => {
    app = await NestFactory.createApplicationContext(AppModule, { logger: false });
    const dir = mkdtempSync(join(tmpdir(), 'nestjs-realtime-generate-'));
    try {
      const out = join(dir, 'nested', 'realtime.d.ts');
      source = await generateClientTypes(app, { out });
      written = readFileSync(out, 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    diagnostics = await typeCheck({ 'realtime.d.ts': source, 'good.ts': GOOD, ...BAD });
  }, 120_000);

  afterAll(async () => {
    await app?.close();
  });

  it('returns the source and writes it to `out` (folders created)', () => {
    expect(written).toBe(source);
    expect(source).toMatch(/^\/\/ Generated by nestjs-realtime from the AsyncAPI document/);
  });

  it('types each handler with its DTO and its ack: the declared result class or the error shape', () => {
    const emits = block(source, 'ChatClientToServerEvents');
    expect(emits).toContain(
      [
        '  send_message: (',
        '    payload: SendMessageDto,',
        '    ack: (result: SendMessageResult | ChatSendMessageError) => void,',
        '  ) => void;',
      ].join('\n'),
    );
    expect(emits).toContain(
      '  list_rooms: (ack: (result: RoomListResult | ChatListRoomsError) => void) => void;',
    );
    // A handler without a declared return class: its ack may be anything.
    expect(emits).toContain(
      '  typing: (payload: TypingDto, ack: (result: unknown) => void) => void;',
    );
    expect(block(source, 'ChatSendMessageError')).toMatch(
      /^export type ChatSendMessageError = RealtimeErrorShape & \{\n {2}code\?:\n {4}\| 'UNAUTHORIZED'/,
    );
    expect(block(source, 'RealtimeErrorShape')).toContain('  code: RealtimeErrorCode;\n');
  });

  it('types the events the gateways declare with @RealtimeEmits and the library sends', () => {
    const listens = block(source, 'ChatServerToClientEvents');
    expect(listens).toContain('  new_message: (payload: ChatMessageDto) => void;');
    expect(listens).toContain('  typing: (payload: TypingDto) => void;');
    expect(listens).toContain('  exception: (payload: RealtimeErrorShape) => void;');
    expect(listens).toContain("  'presence:online': (payload: PresenceUser) => void;");
    expect(block(source, 'NotificationsServerToClientEvents')).toContain(
      '  notification: (payload: NotificationDto) => void;',
    );
  });

  it('writes the DTOs: nested classes, arrays of classes and strings, optional fields, enums, inherited fields', () => {
    const dto = block(source, 'SendMessageDto');
    for (const line of [
      '  text: string;',
      "  priority?: 'low' | 'normal' | 'high';",
      '  mentions?: string[];',
      '  attachment?: AttachmentDto;',
      '  gallery?: AttachmentDto[];',
      '  roomId: string;',
    ]) {
      expect(dto).toContain(`${line}\n`);
    }
    expect(block(source, 'AttachmentDto')).toBe(
      'export interface AttachmentDto {\n  url: string;\n  size?: number;\n}',
    );
    expect(block(source, 'ChatMessageDto')).toContain('  user: PublicUserDto;\n');
    expect(block(source, 'RoomListResult')).toContain('  rooms: RoomDto[];\n');
    expect(block(source, 'RoomDto')).toContain("  visibility: 'public' | 'private';\n");
  });

  it('compiles with a client that uses the events as declared', () => {
    expect(errorsOf(diagnostics, 'realtime.d.ts')).toEqual([]);
    expect(errorsOf(diagnostics, 'good.ts')).toEqual([]);
  });

  it('fails a wrong event name, a wrong field, a missing inherited field, a wrong enum value, a wrong ack or listener', () => {
    const expected: Record<string, RegExp> = {
      'wrong-event.ts': /^TS2345: Argument of type '"send_mesage"' is not assignable/,
      'other-namespace-event.ts': /^TS2345: Argument of type '"mark_read"' is not assignable/,
      'wrong-field.ts': /^TS2561: [\s\S]*'txt' does not exist in type 'SendMessageDto'/,
      'inherited-field-missing.ts':
        /^TS2345: [\s\S]*Property 'roomId' is missing in type '\{ text: string; \}' but required in type 'SendMessageDto'/,
      'wrong-nested-field.ts': /^TS2353: [\s\S]*'uri' does not exist in type 'AttachmentDto'/,
      'wrong-enum.ts': /^TS2322: Type '"urgent"' is not assignable to type '.*"high"/,
      'wrong-ack.ts':
        /^TS2345: [\s\S]*Property 'id' is missing in type 'ChatSendMessageError' but required in type '\{ status: "ok"; id: string; \}'/,
      'wrong-listener.ts': /^TS2345: [\s\S]*Type 'string' is not assignable to type 'number'/,
    };
    for (const [file, pattern] of Object.entries(expected)) {
      expect({ file, errors: errorsOf(diagnostics, file) }).toEqual({
        file,
        errors: [expect.stringMatching(pattern)],
      });
    }
  });

  it("compiles the README's client example against the types of the app's /chat", async () => {
    const text = section(readReadme(), 'The event contract (AsyncAPI)');
    const example = [...text.matchAll(/^( *)```ts\n([\s\S]*?)^\1```$/gm)]
      .map(([, indent, code]) => code.replace(new RegExp(`^${indent}`, 'gm'), ''))
      .find((code) => code.includes('Socket<ServerToClientEvents, ClientToServerEvents>'));
    expect(example).toBeDefined();
    const declared =
      'declare const token: string;\ndeclare function render(...args: string[]): void;\n';
    const types = await generateClientTypes(app, { namespace: '/chat' });
    const diagnostics = await typeCheck({
      'realtime.d.ts': types,
      'example.ts': `${declared}${example}`,
      'typo.ts': `${declared}${example!.replace("'send_message'", "'send_mesage'")}`,
    });
    expect(errorsOf(diagnostics, 'example.ts')).toEqual([]);
    expect(errorsOf(diagnostics, 'typo.ts')).toEqual([
      expect.stringMatching(/^TS2345: Argument of type '"send_mesage"'/),
    ]);
  }, 60_000);

  it('with namespace, gives that namespace as the unprefixed pair', async () => {
    const notifications = await generateClientTypes(app, { namespace: '/notifications' });
    expect(notifications).toContain(
      '  mark_read: (payload: MarkReadDto, ack: (result: MarkReadResult | MarkReadError) => void) => void;',
    );
    expect(notifications).toMatch(/^export interface ServerToClientEvents \{$/m);
    expect(notifications).not.toContain('SendMessageDto');
    await expect(generateClientTypes(app, { namespace: '/missing' })).rejects.toThrow(
      'The AsyncAPI document has no namespace "/missing"; its namespaces: /chat, /notifications',
    );
  });
});

@Module({
  imports: [RealtimeModule.forRoot(FIXTURE_OPTIONS)],
  providers: FIXTURE_GATEWAYS,
})
class AsyncApiFixtureModule {}

describe('generateClientTypes on the AsyncAPI test app (root, dynamic and public namespaces)', () => {
  it('declares a pair per namespace, and compiles', async () => {
    const app = await NestFactory.createApplicationContext(AsyncApiFixtureModule, {
      logger: false,
    });
    let source: string;
    try {
      source = await generateClientTypes(app);
    } finally {
      await app.close();
    }
    const pairs = [...source.matchAll(/^export interface (\w+)ServerToClientEvents \{$/gm)];
    expect(pairs.map((pair) => pair[1])).toEqual(['Root', 'Dynamic', 'Orders', 'Plain', 'Public']);
    // The dynamic namespace is keyed by its pattern; two classes named ItemDto get two types.
    const map = source.slice(source.indexOf('export interface RealtimeNamespaces'));
    expect([...map.matchAll(/^ {2}('.*'): \{$/gm)].map((key) => key[1])).toEqual([
      "'/'",
      "'/^\\\\/tenant-\\\\d+$/'",
      "'/orders'",
      "'/plain'",
      "'/public'",
    ]);
    expect(source).toContain(
      '  catalog_item: (payload: ItemDto, ack: (result: unknown) => void) => void;',
    );
    expect(source).toContain(
      '  inventory_item: (payload: ItemDto2, ack: (result: unknown) => void) => void;',
    );
    const usage = `import { io, type Socket } from 'socket.io-client';
import type { RealtimeNamespaces } from './realtime.js';
type Root = RealtimeNamespaces['/'];
export const root: Socket<Root['serverToClient'], Root['clientToServer']> = io('https://x.test');
`;
    const diagnostics = await typeCheck({ 'realtime.ts': source, 'usage.ts': usage });
    expect(diagnostics.map((d) => `${d.file}: ${d.code}: ${d.message}`)).toEqual([]);
  }, 60_000);
});
