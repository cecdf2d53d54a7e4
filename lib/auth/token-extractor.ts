import type { Socket } from 'socket.io';
import type { RealtimeTokenSources } from '../options/realtime-options.interface.js';

/** Reads the token from the enabled sources, in order: auth payload, Bearer header, cookie, query. */
export function extractToken(
  handshake: Socket['handshake'],
  sources: Required<RealtimeTokenSources>,
): string | undefined {
  if (sources.auth) {
    const token = (handshake.auth as Record<string, unknown> | undefined)?.token;
    if (typeof token === 'string' && token) return stripBearer(token);
  }
  if (sources.header) {
    const header = handshake.headers.authorization;
    if (typeof header === 'string' && /^bearer\s+/i.test(header)) return stripBearer(header);
  }
  if (sources.cookie) {
    const token = readCookie(handshake.headers.cookie, sources.cookie);
    if (token) return token;
  }
  if (sources.query) {
    const token = handshake.query[sources.query];
    if (typeof token === 'string' && token) return token;
  }
  return undefined;
}

function stripBearer(value: string): string {
  return value.replace(/^bearer\s+/i, '').trim();
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim()) || undefined;
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
