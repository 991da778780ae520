/**
 * `kfws`, the review CLI, as a library: what bin/kfws runs, the cdk8s validation plugin, and the checks for use
 * from other tools.
 */

export { WorkspacesValidation, ValidationStatus } from './cdk8s-plugin';
export type { ValidationContext, ValidationViolation, WorkspacesValidationProperties } from './cdk8s-plugin';
export { diffManifests, validateManifests } from './check';
export { parseManifests, readManifests, SourceFile } from './manifests';
export type { ManifestObject, ManifestSet, ReadOptions, SourceText } from './manifests';
export { run, USAGE } from './main';
export type { CliIo } from './main';
export { renderWorkspaces } from './render';
export type { RenderedWorkspace, RenderResult } from './render';
export { formatReport } from './report';
export { Command, Effect, ExitCode, FindingCategory, OutputFormat, Severity } from './types';
export type { DocumentRef, Finding, Impact, ObjectRef, Report } from './types';
