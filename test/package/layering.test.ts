/**
 * The rooms of lib/ sit on the core and not on each other (README "Layout"): a rule or a constant that two rooms need
 * lives in lib/core, and the reconciler can leave the published package because nothing a consumer loads imports it.
 * Also: every package the library code imports is one the package declares (the reconciler's are bundled into its
 * image instead).
 */
import * as fs from 'fs';
import { builtinModules } from 'module';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..');
const LIB = path.join(ROOT, 'lib');
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};

/**
 * Which rooms each room may import. The platform charts are made of the constructs, so they may use them; `imports`
 * is the generated L1 classes (imports/k8s.ts), for what synthesizes Kubernetes objects.
 */
const ALLOWED: Record<string, readonly string[]> = {
  core: ['core'],
  constructs: ['core', 'imports'],
  cli: ['core'],
  reconciler: ['core'],
  platform: ['core', 'constructs', 'imports'],
  'index.ts': ['constructs', 'platform'],
};

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const file = path.join(dir, e.name);
    if (e.isDirectory()) return sources(file);
    return e.name.endsWith('.ts') ? [file] : [];
  });
}

/** The specifiers of a file's static imports, re-exports and require() calls. */
function imports(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'";]*?from\s*['"]([^'"]+)['"]|require\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
}

/** The folder of lib/ a file is in (or `imports` for the generated classes next to lib/). */
const roomOf = (file: string): string => {
  const rel = path.relative(LIB, file).split(path.sep);
  return rel[0] === '..' ? rel[1] : rel[0];
};
const packageOf = (spec: string): string => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');
const isBuiltin = (spec: string): boolean => spec.startsWith('node:') || builtinModules.includes(packageOf(spec));

const files = sources(LIB);

describe('layering of lib/', () => {
  it('knows every room', () => {
    expect(fs.readdirSync(LIB).filter((e) => !(e in ALLOWED))).toEqual([]);
  });

  it('has each room import only the core (the platform also the constructs)', () => {
    const crossings: string[] = [];
    for (const file of files) {
      const room = roomOf(file);
      for (const spec of imports(file).filter((s) => s.startsWith('.'))) {
        const target = roomOf(path.resolve(path.dirname(file), spec));
        if (target !== room && !ALLOWED[room].includes(target)) crossings.push(`${path.relative(ROOT, file)} imports ${spec} (${room} -> ${target})`);
      }
    }
    expect(crossings).toEqual([]);
  });

  it('declares every package that code a consumer loads imports; the core imports no cdk8s', () => {
    const declared = new Set([...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]);
    const undeclared: string[] = [];
    for (const file of files.filter((f) => roomOf(f) !== 'reconciler')) {
      for (const spec of imports(file).filter((s) => !s.startsWith('.') && !isBuiltin(s))) {
        if (!declared.has(packageOf(spec)) || (roomOf(file) === 'core' && ['cdk8s', 'constructs'].includes(packageOf(spec)))) {
          undeclared.push(`${path.relative(ROOT, file)}: ${spec}`);
        }
      }
    }
    expect(undeclared).toEqual([]);
  });

  it('bundles into the image only packages the repository installs', () => {
    const installed = new Set(Object.keys(manifest.devDependencies));
    const missing = files
      .filter((f) => roomOf(f) === 'reconciler')
      .flatMap((f) => imports(f).filter((s) => !s.startsWith('.') && !isBuiltin(s) && !installed.has(packageOf(s))).map((s) => `${path.relative(ROOT, f)}: ${s}`));
    expect(missing).toEqual([]);
  });
});
