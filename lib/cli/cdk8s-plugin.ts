/**
 * A cdk8s validation plugin (the `validations:` key of cdk8s.yaml) that runs the `kfws validate` checks on the
 * synthesized manifests — useful when an app includes hand-written YAML (`Include`), which the constructs' own
 * synth-time validation never sees.
 *
 * Contract (cdk8s-cli `lib/plugins/validation.d.ts`): cdk8s-cli loads `package`, instantiates `class` with the
 * `properties` of the entry, and calls `validate(context)`; the plugin reports through `context.report` and must
 * `submit` it. The types below are the parts of that contract we use, declared here because cdk8s-cli is not a
 * runtime dependency of this package.
 */

import * as fs from 'fs';
import * as path from 'path';
import { validateManifests } from './check';
import { readManifests } from './manifests';
import { summaryLine } from './report';
import { describeObject, Finding, Severity } from './types';

export enum ValidationStatus {
  SUCCESS = 'success',
  FAILURE = 'failure',
}

export interface ValidationViolation {
  readonly ruleName: string;
  readonly recommendation: string;
  readonly fix: string;
  readonly violatingResources: readonly { readonly resourceName: string; readonly locations: readonly string[]; readonly manifestPath: string }[];
}

export interface ValidationContext {
  /** Paths of the synthesized manifests. */
  readonly manifests: readonly string[];
  readonly report: {
    addViolation(violation: ValidationViolation): void;
    submit(status: ValidationStatus, metadata?: { readonly [key: string]: string }): void;
  };
  readonly logger: { log(message: string): void };
}

/** The `properties:` of the plugin's entry in cdk8s.yaml. */
export interface WorkspacesValidationProperties {
  /** Files or folders with WorkspaceKinds that the app's Workspaces use but the app does not define. */
  readonly kinds?: readonly string[];
}

export class WorkspacesValidation {
  constructor(private readonly props: WorkspacesValidationProperties = {}) {}

  async validate(context: ValidationContext): Promise<void> {
    const cwd = process.cwd();
    const input = readManifests(context.manifests, { cwd });
    const reference = this.props.kinds?.length ? readManifests(this.props.kinds, { cwd }) : undefined;
    const report = validateManifests(input, reference);
    const errors = report.findings.filter((f) => f.severity === Severity.ERROR);
    for (const f of errors) context.report.addViolation(toViolation(f, cwd));
    context.logger.log(summaryLine(report));
    context.report.submit(errors.length > 0 ? ValidationStatus.FAILURE : ValidationStatus.SUCCESS, {
      workspaces: String(report.checked.workspaces),
      workspaceKinds: String(report.checked.workspaceKinds),
    });
    removeConstructMetadata(context.manifests);
  }
}

/**
 * cdk8s-cli writes `construct-metadata.json` next to the manifests for its report and leaves it in the output folder,
 * where Argo CD reads it as a (broken) manifest. cdk8s-cli loads it for every plugin before any plugin validates, so
 * it is no longer needed here.
 */
function removeConstructMetadata(manifests: readonly string[]): void {
  for (const dir of new Set(manifests.map((manifest) => path.dirname(manifest)))) {
    fs.rmSync(path.join(dir, 'construct-metadata.json'), { force: true });
  }
}

function toViolation(f: Finding, cwd: string): ValidationViolation {
  const location = `${f.violation?.field ?? 'document'} (line ${f.line ?? 1})`;
  return {
    ruleName: f.message,
    recommendation: f.object
      ? `${describeObject(f.object)} would be refused by the API server or the Kubeflow Notebooks admission webhook`
      : 'The manifest must be valid YAML',
    fix: f.violation?.detail || f.message,
    violatingResources: [
      {
        // cdk8s maps the resource name to the construct path through its construct metadata.
        resourceName: f.object?.name ?? path.basename(f.file ?? ''),
        locations: [location],
        manifestPath: path.resolve(cwd, f.file ?? ''),
      },
    ],
  };
}
