export * from './kube-types';
export * from './workspace-kind';
export * from './workspace';
export { ApiRevision } from '../core/revision';
