// `npm ci` on a fresh clone takes the committed lock as it is, on any platform, and `npm install`
// leaves it unchanged: the lock lists every platform's optional binaries and matches package.json.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..');

interface LockEntry {
  optionalDependencies?: Record<string, string>;
}
const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockEntry>;
};

describe('package-lock.json', () => {
  it("lists every optional dependency of every package, other platforms' binaries included", () => {
    const installed = new Set(
      Object.keys(lock.packages).map((path) => path.slice(path.lastIndexOf('node_modules/') + 13)),
    );
    const missing = Object.entries(lock.packages).flatMap(([path, entry]) =>
      Object.keys(entry.optionalDependencies ?? {})
        .filter((name) => !installed.has(name))
        .map((name) => `${name} (optional dependency of ${path || 'the root'})`),
    );
    expect(missing).toEqual([]);
  });

  it('is what npm install writes for package.json (npm ci accepts it; install changes nothing)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nestjs-realtime-lock-'));
    try {
      for (const file of ['package.json', 'package-lock.json']) {
        copyFileSync(join(root, file), join(dir, file));
      }
      await run(
        'npm',
        [
          'install',
          '--package-lock-only',
          '--ignore-scripts',
          '--no-audit',
          '--no-fund',
          '--prefer-offline',
        ],
        { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
      );
      expect(readFileSync(join(dir, 'package-lock.json'), 'utf8')).toBe(
        readFileSync(join(root, 'package-lock.json'), 'utf8'),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
