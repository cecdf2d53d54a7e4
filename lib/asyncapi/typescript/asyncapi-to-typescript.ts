import { dereference, isObject, type JsonObject, pointerTokens, refOf } from './document-refs.js';
import { docComment, NameRegistry, pascalCase, propertyKey, quote } from './identifiers.js';
import { normalizeNamespace } from '../../core/namespace.js';
import { LIBRARY_SCHEMAS } from '../library-events.js';
import { SchemaTypes, union } from './schema-to-typescript.js';

export interface AsyncApiToTypeScriptOptions {
  /**
   * Only this namespace (`'/chat'`, `'chat'` or its channel id), its events as the unprefixed
   * `ServerToClientEvents` and `ClientToServerEvents`. Without it, a document of one namespace
   * gives the unprefixed pair and one of several gives a prefixed pair per namespace
   * (`ChatServerToClientEvents`, ...).
   */
  namespace?: string;
}

/** Names Socket.IO keeps for itself: a client can neither emit them nor listen to them as events. */
const RESERVED_EVENTS = new Set([
  'connect',
  'connect_error',
  'disconnect',
  'disconnecting',
  'newListener',
  'removeListener',
]);
const LINE_WIDTH = 100;
/** Type names for some component schemas: the library's error shape keeps its server-side name. */
const TYPE_NAMES = { [LIBRARY_SCHEMAS.error]: 'RealtimeErrorShape' };

type Direction = 'serverToClient' | 'clientToServer';

interface Channel {
  id: string;
  namespace: string;
  /** A dynamic namespace's channel: its pattern, or no address. */
  dynamic: boolean;
  value: JsonObject;
  interfaces: Record<Direction, string>;
  /** What the names of its own inline payloads start with (`Chat`), when there are several. */
  prefix: string;
}

interface Message {
  value: JsonObject;
  pointer?: string;
  key?: string;
}

interface Occurrence {
  channel: Channel;
  direction: Direction;
  event: string;
  message: Message;
  /** The ack's messages; undefined when the operation has no reply. */
  replies?: Message[];
  doc?: string;
}

interface EventSignature {
  event: string;
  payloads: string[];
  hasPayload: boolean;
  results?: string[];
  doc?: string;
}

/**
 * The source of a TypeScript module (types only: valid as `.ts` and `.d.ts`) declaring, per
 * namespace of an AsyncAPI 3 document, the `ServerToClientEvents` and `ClientToServerEvents`
 * interfaces that socket.io-client's `Socket` takes
 * (`const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url)`),
 * the payloads and ack results of their events, and `RealtimeNamespaces`, the pairs keyed by
 * namespace. A `receive` operation is an event the client emits, its `reply` the ack's result; a
 * `send` operation is one the server emits. The output depends on the document only.
 */
export function asyncApiToTypeScript(
  document: object,
  options: AsyncApiToTypeScriptOptions = {},
): string {
  const doc = document as JsonObject;
  if (typeof doc.asyncapi !== 'string' || !doc.asyncapi.startsWith('3.')) {
    throw new Error(
      `asyncApiToTypeScript needs an AsyncAPI 3 document; this one has asyncapi: ${JSON.stringify(doc.asyncapi)}`,
    );
  }
  const channels = selectChannels(doc, options.namespace);
  const names = new NameRegistry();
  const prefixed = channels.length > 1;
  for (const channel of channels) {
    const name = channel.dynamic ? channel.id : channel.namespace;
    const prefix = prefixed ? pascalCase(name) || pascalCase(channel.id) || 'Root' : '';
    channel.prefix = prefix;
    channel.interfaces = {
      serverToClient: names.claim(`${prefix}ServerToClientEvents`),
      clientToServer: names.claim(`${prefix}ClientToServerEvents`),
    };
  }
  const mapName = names.claim('RealtimeNamespaces');
  const schemas = new SchemaTypes(doc, names, TYPE_NAMES);
  const shared = sharedMessages(doc, channels);
  /** A name for an inline payload: its channel's prefix unless several channels share it. */
  const preferred = (channel: Channel, message: Message, suffix: string) =>
    `${message.pointer !== undefined && shared.has(message.pointer) ? '' : channel.prefix} ${suffix}`;

  const occurrences = collectOccurrences(doc, channels).sort(
    (a, b) =>
      channels.indexOf(a.channel) - channels.indexOf(b.channel) ||
      compare(a.direction, b.direction) ||
      compare(a.event, b.event),
  );
  const events = new Map<string, EventSignature>();
  const skipped = new Map<string, Set<string>>();
  for (const occurrence of occurrences) {
    const { channel, direction, event, message } = occurrence;
    const key = `${channel.id}\u0000${direction}`;
    if (RESERVED_EVENTS.has(event)) {
      skipped.set(key, (skipped.get(key) ?? new Set()).add(event));
      continue;
    }
    const entryKey = `${key}\u0000${event}`;
    const entry = events.get(entryKey) ?? { event, payloads: [], hasPayload: false };
    events.set(entryKey, entry);
    entry.doc ??= occurrence.doc;
    if (message.value.payload !== undefined) {
      entry.hasPayload = true;
      entry.payloads.push(
        schemas.payloadType(
          message.value.payload,
          subPointer(message.pointer, 'payload'),
          preferred(channel, message, `${event} payload`),
        ),
      );
    }
    const replies = occurrence.replies;
    if (replies !== undefined) {
      entry.results ??= [];
      // An ack that may be anything makes the result `unknown`, whatever else it may be.
      const open = replies.length === 0 || replies.some((r) => schemas.isOpen(r.value.payload));
      if (open) entry.results.push('unknown');
      else {
        for (const reply of replies) {
          const role = isErrorMessage(reply) ? 'error' : 'result';
          entry.results.push(
            schemas.payloadType(
              reply.value.payload,
              subPointer(reply.pointer, 'payload'),
              preferred(channel, reply, `${event} ${role}`),
            ),
          );
        }
      }
    }
  }

  const out: string[] = [header(doc, channels)];
  for (const channel of channels) {
    for (const direction of ['serverToClient', 'clientToServer'] as const) {
      const key = `${channel.id}\u0000${direction}`;
      const entries = [...events.entries()]
        .filter(([entryKey]) => entryKey.startsWith(`${key}\u0000`))
        .map(([, entry]) => entry);
      out.push(eventsInterface(channel, direction, entries, skipped.get(key)));
    }
  }
  out.push(namespaceMap(mapName, channels));
  const declarations = schemas.source();
  if (declarations !== '') out.push(declarations);
  return `${out.join('\n\n')}\n`;
}

