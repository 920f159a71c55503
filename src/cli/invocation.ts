import { realpathSync } from 'node:fs';
import { delimiter, dirname, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How the user can run this very `pivote` from where they are, for hints that print a command
 * ("try `pivote results --db …`"): `pivote` when it is on their PATH, `npx pivote` inside a
 * checkout (npm run demo), else `node /path/to/main.js`.
 */

export interface InvocationFacts {
  /** This program's entry point (dist/cli/main.js), real path. */
  mainPath: string;
  /** The package root: two levels above main.js. */
  packageRoot: string;
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Real path of a file, or undefined when it does not exist. */
  realpath: (path: string) => string | undefined;
}

function safeRealpath(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

export function processInvocationFacts(env: Readonly<Record<string, string | undefined>>): InvocationFacts {
  const main = safeRealpath(fileURLToPath(new URL('./main.js', import.meta.url))) ?? fileURLToPath(new URL('./main.js', import.meta.url));
  return { mainPath: main, packageRoot: dirname(dirname(dirname(main))), cwd: process.cwd(), env, realpath: safeRealpath };
}

function isInside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** The words to type for `pivote`. */
export function pivoteCommand(facts: InvocationFacts): string {
  for (const dir of (facts.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    if (facts.realpath(join(dir, 'pivote')) === facts.mainPath) return 'pivote';
  }
  // npx finds the bin of the package in the current folder (a checkout) or a parent's node_modules.
  if (isInside(facts.packageRoot, facts.cwd) && !facts.packageRoot.split(sep).includes('node_modules')) return 'npx pivote';
  return `node ${/\s/.test(facts.mainPath) ? JSON.stringify(facts.mainPath) : facts.mainPath}`;
}

/** A path as short as it can be said from the current folder. */
export function pathFromCwd(facts: Pick<InvocationFacts, 'cwd'>, path: string): string {
  return isInside(facts.cwd, path) && path !== facts.cwd ? relative(facts.cwd, path) : path;
}
