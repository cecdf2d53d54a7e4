/**
 * Where and how an emit goes: built by the emitter's chained EmitTarget, read by the backends and
 * by the SSE relay (which is why it lives below both).
 */
export interface EmitRoute {
  /** Set by `.namespace()`; undefined: every namespace the app serves (see EmitNamespaces). */
  namespace?: string;
  rooms: string[];
  except: string[];
  volatile: boolean;
  timeoutMs: number;
}
