import { Inject, Injectable, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SubscribeMessage, WebSocketGateway } from '@nestjs/websockets';
import {
  getRealtimeOptionsToken,
  InjectRealtimeOptions,
  RealtimeModule,
  type RealtimeModuleOptions,
  type RealtimeOptionsFactory,
  type ResolvedRealtimeOptions,
} from '../../lib/index.js';
import { TestApp } from '../kit/app.js';
import { ask } from '../kit/events.js';

@WebSocketGateway({ namespace: '/echo' })
class EchoGateway {
  constructor(@InjectRealtimeOptions() private readonly options: ResolvedRealtimeOptions) {}

  @SubscribeMessage('prefix')
  prefix() {
    return this.options.userRoomPrefix;
  }
}

const CONFIG = 'CONFIG';
@Module({
  providers: [{ provide: CONFIG, useValue: { prefix: 'from-config:' } }],
  exports: [CONFIG],
})
class ConfigModule {}

@Injectable()
class OptionsFactory implements RealtimeOptionsFactory {
  createRealtimeOptions(): RealtimeModuleOptions {
    return { userRoomPrefix: 'from-class:' };
  }
}

@Module({ providers: [OptionsFactory], exports: [OptionsFactory] })
class FactoryModule {}

describe('RealtimeModule registration paths', () => {
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function roundTrip(realtimeModule: ReturnType<typeof RealtimeModule.forRoot>) {
    app = await TestApp.start({ realtimeModule, providers: [EchoGateway] });
    const client = await app.connect('/echo');
    return ask<string>(client, 'prefix');
  }

  it('forRoot(options)', async () => {
    await expect(roundTrip(RealtimeModule.forRoot({ userRoomPrefix: 'root:' }))).resolves.toBe(
      'root:',
    );
  });

  it('forRoot() with no options uses the defaults', async () => {
    await expect(roundTrip(RealtimeModule.forRoot({}))).resolves.toBe('user:');
  });

  it('forRootAsync({ imports, inject, useFactory })', async () => {
    const module = RealtimeModule.forRootAsync({
      imports: [ConfigModule],
      inject: [CONFIG],
      useFactory: async (config: { prefix: string }) => ({ userRoomPrefix: config.prefix }),
    });
    await expect(roundTrip(module)).resolves.toBe('from-config:');
  });

  it('forRootAsync({ useClass })', async () => {
    await expect(
      roundTrip(RealtimeModule.forRootAsync({ useClass: OptionsFactory })),
    ).resolves.toBe('from-class:');
  });

  it('forRootAsync({ imports, useExisting })', async () => {
    const module = RealtimeModule.forRootAsync({
      imports: [FactoryModule],
      useExisting: OptionsFactory,
    });
    await expect(roundTrip(module)).resolves.toBe('from-class:');
  });

  it('forRootAsync({ useClass, extraProviders }) adds providers to the module', async () => {
    const DEP = 'DEP';
    @Injectable()
    class NeedsDep implements RealtimeOptionsFactory {
      constructor(@Inject(DEP) private readonly dep: string) {}
      createRealtimeOptions() {
        return { userRoomPrefix: this.dep };
      }
    }
    const module = RealtimeModule.forRootAsync({
      useClass: NeedsDep,
      extraProviders: [{ provide: DEP, useValue: 'extra:' }],
    });
    await expect(roundTrip(module)).resolves.toBe('extra:');
  });

  it('is global by default: a feature module injects the options without importing it', async () => {
    @Injectable()
    class Feature {
      constructor(@Inject(getRealtimeOptionsToken()) readonly options: ResolvedRealtimeOptions) {}
    }
    @Module({ providers: [Feature], exports: [Feature] })
    class FeatureModule {}
    const ref = await Test.createTestingModule({
      imports: [RealtimeModule.forRoot({ userRoomPrefix: 'g:' }), FeatureModule],
    }).compile();
    expect(ref.get(Feature).options.userRoomPrefix).toBe('g:');
    await ref.close();
  });

  it('isGlobal: false keeps it out of modules that do not import it', async () => {
    @Injectable()
    class Feature {
      constructor(@Inject(getRealtimeOptionsToken()) readonly options: ResolvedRealtimeOptions) {}
    }
    @Module({ providers: [Feature] })
    class FeatureModule {}
    await expect(
      Test.createTestingModule({
        imports: [RealtimeModule.forRoot({ isGlobal: false }), FeatureModule],
      }).compile(),
    ).rejects.toThrow(/can't resolve dependencies of the Feature/);
  });
});
