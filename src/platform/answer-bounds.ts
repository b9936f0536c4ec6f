// The bounds every platform answer is held to before it is believed (ARCHITECTURE.md, "Poisoned
// answers"). Pure functions: PlatformApi applies them; unit tests check each at its edge.
import { quotable } from '../printable';

/**
 * A record's JSON, at most: a campaign is a few hundred bytes; this leaves room for long names
 * (10 KB in the hostile account) while a full page of 100 stays far below Temporal's 2 MB payload
 * limit (a page's campaigns become an activity result).
 */
export const MAX_RECORD_BYTES = 16 * 1024;

/**
 * A campaign id's UTF-8 length, at most: (client_id, campaign_id) is the primary key, and a btree
 * row holds at most 2,704 bytes (incompressible text: an id of ~10 KB of random characters fails
 * the insert with SQLSTATE 54000).
 */
export const MAX_CAMPAIGN_ID_BYTES = 1024;

/** Nesting of a record's values, at most: JSON.stringify (and so Temporal's payloads) overflows the stack near 10,000. */
export const MAX_RECORD_DEPTH = 32;

/** The answer bounds the settings can change (PLATFORM_MAX_BODY_BYTES, PLATFORM_MAX_RETRY_AFTER_MS; src/config.ts says why). */
export const DEFAULT_ANSWER_BOUNDS = { maxBodyBytes: 1024 * 1024, maxRetryAfterMs: 180_000 };

/** How much of an id a report quotes. */
const REPORTED_ID_CHARACTERS = 80;

/** An error answer's body is read this far: enough for any error object, and its status decides anyway. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * The first thing wrong with a record that PostgreSQL or Temporal could not take: nested too deep,
 * a NUL character or an unpaired surrogate in any key or string (text and jsonb refuse both), or
 * too big. Walks the record without recursion, so a record nested 10,000 deep is only counted.
 */
export function recordProblem(record: unknown): string | undefined {
  const stack: Visit[] = [{ value: record, depth: 0, key: '', parent: undefined }];
  while (stack.length > 0) {
    const visit = stack.pop()!;
    const { value, depth } = visit;
    if (typeof value === 'string') {
      const problem = stringProblem(value);
      if (problem) return `${pathOf(visit)}: ${problem}`;
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= MAX_RECORD_DEPTH) return `${pathOf(visit)}: nested deeper than ${MAX_RECORD_DEPTH} levels`;
    for (const [key, child] of Object.entries(value)) {
      const keyProblem = stringProblem(key);
      if (keyProblem) return `a field name ${keyProblem}`;
      stack.push({ value: child, depth: depth + 1, key, parent: visit });
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(record));
  return bytes > MAX_RECORD_BYTES ? `(record): ${bytes} bytes, more than ${MAX_RECORD_BYTES}` : undefined;
}

/** A value met in the walk; its path is spelled out only when a report needs it. */
interface Visit {
  value: unknown;
  depth: number;
  key: string;
  parent: Visit | undefined;
}

/** `extra.note.1`, at most 200 characters; `(record)` for the record itself. */
function pathOf(visit: Visit): string {
  const keys: string[] = [];
  for (let at: Visit | undefined = visit; at?.parent; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.').slice(0, 200) || '(record)';
}

/** With the u flag, \p{Cs} matches only a surrogate that is not half of a pair. */
const UNPAIRED_SURROGATE = /\p{Cs}/u;

function stringProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character';
  if (UNPAIRED_SURROGATE.test(text)) return 'contains an unpaired surrogate (not valid Unicode)';
  return undefined;
}

/** A rejected record's id as reports show it: quotable if it is text at all. */
export const reportedId = (record: unknown): string | null => {
  const id = (record as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? quotable(id, REPORTED_ID_CHARACTERS) : null;
};
