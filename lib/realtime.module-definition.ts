import { ConfigurableModuleBuilder, type Provider } from '@nestjs/common';
import type { RealtimeModuleOptions } from './options/realtime-options.interface.js';

export interface RealtimeModuleExtras {
  /** Register the module globally, so its providers need no import in feature modules. @default true */
  isGlobal?: boolean;
  /** More providers to add to the module (for example what a `useClass` factory needs). @default [] */
  extraProviders?: Provider[];
}

export const {
  ConfigurableModuleClass,
  MODULE_OPTIONS_TOKEN: RAW_OPTIONS_TOKEN,
  OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<RealtimeModuleOptions>({ moduleName: 'Realtime' })
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createRealtimeOptions')
  .setExtras<RealtimeModuleExtras>(
    { isGlobal: true, extraProviders: [] },
    (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
      providers: [...(definition.providers ?? []), ...(extras.extraProviders ?? [])],
    }),
  )
  .build();

/** What a `useClass`/`useExisting` options factory implements. */
export interface RealtimeOptionsFactory {
  createRealtimeOptions(): RealtimeModuleOptions | Promise<RealtimeModuleOptions>;
}
