import { IsInt } from 'class-validator';

/** Shares its name with the `ItemDto` of fixtures.ts: the document gives each its own schema. */
export class ItemDto {
  @IsInt()
  count!: number;
}
