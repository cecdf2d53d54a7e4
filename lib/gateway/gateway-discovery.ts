import type { ModulesContainer } from '@nestjs/core';
import {
  GATEWAY_METADATA,
  GATEWAY_OPTIONS,
  MESSAGE_METADATA,
  PARAM_ARGS_METADATA,
} from '../core/internal.constants.js';
import { normalizeNamespace } from '../core/namespace.js';

/** `@MessageBody()` (Nest's WsParamtype.PAYLOAD). */
const WS_PAYLOAD_PARAMTYPE = 3;

/** A gateway of the app as its decorator declares it. */
export interface DiscoveredGateway {
  name: string;
  metatype: object;
  /**
   * Its namespace: a normalised string ('/' without one), or the RegExp or function of a
   * dynamic namespace.
   */
  namespace: string | RegExp | ((...args: never[]) => unknown);
  /**
   * The namespace when the decorator names one as a string (normalised); undefined for a gateway
   * on the default namespace and for dynamic ones.
   */
  namedNamespace?: string;
}

type NestModule = ModulesContainer extends Map<string, infer M> ? M : never;
type Wrapper = NestModule['providers'] extends Map<unknown, infer W> ? W : never;

/** One provider of a gateway class, as Nest's container holds it (its instance may not exist yet). */
export interface GatewayProvider {
  /** The key of the module that provides it. */
  moduleKey: string;
  wrapper: Wrapper;
  metatype: object;
}

/** A gateway provider's wrapper, instantiated. */
export type GatewayWrapper = Wrapper & { instance: object; metatype: object };

/**
 * How the library finds the app's gateways in Nest's container. Read through `GatewayCatalog`,
 * which runs this once per app; the metadata keys are Nest's, kept in core/internal.constants.
 */

/**
 * Every provider of a `@WebSocketGateway()` class in Nest's container, in module order. A class
 * provided by two modules is listed twice.
 */
export function discoverGatewayProviders(modules: ModulesContainer): GatewayProvider[] {
  const found: GatewayProvider[] = [];
  for (const [moduleKey, module] of modules) {
    for (const wrapper of module.providers.values()) {
      const metatype = wrapper.metatype as object | null | undefined;
      if (!metatype || !Reflect.getMetadata(GATEWAY_METADATA, metatype)) continue;
      found.push({ moduleKey, wrapper, metatype });
    }
  }
  return found;
}

/** The gateway classes of these providers, each once, as their decorators declare them. */
export function gatewaysOf(providers: readonly GatewayProvider[]): DiscoveredGateway[] {
  const found: DiscoveredGateway[] = [];
  const seen = new Set<object>();
  for (const { wrapper, metatype } of providers) {
    if (seen.has(metatype)) continue;
    seen.add(metatype);
    const options = Reflect.getMetadata(GATEWAY_OPTIONS, metatype) as
      { namespace?: unknown } | undefined;
    const namespace = options?.namespace;
    found.push({
      name: String(wrapper.name),
      metatype,
      namespace:
        namespace instanceof RegExp || typeof namespace === 'function'
          ? (namespace as DiscoveredGateway['namespace'])
          : normalizeNamespace(typeof namespace === 'string' ? namespace : '/'),
      ...(typeof namespace === 'string' ? { namedNamespace: normalizeNamespace(namespace) } : {}),
    });
  }
  return found;
}

/** What a handler's `@MessageBody()` parameter receives. */
export interface DiscoveredPayload {
  /** The parameter's position. */
  index: number;
  /** The parameter's declared type (`design:paramtypes`): a DTO class, String, Object... */
  type: unknown;
  /** `@MessageBody('field')`: the parameter is one property of the payload. */
  property?: string;
}

/** One `@SubscribeMessage()` method of a gateway. */
export interface DiscoveredHandler {
  /** The event name clients emit. */
  event: string;
  methodName: string;
  /** The method itself (where Nest and the library keep its metadata). */
  method: (...args: never[]) => unknown;
  /** Its `@MessageBody()` parameters, in order (usually one, or none). */
  payloads: DiscoveredPayload[];
  /** The declared return type (`design:returntype`), when TypeScript emitted one. */
  returnType: unknown;
}

/**
 * The `@SubscribeMessage()` handlers of a gateway class, own and inherited (as Nest's
 * MetadataScanner walks the prototype chain), each event once (the most derived wins).
 */
export function discoverHandlers(metatype: object): DiscoveredHandler[] {
  const found: DiscoveredHandler[] = [];
  const seenNames = new Set<string>();
  const seenEvents = new Set<string>();
  const ctor = metatype as { prototype?: object };
  let proto = ctor.prototype as Record<string, unknown> | null | undefined;
  while (proto && proto !== Object.prototype) {
    for (const methodName of Object.getOwnPropertyNames(proto)) {
      if (methodName === 'constructor' || seenNames.has(methodName)) continue;
      seenNames.add(methodName);
      const descriptor = Object.getOwnPropertyDescriptor(proto, methodName);
      const method = descriptor?.value as unknown;
      if (typeof method !== 'function') continue;
      const event = Reflect.getMetadata(MESSAGE_METADATA, method) as unknown;
      if (typeof event !== 'string' || seenEvents.has(event)) continue;
      seenEvents.add(event);
      found.push({
        event,
        methodName,
        method: method as DiscoveredHandler['method'],
        payloads: payloadParameters(metatype, proto, methodName),
        returnType: Reflect.getMetadata('design:returntype', proto, methodName) as unknown,
      });
    }
    proto = Object.getPrototypeOf(proto) as Record<string, unknown> | null;
  }
  return found;
}

function payloadParameters(
  metatype: object,
  proto: object,
  methodName: string,
): DiscoveredPayload[] {
  // Nest stores parameter decorators on the constructor of the class that declares the method.
  const owner = (proto as { constructor?: object }).constructor ?? metatype;
  const args = (Reflect.getMetadata(PARAM_ARGS_METADATA, owner, methodName) ??
    Reflect.getMetadata(PARAM_ARGS_METADATA, metatype, methodName) ??
    {}) as Record<string, { index?: unknown; data?: unknown }>;
  const types = (Reflect.getMetadata('design:paramtypes', proto, methodName) ?? []) as unknown[];
  const payloads: DiscoveredPayload[] = [];
  for (const [key, arg] of Object.entries(args)) {
    if (Number(key.split(':')[0]) !== WS_PAYLOAD_PARAMTYPE || typeof arg.index !== 'number')
      continue;
    payloads.push({
      index: arg.index,
      type: types[arg.index],
      ...(typeof arg.data === 'string' ? { property: arg.data } : {}),
    });
  }
  return payloads.sort((a, b) => a.index - b.index);
}
