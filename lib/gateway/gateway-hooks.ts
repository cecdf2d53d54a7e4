import { Logger } from '@nestjs/common';
import type { ModulesContainer } from '@nestjs/core';
import { GatewayCatalog } from './gateway-catalog.js';

const PROTECTED = Symbol('realtime:protected-hooks');
const HOOKS = ['handleConnection', 'handleDisconnect'] as const;
const logger = new Logger('RealtimeGateway');

/**
 * Wraps every gateway's handleConnection/handleDisconnect so a throw or a rejected promise is
 * logged instead of ending the process (nest #2028). Must run before Nest binds the hooks.
 */
export function protectGatewayHooks(modules: ModulesContainer | GatewayCatalog): void {
  const catalog = modules instanceof GatewayCatalog ? modules : GatewayCatalog.of(modules);
  for (const [, wrapper] of catalog.instances()) {
    protectInstance(
      wrapper.instance as Record<string | symbol, unknown>,
      (wrapper.metatype as { name: string }).name,
    );
  }
}

function protectInstance(instance: Record<string | symbol, unknown>, name: string): void {
  if (instance[PROTECTED]) return;
  instance[PROTECTED] = true;
  for (const hook of HOOKS) {
    const original = instance[hook];
    if (typeof original !== 'function') continue;
    const report = (error: unknown) => {
      const err = error instanceof Error ? error : new Error(String(error));
      logger.error(`${name}.${hook} failed: ${err.message}`, err.stack);
    };
    instance[hook] = function (this: unknown, ...args: unknown[]) {
      try {
        const result = original.apply(this, args);
        if (result && typeof (result as Promise<unknown>).then === 'function') {
          return (result as Promise<unknown>).catch(report);
        }
        return result;
      } catch (error) {
        report(error);
        return undefined;
      }
    };
  }
}
