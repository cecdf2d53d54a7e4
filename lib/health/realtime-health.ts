import { Injectable } from '@nestjs/common';

export interface RealtimeAdapterHealth {
  /** `memory`: single instance, no Redis; `connected`; `degraded`: Redis unreachable, serving locally. */
  status: 'memory' | 'connected' | 'degraded';
  mode: 'memory' | 'pubsub' | 'sharded' | 'streams';
}

/**
 * The health of the app's Socket.IO adapter, injectable (for a health indicator or a readiness
 * endpoint). The library's adapter reports here once `createRedisIoAdapter(app)` has run; before
 * that, or with another adapter, the app serves from memory.
 */
@Injectable()
export class RealtimeHealth {
  private source?: () => RealtimeAdapterHealth;

  /** Called by RedisIoAdapter. */
  attach(source: () => RealtimeAdapterHealth): void {
    this.source = source;
  }

  check(): RealtimeAdapterHealth {
    return this.source ? this.source() : { status: 'memory', mode: 'memory' };
  }
}
