import { IsString, Matches } from 'class-validator';

export class DemoLoginDto {
  @IsString()
  @Matches(/^[a-zA-Z0-9_-]{1,24}$/, {
    message: 'name must be 1 to 24 letters, digits, "_" or "-"',
  })
  name!: string;
}
