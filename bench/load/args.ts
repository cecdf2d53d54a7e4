// Command-line flags shared by bench:pairs and bench:instructions.
import { type Impl, unknownImpl } from './processes.js';

const args = process.argv.slice(2);

/** The value after `name` on the command line, or `fallback`. */
export function flag(name: string, fallback: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}

/** `--impls a,b,...`: implementations by name or `name@path`; an unknown one is refused. */
export function implsFlag(fallback: string): Impl[] {
  const impls = flag('--impls', fallback).split(',') as Impl[];
  for (const impl of impls) {
    const why = unknownImpl(impl);
    if (why) throw new Error(`--impls: ${why}`);
  }
  return impls;
}
