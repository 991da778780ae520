import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
import { ClusterScopedApiObject } from '../constructs/internal';

/** A Pod Security Standards level, enforced on a namespace by the built-in Pod Security admission. */
export enum PodSecurityLevel {
  /** No restrictions. */
  PRIVILEGED = 'privileged',
  /** Blocks known privilege escalations (host namespaces, privileged containers, host paths, ...). */
  BASELINE = 'baseline',
  /** Hardened: also requires non-root, no privilege escalation, all capabilities dropped and a seccomp profile. */
  RESTRICTED = 'restricted',
}

/** The labels that make Pod Security admission enforce, audit and warn at one level. */
export function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  return {
    'pod-security.kubernetes.io/enforce': level,
    'pod-security.kubernetes.io/audit': level,
    'pod-security.kubernetes.io/warn': level,
  };
}

/** Adds a Namespace object with the given Pod Security level and labels. */
export function addNamespace(scope: Construct, id: string, name: string, level: PodSecurityLevel, labels: Record<string, string>): ApiObject {
  return new ClusterScopedApiObject(scope, id, {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name, labels: { ...labels, ...podSecurityLabels(level) } },
  });
}
