import { Inject, Injectable } from '@nestjs/common';
import { ModulesContainer } from '@nestjs/core';
import { Emitter } from '@socket.io/redis-emitter';
import { NamespaceHooks } from '../connection/namespace-hooks.js';
import { RedisConnectionFactory } from '../redis/redis-connection.factory.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import type { ResolvedRealtimeOptions } from '../options/options.defaults.js';
import { UserEventRelay } from '../sse/user-event-relay.js';
import { EmitNamespaces } from './emit-namespaces.js';
import type { EmitRoute } from '../core/emit-route.js';
import { type EmitBackend, EmitTarget } from './emit-target.js';

const START: EmitRoute = {
  rooms: [],
  except: [],
  volatile: false,
  timeoutMs: 5000,
};

/**
 * Sends to users, rooms or everyone from any service, on every instance. Inside an app serving
 * Socket.IO it goes through the server (and its Redis adapter); in a process without a server
 * (a queue worker) it publishes with @socket.io/redis-emitter (pub/sub mode). Without
 * `.namespace()` an emit goes to every namespace the app's gateways serve (EmitNamespaces).
 */
@Injectable()
export class RealtimeEmitter implements EmitBackend {
  private redisEmitter?: Emitter;
  private readonly namespaces: EmitNamespaces;

  constructor(
    @Inject(REALTIME_OPTIONS) private readonly options: ResolvedRealtimeOptions,
    private readonly hooks: NamespaceHooks,
    private readonly userEvents: UserEventRelay,
    modules: ModulesContainer,
    private readonly connections: RedisConnectionFactory,
  ) {
    this.namespaces = new EmitNamespaces(modules, options.emitter.namespaces);
  }

  toUser(...userIds: Array<string | number>): EmitTarget {
    return this.target().toUser(...userIds);
  }

  toRoom(...rooms: string[]): EmitTarget {
    return this.target().toRoom(...rooms);
  }

  toAll(): EmitTarget {
    return this.target();
  }

  namespace(name: string): EmitTarget {
    return this.target().namespace(name);
  }

  emit(route: EmitRoute, event: string, args: unknown[]): void {
    const server = this.hooks.servers[0];
    if (server) {
      const namespaces = this.namespaces.resolve(route.namespace, true);
      for (const namespace of namespaces) {
        let op = server.of(namespace).except(route.except);
        if (route.rooms.length) op = op.to(route.rooms);
        if (route.volatile) op = op.volatile;
        op.emit(event, ...args);
      }
      // toUser emits also reach the user's Server-Sent Events streams (UserEventStream)
      this.userEvents.forward(route, namespaces, event, args, server);
      return;
    }
    const emitter = this.workerEmitter();
    const namespaces = this.namespaces.resolve(route.namespace, false);
    for (const namespace of namespaces) {
      let op = emitter.of(namespace).except(route.except);
      if (route.rooms.length) op = op.to(route.rooms);
      if (route.volatile) op = op.volatile;
      op.emit(event, ...(args as []));
    }
    this.userEvents.forward(route, namespaces, event, args, emitter);
  }

  async emitWithAck(route: EmitRoute, event: string, args: unknown[]): Promise<unknown[]> {
    const server = this.hooks.servers[0];
    if (!server) {
      throw new Error(
        'RealtimeEmitter.emitWithAck needs a Socket.IO server in this process (acks cannot travel through a worker emitter)',
      );
    }
    const answers = await Promise.all(
      this.namespaces.resolve(route.namespace, true).map((namespace) => {
        let op = server.of(namespace).timeout(route.timeoutMs).except(route.except);
        if (route.rooms.length) op = op.to(route.rooms);
        if (route.volatile) op = op.volatile;
        return op.emitWithAck(event, ...args) as Promise<unknown[]>;
      }),
    );
    return answers.length === 1 ? answers[0] : answers.flat();
  }

  private target(): EmitTarget {
    return new EmitTarget(this, this.options.userRoomPrefix, START);
  }

  private workerEmitter(): Emitter {
    if (this.redisEmitter) return this.redisEmitter;
    const redis = this.options.redis;
    if (!redis) {
      throw new Error(
        'RealtimeEmitter: this process serves no Socket.IO server and RealtimeModule has no redis option, so there is nowhere to send to',
      );
    }
    if (redis.mode !== 'pubsub') {
      throw new Error(
        `RealtimeEmitter: emitting from a process without a Socket.IO server supports redis.mode 'pubsub' only (got '${redis.mode}')`,
      );
    }
    // Same channel key as the adapter (`<prefix>:io`), so every instance's adapter receives it.
    // The module's shared command connection (queueing: the first emits of a worker go out once
    // it has connected), closed by the factory at shutdown.
    this.redisEmitter = new Emitter(this.connections.command(), {
      key: `${redis.keyPrefix}:io`,
    });
    return this.redisEmitter;
  }
}
