// The enabled connectors, built from the environment (credentials) and SYNC_CONFIG (mappings).
// This is the only place in src/ that names a concrete tracker's connector.
import type { Connector, TrackerKind } from '../../connectors/contract.ts';
import { People } from '../../connectors/people.ts';
import { createGithubConnector } from '../../connectors/github/connector.ts';
import { createJiraConnector } from '../../connectors/jira/connector.ts';
import { createAsanaConnector } from '../../connectors/asana/connector.ts';
import type { TrackerSettings } from '../config.ts';
import type { SyncConfig } from './sync-config.ts';

export function buildConnectors(trackers: TrackerSettings, sync: SyncConfig, timeoutMs: number): Map<TrackerKind, Connector> {
  const people = new People(sync.people);
  const connectors = new Map<TrackerKind, Connector>();
  if (trackers.github) {
    connectors.set('github', createGithubConnector({ settings: trackers.github, mapping: sync.github, people, timeoutMs }));
  }
  if (trackers.jira) connectors.set('jira', createJiraConnector({ settings: trackers.jira, mapping: sync.jira, people, timeoutMs }));
  if (trackers.asana) {
    connectors.set('asana', createAsanaConnector({ settings: trackers.asana, mapping: sync.asana, people, timeoutMs }));
  }
  return connectors;
}
