import { ConfigError, parseConfig, parseDuration, RECONCILER_CHART_ARGS, RECONCILER_DEFAULTS, RECONCILER_FLAGS, usage } from '../../lib/core/contract/flags';
import { RECONCILER_IMAGE, RECONCILER_IMAGE_REPOSITORY, RECONCILER_IMAGE_TAG } from '../../lib/core/contract/image';
import { version } from '../../package.json';

describe('reconciler configuration', () => {
  test('defaults without flags or environment', () => {
    expect(parseConfig([], {})).toEqual(RECONCILER_DEFAULTS);
    expect(RECONCILER_DEFAULTS).toMatchObject({ healthPort: 8081, metricsPort: 8080, leaderElect: false, leaderElectionId: 'kubeflow-workspace-controller' });
  });

  test('flags win over the environment, which wins over defaults', () => {
    const env = { RECONCILER_WORKERS: '8', RECONCILER_HEALTH_PORT: '9000', RECONCILER_CULLING_INTERVAL: '2m' };
    const c = parseConfig(['--workers=2', '--leader-elect', '--metrics-port', '0', '--log-level=debug'], env);
    expect(c.workers).toBe(2);
    expect(c.healthPort).toBe(9000);
    expect(c.cullingIntervalMs).toBe(120_000);
    expect(c.leaderElect).toBe(true);
    expect(c.metricsPort).toBe(0);
    expect(c.logLevel).toBe('debug');
  });

  test('durations', () => {
    expect(parseDuration('1500ms')).toBe(1500);
    expect(parseDuration('30')).toBe(30_000);
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('10h')).toBe(36_000_000);
    expect(() => parseDuration('5 minutes')).toThrow(ConfigError);
  });

  test('bad input names the flag or variable', () => {
    expect(() => parseConfig(['--workers=many'], {})).toThrow('--workers: expected a non-negative integer, got "many"');
    expect(() => parseConfig([], { RECONCILER_LEADER_ELECT: 'yes' })).toThrow('RECONCILER_LEADER_ELECT: expected true or false, got "yes"');
    expect(() => parseConfig(['--nope'], {})).toThrow('unknown flag --nope');
    expect(() => parseConfig(['stray'], {})).toThrow('unexpected argument "stray"');
    expect(() => parseConfig(['--workers=0'], {})).toThrow('--workers and --kind-workers must be at least 1');
    expect(() => parseConfig(['--renew-deadline=20s'], {})).toThrow('--renew-deadline must be shorter than --lease-duration');
    expect(() => parseConfig(['--context'], {})).toThrow('--context needs a value');
  });

  test('the chart arguments parse, and every flag is documented in --help', () => {
    expect(parseConfig(RECONCILER_CHART_ARGS, {}).leaderElect).toBe(true);
    const help = usage();
    for (const f of RECONCILER_FLAGS) {
      expect(help).toContain(`--${f.flag} [${f.env}]`);
    }
    expect(new Set(RECONCILER_FLAGS.map((f) => f.env)).size).toBe(RECONCILER_FLAGS.length);
  });

  test('the image tag follows the package version', () => {
    expect(RECONCILER_IMAGE_TAG).toBe(version);
    expect(RECONCILER_IMAGE).toBe(`${RECONCILER_IMAGE_REPOSITORY}:${version}`);
    expect(RECONCILER_IMAGE_REPOSITORY).toBe('ghcr.io/cdk8s-kubeflow-workspaces/reconciler');
  });
});

describe('--api-revision and the Istio flags (v2.0.0-beta.0)', () => {
  const { parseConfig: parse, RECONCILER_API_REVISION_ENV: ENV } = jest.requireActual('../../lib/core/contract/flags');
  test('defaults to fd7a3d8e; the flag wins over the environment the chart sets', () => {
    expect(parse([], {}).apiRevision).toBe('fd7a3d8e');
    expect(parse([], { [ENV]: 'v2.0.0-beta.0' }).apiRevision).toBe('v2.0.0-beta.0');
    expect(parse(['--api-revision=fd7a3d8e'], { [ENV]: 'v2.0.0-beta.0' }).apiRevision).toBe('fd7a3d8e');
  });
  test('an unknown revision, or Istio without the beta, is refused naming the flag', () => {
    expect(() => parse(['--api-revision=v2'], {})).toThrow('--api-revision: expected fd7a3d8e or v2.0.0-beta.0, got "v2"');
    expect(() => parse(['--use-istio'], {})).toThrow('--use-istio needs --api-revision=v2.0.0-beta.0');
    const c = parse(['--api-revision=v2.0.0-beta.0', '--use-istio', '--istio-gateway=kubeflow/kubeflow-gateway'], {});
    expect([c.useIstio, c.istioGateway, c.istioHosts, c.clusterDomain]).toEqual([true, 'kubeflow/kubeflow-gateway', '*', 'cluster.local']);
  });
});
