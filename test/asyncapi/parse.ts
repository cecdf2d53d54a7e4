import { type AsyncAPIDocumentInterface, type Diagnostic, Parser } from '@asyncapi/parser';
import type { AsyncApiDocument } from '../../lib/index.js';

/** Diagnostics at these severities fail a document (0 error, 1 warning; 2 info, 3 hint). */
const ERROR = 0;
const WARNING = 1;

export interface Parsed {
  document: AsyncAPIDocumentInterface;
  /** Everything the parser said, severity and message, for a readable failure. */
  problems: string[];
  /** Infos and hints (for example "3.1.0 exists"). */
  notes: Diagnostic[];
}

/** One parser for the file: building its rule set takes seconds. */
let parser: Parser | undefined;

/** Parses with the official parser; the document must have no error and no warning. */
export async function parseAsyncApi(document: AsyncApiDocument | string): Promise<Parsed> {
  parser ??= new Parser();
  const { document: parsed, diagnostics } = await parser.parse(
    typeof document === 'string' ? document : JSON.stringify(document),
  );
  const problems = diagnostics
    .filter((d) => d.severity === ERROR || d.severity === WARNING)
    .map(
      (d) =>
        `${d.severity === ERROR ? 'error' : 'warning'} ${d.code} at ${d.path.join('.')}: ${d.message}`,
    );
  if (!parsed) throw new Error(`the parser refused the document:\n${problems.join('\n')}`);
  return {
    document: parsed,
    problems,
    notes: diagnostics.filter((d) => d.severity !== ERROR && d.severity !== WARNING),
  };
}
