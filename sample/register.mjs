// Runs the sample (and the tests' child processes) straight from TypeScript, with decorator
// metadata, which Nest's DI needs and esbuild-based runners do not emit. Usage: node --import ./sample/register.mjs file.ts
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
