import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SubscribeMessage } from '@nestjs/websockets';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { RealtimeGateway, WsUser } from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { ask, refused } from '../kit/events.js';

@RealtimeGateway({ namespace: '/jwks' })
class JwksGateway {
  @SubscribeMessage('me')
  me(@WsUser('sub') sub: string) {
    return sub;
  }
}

async function keyPair(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  const sign = (sub: string) =>
    new SignJWT({ sub })
      .setProtectedHeader({ alg: 'RS256', kid })
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
  return { jwk, sign };
}

describe('JWKS verification with key rotation', () => {
  let keys: JWK[] = [];
  let fetches = 0;
  let jwksServer: Server;
  let app: TestApp;

  beforeAll(async () => {
    jwksServer = createServer((_req, res) => {
      fetches++;
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys }));
    });
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', () => r()));
    const { port } = jwksServer.address() as AddressInfo;
    app = await TestApp.start({
      realtime: {
        auth: { jwksUri: `http://127.0.0.1:${port}/.well-known/jwks.json`, jwksCooldownMs: 0 },
      },
      providers: [JwksGateway],
    });
  });

  afterAll(async () => {
    await app.close();
    await new Promise((r) => jwksServer.close(r));
  });

  it('verifies with the served key, caches it, and follows a rotation without a restart', async () => {
    const first = await keyPair('key-1');
    keys = [first.jwk];
    const a = await app.connect('/jwks', { auth: { token: await first.sign('alice') } });
    await expect(ask(a, 'me')).resolves.toBe('alice');
    await app.connect('/jwks', { auth: { token: await first.sign('alice2') } });
    expect(fetches).toBe(1); // cached

    // Rotation: the issuer now signs with key-2 and publishes only it.
    const second = await keyPair('key-2');
    keys = [second.jwk];
    const b = await app.connect('/jwks', { auth: { token: await second.sign('bob') } });
    await expect(ask(b, 'me')).resolves.toBe('bob');
    expect(fetches).toBe(2); // re-fetched on the unknown kid

    // A token from a key nobody publishes is refused.
    const rogue = await keyPair('rogue');
    const err = await refused(app.client('/jwks', { auth: { token: await rogue.sign('eve') } }));
    expect(err.message).toBe('UNAUTHORIZED');
  });
});
