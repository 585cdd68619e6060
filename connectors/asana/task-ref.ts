// What a person pastes to name an Asana task: its gid, or a link copied from the web app. Asana has
// used two link shapes: /0/<project>/<task>[/f] and the newer /1/<workspace>[/project/<project>]/task/<task>.
export type ParsedTaskRef = { taskGid: string; projectGid?: string; workspaceGid?: string } | { error: string };

const GID = /^\d+$/;

export function parseTaskRef(input: string): ParsedTaskRef {
  const text = input.trim();
  if (GID.test(text)) return { taskGid: text };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { error: `"${text}" is neither an Asana task gid nor an Asana task URL` };
  }
  if (url.hostname !== 'app.asana.com') return { error: `"${text}" is not an app.asana.com link` };
  const parts = url.pathname.split('/').filter(Boolean);
  const [version, ...rest] = parts;
  if (version === '0') {
    const [projectGid, taskGid, suffix, ...extra] = rest;
    if (projectGid && GID.test(projectGid) && taskGid && GID.test(taskGid) && (suffix === undefined || suffix === 'f') && !extra.length) {
      return { taskGid, ...(projectGid !== '0' && { projectGid }) };
    }
  }
  if (version === '1') {
    const [workspaceGid, ...tail] = rest;
    if (workspaceGid && GID.test(workspaceGid)) {
      if (tail.length === 2 && tail[0] === 'task' && GID.test(tail[1]!)) return { taskGid: tail[1]!, workspaceGid };
      if (tail.length === 4 && tail[0] === 'project' && GID.test(tail[1]!) && tail[2] === 'task' && GID.test(tail[3]!)) {
        return { taskGid: tail[3]!, projectGid: tail[1]!, workspaceGid };
      }
    }
  }
  return { error: `"${text}" is not a link to an Asana task` };
}
