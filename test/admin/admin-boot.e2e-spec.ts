// The operator console never starts open or half-configured: every mistake is a boot error that
// names the option.
import { join } from 'node:path';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import {
  RealtimeConfigError,
  RealtimeGateway,
  type RealtimeModuleOptions,
} from '../../lib/index.js';
import { resolveRealtimeOptions } from '../../lib/options/options.defaults.js';
import { TEST_JWT_SECRET } from '../../lib/testing/index.js';
import { TestApp } from '../kit/app.js';
import { AppInstance } from '../kit/instance.js';
import { ADMIN_AUTH, ADMIN_PASSWORD } from './console-kit.js';

@RealtimeGateway({ namespace: '/chat' })
class ChatGateway {
  @SubscribeMessage('ping')
  ping() {
    return 'pong';
  }
}

@WebSocketGateway({ namespace: '/admin' })
class AdminNamedGateway {
  @SubscribeMessage('ping')
  ping() {
    return 'pong';
  }
}

@WebSocketGateway({ namespace: /^\/tenant-\w+$/ })
class TenantsGateway {
  @SubscribeMessage('ping')
  ping() {
    return 'pong';
  }
}

const auth = { secret: TEST_JWT_SECRET };

/** The RealtimeConfigError resolving these options throws. */
function configError(options: unknown): RealtimeConfigError {
  try {
    resolveRealtimeOptions(options as RealtimeModuleOptions);
  } catch (error) {
    if (error instanceof RealtimeConfigError) return error;
    throw error;
  }
  throw new Error('expected a RealtimeConfigError');
}

describe('operator console options', () => {
  it('refuses a console without a login, and auth: false', () => {
    expect(configError({ admin: {} }).message).toBe(
      'Invalid RealtimeModule option "admin.auth": expected { username, password } when the operator console is enabled: it is never open without a login',
    );
    expect(configError({ admin: { enabled: true, readonly: true } }).optionPath).toBe('admin.auth');
    const off = configError({ admin: { auth: false } });
    expect(off.optionPath).toBe('admin.auth');
    expect(off.message).toContain('never open without a login');
    expect(configError({ admin: { auth: { password: ADMIN_AUTH.password } } }).optionPath).toBe(
      'admin.auth.username',
    );
  });

  it('wants the password as a bcrypt hash, and never repeats what it was given', () => {
    const plain = configError({ admin: { auth: { username: 'ops', password: ADMIN_PASSWORD } } });
    expect(plain.optionPath).toBe('admin.auth.password');
    expect(plain.message).toContain('expected a bcrypt hash of the password');
    expect(plain.message).toContain("require('bcryptjs').hashSync");
    expect(plain.message).not.toContain(ADMIN_PASSWORD);
    const numeric = configError({ admin: { auth: { username: 'ops', password: 12345678 } } });
    expect(numeric.optionPath).toBe('admin.auth.password');
    expect(numeric.message).not.toContain('12345678');
    expect(configError({ admin: { auth: { username: 'ops' } } }).message).toContain('got nothing');
  });

  it('checks the other options by name', () => {
    const cases: Array<[unknown, string, string]> = [
      [{ namespace: '/' }, 'admin.namespace', "a namespace name other than '/'"],
      [{ namespace: 'admin' }, 'admin.namespace', "a namespace name other than '/'"],
      [{ path: 'console' }, 'admin.path', "a path like '/realtime-admin'"],
      [{ path: '/:page' }, 'admin.path', "a path like '/realtime-admin'"],
      [{ path: '/socket.io/admin' }, 'admin.path', "outside Socket.IO's endpoint"],
      [{ readonly: 'yes' }, 'admin.readonly', 'a boolean'],
      [{ mode: 'debug' }, 'admin.mode', '"development", "production"'],
      [{ serverId: '' }, 'admin.serverId', 'a non-empty string'],
      [{ colour: 'red' }, 'admin.colour', 'unknown option'],
    ];
    for (const [extra, path, expected] of cases) {
      const error = configError({ admin: { auth: ADMIN_AUTH, ...(extra as object) } });
      expect({ path: error.optionPath, has: error.message.includes(expected) }).toEqual({
        path,
        has: true,
      });
    }
  });

  it('fills in the defaults: read-only, /admin, /realtime-admin, development mode', () => {
    const resolved = resolveRealtimeOptions({ admin: { auth: ADMIN_AUTH } });
    expect(resolved.admin).toEqual({
      auth: ADMIN_AUTH,
      readonly: true,
      namespace: '/admin',
      path: '/realtime-admin',
      serverId: expect.stringMatching(new RegExp(`#${process.pid}$`)),
      mode: 'development',
    });
    expect(resolveRealtimeOptions({}).admin).toBe(false);
    expect(resolveRealtimeOptions({ admin: false }).admin).toBe(false);
    // Switched off: no login needed, nothing checked beyond the shapes.
    expect(resolveRealtimeOptions({ admin: { enabled: false } as never }).admin).toBe(false);
    expect(
      resolveRealtimeOptions({ admin: { auth: ADMIN_AUTH, path: '/ops/' } }).admin,
    ).toMatchObject({ path: '/ops' });
  });
});

describe('operator console boot errors', () => {
  it('an app with the console on and no login does not start', async () => {
    await expect(
      TestApp.start({
        realtime: { auth, admin: {} as never },
        providers: [ChatGateway],
      }),
    ).rejects.toThrow(/Invalid RealtimeModule option "admin\.auth"/);
  });

  it('a gateway on the console namespace, or a dynamic one taking its name, is a boot error', async () => {
    await expect(
      TestApp.start({
        realtime: { auth, admin: { auth: ADMIN_AUTH } },
        providers: [ChatGateway, AdminNamedGateway],
      }),
    ).rejects.toThrow(
      'Invalid RealtimeModule option "admin.namespace": expected a namespace no gateway uses, got "/admin", which a gateway already serves',
    );
    await expect(
      TestApp.start({
        realtime: { auth, admin: { auth: ADMIN_AUTH, namespace: '/tenant-ops' } },
        providers: [ChatGateway, TenantsGateway],
      }),
    ).rejects.toThrow(/"admin\.namespace".*the dynamic namespace/);
  });

  it('without @socket.io/admin-ui installed, the app stops at boot saying what to install', async () => {
    const start = AppInstance.start({
      realtime: { auth, admin: { auth: ADMIN_AUTH } },
      nodeArgs: ['--import', join(import.meta.dirname, '..', 'fixtures', 'without-admin-ui.mjs')],
    });
    await expect(start).rejects.toThrow(
      'Invalid RealtimeModule option "admin": expected @socket.io/admin-ui to be installed for the operator console (an optional peer dependency): npm install @socket.io/admin-ui',
    );
  });

  it('without the package but with the console off, the app starts', async () => {
    const instance = await AppInstance.start({
      realtime: { auth, admin: false },
      nodeArgs: ['--import', join(import.meta.dirname, '..', 'fixtures', 'without-admin-ui.mjs')],
    });
    try {
      expect((await fetch(`${instance.url}/realtime-admin/`)).status).toBe(404);
    } finally {
      await instance.stop();
    }
  });
});
