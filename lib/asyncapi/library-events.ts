import { RealtimeErrorCode } from '../errors/error-codes.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';
import { RealtimeEvents } from '../core/realtime.constants.js';
import type { AsyncApiMessage, AsyncApiSchema } from './asyncapi.types.js';

/** Where component schemas live; every `$ref` to a schema starts with it. */
export const SCHEMAS = '#/components/schemas/';

/** Names of the library's shared schemas in components.schemas. */
export const LIBRARY_SCHEMAS = {
  error: 'RealtimeError',
  errorCode: 'RealtimeErrorCode',
  errorDetail: 'RealtimeErrorDetail',
  presenceUser: 'PresenceUser',
  authExpired: 'AuthExpired',
  authRefresh: 'AuthRefresh',
  authRefreshAck: 'AuthRefreshAck',
} as const;

/** Keys of the library's shared messages in components.messages. */
export const LIBRARY_MESSAGES = {
  exception: 'exception',
  presenceOnline: 'presence_online',
  presenceOffline: 'presence_offline',
  authExpired: 'auth_expired',
  authRefresh: 'auth_refresh_receive',
  authRefreshAck: 'auth_refresh_ack',
  authRefreshError: 'auth_refresh_error',
} as const;

/** Every code, in the order of RealtimeErrorCode. */
export const ALL_ERROR_CODES = Object.values(RealtimeErrorCode);

const ref = (name: string): AsyncApiSchema => ({ $ref: `${SCHEMAS}${name}` });

/** The error answer of one operation: the shared shape, with the codes it can carry. */
export function errorPayload(codes: readonly string[]): AsyncApiSchema {
  const ordered = ALL_ERROR_CODES.filter((code) => codes.includes(code));
  return {
    allOf: [
      ref(LIBRARY_SCHEMAS.error),
      { type: 'object', properties: { code: { type: 'string', enum: ordered } } },
    ],
  };
}

/** The schemas every document has (the error shape), and those of the enabled features. */
export function librarySchemas(options: ResolvedRealtimeOptions): Record<string, AsyncApiSchema> {
  const schemas: Record<string, AsyncApiSchema> = {
    [LIBRARY_SCHEMAS.errorCode]: {
      type: 'string',
      description: 'What went wrong, for programs (the message is for people).',
      enum: ALL_ERROR_CODES,
    },
    [LIBRARY_SCHEMAS.errorDetail]: {
      type: 'object',
      description: 'One field that failed validation.',
      required: ['field'],
      properties: {
        field: { type: 'string', description: 'The path of the field, e.g. `items.0.name`.' },
        constraints: {
          type: 'object',
          description: 'Failed constraint name to its message.',
          additionalProperties: { type: 'string' },
        },
        message: { type: 'string' },
      },
    },
    [LIBRARY_SCHEMAS.error]: {
      type: 'object',
      description:
        'The one error shape: on the ack when the client asked for one, otherwise as an `exception` event.',
      required: ['status', 'code', 'message'],
      properties: {
        status: { type: 'string', const: 'error' },
        code: ref(LIBRARY_SCHEMAS.errorCode),
        message: { type: 'string', description: 'A reason the client can show.' },
        event: { type: 'string', description: 'The event that failed.' },
        details: { type: 'array', items: ref(LIBRARY_SCHEMAS.errorDetail) },
        retryAfter: {
          type: 'number',
          description: 'Seconds until a rate-limited client may try again.',
        },
      },
    },
  };
  if (presenceEvents(options)) {
    const fields = Object.fromEntries(
      options.presence.publicUserFields.map((field) => [
        field,
        { description: 'A public user field.' },
      ]),
    );
    schemas[LIBRARY_SCHEMAS.presenceUser] = {
      type: 'object',
      required: ['userId'],
      properties: { userId: { type: 'string' }, ...fields },
    };
  }
  if (options.auth) {
    schemas[LIBRARY_SCHEMAS.authExpired] = {
      type: 'object',
      description: 'The token expired: send `auth:refresh` with a new one within `graceMs`.',
      required: ['status', 'code', 'message', 'graceMs'],
      properties: {
        status: { type: 'string', const: 'error' },
        code: { type: 'string', const: RealtimeErrorCode.TOKEN_EXPIRED },
        message: { type: 'string' },
        graceMs: {
          type: 'integer',
          description: 'Milliseconds before the socket is disconnected.',
        },
      },
    };
    schemas[LIBRARY_SCHEMAS.authRefresh] = {
      description: 'A new token for the same user, or `{ token }`.',
      oneOf: [
        { type: 'string' },
        { type: 'object', required: ['token'], properties: { token: { type: 'string' } } },
      ],
    };
    schemas[LIBRARY_SCHEMAS.authRefreshAck] = {
      type: 'object',
      required: ['ok', 'exp'],
      properties: {
        ok: { type: 'boolean', const: true },
        exp: {
          type: ['number', 'null'],
          description: 'Expiry of the new token (seconds since the epoch), or null.',
        },
      },
    };
  }
  return schemas;
}

