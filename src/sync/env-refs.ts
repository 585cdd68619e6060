// "${VAR}" in the configuration file, replaced from the environment at start, so the file can be kept
// in version control while credentials stay in the environment (or a secret store feeding it).

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export type MissingVariable = { path: string; variable: string };

/**
 * A copy of `value` with every `${VAR}` in its strings replaced by the variable's value, and the
 * references to unset (or empty) variables, each with the path of the string that holds it. Only the
 * names are reported: a value is never echoed, since it may be a secret.
 */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, path: string[] = []): { value: unknown; missing: MissingVariable[] } {
  const missing: MissingVariable[] = [];
  const walk = (v: unknown, at: string[]): unknown => {
    if (typeof v === 'string') {
      return v.replace(REF, (_, name: string) => {
        const found = env[name];
        if (found === undefined || found === '') {
          missing.push({ path: at.join('.') || '(root)', variable: name });
          return '';
        }
        return found;
      });
    }
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...at, String(i)]));
    if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...at, k])]));
    return v;
  };
  return { value: walk(value, path), missing };
}
