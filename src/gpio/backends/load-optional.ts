import { PivoteError } from '../../protocol/errors.js';

/**
 * Loads an optional dependency (onoff, pigpio) only when its backend is chosen: they are
 * optionalDependencies and may be missing, and pigpio prints a banner of warnings when its C
 * library cannot load, so a static import would break or pollute every x86 run.
 * The specifier is a variable so TypeScript does not need the package to typecheck.
 */
export async function loadOptionalModule(name: string, backend: string): Promise<unknown> {
  let mod: unknown;
  try {
    mod = await import(name);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    const why =
      code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND'
        ? `the optional dependency "${name}" is not installed (npm install ${name})`
        : `loading "${name}" failed: ${err instanceof Error ? err.message : String(err)}`;
    throw new PivoteError('PV_GPIO_UNAVAILABLE', `${backend} backend unavailable: ${why}`, { backend, module: name }, { cause: err });
  }
  // A CommonJS package imported from ESM exposes module.exports as `default`.
  const withDefault = mod as { default?: unknown };
  return withDefault.default ?? mod;
}
