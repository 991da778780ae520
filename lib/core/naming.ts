/**
 * `metadata.generateName` prefixes of the objects a Workspace owns (docs/upstream-behavior.md §1.3).
 *
 * The API server appends 5 random characters to a `generateName`, so the prefix is cut to leave room for them plus
 * the trailing dash within the object's maximum name length.
 */
import { createHash } from 'node:crypto';

/** Characters the API server reserves for the random `generateName` suffix. */
const GENERATED_SUFFIX_LENGTH = 6;

/**
 * StatefulSet names are capped at 52 characters: the StatefulSet controller puts `<name>-<hash>` into the
 * `controller-revision-hash` Pod label, which must stay within 63 characters.
 */
export const STATEFULSET_NAME_MAX_LENGTH = 52;
/** A Service name is a DNS-1035 label (63 characters). */
export const SERVICE_NAME_MAX_LENGTH = 63;

/** `generateName` prefix `ws-<workspaceName>-`, cut so that generated names stay within `maxLength`. */
export function generateNamePrefix(workspaceName: string, maxLength: number): string {
  const limit = maxLength - GENERATED_SUFFIX_LENGTH - 1;
  if (limit < 1) {
    throw new RangeError(`maxLength must be at least ${GENERATED_SUFFIX_LENGTH + 2}, got ${maxLength}`);
  }
  let prefix = `ws-${workspaceName}`;
  if (prefix.length > limit) {
    prefix = prefix.slice(0, limit);
  }
  return prefix.endsWith('-') ? prefix : `${prefix}-`;
}

/** `generateName` of a Workspace's StatefulSet. */
export function statefulSetNamePrefix(workspaceName: string): string {
  return generateNamePrefix(workspaceName, STATEFULSET_NAME_MAX_LENGTH);
}

/** `generateName` of a Workspace's Service. */
export function serviceNamePrefix(workspaceName: string): string {
  return generateNamePrefix(workspaceName, SERVICE_NAME_MAX_LENGTH);
}

/** The single Pod of a Workspace's StatefulSet. */
export function workspacePodName(statefulSetName: string): string {
  return `${statefulSetName}-0`;
}

/** Longest object name the API server accepts for ServiceAccounts and RoleBindings (DNS-1123 subdomain). */
const SUBDOMAIN_MAX_LENGTH = 253;
/** Room left for `-<hash8>` at the end of a 253-character name. */
const HASHED_PREFIX_LENGTH = SUBDOMAIN_MAX_LENGTH - 9;

/** The first 8 lower-case hex characters of SHA-256 over `parts` joined with `/` (docs/upstream-v2-beta.md §4.4). */
export function hash8(...parts: string[]): string {
  return createHash('sha256').update(parts.join('/')).digest('hex').slice(0, 8);
}

/**
 * The Workspace's own ServiceAccount at v2.0.0-beta.0 (beta §4.4): `ws-<name>`; a longer-than-253 result is cut to
 * 244 characters and ends in `-<hash8(name)>`, so two long names with a common prefix stay distinct.
 */
export function workspaceServiceAccountName(workspaceName: string): string {
  const plain = `ws-${workspaceName}`;
  return plain.length <= SUBDOMAIN_MAX_LENGTH ? plain : `${plain.slice(0, HASHED_PREFIX_LENGTH)}-${hash8(workspaceName)}`;
}

/**
 * The RoleBinding that binds ClusterRole `clusterRole` to the Workspace's ServiceAccount (beta §4.4):
 * `ws-<name>` (cut to 244 characters), `-`, `hash8(name, clusterRole)`. The hash is always there: ClusterRole names
 * may hold characters that object names may not (`:`), and a plain concatenation would be ambiguous.
 */
export function workspaceRoleBindingName(workspaceName: string, clusterRole: string): string {
  return `${`ws-${workspaceName}`.slice(0, HASHED_PREFIX_LENGTH)}-${hash8(workspaceName, clusterRole)}`;
}
