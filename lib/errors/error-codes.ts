/** Every code a client can see, on an ack, an `exception` event or a `connect_error`. */
export const RealtimeErrorCode = {
  UNAUTHORIZED: 'UNAUTHORIZED',
  TOKEN_EXPIRED: 'TOKEN_EXPIRED',
  FORBIDDEN: 'FORBIDDEN',
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  RATE_LIMITED: 'RATE_LIMITED',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  BAD_REQUEST: 'BAD_REQUEST',
  NOT_FOUND: 'NOT_FOUND',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
} as const;

export type RealtimeErrorCode = (typeof RealtimeErrorCode)[keyof typeof RealtimeErrorCode];

/** The wire shape of every error (DESIGN.md, "The wire contract"). */
export interface RealtimeErrorShape {
  status: 'error';
  code: RealtimeErrorCode;
  message: string;
  event?: string;
  details?: RealtimeErrorDetail[];
  /** Seconds until a rate-limited client may try again. */
  retryAfter?: number;
}

export interface RealtimeErrorDetail {
  field: string;
  constraints?: Record<string, string>;
  message?: string;
}
