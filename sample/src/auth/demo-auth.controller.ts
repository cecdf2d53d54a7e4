import { Body, Controller, Inject, Post, ValidationPipe } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { ChatUser } from '../chat/chat.types.js';
import { SAMPLE_CONFIG, type SampleConfig } from '../sample.config.js';
import { DemoLoginDto } from './demo-login.dto.js';

/**
 * DEMO ONLY: issues a short-lived token for any name, no password. Registered only in demo mode
 * (SAMPLE_DEMO=1, which `npm run sample` sets). A real app gets its tokens from its identity
 * provider and configures the library with that provider's secret, key or JWKS.
 */
@Controller('auth')
export class DemoAuthController {
  private readonly jwt = new JwtService();

  constructor(@Inject(SAMPLE_CONFIG) private readonly config: SampleConfig) {}

  @Post('demo-login')
  login(
    @Body(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true })) body: DemoLoginDto,
  ) {
    const name = body.name.toLowerCase();
    const payload: ChatUser = { sub: name, name: body.name };
    const token = this.jwt.sign(payload, {
      secret: this.config.jwtSecret,
      expiresIn: this.config.tokenTtlSeconds,
    });
    return {
      demo: true,
      token,
      user: { id: name, name: body.name },
      expiresAt: new Date(Date.now() + this.config.tokenTtlSeconds * 1000).toISOString(),
    };
  }
}
