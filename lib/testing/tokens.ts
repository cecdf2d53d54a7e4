import { JwtService, type JwtSignOptions } from '@nestjs/jwt';

/** A default HS256 secret for tests (32+ bytes); never use it outside tests. */
export const TEST_JWT_SECRET = 'test-secret-at-least-32-bytes-long!!';
const jwt = new JwtService();

/**
 * Signs a test token (HS256 with `TEST_JWT_SECRET` unless `options.secret`/`privateKey` say
 * otherwise). `sub` is the user id. Expires in 1 h unless the payload sets `exp`.
 */
export function signTestToken(
  payload: Record<string, unknown>,
  options: JwtSignOptions = {},
): string {
  const expiry = payload.exp === undefined ? { expiresIn: '1h' as const } : {};
  const key = options.privateKey === undefined ? { secret: TEST_JWT_SECRET } : {};
  return jwt.sign(payload, { ...key, ...expiry, ...options });
}