function selectChannels(doc: JsonObject, namespace: string | undefined): Channel[] {
  const all = Object.entries(isObject(doc.channels) ? doc.channels : {})
    .filter((entry): entry is [string, JsonObject] => isObject(entry[1]))
    .map(([id, value]) => ({
      id,
      // A dynamic namespace (a RegExp) is keyed by its pattern: `/^\/tenant-\d+$/`.
      namespace:
        typeof value['x-namespace-pattern'] === 'string'
          ? value['x-namespace-pattern']
          : typeof value.address === 'string'
            ? value.address
            : id,
      dynamic:
        typeof value['x-namespace-pattern'] === 'string' || typeof value.address !== 'string',
      value,
      interfaces: {
        serverToClient: 'ServerToClientEvents',
        clientToServer: 'ClientToServerEvents',
      },
      prefix: '',
    }))
    .sort((a, b) => compare(a.namespace, b.namespace) || compare(a.id, b.id));
  if (namespace === undefined) return all;
  const withSlash = normalizeNamespace(namespace);
  const match =
    all.find((channel) => channel.namespace === namespace) ??
    all.find((channel) => channel.namespace === withSlash) ??
    all.find((channel) => channel.id === namespace);
  if (!match) {
    const known = all.map((channel) => channel.namespace).join(', ') || 'none';
    throw new Error(
      `The AsyncAPI document has no namespace "${namespace}"; its namespaces: ${known}`,
    );
  }
  return [match];
}

/** Every (channel, direction, event) the operations declare, with the ack's messages. */
function collectOccurrences(doc: JsonObject, channels: Channel[]): Occurrence[] {
  const occurrences: Occurrence[] = [];
  const operations = isObject(doc.operations) ? doc.operations : {};
  for (const operationId of Object.keys(operations).sort()) {
    const operation = dereference(doc, operations[operationId]).value;
    if (!isObject(operation)) continue;
    const direction: Direction | undefined =
      operation.action === 'receive'
        ? 'clientToServer'
        : operation.action === 'send'
          ? 'serverToClient'
          : undefined;
    const channel = findChannel(doc, channels, operation.channel);
    if (direction === undefined || channel === undefined) continue;

    const reply = isObject(operation.reply) ? dereference(doc, operation.reply).value : undefined;
    const replies = isObject(reply) ? replyMessages(doc, reply) : undefined;
    for (const message of operationMessages(doc, operation, channel.value)) {
      const event = typeof message.value.name === 'string' ? message.value.name : message.key;
      if (event === undefined) continue;
      const description = firstText(
        operation.summary,
        operation.description,
        message.value.summary,
        message.value.description,
      );
      occurrences.push({ channel, direction, event, message, replies, doc: description });
    }
  }
  return occurrences;
}

/** The pointers of the messages that more than one of the channels lists. */
function sharedMessages(doc: JsonObject, channels: Channel[]): Set<string> {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const channel of channels) {
    const refs = Object.values(isObject(channel.value.messages) ? channel.value.messages : {});
    const pointers = new Set(refs.flatMap((ref) => toMessage(doc, ref).map((m) => m.pointer)));
    for (const pointer of pointers) {
      if (pointer === undefined) continue;
      if (seen.has(pointer)) shared.add(pointer);
      seen.add(pointer);
    }
  }
  return shared;
}

/** An error answer among an ack's messages, by its title, name or key (`..._error`). */
function isErrorMessage(message: Message): boolean {
  const { title, name } = message.value;
  const finalKey = message.pointer?.split('/').pop();
  return [title, name, message.key, finalKey].some(
    (text) => typeof text === 'string' && /error$/i.test(text.trim()),
  );
}

