import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, AppProps, Chart, DependencyGraph, Names, Yaml, YamlOutputType } from 'cdk8s';
import { API_REVISION_CONTEXT, ApiRevision, DEFAULT_API_REVISION } from '../core/revision';
import { ApplyOrder } from './apply-order';

/** How `WorkspacesApp` names the file (or folder) of each chart. */
export enum ChartFileNames {
  /**
   * As cdk8s's `App` does: `<chart>` when no chart depends on another, else `0000-<chart>`, `0001-<chart>`, ... by a
   * running index in apply order (adding a chart renames every later file). Charts without objects still get a file.
   */
  CDK8S = 'cdk8s',
  /**
   * `<stage prefix>-<chart>`, where the prefix depends only on the chart's own objects and the charts it must follow
   * (see `ApplyOrder.chartFilePrefixes()`): files still sort in apply order, and adding, removing or reordering a chart
   * changes only that chart's file. Charts without objects get no file (`kubectl apply -f` refuses empty files).
   */
  APPLY_STAGE = 'apply-stage',
}

/** Properties of a `WorkspacesApp`: those of cdk8s's `App`, and how chart files are named. */
export interface WorkspacesAppProps extends AppProps {
  /**
   * How chart files (`YamlOutputType.FILE_PER_CHART`) and chart folders
   * (`YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE`) are named.
   * @default ChartFileNames.CDK8S
   */
  readonly chartFileNames?: ChartFileNames;
  /**
   * The upstream API revision every Workspace, WorkspaceKind and install chart of the app targets (both are
   * `kubeflow.org/v1beta1`, so it cannot be told from the objects): stored as the app's context
   * `kubeflow-workspaces:apiRevision`, which those constructs read.
   * @default - the context's value if set (e.g. in cdk8s.yaml), else ApiRevision.FD7A3D8E
   */
  readonly apiRevision?: ApiRevision;
}

/**
 * A drop-in replacement for cdk8s's `App` whose synthesis time grows with the number of objects, not with charts ×
 * objects. Writes the same files, byte for byte, as `App.synth()` for every `YamlOutputType` (with the default
 * `ChartFileNames.CDK8S`).
 *
 * `App.synth()` writes each chart through `chart.toJson()`, and each call resolves the dependencies of, and validates,
 * the whole app again, so an app of 200 team charts pays 200 passes over every object. `WorkspacesApp` validates and
 * resolves dependencies the way `App` does, once, then writes each chart from the resolved graph. This assumes what
 * cdk8s's repeated passes make invisible anyway: validations and lazy values do not add constructs or dependencies
 * while the app is written. A chart whose class overrides `toJson()` is still written through its `toJson()`.
 */
export class WorkspacesApp extends App {
  /** How chart files are named. */
  public readonly chartFileNames: ChartFileNames;
  private readonly recordMetadata: boolean;

  constructor(props: WorkspacesAppProps = {}) {
    super(props);
    this.chartFileNames = props.chartFileNames ?? ChartFileNames.CDK8S;
    if (props.apiRevision !== undefined) {
      this.node.setContext(API_REVISION_CONTEXT, props.apiRevision);
    }
    // As App decides it (App keeps its own copy private).
    this.recordMetadata = props.recordConstructMetadata ?? process.env.CDK8S_RECORD_CONSTRUCT_METADATA === 'true';
  }

  /** The API revision the app targets (an invalid context value is reported by the constructs that read it). */
  public get apiRevision(): ApiRevision {
    const value: unknown = this.node.tryGetContext(API_REVISION_CONTEXT);
    return Object.values(ApiRevision).includes(value as ApiRevision) ? (value as ApiRevision) : DEFAULT_API_REVISION;
  }

