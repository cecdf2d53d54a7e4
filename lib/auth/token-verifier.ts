import { createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { JwtService, type JwtVerifyOptions } from '@nestjs/jwt';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify } from 'jose';
import { RealtimeErrorCode } from '../errors/error-codes.js';
import { RealtimeException } from '../errors/realtime.exception.js';
import { REALTIME_OPTIONS } from '../core/internal.constants.js';
import type { ResolvedAuthOptions, ResolvedRealtimeOptions } from '../options/options.defaults.js';
import type { RealtimeJwtPayload } from '../options/realtime-options.interface.js';

/** Secret and public keys verify synchronously; only JWKS (a key fetch) returns a promise. */
type Verify = (token: string) => RealtimeJwtPayload | Promise<RealtimeJwtPayload>;

/**
 * Verifies tokens with @nestjs/jwt (secret or public key) or jose (JWKS). Keys are built once as
 * KeyObjects: jsonwebtoken would re-parse a string secret on every call.
 */
@Injectable()
export class TokenVerifier {
  private readonly verifyFn: Verify;

  constructor(@Inject(REALTIME_OPTIONS) options: ResolvedRealtimeOptions) {
    this.verifyFn = options.auth ? buildVerifier(options.auth) : rejectAll;
  }

  /**
   * The payload, or throws a RealtimeException (UNAUTHORIZED or TOKEN_EXPIRED); no promise when
   * the answer is known at once (secret or public key), a promise with JWKS.
   */
  verifyNow(token: string): RealtimeJwtPayload | Promise<RealtimeJwtPayload> {
    let result: RealtimeJwtPayload | Promise<RealtimeJwtPayload>;
    try {
      result = this.verifyFn(token);
    } catch (error) {
      throw toAuthException(error);
    }
    if (result instanceof Promise) {
      return result.catch((error: unknown) => {
        throw toAuthException(error);
      });
    }
    return result;
  }
}

const rejectAll: Verify = () =>
  Promise.reject(
    new RealtimeException(RealtimeErrorCode.UNAUTHORIZED, 'Authentication is not configured'),
  );

function buildVerifier(auth: ResolvedAuthOptions): Verify {
  const common = {
    algorithms: auth.algorithms,
    issuer: auth.issuer,
    audience: auth.audience,
    clockTolerance: auth.clockTolerance,
  };
  if (auth.jwksUri) {
    const jwks = createRemoteJWKSet(new URL(auth.jwksUri), {
      cacheMaxAge: auth.jwksCacheMaxAgeMs,
      cooldownDuration: auth.jwksCooldownMs,
    });
    return async (token) => (await jwtVerify(token, jwks, common)).payload as RealtimeJwtPayload;
  }
  const keys: KeyObject[] = auth.publicKey
    ? [createPublicKey(auth.publicKey)]
    : [auth.secret!, ...auth.previousSecrets].map((s) =>
        createSecretKey(typeof s === 'string' ? Buffer.from(s) : s),
      );
  // One JwtService per key, options given once: per-call options would be copied and have
  // keys deleted on every verification (JwtService.mergeJwtOptions).
  const services = keys.map(
    (key) =>
      new JwtService({
        secret: key,
        verifyOptions: { ...common, audience: asArray(auth.audience) } as JwtVerifyOptions,
      }),
  );
  return (token) => {
    let lastError: unknown;
    for (const jwt of services) {
      try {
        return jwt.verify<RealtimeJwtPayload>(token);
      } catch (error) {
        lastError = error;
        // Only a bad signature means "maybe an older secret"; anything else is final.
        if ((error as Error).message !== 'invalid signature') break;
      }
    }
    throw lastError;
  };
}

function asArray(value: string | string[] | undefined): string[] | undefined {
  return value === undefined ? undefined : Array.isArray(value) ? value : [value];
}

function toAuthException(error: unknown): RealtimeException {
  if (error instanceof RealtimeException) return error;
  const name = (error as Error | undefined)?.name;
  if (name === 'TokenExpiredError' || error instanceof joseErrors.JWTExpired) {
    return new RealtimeException(RealtimeErrorCode.TOKEN_EXPIRED, 'Token has expired');
  }
  if (name === 'NotBeforeError') {
    return new RealtimeException(RealtimeErrorCode.UNAUTHORIZED, 'Token is not yet valid');
  }
  const reason = error instanceof Error ? error.message : 'verification failed';
  return new RealtimeException(RealtimeErrorCode.UNAUTHORIZED, `Invalid token: ${reason}`);
}
