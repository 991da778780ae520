import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ApiObject, App, AppProps, Chart, JsonPatch, YamlOutputType } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import { buildExampleApp } from '../../apps/main';
import { addJupyterLabKind } from '../../apps/jupyterlab-kind';
import {
  ApplyOrder, ChartFileNames, InstallMode, MemberKind, Workspace, WorkspaceKind, WorkspacesApp, WorkspacesInstallChart,
  WorkspacesTenant, WorkspaceVolume,
} from '../../lib';

const OUTPUT_TYPES = [
  YamlOutputType.FILE_PER_APP,
  YamlOutputType.FILE_PER_CHART,
  YamlOutputType.FILE_PER_RESOURCE,
  YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE,
];

/** Every file under `dir` (relative path → text), or the error that synthesis threw. */
type Outcome = { files: Record<string, string> } | { error: string };

function readTree(dir: string, prefix = ''): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      Object.assign(files, readTree(full, `${prefix}${entry.name}/`));
      files[`${prefix}${entry.name}/`] = '<folder>';
    } else {
      files[`${prefix}${entry.name}`] = fs.readFileSync(full, 'utf8');
    }
  }
  return files;
}

function synthWith(makeApp: (props: AppProps) => App, props: AppProps, build: (app: App) => void): Outcome {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'kfws-app-'));
  try {
    const app = makeApp({ ...props, outdir });
    build(app);
    app.synth();
    return { files: readTree(outdir) };
  } catch (error) {
    return { error: (error as Error).message };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

const cdk8sApp = (props: AppProps) => new App(props);
const workspacesApp = (props: AppProps) => new WorkspacesApp(props);

/** A small deterministic random number generator (mulberry32), so that failures can be replayed by seed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

enum Ordering {
  NONE = 'no chart dependencies',
  RANDOM = 'random chart and object dependencies',
  APPLY_ORDER = 'ApplyOrder.arrange',
}

/**
 * An app of 2–7 charts and maybe a kinds chart (some nested, some with a namespace) mixing this library's constructs, plain ApiObjects and
 * cdk8s-plus constructs.
 */
function buildRandomApp(app: App, seed: number, ordering: Ordering): void {
  const next = random(seed);
  const pick = (n: number) => Math.floor(next() * n);
  const charts: Chart[] = [];
  const objects: ApiObject[] = [];
  // A kind in a chart of its own: Workspaces in a chart nested in the kind's chart would make a dependency cycle.
  const kind = next() < 0.7 ? addJupyterLabKind(new Chart(app, 'kinds'), 'JupyterLab') : undefined;
  let tenant = false;
  const chartCount = 2 + pick(6);
  for (let c = 0; c < chartCount; c++) {
    // Nested charts, except with random dependencies, which could then form cycles through the nesting.
    const parent = ordering !== Ordering.RANDOM && charts.length > 0 && next() < 0.2 ? charts[pick(charts.length)] : app;
    const namespace = next() < 0.5 ? `team-${c}` : undefined;
    const chart = new Chart(parent, `chart-${c}`, { namespace, labels: next() < 0.3 ? { tier: `t${c}` } : undefined });
    charts.push(chart);
    const items = 1 + pick(5);
    for (let i = 0; i < items; i++) {
      const name = `c${c}-i${i}`;
      switch (pick(6)) {
        case 0:
          if (kind) {
            new Workspace(chart, `Workspace-${name}`, {
              name: `ws-${name}`,
              kind,
              homeVolume: next() < 0.7 ? WorkspaceVolume.newClaim({ name: `home-${name}` }) : undefined,
            });
          } else {
            const imported = WorkspaceKind.fromName(chart, `Imported-${name}`, 'jupyterlab');
            new Workspace(chart, `Workspace-${name}`, {
              name: `ws-${name}`,
              kind: imported,
              imageConfig: imported.imageConfig('jupyterlab_scipy_190'),
              podConfig: imported.podConfig('tiny_cpu'),
            });
          }
          break;
        case 1:
          objects.push(new ApiObject(chart, `ConfigMap-${name}`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${name}` }, data: { n: String(i) } }));
          break;
        case 2:
          new kplus.Deployment(chart, `Deployment-${name}`, {
            containers: [{ image: 'registry.example.com/app:1', securityContext: { ensureNonRoot: false } }],
          });
          break;
        case 3:
          new kplus.ConfigMap(chart, `PlusConfigMap-${name}`, { data: { key: name } });
          break;
        case 4:
          // One tenant per app, so that per-resource file names stay unique.
          if (!tenant) {
            tenant = true;
            new WorkspacesTenant(chart, `Tenant-${name}`, { namespace: `tenant-${c}`, members: [{ kind: MemberKind.GROUP, name: 'people' }] });
          }
          break;
        default: {
          const object = new ApiObject(chart, `Secret-${name}`, { apiVersion: 'v1', kind: 'Secret', metadata: { name: `secret-${name}` }, stringData: { a: 'b' } });
          object.addJsonPatch(JsonPatch.add('/metadata/annotations', { patched: 'yes' }));
          objects.push(object);
        }
      }
    }
  }
  if (ordering === Ordering.RANDOM) {
    // Only on earlier charts and objects that are not in a parent chart (which depends on its nested charts), so that
    // there is never a cycle.
    const mayDependOn = (from: Chart, to: Chart) => charts.indexOf(to) < charts.indexOf(from) && !from.node.scopes.includes(to);
    for (const chart of charts) {
      const earlier = charts.filter(other => mayDependOn(chart, other));
      if (earlier.length > 0 && next() < 0.5) {
        chart.addDependency(earlier[pick(earlier.length)]);
      }
    }
    for (const object of objects) {
      const earlier = objects.filter(o => mayDependOn(Chart.of(object), Chart.of(o)));
      if (earlier.length > 0 && next() < 0.5) {
        object.addDependency(earlier[pick(earlier.length)]);
      }
    }
  }
  if (ordering === Ordering.APPLY_ORDER) {
    if (next() < 0.5) {
      new WorkspacesInstallChart(app, 'install', { mode: next() < 0.5 ? InstallMode.FULL : InstallMode.CONTROLLER_PROVIDED });
    }
    ApplyOrder.arrange(app);
  }
}

describe('WorkspacesApp', () => {
  describe.each(OUTPUT_TYPES.map(type => [YamlOutputType[type], type] as const))('with %s', (_, yamlOutputType) => {
    test.each([InstallMode.FULL, InstallMode.CONTROLLER_PROVIDED])('writes the example app (%s) byte for byte as App does', mode => {
      const expected = synthWith(cdk8sApp, { yamlOutputType }, app => buildExampleApp(app, mode));
      expect('files' in expected && Object.keys(expected.files).length).toBeGreaterThan(0);
      expect(synthWith(workspacesApp, { yamlOutputType }, app => buildExampleApp(app, mode))).toEqual(expected);
    });

    test.each([Ordering.NONE, Ordering.RANDOM, Ordering.APPLY_ORDER])('writes random apps byte for byte as App does (%s)', ordering => {
      let withFiles = 0;
      for (let seed = 1; seed <= 12; seed++) {
        const build = (app: App) => buildRandomApp(app, seed * 7919 + yamlOutputType, ordering);
        const expected = synthWith(cdk8sApp, { yamlOutputType }, build);
        const actual = synthWith(workspacesApp, { yamlOutputType }, build);
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          // Name the seed, so the failure can be replayed.
          expect({ seed, ...actual }).toEqual({ seed, ...expected });
        }
        withFiles += 'files' in expected ? 1 : 0;
      }
      // Most random apps are valid: the comparison is of output, not only of errors.
      expect(withFiles).toBeGreaterThanOrEqual(10);
    });
  });

  test('records the same construct metadata as App (used by cdk8s validation plugins)', () => {
    const props = { recordConstructMetadata: true };
    const expected = synthWith(cdk8sApp, props, app => buildExampleApp(app));
    expect('files' in expected && expected.files['construct-metadata.json']).toContain('team-ml/Alice/Resource');
    expect(synthWith(workspacesApp, props, app => buildExampleApp(app))).toEqual(expected);
  });

  test('synthYaml() gives the same string as App', () => {
    for (let seed = 1; seed <= 5; seed++) {
      const yaml = (app: App) => {
        buildRandomApp(app, seed, Ordering.RANDOM);
        return app.synthYaml();
      };
      expect(yaml(new WorkspacesApp())).toEqual(yaml(new App()));
    }
  });

  test('fails validation with the same message as App', () => {
    const build = (app: App) => {
      const chart = new Chart(app, 'a');
      new Chart(app, 'b').addDependency(chart);
      const kind = WorkspaceKind.fromName(chart, 'Imported', 'jupyterlab');
      new Workspace(chart, 'NoOptions', { name: 'no-options', kind });
    };
    const expected = synthWith(cdk8sApp, {}, build);
    expect(expected).toEqual({ error: expect.stringContaining('Validation failed with the following errors:') });
    expect(synthWith(workspacesApp, {}, build)).toEqual(expected);
  });

  test('writes a chart whose class overrides toJson() through its own toJson()', () => {
    class Annotated extends Chart {
      public override toJson(): any[] {
        return super.toJson().map(object => ({ ...object, metadata: { ...object.metadata, annotations: { custom: 'yes' } } }));
      }
    }
    const build = (app: App) => {
      const plain = new Chart(app, 'plain');
      new ApiObject(plain, 'A', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a' } });
      const annotated = new Annotated(app, 'annotated');
      new ApiObject(annotated, 'B', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'b' } });
      annotated.addDependency(plain);
    };
    const expected = synthWith(cdk8sApp, {}, build);
    expect('files' in expected && expected.files['0001-annotated.k8s.yaml']).toContain('custom: "yes"');
    expect(synthWith(workspacesApp, {}, build)).toEqual(expected);
  });
});

describe('ChartFileNames.APPLY_STAGE', () => {
  const stageApp = (props: AppProps) => new WorkspacesApp({ ...props, chartFileNames: ChartFileNames.APPLY_STAGE });

  /** Install, tenants of the given teams, the kinds, and one Workspaces chart per team. */
  function buildTeams(teams: readonly string[], mode = InstallMode.FULL) {
    return (app: App) => {
      new WorkspacesInstallChart(app, 'install', { mode });
      const tenants = new Chart(app, 'tenants');
      const kinds = new Chart(app, 'kinds');
      const kind = addJupyterLabKind(kinds, 'JupyterLab');
      for (const team of teams) {
        new WorkspacesTenant(tenants, `Tenant-${team}`, { namespace: team });
        const chart = new Chart(app, team, { namespace: team });
        new Workspace(chart, 'Alice', { name: 'alice', kind, homeVolume: WorkspaceVolume.newClaim({ name: 'alice-home' }) });
      }
      ApplyOrder.arrange(app);
    };
  }

  function files(outcome: Outcome): Record<string, string> {
    if ('error' in outcome) {
      throw new Error(outcome.error);
    }
    return outcome.files;
  }

  test('names files by stage, in apply order', () => {
    expect(Object.keys(files(synthWith(stageApp, {}, buildTeams(['team-a', 'team-b']))))).toEqual([
      '10-install.k8s.yaml', '20-tenants.k8s.yaml', '30-kinds.k8s.yaml', '50-team-a.k8s.yaml', '50-team-b.k8s.yaml',
    ]);
  });

  test('adding a team in front adds its file and changes no other file name', () => {
    const before = files(synthWith(stageApp, {}, buildTeams(['team-b', 'team-c'])));
    const after = files(synthWith(stageApp, {}, buildTeams(['team-a', 'team-b', 'team-c'])));
    const added = Object.keys(after).filter(name => !(name in before));
    const removed = Object.keys(before).filter(name => !(name in after));
    expect(added).toEqual(['50-team-a.k8s.yaml']);
    expect(removed).toEqual([]);
    // Only the tenants file, which holds every team's tenant, changes content.
    const changed = Object.keys(before).filter(name => before[name] !== after[name]);
    expect(changed).toEqual(['20-tenants.k8s.yaml']);
  });

  test('removing or reordering teams changes only those teams\' files', () => {
    const all = files(synthWith(stageApp, {}, buildTeams(['team-a', 'team-b', 'team-c'])));
    const reordered = files(synthWith(stageApp, {}, buildTeams(['team-c', 'team-a', 'team-b'])));
    expect(Object.keys(reordered)).toEqual(Object.keys(all));
    for (const name of ['10-install.k8s.yaml', '30-kinds.k8s.yaml', '50-team-a.k8s.yaml', '50-team-b.k8s.yaml', '50-team-c.k8s.yaml']) {
      expect(reordered[name]).toEqual(all[name]);
    }
    const withoutB = files(synthWith(stageApp, {}, buildTeams(['team-a', 'team-c'])));
    expect(Object.keys(all).filter(name => !(name in withoutB))).toEqual(['50-team-b.k8s.yaml']);
  });

  test('writes no file for a chart without objects (the install chart with the controller provided)', () => {
    const written = files(synthWith(stageApp, {}, buildTeams(['team-a'], InstallMode.CONTROLLER_PROVIDED)));
    expect(Object.keys(written)).toEqual(['20-tenants.k8s.yaml', '30-kinds.k8s.yaml', '50-team-a.k8s.yaml']);
    expect(Object.values(written).every(text => text.trim().length > 0)).toBe(true);
  });

  test('writes the same documents as App, only under other names', () => {
    const build = buildTeams(['team-a', 'team-b']);
    const expected = files(synthWith(cdk8sApp, {}, build));
    const actual = files(synthWith(stageApp, {}, build));
    expect(Object.values(actual)).toEqual(Object.values(expected));
  });

  test('names chart folders the same way in folder-per-chart output', () => {
    const written = files(synthWith(stageApp, { yamlOutputType: YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE }, buildTeams(['team-a'], InstallMode.CONTROLLER_PROVIDED)));
    expect(Object.keys(written).filter(name => name.endsWith('/'))).toEqual(['20-tenants/', '30-kinds/', '50-team-a/']);
  });

  test('raises a chart above every chart it depends on, whatever their stages', () => {
    const written = files(synthWith(stageApp, {}, (app: App) => {
      const late = new Chart(app, 'late');
      new ApiObject(late, 'Claim', { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'x' }, spec: {} });
      const config = new Chart(app, 'config');
      new ApiObject(config, 'Settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } });
      const again = new Chart(app, 'again');
      new ApiObject(again, 'Other', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'other' } });
      config.addDependency(late);
      again.addDependency(config);
    }));
    expect(Object.keys(written)).toEqual(['40-late.k8s.yaml', '41-config.k8s.yaml', '42-again.k8s.yaml']);
  });
});
