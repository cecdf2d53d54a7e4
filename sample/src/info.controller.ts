import { Controller, Get, Inject } from '@nestjs/common';
import { SAMPLE_CONFIG, type SampleConfig } from './sample.config.js';

/** What the page needs to know about this instance. Public. */
@Controller('info')
export class InfoController {
  constructor(@Inject(SAMPLE_CONFIG) private readonly config: SampleConfig) {}

  @Get()
  info() {
    return {
      demo: this.config.demo,
      instance: this.config.instanceName,
      redis: Boolean(this.config.redisUrl),
    };
  }
}
