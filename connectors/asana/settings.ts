// Where an Asana connection points and with what credential (its own file: the check and the connector both read it).
export type AsanaSettings = {
  token: string;
  workspaceGid: string;
  projectGid: string;
  /** Default https://app.asana.com/api/1.0. */
  apiUrl: string;
};
