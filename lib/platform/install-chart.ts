import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { ApiRevision, DEFAULT_API_REVISION } from '../core/revision';
import { contextRevision } from './revision-context';
import { WorkspacesController, WorkspacesControllerProps } from './controller';
import { InstallMode } from './install-mode';

/** Properties of the install chart. */
export interface WorkspacesInstallChartProps {
  /**
   * Whether this chart installs the controller (CRDs, namespace, RBAC, Deployment, roles for people) or the platform
   * provides it, in which case the chart holds nothing.
   * @default InstallMode.FULL
   */
  readonly mode?: InstallMode;
  /**
   * The upstream revision of `kubeflow.org/v1beta1` installed: the CRDs of that revision. Also settable as
   * `controller.apiRevision`; when both are given they must agree, and with the app's (`WorkspacesApp`'s
   * `apiRevision`, context `kubeflow-workspaces:apiRevision`).
   * @default - the app's revision, else ApiRevision.FD7A3D8E
   */
  readonly apiRevision?: ApiRevision;
  /**
   * Settings of the controller install; only with `InstallMode.FULL`.
   * @default - the defaults of `WorkspacesControllerProps`
   */
  readonly controller?: WorkspacesControllerProps;
  /**
   * Labels added to every object of the chart.
   * @default - none
   */
  readonly labels?: Record<string, string>;
}

/**
 * The chart that installs the product: with `InstallMode.FULL`, a `WorkspacesController`; with
 * `InstallMode.CONTROLLER_PROVIDED`, nothing, so that the same app code serves clusters where Kubeflow or another
 * platform already runs the controller. Tenants, kinds and Workspaces go in charts of their own.
 */
export class WorkspacesInstallChart extends Chart {
  /** The install mode of this chart. */
  public readonly mode: InstallMode;
  /** The upstream revision of `kubeflow.org/v1beta1` installed. */
  public readonly apiRevision: ApiRevision;
  /** The controller install, with `InstallMode.FULL`. */
  public readonly controller?: WorkspacesController;

  constructor(scope: Construct, id: string, props: WorkspacesInstallChartProps = {}) {
    super(scope, id, { labels: props.labels });
    this.mode = props.mode ?? InstallMode.FULL;
    const chartRevision = props.apiRevision;
    const controllerRevision = props.controller?.apiRevision;
    if (chartRevision !== undefined && controllerRevision !== undefined && chartRevision !== controllerRevision) {
      throw new Error(`apiRevision is ${chartRevision} but controller.apiRevision is ${controllerRevision}; expected one revision (set either, or both to the same)`);
    }
    const appRevision = contextRevision(this);
    const explicit = chartRevision ?? controllerRevision;
    if (explicit !== undefined && appRevision !== undefined && explicit !== appRevision) {
      throw new Error(`apiRevision is ${explicit} but the app targets ${appRevision} (WorkspacesApp apiRevision); expected one revision per app (set it once, on the WorkspacesApp)`);
    }
    this.apiRevision = explicit ?? appRevision ?? DEFAULT_API_REVISION;
    if (this.mode === InstallMode.FULL) {
      this.controller = new WorkspacesController(this, 'Controller', { ...props.controller, apiRevision: this.apiRevision });
    } else if (props.controller) {
      throw new Error('controller settings are given with InstallMode.CONTROLLER_PROVIDED, where the platform runs the controller; expected InstallMode.FULL, or no controller settings');
    }
  }
}
