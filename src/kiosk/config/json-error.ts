/**
 * Where a JSON text first goes wrong, as line and column, so a config error can say "line 7,
 * column 3: a trailing comma" instead of JSON.parse's message (which names no position for some
 * errors). A small recursive-descent scan of RFC 8259; call it only after JSON.parse has failed.
 */

export interface JsonErrorAt {
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 units as an editor counts them. */
  column: number;
  /** What was expected or found there. */
  problem: string;
}

class Stop extends Error {
  constructor(readonly offset: number, readonly problem: string) {
    super(problem);
  }
}

const MAX_DEPTH = 1000;

export function locateJsonError(text: string): JsonErrorAt {
  let offset = text.length;
  let problem = 'the text ends too early';
  try {
    const end = value(text, skip(text, 0), 0);
    const rest = skip(text, end);
    if (rest < text.length) throw new Stop(rest, 'unexpected text after the end of the JSON value');
  } catch (err) {
    if (!(err instanceof Stop)) throw err;
    offset = err.offset;
    problem = err.problem;
  }
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: (before.at(-1)?.length ?? 0) + 1, problem };
}

function skip(t: string, i: number): number {
  while (i < t.length && (t[i] === ' ' || t[i] === '\t' || t[i] === '\n' || t[i] === '\r')) i++;
  return i;
}

function found(t: string, i: number): string {
  return i >= t.length ? 'the end of the file' : JSON.stringify(t[i]);
}

function value(t: string, i: number, depth: number): number {
  if (depth > MAX_DEPTH) throw new Stop(i, 'nested too deeply');
  const c = t[i];
  if (c === '{') return object(t, i, depth);
  if (c === '[') return array(t, i, depth);
  if (c === '"') return string(t, i);
  if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return number(t, i);
  for (const word of ['true', 'false', 'null']) if (t.startsWith(word, i)) return i + word.length;
  if (c === "'") throw new Stop(i, "strings need double quotes, not '");
  throw new Stop(i, `expected a value, found ${found(t, i)}`);
}

function object(t: string, i: number, depth: number): number {
  i = skip(t, i + 1);
  if (t[i] === '}') return i + 1;
  for (;;) {
    if (t[i] !== '"') {
      throw new Stop(i, t[i] === '}' ? 'a trailing comma before }' : `expected a key in double quotes, found ${found(t, i)}`);
    }
    i = skip(t, string(t, i));
    if (t[i] !== ':') throw new Stop(i, `expected ":" after the key, found ${found(t, i)}`);
    i = skip(t, value(t, skip(t, i + 1), depth + 1));
    if (t[i] === '}') return i + 1;
    if (t[i] !== ',') throw new Stop(i, `expected "," or "}", found ${found(t, i)}`);
    i = skip(t, i + 1);
  }
}

function array(t: string, i: number, depth: number): number {
  i = skip(t, i + 1);
  if (t[i] === ']') return i + 1;
  for (;;) {
    if (t[i] === ']') throw new Stop(i, 'a trailing comma before ]');
    i = skip(t, value(t, i, depth + 1));
    if (t[i] === ']') return i + 1;
    if (t[i] !== ',') throw new Stop(i, `expected "," or "]", found ${found(t, i)}`);
    i = skip(t, i + 1);
  }
}

function string(t: string, i: number): number {
  for (let j = i + 1; j < t.length; j++) {
    const c = t.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c < 0x20) throw new Stop(j, 'a line break or control character inside a string');
    if (c === 0x5c) {
      const e = t[j + 1];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(t.slice(j + 2, j + 6))) throw new Stop(j, 'a bad \\u escape');
        j += 5;
      } else if (e !== undefined && '"\\/bfnrt'.includes(e)) j++;
      else throw new Stop(j, `a bad escape \\${e ?? ''}`);
    }
  }
  throw new Stop(t.length, 'a string that is never closed');
}

function number(t: string, i: number): number {
  const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(t.slice(i));
  if (!m) throw new Stop(i, `a malformed number`);
  return i + m[0].length;
}