/** Whether clients receive `presence:online`/`presence:offline` (only authenticated users are tracked). */
export function presenceEvents(options: ResolvedRealtimeOptions): boolean {
  return options.auth !== false && options.presence.enabled && options.presence.scope !== 'none';
}

/** The library's own messages, keyed as in components.messages. */
export function libraryMessages(options: ResolvedRealtimeOptions): Record<string, AsyncApiMessage> {
  const messages: Record<string, AsyncApiMessage> = {
    [LIBRARY_MESSAGES.exception]: {
      name: RealtimeEvents.EXCEPTION,
      title: 'Error without an ack',
      summary:
        'An error of an event sent without an ack, or a refusal of an event nobody handles (NOT_FOUND).',
      payload: ref(LIBRARY_SCHEMAS.error),
    },
  };
  if (presenceEvents(options)) {
    const to =
      options.presence.scope === 'namespace' ? 'every socket of the namespace' : "the user's rooms";
    messages[LIBRARY_MESSAGES.presenceOnline] = {
      name: RealtimeEvents.PRESENCE_ONLINE,
      summary: `A user's first connection anywhere in the cluster; sent to ${to}.`,
      payload: ref(LIBRARY_SCHEMAS.presenceUser),
    };
    messages[LIBRARY_MESSAGES.presenceOffline] = {
      name: RealtimeEvents.PRESENCE_OFFLINE,
      summary: `A user's last connection closed; sent to ${to}.`,
      payload: ref(LIBRARY_SCHEMAS.presenceUser),
    };
  }
  if (options.auth) {
    messages[LIBRARY_MESSAGES.authExpired] = {
      name: RealtimeEvents.AUTH_EXPIRED,
      summary: `The socket's token expired; it is disconnected after ${options.auth.expiryGraceMs} ms unless refreshed.`,
      payload: ref(LIBRARY_SCHEMAS.authExpired),
    };
    messages[LIBRARY_MESSAGES.authRefresh] = {
      name: RealtimeEvents.AUTH_REFRESH,
      summary: 'Replaces the socket’s token (same user) without reconnecting.',
      payload: ref(LIBRARY_SCHEMAS.authRefresh),
    };
    messages[LIBRARY_MESSAGES.authRefreshAck] = {
      name: RealtimeEvents.AUTH_REFRESH,
      title: 'auth:refresh ack',
      payload: ref(LIBRARY_SCHEMAS.authRefreshAck),
    };
    messages[LIBRARY_MESSAGES.authRefreshError] = {
      name: RealtimeEvents.AUTH_REFRESH,
      title: 'auth:refresh error',
      payload: errorPayload([
        'BAD_REQUEST',
        'UNAUTHORIZED',
        'TOKEN_EXPIRED',
        'FORBIDDEN',
        'INTERNAL_ERROR',
      ]),
    };
  }
  return messages;
}
