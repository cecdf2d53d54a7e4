import { JwtService, type JwtSignOptions } from '@nestjs/jwt';

export const TEST_SECRET = 'test-secret-at-least-32-bytes-long!!';
const jwt = new JwtService();

/** Signs an HS256 test token; `sub` is the user id. */
export function signToken(payload: Record<string, unknown>, options: JwtSignOptions = {}): string {
  return jwt.sign(payload, { secret: TEST_SECRET, expiresIn: '1h', ...options });
}
