// A short HMAC secret works, but anyone holding one token can brute-force it offline and forge
// any user's tokens: the app says so at boot, naming the option (RFC 7518 section 3.2).
import { NestFactory } from '@nestjs/core';
import { RealtimeModule, type RealtimeModuleOptions } from '../../lib/index.js';
import { TEST_SECRET } from '../kit/tokens.js';

async function bootLines(options: RealtimeModuleOptions): Promise<string[]> {
  const lines: string[] = [];
  const capture = (level: string) => (message: unknown) =>
    lines.push(`${level} ${String(message)}`);
  const context = await NestFactory.createApplicationContext(RealtimeModule.forRoot(options), {
    logger: {
      log: capture('log'),
      error: capture('error'),
      warn: capture('warn'),
      debug: capture('debug'),
      verbose: capture('verbose'),
      fatal: capture('fatal'),
    },
  });
  await context.close();
  return lines;
}

describe('HMAC secret strength at boot', () => {
  it('warns about a 6-byte secret, naming the option and the minimum', async () => {
    const lines = await bootLines({ auth: { secret: 'abc123' } });
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^warn Option "auth\.secret" is 6 bytes long; HMAC secrets need at least 32 random bytes \(RFC 7518/,
      ),
    );
  });

  it('warns about a short previous secret, and counts bytes, not characters', async () => {
    const lines = await bootLines({
      auth: { secret: Buffer.alloc(32, 1), previousSecrets: [TEST_SECRET, 'é'.repeat(15)] },
    });
    const warnings = lines.filter((line) => line.startsWith('warn'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/Option "auth\.previousSecrets\[1\]" is 30 bytes long/);
  });

  it('says nothing about a secret of 32 bytes or more', async () => {
    const lines = await bootLines({ auth: { secret: 'x'.repeat(32) } });
    expect(lines.filter((line) => line.startsWith('warn'))).toEqual([]);
  });
});
