import { Logger } from '@nestjs/common';
import type { ModulesContainer } from '@nestjs/core';
import { GATEWAY_METADATA } from '../core/internal.constants.js';

const PROTECTED = Symbol('realtime:protected-hooks');
const HOOKS = ['handleConnection', 'handleDisconnect'] as const;
const logger = new Logger('RealtimeGateway');

/**
 * Wraps every gateway's handleConnection/handleDisconnect so a throw or a rejected promise is
 * logged instead of ending the process (nest #2028). Must run before Nest binds the hooks.
 */
export function protectGatewayHooks(modules: ModulesContainer): void {
  for (const [, wrapper] of gatewayProviders(modules)) {
    protectInstance(
      wrapper.instance as Record<string | symbol, unknown>,
      (wrapper.metatype as { name: string }).name,
    );
  }
}

type NestModule = ModulesContainer extends Map<string, infer M> ? M : never;
type Wrapper = NestModule['providers'] extends Map<unknown, infer W> ? W : never;
/** A gateway provider's wrapper, instantiated. */
export type GatewayWrapper = Wrapper & { instance: object; metatype: object };

/** Every instantiated gateway provider, with the key of its module. */
export function* gatewayProviders(
  modules: ModulesContainer,
): Generator<[moduleKey: string, wrapper: GatewayWrapper]> {
  for (const [moduleKey, module] of modules) {
    for (const wrapper of module.providers.values()) {
      const { metatype, instance } = wrapper;
      if (!metatype || !instance || typeof instance !== 'object') continue;
      if (!Reflect.getMetadata(GATEWAY_METADATA, metatype)) continue;
      yield [moduleKey, wrapper as GatewayWrapper];
    }
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
