import { writeFileSync } from 'node:fs';
import { cliReference, errorReference } from './reference-docs.js';

writeFileSync(new URL('../docs/CLI.md', import.meta.url), cliReference());
writeFileSync(new URL('../docs/ERRORS.md', import.meta.url), errorReference());
process.stdout.write('wrote docs/CLI.md and docs/ERRORS.md\n');
