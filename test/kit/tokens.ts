import { JwtService, type JwtSignOptions } from '@nestjs/jwt';

export const TEST_SECRET = 'test-secret-at-least-32-bytes-long!!';
const jwt = new JwtService();

/** Signs an HS256 test token; `sub` is the user id. Expires in 1 h unless the payload sets `exp`. */
export function signToken(payload: Record<string, unknown>, options: JwtSignOptions = {}): string {
  const expiry = payload.exp === undefined ? { expiresIn: '1h' as const } : {};
  return jwt.sign(payload, { secret: TEST_SECRET, ...expiry, ...options });
}
