import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App, AppProps, Chart, Testing } from 'cdk8s';

/** A synthesized object, as plain JSON. */
export type Manifest = Record<string, any>;

/** Every object of the app, chart by chart in synthesis order. */
export function synthObjects(app: App): Manifest[] {
  return app.charts.flatMap(chart => Testing.synth(chart));
}

/** The objects of one chart. */
export function synthChart(chart: Chart): Manifest[] {
  return Testing.synth(chart);
}

/** Runs `app.synth()` into a fresh folder and returns each file's name and text, by file name. */
export function synthToFiles(build: (app: App) => void, newApp: (props: AppProps) => App = props => new App(props)): Record<string, string> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-platform-'));
  try {
    const app = newApp({ outdir });
    build(app);
    app.synth();
    const files: Record<string, string> = {};
    for (const file of fs.readdirSync(outdir).sort()) {
      files[file] = fs.readFileSync(path.join(outdir, file), 'utf8');
    }
    return files;
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** The one object of a kind (and name, when given); fails the test when there is not exactly one. */
export function only(objects: readonly Manifest[], kind: string, name?: string): Manifest {
  const found = objects.filter(o => o.kind === kind && (name === undefined || o.metadata?.name === name));
  if (found.length !== 1) {
    throw new Error(`expected exactly one ${kind}${name ? ` "${name}"` : ''}, found ${found.length}`);
  }
  return found[0];
}

/** `Kind/name` of each object, in order. */
export function identities(objects: readonly Manifest[]): string[] {
  return objects.map(o => `${o.kind}/${o.metadata.name}`);
}

/** The objects, with each CRD reduced to its identity so that snapshots stay readable (CRDs have their own test). */
export function withoutCrdBodies(objects: readonly Manifest[]): Manifest[] {
  return objects.map(o => (o.kind === 'CustomResourceDefinition' ? { apiVersion: o.apiVersion, kind: o.kind, metadata: o.metadata } : o));
}

// The form the API server stores each value in, in a resource list of a built-in object (rounded up to a thousandth,
// then resource.Quantity's String());
// test/e2e/convergence.cluster.test.ts checks the same table against a real API server.
export const CANONICAL_QUANTITIES: readonly [string, string][] = [
  ['1000m', '1'],
  ['0.5', '500m'],
  ['0.1', '100m'],
  ['1.5', '1500m'],
  ['1000', '1k'],
  ['2048', '2048'],
  ['16000m', '16'],
  ['100m', '100m'],
  ['0.0001', '1m'],
  ['1n', '1m'],
  ['1500u', '2m'],
  ['0', '0'],
  ['0Gi', '0'],
  ['128Mi', '128Mi'],
  ['1024Mi', '1Gi'],
  ['0.5Gi', '512Mi'],
  ['0.125Gi', '128Mi'],
  ['1.5Gi', '1536Mi'],
  ['131072Mi', '128Gi'],
  ['1023Ki', '1023Ki'],
  ['0.5Ki', '512'],
  ['1e3', '1e3'],
  ['12e2', '1200'],
  ['1.5e3', '1500'],
  ['1e-3', '1e-3'],
  ['-1000m', '-1'],
];
