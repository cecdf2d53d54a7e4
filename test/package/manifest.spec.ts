import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

describe('package manifest', () => {
  it('declares every package imported from lib/ as a dependency or peer dependency', () => {
    const declared = new Set([
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.peerDependencies ?? {}),
    ]);
    const missing = new Set<string>();
    for (const file of sourceFiles(join(root, 'lib'))) {
      const text = readFileSync(file, 'utf8');
      for (const [, specifier] of text.matchAll(/(?:from|import\()\s*'([^']+)'/g)) {
        if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
        if (builtinModules.includes(specifier)) continue;
        const name = packageName(specifier);
        if (!declared.has(name)) missing.add(`${name} (${file.slice(root.length + 1)})`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  it('publishes dist with types first in exports', () => {
    expect(pkg.name).toBe('nestjs-realtime');
    expect(pkg.files).toEqual(['dist']);
    expect(pkg.main).toBe('./dist/index.js');
    expect(pkg.types).toBe('./dist/index.d.ts');
    const entry = pkg.exports['.'];
    expect(Object.keys(entry)[0]).toBe('types');
    expect(entry.types).toBe('./dist/index.d.ts');
  });

  it('states the Node range the README states, one that has require(esm) unflagged', () => {
    // Nest 12 itself requires 20.19+ or 22.12+; a CommonJS Nest 11 app loads this ESM package
    // through require(esm), unflagged from the same releases.
    expect(pkg.engines.node).toBe('^20.19.0 || >=22.12.0');
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const matrix = readme.slice(readme.indexOf('## Supported and tested matrix'));
    const engines = /^\| `engines` \| `([^`]+)`/m.exec(matrix)?.[1].replaceAll('\\|', '|');
    expect(engines).toBe(pkg.engines.node);
    for (const nest of [11, 12]) {
      expect(matrix).toMatch(
        new RegExp(`^\\| Node, Nest ${nest} \\| 20\\.19\\+ or 22\\.12\\+`, 'm'),
      );
    }
    expect(readme).toMatch(
      /^Nest 11 \(CommonJS\) and Nest 12 \(ESM\) on Node 20\.19\+ or 22\.12\+/m,
    );
  });

  it('keeps Nest, Socket.IO and validation as peers and the Redis/JWT stack as dependencies', () => {
    for (const peer of [
      '@nestjs/common',
      '@nestjs/core',
      '@nestjs/websockets',
      '@nestjs/platform-socket.io',
    ]) {
      expect(pkg.peerDependencies[peer]).toBe('^11.0.0 || ^12.0.0');
    }
    for (const peer of [
      'socket.io',
      'rxjs',
      'reflect-metadata',
      'class-validator',
      'class-transformer',
    ]) {
      expect(pkg.peerDependencies[peer]).toBeDefined();
    }
    for (const dep of ['@nestjs/jwt', 'ioredis', '@socket.io/redis-adapter']) {
      expect(pkg.dependencies[dep]).toBeDefined();
    }
  });

  it('publishes the testing kit as nestjs-realtime/testing, types first', () => {
    const entry = pkg.exports['./testing'];
    expect(Object.keys(entry)[0]).toBe('types');
    expect(entry).toEqual({
      types: './dist/testing/index.d.ts',
      import: './dist/testing/index.js',
      default: './dist/testing/index.js',
    });
  });

  it('resolves nestjs-realtime/testing types under moduleResolution node10 too (typesVersions)', () => {
    // Nest 11 apps made with "module": "commonjs" resolve without `exports`.
    expect(pkg.typesVersions).toEqual({ '*': { testing: [pkg.exports['./testing'].types] } });
  });

  it('keeps socket.io-client, prom-client and @nestjs/terminus optional peers', () => {
    for (const peer of ['socket.io-client', 'prom-client', '@nestjs/terminus']) {
      expect(pkg.peerDependencies[peer]).toBeDefined();
      expect(pkg.peerDependenciesMeta[peer]).toEqual({ optional: true });
      expect(pkg.devDependencies[peer]).toBeDefined();
      expect(pkg.dependencies[peer]).toBeUndefined();
    }
  });

  it('never imports an optional peer statically outside its own entry point', () => {
    // socket.io-client only in the testing kit; prom-client only by a lazy import(); terminus never
    const files = sourceFiles(join(root, 'lib')).filter(
      (file) => !file.startsWith(join(root, 'lib', 'testing')),
    );
    const offending: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const [, specifier] of text.matchAll(/from\s*'([^']+)'/g)) {
        if (['socket.io-client', 'prom-client', '@nestjs/terminus'].includes(specifier)) {
          offending.push(`${specifier} (${file.slice(root.length + 1)})`);
        }
      }
    }
    expect(offending).toEqual([]);
    const index = readFileSync(join(root, 'lib', 'index.ts'), 'utf8');
    expect(index).not.toMatch(/testing/);
  });

  it('exports the public API from lib/index.ts only, never internal tokens', () => {
    const index = readFileSync(join(root, 'lib', 'index.ts'), 'utf8');
    expect(index).not.toMatch(/internal\.constants/);
  });

  it('keeps the README for users, under 700 lines, and the benchmark lab notes in bench/README.md', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    expect(readme.split('\n').length).toBeLessThan(700);
    expect(readme).toMatch(/^## Performance$/m);
    expect(readme).toContain('(bench/README.md)');
    const notes = join(root, 'bench', 'README.md');
    expect(existsSync(notes)).toBe(true);
    const lab = readFileSync(notes, 'utf8');
    expect(lab).toContain('machine M');
    // every recorded run, machines A to M, in the table of `npm run bench` runs
    for (const machine of 'ABCDEFGHIJKLM') {
      expect(lab).toMatch(new RegExp(`^\\| ${machine}1 \\|`, 'm'));
    }
  });
});
