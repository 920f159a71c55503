import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../src/cli/main.js';
import { ROOT } from '../e2e/build.js';
import { captureContext } from '../cli/helpers.js';

/**
 * Every `pivote …` command line the shipped docs and scripts tell a user to type must exist
 * (install.sh once said `pivote kiosk add`, which never did). Command lines are taken from code:
 * inline code and fenced blocks in Markdown, quoted strings in shell scripts, ExecStart in units.
 * docs/API.md is left out: it describes the HTTP front door, whose commands are built to it.
 */

const SHIPPED = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md') && f !== 'API.md').map((f) => `docs/${f}`),
  ...readdirSync(join(ROOT, 'hardware')).filter((f) => f.endsWith('.md')).map((f) => `hardware/${f}`),
  ...readdirSync(join(ROOT, 'systemd')).filter((f) => /\.(md|sh|service)$/.test(f)).map((f) => `systemd/${f}`),
];

/** "pivote fleet add hall-1 --name X" -> ['fleet', 'add', 'hall-1'] (words before the first option). */
const COMMAND_LINE = /(?:^|[\s'"`(])(?:npx |sudo |\/usr\/local\/bin\/)?pivote((?: [a-z][a-z0-9-]*)+)/g;

function codeOf(file: string, text: string): string[] {
  if (file.endsWith('.md')) {
    // Command lines in fenced blocks (not the prose of help output shown there), and inline code.
    const fenced = [...text.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n').filter((l) => /^\s*(?:\$ )?(?:sudo |npx )?pivote /.test(l)));
    const inline = [...text.replace(/```[a-z]*\n[\s\S]*?```/g, '').matchAll(/`([^`\n]+)`/g)].map((m) => m[1]!);
    return [...fenced, ...inline];
  }
  // Scripts: commands quoted in what they tell the user ('pivote …' or `pivote …` in say/echo lines).
  if (file.endsWith('.sh')) {
    return text
      .split('\n')
      .filter((l) => /^\s*(?:say|echo|printf|warn|die|fail)\b/.test(l))
      .flatMap((l) => [...l.matchAll(/'(pivote [^']*)'|`(pivote [^`]*)`/g)].map((m) => m[1] ?? m[2]!));
  }
  return text.split('\n').filter((l) => l.startsWith('ExecStart='));
}

function commandLines(): { file: string; words: string[] }[] {
  const out: { file: string; words: string[] }[] = [];
  for (const file of SHIPPED) {
    for (const code of codeOf(file, readFileSync(join(ROOT, file), 'utf8'))) {
      for (const m of code.matchAll(COMMAND_LINE)) out.push({ file, words: m[1]!.trim().split(' ') });
    }
  }
  return out;
}

describe('pivote commands named in the docs and scripts exist', () => {
  const program = buildProgram(captureContext());
  const lines = commandLines();

  it('finds the command lines (the extraction works)', () => {
    expect(lines.length).toBeGreaterThan(30);
    expect(lines.some((l) => l.file === 'systemd/install.sh')).toBe(true);
  });

  it.each(SHIPPED)('%s', (file) => {
    for (const { words } of lines.filter((l) => l.file === file)) {
      let cmd: Command = program;
      let rest = words;
      while (cmd.commands.length > 0 && rest.length > 0) {
        const word = rest[0]!;
        const sub = cmd.commands.find((c) => c.name() === word || c.aliases().includes(word));
        expect(sub, `${file}: \`pivote ${words.join(' ')}\`: "${word}" is not a command of \`${cmd === program ? 'pivote' : cmd.name()}\` (${cmd.commands.map((c) => c.name()).join(', ')})`).toBeDefined();
        cmd = sub!;
        rest = rest.slice(1);
      }
      // A leaf takes only its declared arguments: `pivote kiosk add` is not `pivote kiosk`.
      const args = cmd.registeredArguments;
      if (!args.some((a) => a.variadic)) {
        expect(rest.length, `${file}: \`pivote ${words.join(' ')}\`: \`${cmd.name()}\` takes ${args.length} argument(s), not "${rest.join(' ')}"`).toBeLessThanOrEqual(args.length);
      }
    }
  });
});
