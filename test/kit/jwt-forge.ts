import { createHmac } from 'node:crypto';

const b64 = (value: object | string) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Hand-made tokens that no well-behaved signer would produce: alg none, HMAC with a public key. */
export function unsignedToken(payload: object): string {
  return `${b64({ alg: 'none', typ: 'JWT' })}.${b64(payload)}.`;
}

export function hmacToken(payload: object, key: string | Buffer, alg: 'HS256' = 'HS256'): string {
  const head = `${b64({ alg, typ: 'JWT' })}.${b64(payload)}`;
  const signature = createHmac('sha256', key).update(head).digest('base64url');
  return `${head}.${signature}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);
