// The validation pipe's success path generates a function per DTO class. Where the process
// forbids code generation, the pipe must still validate, through class-validator itself.
import type { Socket } from 'socket.io-client';
import { ask } from '../kit/events.js';
import type { AppInstance } from '../kit/instance.js';
import { demoLogin, startSample } from '../sample/sample-instance.js';

interface Answer {
  status: string;
  code?: string;
  details?: Array<{ field: string }>;
}

describe('validation with --disallow-code-generation-from-strings (the sample app)', () => {
  let app: AppInstance;
  let client: Socket;

  beforeAll(async () => {
    app = await startSample('no-codegen', {}, ['--disallow-code-generation-from-strings']);
    const token = await demoLogin(app, 'alice');
    client = await app.connect('/chat', { auth: { token } });
  }, 30_000);
  afterAll(() => app?.stop());

  it('accepts valid payloads and refuses invalid ones with VALIDATION_FAILED', async () => {
    await expect(ask(client, 'join_room', { roomId: 'general' })).resolves.toMatchObject({
      status: 'ok',
    });
    await expect(
      ask(client, 'send_message', { roomId: 'general', text: 'hello' }),
    ).resolves.toMatchObject({ status: 'ok' });
    const blank = await ask<Answer>(client, 'send_message', { roomId: 'general', text: '   ' });
    expect(blank).toMatchObject({ status: 'error', code: 'VALIDATION_FAILED' });
    expect(blank.details?.map((d) => d.field)).toEqual(['text']);
    const extra = await ask<Answer>(client, 'join_room', { roomId: 'general', admin: true });
    expect(extra).toMatchObject({ status: 'error', code: 'VALIDATION_FAILED' });
  });
});
