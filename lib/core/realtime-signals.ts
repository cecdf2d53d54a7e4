import { Injectable } from '@nestjs/common';

/** Something the library did that operations may count; see RealtimeMetrics. */
export type RealtimeSignal =
  /** A handshake was refused with an error code (authentication, limits, ...). */
  | { type: 'handshake-refused'; namespace: string; code: string }
  /** A gateway failure was answered to a client with the error contract. */
  | { type: 'error'; code: string }
  /** An incoming event was refused by the rate limits (answered RATE_LIMITED). */
  | { type: 'rate-limited' };

/**
 * A tiny per-app signal bus (one provider, also reachable as `NamespaceHooks.signals`). Nothing
 * listens unless metrics are enabled, so a signal costs one array check; a listener that throws
 * never breaks the caller.
 */
@Injectable()
export class RealtimeSignals {
  private readonly listeners: Array<(signal: RealtimeSignal) => void> = [];

  /** Registers a listener; returns the unsubscribe. */
  on(listener: (signal: RealtimeSignal) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const index = this.listeners.indexOf(listener);
      if (index >= 0) this.listeners.splice(index, 1);
    };
  }

  emit(signal: RealtimeSignal): void {
    for (const listener of this.listeners) {
      try {
        listener(signal);
      } catch {
        // counting must never break a handshake or an answer
      }
    }
  }
}
