/**
 * The part of AsyncAPI 3.0.0 the library writes (https://www.asyncapi.com/docs/reference/specification/v3.0.0).
 * Plain JSON: every value is serialisable as is.
 */

/** A JSON Schema (AsyncAPI's Schema Object: JSON Schema draft 07 and a few keywords). */
export type AsyncApiSchema = { [keyword: string]: unknown };

export interface AsyncApiRef {
  $ref: string;
}

export interface AsyncApiServer {
  host: string;
  protocol: string;
  pathname?: string;
  description?: string;
}

export interface AsyncApiMessage {
  /** The Socket.IO event name. */
  name: string;
  title?: string;
  summary?: string;
  description?: string;
  contentType?: string;
  payload?: AsyncApiSchema;
}

export interface AsyncApiChannel {
  /** The namespace (`/chat`), a dynamic namespace's pattern, or null when unknown. */
  address: string | null;
  title?: string;
  description?: string;
  /** Every message of the channel, as $refs into components.messages. */
  messages: Record<string, AsyncApiRef>;
  [extension: `x-${string}`]: unknown;
}

export interface AsyncApiOperationReply {
  channel: AsyncApiRef;
  /** The ack (first) and the error answer, as $refs into the channel's messages. */
  messages: AsyncApiRef[];
}

export interface AsyncApiOperation {
  /** `receive`: clients emit it, the app handles it; `send`: the app emits it to clients. */
  action: 'receive' | 'send';
  channel: AsyncApiRef;
  title?: string;
  summary?: string;
  description?: string;
  security?: AsyncApiRef[];
  messages: AsyncApiRef[];
  reply?: AsyncApiOperationReply;
  [extension: `x-${string}`]: unknown;
}

export interface AsyncApiSecurityScheme {
  type: 'http' | 'httpApiKey';
  description?: string;
  scheme?: string;
  bearerFormat?: string;
  name?: string;
  in?: 'query' | 'header' | 'cookie';
}

export interface AsyncApiDocument {
  asyncapi: '3.0.0';
  info: { title: string; version: string; description?: string };
  servers?: Record<string, AsyncApiServer>;
  defaultContentType: string;
  channels: Record<string, AsyncApiChannel>;
  operations: Record<string, AsyncApiOperation>;
  components: {
    schemas: Record<string, AsyncApiSchema>;
    messages: Record<string, AsyncApiMessage>;
    securitySchemes?: Record<string, AsyncApiSecurityScheme>;
  };
}
