import { Chart, Testing } from 'cdk8s';
import { Construct } from 'constructs';
import { ImageConfig, PodConfig, SpawnerImage, WorkspaceKind, WorkspaceKindPort, WorkspaceKindProps } from '../../lib';

/** A minimal valid kind with one port, two image options and two pod options. */
export interface SmallKind {
  readonly kind: WorkspaceKind;
  readonly port: WorkspaceKindPort;
  readonly images: ImageConfig[];
  readonly pods: PodConfig[];
}

export function addSmallKind(scope: Construct, id = 'Kind', overrides: Partial<WorkspaceKindProps> = {}): SmallKind {
  const kind = new WorkspaceKind(scope, id, {
    name: 'small',
    displayName: 'Small kind',
    description: 'A kind for tests',
    icon: SpawnerImage.fromUrl('https://example.com/icon.png'),
    logo: SpawnerImage.fromConfigMap('logos', 'logo.svg'),
    serviceAccountName: 'default-editor',
    ...overrides,
  });
  const port = kind.addPort({ id: 'web', displayName: 'Web' });
  const images = [
    kind.addImageConfig({ id: 'img_a', displayName: 'Image A', image: 'example.com/a:1', ports: [{ port, number: 8888 }] }),
    kind.addImageConfig({ id: 'img_b', displayName: 'Image B', image: 'example.com/b:1', ports: [{ port, number: 8888 }] }),
  ];
  const pods = [
    kind.addPodConfig({ id: 'small', displayName: 'Small', resources: { requests: { cpu: '100m' } } }),
    kind.addPodConfig({ id: 'large', displayName: 'Large', resources: { requests: { cpu: '2' } } }),
  ];
  return { kind, port, images, pods };
}

/** Synthesizes every chart of the app holding `scope`; throws cdk8s' validation error when there is one. */
export function synthApp(scope: Construct): any[] {
  const app = scope.node.root as ReturnType<typeof Testing.app>;
  return app.charts.flatMap((chart: Chart) => Testing.synth(chart));
}

/** The validation error message of synthesizing the app (fails the test if synth succeeds). */
export function synthError(scope: Construct): string {
  const app = scope.node.root as ReturnType<typeof Testing.app>;
  try {
    app.synthYaml();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected synth to fail, but it succeeded');
}