  /** Synthesizes all manifests to the output directory, as `App.synth()` does. */
  public override synth(): void {
    const stageNames = this.chartFileNames === ChartFileNames.APPLY_STAGE
      && (this.yamlOutputType === YamlOutputType.FILE_PER_CHART
        || this.yamlOutputType === YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE);
    // App's own synth is already linear for these: nothing to gain.
    if (!stageNames && (this.yamlOutputType === YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE || allCharts(this).length <= 1)) {
      super.synth();
      return;
    }
    fs.mkdirSync(this.outdir, { recursive: true });
    validateApp(this);
    const session = this.prepare();
    const charts = this.charts;

    switch (this.yamlOutputType) {
      case YamlOutputType.FILE_PER_APP:
        if (charts.length > 0) {
          Yaml.save(path.join(this.outdir, `app${this.outputFileExtension}`), charts.flatMap(chart => session.toJson(chart)));
        }
        break;
      case YamlOutputType.FILE_PER_CHART: {
        const fileName = this.chartNamer(session.hasDependantCharts, charts);
        for (const chart of charts) {
          const objects = session.toJson(chart);
          if (stageNames && objects.length === 0) {
            continue;
          }
          Yaml.save(path.join(this.outdir, fileName(chart) + this.outputFileExtension), objects);
        }
        break;
      }
      case YamlOutputType.FILE_PER_RESOURCE:
        for (const chart of charts) {
          for (const object of session.toJson(chart)) {
            if (object !== undefined) {
              Yaml.save(path.join(this.outdir, resourceFileName(object.kind, object.metadata.name) + this.outputFileExtension), [object]);
            }
          }
        }
        break;
      case YamlOutputType.FOLDER_PER_CHART_FILE_PER_RESOURCE: {
        const folderName = this.chartNamer(session.hasDependantCharts, charts);
        for (const chart of charts) {
          const objects = chartApiObjects(chart);
          if (stageNames && objects.length === 0) {
            continue;
          }
          const folder = path.join(this.outdir, folderName(chart));
          fs.mkdirSync(folder, { recursive: true });
          for (const object of objects) {
            Yaml.save(path.join(folder, resourceFileName(object.kind, object.metadata.name) + this.outputFileExtension), [object.toJson()]);
          }
        }
        break;
      }
      default:
        break;
    }
    if (this.recordMetadata) {
      this.writeMetadata(charts);
    }
  }

  /** Synthesizes the app into one YAML string, as `App.synthYaml()` does. */
  public override synthYaml(): string {
    if (allCharts(this).length <= 1) {
      return super.synthYaml();
    }
    const session = this.prepare();
    return Yaml.stringify(...this.charts.flatMap(chart => session.toJson(chart)));
  }

  /**
   * Resolves dependencies and validates once, by writing one chart through cdk8s's own `Chart.toJson()` (whose passes
   * cover the whole app); later passes would change nothing.
   */
  private prepare(): SynthSession {
    const charts = allCharts(this);
    const first = charts[0];
    const firstJson: any[] | undefined = first ? Chart.prototype.toJson.call(first) : undefined;
    // What App's dependency resolution reports: whether any chart is nested in, or depends on, another.
    const hasDependantCharts = charts.some(chart => chart.node.dependencies.some(dependency => Chart.of(dependency) !== chart));
    return {
      hasDependantCharts,
      toJson: (chart: Chart): any[] => {
        if (chart.toJson !== Chart.prototype.toJson) {
          return chart.toJson();
        }
        return chart === first ? firstJson! : chartApiObjects(chart).map(object => object.toJson());
      },
    };
  }

  /** Names chart files or folders, called once per chart in `charts` order (cdk8s counts them). */
  private chartNamer(hasDependantCharts: boolean, charts: readonly Chart[]): (chart: Chart) => string {
    if (this.chartFileNames === ChartFileNames.APPLY_STAGE) {
      const prefixList = ApplyOrder.chartFilePrefixes([...charts]);
      const prefixes = new Map(charts.map((chart, i) => [chart, prefixList[i]]));
      return chart => `${prefixes.get(chart)}-${Names.toDnsLabel(chart)}`;
    }
    if (!hasDependantCharts) {
      return chart => Names.toDnsLabel(chart);
    }
    let index = 0;
    return chart => `${(index++).toString().padStart(4, '0')}-${Names.toDnsLabel(chart)}`;
  }

  private writeMetadata(charts: readonly Chart[]): void {
    const resources: Record<string, { path: string }> = {};
    for (const object of charts.flatMap(chartApiObjects)) {
      resources[object.name] = { path: object.node.path };
    }
    fs.writeFileSync(path.join(this.outdir, 'construct-metadata.json'), JSON.stringify({ version: '1.0.0', resources }));
  }
}

interface SynthSession {
  readonly hasDependantCharts: boolean;
  /** The chart's objects as JSON, in the order cdk8s writes them. */
  readonly toJson: (chart: Chart) => any[];
}

function allCharts(app: App): Chart[] {
  return app.node.findAll().filter((node): node is Chart => node instanceof Chart);
}

/** The objects a chart writes (not those of nested charts), dependencies first, as cdk8s orders them. */
function chartApiObjects(chart: Chart): ApiObject[] {
  return new DependencyGraph(chart.node).topology()
    .filter((node): node is ApiObject => node instanceof ApiObject && Chart.of(node) === chart);
}

/** cdk8s's validation of an app: every construct's validations, all errors in one exception. */
function validateApp(app: App): void {
  const errors: string[] = [];
  for (const node of app.node.findAll()) {
    for (const error of node.node.validate()) {
      errors.push(`[${node.node.path}] ${error}`);
    }
  }
  if (errors.length > 0) {
    throw new Error(`Validation failed with the following errors:\n  ${errors.join('\n  ')}`);
  }
}

/** The file name cdk8s gives an object in per-resource output. */
function resourceFileName(kind: string, name: string | undefined): string {
  return `${kind}.${name}`.replace(/[^0-9a-zA-Z-_.]/g, '');
}
