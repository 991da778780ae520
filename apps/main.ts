import { App, AppProps, Chart, Size } from 'cdk8s';
import { Construct } from 'constructs';
import {
  AdmissionWebhookMode, ApplyOrder, ChartFileNames, ClaimAccessMode, InstallMode, MemberKind, Workspace, WorkspaceKind, WorkspacesApp,
  WorkspacesInstallChart, WorkspacesTenant, WorkspaceVolume,
} from '../lib';
import { addJupyterLabKind } from './jupyterlab-kind';

/** The team namespace of the example. */
export const TEAM_NAMESPACE = 'team-ml';

/** Cluster-scoped WorkspaceKinds, kept apart from the team charts. */
export class KindsChart extends Chart {
  public readonly jupyterlab: WorkspaceKind;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.jupyterlab = addJupyterLabKind(this, 'JupyterLab');
  }
}

/** The Workspaces of one team, with the claims they use. */
export class TeamWorkspacesChart extends Chart {
  constructor(scope: Construct, id: string, kinds: KindsChart) {
    super(scope, id, { namespace: TEAM_NAMESPACE });
    const kind = kinds.jupyterlab;
    const [scipy180] = kind.imageConfigs;
    const [, smallCpu] = kind.podConfigs;

    // A new home claim, synthesized before the Workspace; the kind's default options.
    new Workspace(this, 'Alice', {
      name: 'alice',
      kind,
      homeVolume: WorkspaceVolume.newClaim({ name: 'alice-home', size: Size.gibibytes(20) }),
    });

    // Paused, on a bigger pod, with an existing home claim and a shared read-only data set.
    new Workspace(this, 'Bob', {
      name: 'bob',
      kind,
      podConfig: smallCpu,
      paused: true,
      homeVolume: WorkspaceVolume.fromExistingClaim('bob-home'),
      dataVolumes: [{
        volume: WorkspaceVolume.newClaim({ name: 'shared-datasets', size: Size.gibibytes(100), accessModes: [ClaimAccessMode.READ_ONLY_MANY] }),
        mountPath: '/data/datasets',
        readOnly: true,
      }],
    });

    // Still on the old image, whose option redirects to v1.9.0: the controller reports a pending restart, and
    // applies the redirect once the Workspace is paused.
    new Workspace(this, 'Carol', {
      name: 'carol',
      kind,
      imageConfig: scipy180,
      homeVolume: WorkspaceVolume.newClaim({ name: 'carol-home' }),
      podLabels: { 'team.example.com/cost-center': 'ml-research' },
    });
  }
}

/** The team's namespace, its people and the ServiceAccount the kind's pods run as. */
export class TenantsChart extends Chart {
  constructor(scope: Construct, id: string, mode: InstallMode) {
    super(scope, id);
    new WorkspacesTenant(this, 'TeamMl', {
      namespace: TEAM_NAMESPACE,
      mode,
      members: [{ kind: MemberKind.GROUP, name: 'ml-engineers' }],
      resourceQuota: { requestsCpu: '32', requestsMemory: '128Gi', workspaces: 20 },
    });
  }
}

/**
 * Builds the example app (exported for the tests): the controller install (unless the platform provides the
 * controller), a tenant, the kinds and the team's Workspaces, in an order GitOps tools and kubectl can apply.
 * `webhook` chooses how the install's admission webhooks get their certificates (or leaves them out).
 */
export function buildExampleApp(app: App, mode: InstallMode = InstallMode.FULL, webhook: AdmissionWebhookMode = AdmissionWebhookMode.SELF_MANAGED): void {
  new WorkspacesInstallChart(app, 'install', { mode, controller: mode === InstallMode.FULL ? { webhook } : undefined });
  new TenantsChart(app, 'tenants', mode);
  const kinds = new KindsChart(app, 'kinds');
  new TeamWorkspacesChart(app, 'team-ml', kinds);
  ApplyOrder.arrange(app);
}

/**
 * The app the example synthesizes into: one pass over the objects however many charts there are, and file names by
 * apply stage (`10-install`, `20-tenants`, `30-kinds`, `50-team-ml`) that stay put when teams come and go.
 */
export function newExampleApp(props: AppProps = {}): WorkspacesApp {
  return new WorkspacesApp({ ...props, chartFileNames: ChartFileNames.APPLY_STAGE });
}

if (require.main === module) {
  // KFWS_CONTROLLER_PROVIDED=true: for clusters whose platform (Kubeflow, Alauda AI) already runs the controller.
  const app = newExampleApp();
  buildExampleApp(app, process.env.KFWS_CONTROLLER_PROVIDED === 'true' ? InstallMode.CONTROLLER_PROVIDED : InstallMode.FULL);
  app.synth();
}
