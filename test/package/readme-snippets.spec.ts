import { codeBlocks, commands, files, readReadme } from './readme.js';

/**
 * Fast checks of the README's user-facing code; the packaging test (packaging.e2e-spec.ts) builds
 * and runs the same blocks in a fresh Nest 12 ESM app and a fresh Nest 11 CommonJS app.
 */
const readme = readReadme();

describe("the README's Install, Quick start and Testing code", () => {
  it('names the file of every TypeScript or JSON block, so each can be copied as it is', () => {
    const unnamed = codeBlocks(readme).filter((block) => block.lang !== 'bash' && !block.file);
    expect(unnamed.map((block) => `${block.section}: ${block.code.split('\n')[0]}`)).toEqual([]);
    expect([...files(readme).keys()].sort()).toEqual([
      'src/app.module.ts',
      'src/chat.gateway.ts',
      'src/main.ts',
      'src/send-message.dto.ts',
      'test/chat.e2e-spec.ts',
      'test/jest-e2e.json',
    ]);
  });

  it('imports every name it uses and writes relative imports with .js (NodeNext)', () => {
    for (const [path, code] of files(readme)) {
      if (!path.endsWith('.ts')) continue;
      for (const [, specifier] of code.matchAll(/from '(\.[^']*)'/g)) {
        expect(`${path}: ${specifier}`).toMatch(/\.js$/);
      }
    }
    const module = files(readme).get('src/app.module.ts')!;
    expect(module).toMatch(/import \{ ConfigModule, ConfigService \} from '@nestjs\/config'/);
    expect(module).toContain('ConfigModule.forRoot({ isGlobal: true })');
  });

  it('has a main.ts that also compiles as CommonJS: a bootstrap() function, no top-level await', () => {
    const main = files(readme).get('src/main.ts')!;
    expect(main).toMatch(/^async function bootstrap\(\) \{$/m);
    const topLevel = main.replace(/^async function bootstrap\(\) \{$[\s\S]*?^\}$/m, '');
    expect(topLevel).not.toMatch(/\bawait\b/);
  });

  it('installs peers per Nest major before the library, never a socket.io of its own', () => {
    const installs = commands(readme).filter((c) => c.section === 'install');
    const majors = installs.map((c) => c.nest).filter((n) => n !== undefined);
    expect(majors.sort()).toEqual([11, 12]);
    const library = installs.findIndex((c) => /\snestjs-realtime(\s|$)/.test(c.line));
    expect(library).toBeGreaterThan(installs.findIndex((c) => c.nest === 12));
    expect(library).toBeGreaterThan(installs.findIndex((c) => c.nest === 11));
    expect(installs[library].line).toContain('@nestjs/config');
    for (const command of installs) {
      expect(command.line.split(/\s+/)).not.toContain('socket.io');
      if (command.nest) {
        expect(command.line).toContain(`@nestjs/platform-socket.io@^${command.nest}`);
        expect(command.line).toContain(`@nestjs/websockets@^${command.nest}`);
      }
    }
  });

  it('says how to set JWT_SECRET, at least 32 bytes, and the Testing runner set-up', () => {
    expect(commands(readme).some((c) => c.line.includes('JWT_SECRET='))).toBe(true);
    expect(readme).toMatch(/JWT_SECRET[\s\S]{0,200}at least 32 bytes/);
    const testing = commands(readme).filter((c) => c.section === 'testing');
    expect(testing.map((c) => c.line)).toContain(
      'NODE_OPTIONS=--experimental-vm-modules npx jest --config test/jest-e2e.json',
    );
    expect(files(readme).get('test/chat.e2e-spec.ts')).toContain("from '../src/app.module.js'");
  });
});
