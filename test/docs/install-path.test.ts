import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../e2e/build.js';

/**
 * One way to install pivote, said the same way everywhere a user reads it: make the tarball in a
 * checkout (`npm ci && npm pack`), install it (`sudo npm install -g ./pivote-<version>.tgz`).
 * .ci/checks/package.mjs walks exactly that path in CI. Paths that do not work are not offered:
 * pivote is not on the npm registry, and a globally installed checkout is a link the services
 * cannot read.
 */

const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');
const WHERE_USERS_READ = ['README.md', 'systemd/README.md', 'systemd/install.sh'];

describe('the install path', () => {
  it.each(WHERE_USERS_READ)('%s makes the tarball and installs it the same way', (path) => {
    const text = read(path).replace(/\\\n\s*/g, ' ').replace(/"\s+"/g, ' ');
    expect(text).toContain('npm ci && npm pack');
    expect(text).toContain('sudo npm install -g ./pivote-<version>.tgz');
  });

  it.each(WHERE_USERS_READ)('%s offers no path that does not work', (path) => {
    const text = read(path);
    expect(text).not.toMatch(/sudo npm install -g \.(\s|`|$)/m); // links a checkout
    expect(text).not.toMatch(/npm install -g pivote\b(?!-)/); // not on the registry
    expect(text).not.toMatch(/pivote-\*\.tgz/); // one file, named by its version
  });

  it('CI walks that path: .ci/run runs the package check, which packs and installs -g the tarball', () => {
    expect(read('.ci/run')).toMatch(/^node \.ci\/checks\/package\.mjs$/m);
    const check = read('.ci/checks/package.mjs');
    expect(check).toMatch(/run\('npm', \['pack'/);
    expect(check).toMatch(/run\('npm', \['install', '-g', '--prefix', prefix, tarball/);
    expect(check).toContain('pivote-${version}.tgz');
  });

  it('the tarball carries the GPIO addon sources, so npm can build it on the target', () => {
    const pkg = JSON.parse(read('package.json')) as { files: string[]; optionalDependencies: Record<string, string> };
    expect(pkg.optionalDependencies['@pivote/gpio-chardev']).toBe('file:native/gpio-chardev');
    const addon = JSON.parse(read('native/gpio-chardev/package.json')) as { files: string[] };
    for (const f of ['package.json', ...addon.files]) expect(pkg.files).toContain(`native/gpio-chardev/${f}`);
  });
});
