import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Controller, Get, Header, StreamableFile } from '@nestjs/common';

/** The page links /favicon.svg; browsers and tools that ask for /favicon.ico get the same icon. */
@Controller()
export class FaviconController {
  private readonly icon = readFileSync(join(import.meta.dirname, '..', 'public', 'favicon.svg'));

  @Get('favicon.ico')
  @Header('Cache-Control', 'public, max-age=86400')
  favicon(): StreamableFile {
    return new StreamableFile(this.icon, { type: 'image/svg+xml' });
  }
}
