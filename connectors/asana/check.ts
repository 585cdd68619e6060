// The Asana connection's configuration check: the token and its workspaces (GET /users/me), the project,
// its workspace, whether the token's user is a member, and whether the severity custom field the mapping
// names is on it (GET /projects/{gid}). The webhook is registered by this service itself, so its state is
// the service's own record (src/sync/check.ts), not the connector's.
import Asana from 'asana';
import type { CheckFinding } from '../contract.ts';
import { failedCall, hostOf, statusOf } from '../check.ts';
import { classifyAsanaError } from './errors.ts';
import type { AsanaMapping } from './mapping.ts';
import type { AsanaSettings } from './settings.ts';

type Me = { gid?: string; name?: string; workspaces?: { gid?: string }[] };
type Project = {
  name?: string;
  archived?: boolean;
  workspace?: { gid?: string } | null;
  members?: { gid?: string }[];
  custom_field_settings?: { custom_field?: { gid?: string; enum_options?: { gid?: string }[] } }[];
};

const PROJECT_FIELDS = 'name,archived,workspace,members,custom_field_settings.custom_field.enum_options';

export async function checkAsana(client: InstanceType<typeof Asana.ApiClient>, settings: AsanaSettings, mapping: AsanaMapping): Promise<CheckFinding[]> {
  const host = hostOf(client.basePath);
  const out: CheckFinding[] = [];
  const call = async <T>(run: () => Promise<unknown>): Promise<T | Error> => {
    try {
      return ((await run()) as { data?: T }).data ?? ({} as T);
    } catch (err) {
      return classifyAsanaError(err);
    }
  };

  const me = await call<Me>(() => new Asana.UsersApi(client).getUser('me', { opt_fields: 'name,workspaces' }));
  if (me instanceof Error) {
    out.push(failedCall(host, 'credentials refused', me, 'give the connection a valid personal access token (My settings → Apps → Developer apps)'));
    return out;
  }
  out.push({ level: 'ok', what: `token accepted (${me.name ?? me.gid ?? 'user'})` });
  if (!(me.workspaces ?? []).some((w) => w.gid === settings.workspaceGid)) {
    out.push({ level: 'error', what: `the token's user is not in workspace ${settings.workspaceGid}`, fix: 'set the connection\'s workspace to a gid from GET /workspaces' });
  }

  const project = await call<Project>(() => new Asana.ProjectsApi(client).getProject(settings.projectGid, { opt_fields: PROJECT_FIELDS }));
  if (project instanceof Error) {
    const missing = statusOf(project) === 404 || statusOf(project) === 403;
    out.push(failedCall(host, missing ? `project ${settings.projectGid} not found, or the token's user cannot see it` : `project ${settings.projectGid} not readable`, project, 'check the connection\'s project gid (the number after /0/ in the project\'s URL), and share the project with the token\'s user'));
    return out;
  }
  out.push({ level: 'ok', what: `project ${project.name ?? settings.projectGid} found` });
  if (project.workspace?.gid && project.workspace.gid !== settings.workspaceGid) {
    out.push({ level: 'error', what: `project ${settings.projectGid} is in workspace ${project.workspace.gid}, not ${settings.workspaceGid}`, fix: `set the connection's workspace to ${project.workspace.gid}` });
  }
  if (project.archived) out.push({ level: 'warn', what: `project ${settings.projectGid} is archived`, fix: 'unarchive it, or point the connection at another project' });
  // Asana shows members only where the user may see them; an absent list says nothing.
  if (project.members && me.gid && !project.members.some((m) => m.gid === me.gid)) {
    out.push({ level: 'warn', what: 'the token\'s user is not a member of the project', fix: 'add the user to the project\'s members' });
  }
  out.push(severityFinding(project, mapping));
  return out;
}

function severityFinding(project: Project, mapping: AsanaMapping): CheckFinding {
  const wanted = mapping.severityField;
  if (!wanted) return { level: 'ok', what: 'no severity field mapped: severity shows in the notes footer only' };
  const field = (project.custom_field_settings ?? []).map((s) => s.custom_field).find((f) => f?.gid === wanted.gid);
  if (!field) return { level: 'warn', what: `the severity field ${wanted.gid} (asana.severityField) is not on the project: severity is not set on tasks`, fix: 'add the field to the project, or correct asana.severityField.gid' };
  const options = new Set((field.enum_options ?? []).map((o) => o.gid));
  const missing = Object.entries(wanted.options).filter(([, gid]) => !options.has(gid)).map(([sev]) => sev);
  if (missing.length) return { level: 'warn', what: `the severity field has no option with the gid mapped for ${missing.join(', ')}`, fix: 'correct asana.severityField.options (GET /projects/<gid>/custom_field_settings)' };
  return { level: 'ok', what: 'severity field found with every mapped option' };
}
