/**
 * `metadata.generateName` prefixes of the objects a Workspace owns (docs/upstream-behavior.md §1.3).
 *
 * The API server appends 5 random characters to a `generateName`, so the prefix is cut to leave room for them plus
 * the trailing dash within the object's maximum name length.
 */

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
