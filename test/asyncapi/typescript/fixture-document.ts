/**
 * A hand-written AsyncAPI 3.0.0 document of the shape `buildAsyncApiDocument` produces: one
 * channel per namespace (`address` is the namespace), operations `<channel>_<event>_receive` for
 * what clients emit (with the ack as `reply`, the shared error message included) and
 * `<channel>_<event>_send` for what the server emits, and messages whose payloads reference
 * `components.schemas`. It exercises every JSON Schema feature the type generator maps.
 */
export const fixtureDocument = {
  asyncapi: '3.0.0',
  info: { title: 'Chat fixture', version: '1.2.3' },
  defaultContentType: 'application/json',
  channels: {
    chat: {
      address: '/chat',
      messages: {
        send_message: { $ref: '#/components/messages/chat_send_message' },
        send_message_reply: { $ref: '#/components/messages/chat_send_message_reply' },
        list_rooms: { $ref: '#/components/messages/chat_list_rooms' },
        list_rooms_reply: { $ref: '#/components/messages/chat_list_rooms_reply' },
        typing: { $ref: '#/components/messages/chat_typing' },
        new_message: { $ref: '#/components/messages/chat_new_message' },
        'presence:online': { $ref: '#/components/messages/presence_online' },
        exception: { $ref: '#/components/messages/exception' },
        RealtimeError: { $ref: '#/components/messages/RealtimeError' },
      },
    },
    notifications: {
      address: '/notifications',
      messages: {
        notify_me: { $ref: '#/components/messages/notifications_notify_me' },
        notify_me_reply: { $ref: '#/components/messages/notifications_notify_me_reply' },
        notification: { $ref: '#/components/messages/notifications_notification' },
        connect_error: { $ref: '#/components/messages/connect_error' },
        RealtimeError: { $ref: '#/components/messages/RealtimeError' },
      },
    },
  },
  operations: {
    chat_send_message_receive: {
      action: 'receive',
      channel: { $ref: '#/channels/chat' },
      messages: [{ $ref: '#/channels/chat/messages/send_message' }],
      reply: {
        channel: { $ref: '#/channels/chat' },
        messages: [
          { $ref: '#/channels/chat/messages/send_message_reply' },
          { $ref: '#/channels/chat/messages/RealtimeError' },
        ],
      },
    },
    chat_list_rooms_receive: {
      action: 'receive',
      channel: { $ref: '#/channels/chat' },
      messages: [{ $ref: '#/channels/chat/messages/list_rooms' }],
      reply: {
        channel: { $ref: '#/channels/chat' },
        messages: [
          { $ref: '#/channels/chat/messages/list_rooms_reply' },
          { $ref: '#/channels/chat/messages/RealtimeError' },
        ],
      },
    },
    chat_typing_receive: {
      action: 'receive',
      channel: { $ref: '#/channels/chat' },
      messages: [{ $ref: '#/channels/chat/messages/typing' }],
    },
    chat_typing_send: {
      action: 'send',
      channel: { $ref: '#/channels/chat' },
      messages: [{ $ref: '#/channels/chat/messages/typing' }],
    },
    chat_new_message_send: {
      action: 'send',
      channel: { $ref: '#/channels/chat' },
      messages: [{ $ref: '#/channels/chat/messages/new_message' }],
    },
    'chat_presence:online_send': {
      action: 'send',
      channel: { $ref: '#/channels/chat' },
      messages: [{ $ref: '#/channels/chat/messages/presence:online' }],
    },
    chat_exception_send: {
      action: 'send',
      channel: { $ref: '#/channels/chat' },
      messages: [{ $ref: '#/channels/chat/messages/exception' }],
    },
    notifications_notify_me_receive: {
      action: 'receive',
      channel: { $ref: '#/channels/notifications' },
      messages: [{ $ref: '#/channels/notifications/messages/notify_me' }],
      reply: {
        channel: { $ref: '#/channels/notifications' },
        messages: [
          { $ref: '#/channels/notifications/messages/notify_me_reply' },
          { $ref: '#/channels/notifications/messages/RealtimeError' },
        ],
      },
    },
    notifications_notification_send: {
      action: 'send',
      channel: { $ref: '#/channels/notifications' },
      messages: [{ $ref: '#/channels/notifications/messages/notification' }],
    },
    notifications_connect_error_send: {
      action: 'send',
      channel: { $ref: '#/channels/notifications' },
      messages: [{ $ref: '#/channels/notifications/messages/connect_error' }],
    },
  },
  components: {
    messages: {
      chat_send_message: {
        name: 'send_message',
        summary: 'Posts a message to a room the socket has joined.',
        payload: { $ref: '#/components/schemas/SendMessageDto' },
      },
      chat_send_message_reply: {
        name: 'send_message',
        payload: {
          type: 'object',
          properties: { status: { const: 'ok' }, id: { type: 'string', format: 'uuid' } },
          required: ['status', 'id'],
        },
      },
      chat_list_rooms: { name: 'list_rooms' },
      chat_list_rooms_reply: {
        name: 'list_rooms',
        payload: { $ref: '#/components/schemas/RoomList' },
      },
      chat_typing: { name: 'typing', payload: { $ref: '#/components/schemas/TypingDto' } },
      chat_new_message: {
        name: 'new_message',
        description: 'A message posted to a room.',
        payload: { $ref: '#/components/schemas/ChatMessage' },
      },
      presence_online: {
        name: 'presence:online',
        payload: {
          type: 'object',
          properties: { userId: { type: 'string' }, at: { type: 'string', format: 'date-time' } },
          required: ['userId'],
          additionalProperties: false,
        },
      },
      notifications_notify_me: { name: 'notify_me' },
      notifications_notify_me_reply: {
        name: 'notify_me',
        payload: {
          type: 'object',
          properties: { status: { const: 'ok' }, id: { type: 'string' } },
          required: ['status', 'id'],
        },
      },
      notifications_notification: {
        name: 'notification',
        payload: { $ref: '#/components/schemas/Notification' },
      },
      exception: {
        name: 'exception',
        payload: { $ref: '#/components/schemas/RealtimeErrorShape' },
      },
      connect_error: {
        name: 'connect_error',
        payload: { $ref: '#/components/schemas/RealtimeErrorShape' },
      },
      RealtimeError: {
        name: 'RealtimeError',
        summary: 'The one error shape, on an ack or an `exception` event.',
        payload: { $ref: '#/components/schemas/RealtimeErrorShape' },
      },
    },
    schemas: {
      SendMessageDto: {
        type: 'object',
        description: 'What `send_message` carries.',
        properties: {
          roomId: { type: 'string', minLength: 1, maxLength: 64 },
          text: {
            type: 'string',
            description: 'The text, 1 to 1000 characters. */ not a comment end',
          },
          mentions: { type: 'array', items: { type: 'string' } },
          priority: { type: 'string', enum: ['low', 'normal', 'high'] },
          attachment: { $ref: '#/components/schemas/Attachment' },
          replyTo: { type: ['string', 'null'] },
          editedAt: { type: 'string', nullable: true },
          'x-client-id': { type: 'string' },
        },
        required: ['roomId', 'text'],
      },
      Attachment: {
        type: 'object',
        properties: {
          url: { type: 'string', format: 'uri' },
          size: { type: 'integer', minimum: 0 },
          meta: { type: 'object', additionalProperties: { type: 'string' } },
          extra: {
            type: 'object',
            properties: { a: { type: 'number' } },
            additionalProperties: true,
          },
          dimensions: { type: 'array', items: [{ type: 'number' }, { type: 'number' }] },
        },
        required: ['url'],
      },
      TypingDto: {
        allOf: [{ $ref: '#/components/schemas/RoomRef' }],
        type: 'object',
        properties: { typing: { type: 'boolean' } },
        required: ['typing'],
      },
      RoomRef: {
        type: 'object',
        properties: { roomId: { type: 'string' } },
        required: ['roomId'],
      },
      RoomList: {
        type: 'object',
        properties: {
          status: { type: 'string', enum: ['ok'] },
          rooms: { type: 'array', items: { $ref: '#/components/schemas/Room' } },
        },
        required: ['status', 'rooms'],
      },
      Room: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          title: { type: 'string' },
          kind: { oneOf: [{ const: 'public' }, { const: 'private' }] },
          members: { type: 'integer' },
          parent: { $ref: '#/components/schemas/Room' },
        },
        required: ['id', 'title', 'kind'],
      },
      ChatMessage: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          roomId: { type: 'string' },
          text: { type: 'string' },
          user: {
            type: 'object',
            properties: { id: { type: 'string' }, name: { type: 'string' } },
            required: ['id', 'name'],
          },
          timestamp: { type: 'string', format: 'date-time' },
        },
        required: ['id', 'roomId', 'text', 'user', 'timestamp'],
      },
      Notification: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          kind: { type: 'string' },
          title: { type: 'string' },
          body: { type: 'string' },
          data: {},
          level: { enum: [1, 2, 3, null] },
        },
        required: ['id', 'kind', 'title'],
      },
      RealtimeErrorShape: {
        type: 'object',
        properties: {
          status: { type: 'string', const: 'error' },
          code: {
            type: 'string',
            enum: [
              'UNAUTHORIZED',
              'TOKEN_EXPIRED',
              'FORBIDDEN',
              'VALIDATION_FAILED',
              'RATE_LIMITED',
              'PAYLOAD_TOO_LARGE',
              'BAD_REQUEST',
              'NOT_FOUND',
              'INTERNAL_ERROR',
            ],
          },
          message: { type: 'string' },
          event: { type: 'string' },
          details: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                field: { type: 'string' },
                constraints: { type: 'object', additionalProperties: { type: 'string' } },
                message: { type: 'string' },
              },
              required: ['field'],
            },
          },
          retryAfter: {
            type: 'number',
            description: 'Seconds until a rate-limited client may try again.',
          },
        },
        required: ['status', 'code', 'message'],
      },
    },
  },
} as const;
