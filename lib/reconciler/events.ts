/**
 * Kubernetes Events (core/v1) about Workspaces, aggregated like client-go's recorder: a repeat of the same
 * type/reason/message for the same object within the aggregation window increments `count` on the existing Event
 * instead of creating a new one. Emission never blocks or fails a reconcile.
 */
import { randomBytes } from 'node:crypto';
import { isNotFound, KubeClient } from './kube/client';
import { PATHS } from '../core/kube-objects';
import { Logger } from './log';

export enum EventType {
  NORMAL = 'Normal',
  WARNING = 'Warning',
}

export interface EventSubject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name?: string; readonly namespace?: string; readonly uid?: string; readonly resourceVersion?: string };
}

export interface EventSink {
  emit(subject: EventSubject, type: EventType, reason: string, message: string): void;
}

const AGGREGATION_WINDOW_MS = 10 * 60_000;
const MAX_TRACKED = 4096;

export class EventRecorder implements EventSink {
  private readonly recent = new Map<string, { name: string; count: number; at: number }>();
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly client: KubeClient,
    private readonly component: string,
    private readonly host: string,
    private readonly log: Logger,
  ) {}

  emit(subject: EventSubject, type: EventType, reason: string, message: string): void {
    const p = this.record(subject, type, reason, message.slice(0, 1024)).catch((err) =>
      this.log.warn('cannot record event', { reason, error: (err as Error).message }),
    );
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Waits for events being written (shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  private async record(subject: EventSubject, type: EventType, reason: string, message: string): Promise<void> {
    const { name, namespace, uid } = subject.metadata;
    if (!name || !namespace) return;
    const key = `${uid}\x00${type}\x00${reason}\x00${message}`;
    const now = new Date();
    const timestamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const previous = this.recent.get(key);
    if (previous && now.getTime() - previous.at < AGGREGATION_WINDOW_MS) {
      previous.count += 1;
      previous.at = now.getTime();
      try {
        await this.client.mergePatch(PATHS.event(namespace, previous.name), { count: previous.count, lastTimestamp: timestamp });
        return;
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    const eventName = `${name}.${Date.now().toString(16)}${randomBytes(2).toString('hex')}`;
    await this.client.create(PATHS.namespacedEvents(namespace), {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: eventName, namespace },
      involvedObject: {
        apiVersion: subject.apiVersion,
        kind: subject.kind,
        name,
        namespace,
        uid,
        resourceVersion: subject.metadata.resourceVersion,
      },
      type,
      reason,
      message,
      source: { component: this.component, host: this.host },
      reportingComponent: this.component,
      reportingInstance: this.host,
      firstTimestamp: timestamp,
      lastTimestamp: timestamp,
      count: 1,
    });
    if (this.recent.size >= MAX_TRACKED) {
      this.recent.delete(this.recent.keys().next().value!);
    }
    this.recent.delete(key);
    this.recent.set(key, { name: eventName, count: 1, at: now.getTime() });
  }
}