function findChannel(doc: JsonObject, channels: Channel[], ref: unknown): Channel | undefined {
  const pointer = refOf(ref);
  if (pointer !== undefined) {
    const tokens = pointerTokens(pointer);
    if (tokens.length === 2 && tokens[0] === 'channels') {
      return channels.find((channel) => channel.id === tokens[1]);
    }
  }
  const target = dereference(doc, ref).value;
  return channels.find((channel) => channel.value === target);
}

/** An operation's messages; all of its channel's when it lists none. */
function operationMessages(doc: JsonObject, operation: JsonObject, channel: JsonObject): Message[] {
  const refs = Array.isArray(operation.messages)
    ? operation.messages
    : Object.values(isObject(channel.messages) ? channel.messages : {});
  return refs.flatMap((ref) => toMessage(doc, ref));
}

function replyMessages(doc: JsonObject, reply: JsonObject): Message[] {
  if (Array.isArray(reply.messages)) return reply.messages.flatMap((ref) => toMessage(doc, ref));
  const channel = reply.channel === undefined ? undefined : dereference(doc, reply.channel).value;
  const messages = isObject(channel) && isObject(channel.messages) ? channel.messages : {};
  return Object.values(messages).flatMap((ref) => toMessage(doc, ref));
}

function toMessage(doc: JsonObject, ref: unknown): Message[] {
  const { value, pointer } = dereference(doc, ref);
  if (!isObject(value)) return [];
  const first = refOf(ref);
  const tokens = first === undefined ? [] : pointerTokens(first);
  const key = tokens.length > 0 ? tokens[tokens.length - 1] : undefined;
  return [{ value, pointer, key }];
}

function eventsInterface(
  channel: Channel,
  direction: Direction,
  entries: EventSignature[],
  skipped: Set<string> | undefined,
): string {
  const name = channel.interfaces[direction];
  const ns = channel.namespace;
  const doc =
    direction === 'serverToClient'
      ? `Events the server emits on \`${ns}\`: \`socket.on(event, listener)\`.`
      : `Events the client emits on \`${ns}\`: \`socket.emit(event, payload, ack)\`.`;
  const lines = [...docComment(doc, ''), `export interface ${name} {`];
  for (const entry of entries) {
    if (entry.doc !== undefined) lines.push(...docComment(entry.doc, '  '));
    lines.push(signature(entry));
  }
  if (skipped !== undefined) {
    const list = [...skipped].sort().join(', ');
    lines.push(`  // Left out, as Socket.IO reserves the names: ${list}.`);
  }
  lines.push('}');
  return lines.join('\n');
}

function signature(entry: EventSignature): string {
  const params: string[] = [];
  if (entry.hasPayload) params.push(`payload: ${union(entry.payloads)}`);
  if (entry.results !== undefined) params.push(`ack: (result: ${union(entry.results)}) => void`);
  const key = propertyKey(entry.event);
  const line = `  ${key}: (${params.join(', ')}) => void;`;
  if (line.length <= LINE_WIDTH && !line.includes('\n')) return line;
  const indented = params.map((param) => `    ${param.replace(/\n/g, '\n  ')},`);
  return [`  ${key}: (`, ...indented, '  ) => void;'].join('\n');
}

function namespaceMap(name: string, channels: Channel[]): string {
  const example = quote(channels[0]?.namespace ?? '/');
  const lines = [
    ...docComment(
      `Each namespace's events, keyed by namespace: \`${name}[${example}]['serverToClient']\`.`,
      '',
    ),
    `export interface ${name} {`,
  ];
  for (const channel of channels) {
    lines.push(
      `  ${quote(channel.namespace)}: {`,
      `    serverToClient: ${channel.interfaces.serverToClient};`,
      `    clientToServer: ${channel.interfaces.clientToServer};`,
      '  };',
    );
  }
  lines.push('}');
  return lines.join('\n');
}

function header(doc: JsonObject, channels: Channel[]): string {
  const info = isObject(doc.info) ? doc.info : {};
  const title = typeof info.title === 'string' ? info.title : 'untitled';
  const version = typeof info.version === 'string' ? ` ${info.version}` : '';
  return [
    `// Generated by nestjs-realtime from the AsyncAPI document "${oneLine(title)}"${oneLine(version)}.`,
    '// Do not edit: regenerate it with `npx nestjs-realtime types` or generateClientTypes().',
    ...channels
      .slice(0, 1)
      .map(
        ({ interfaces, namespace }) =>
          `// Use (socket.io-client): const socket: Socket<${interfaces.serverToClient}, ${interfaces.clientToServer}> = io(${quote(`https://host${namespace === '/' ? '' : namespace}`)});`,
      ),
    '/* eslint-disable */',
  ].join('\n');
}

function subPointer(pointer: string | undefined, token: string): string | undefined {
  return pointer === undefined ? undefined : `${pointer}/${token}`;
}

function firstText(...values: unknown[]): string | undefined {
  for (const value of values) {
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return undefined;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
