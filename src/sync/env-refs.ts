// "${VAR}" in the configuration file, replaced from the environment at start, so the file can be kept
// in version control while credentials stay in the environment (or a secret store feeding it).

const REF = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** An unset variable, or (`unsupported`) a reference in a form that is not `${NAME}`. */
export type MissingVariable = { path: string; variable: string; unsupported?: true };

/**
 * A copy of `value` with every `${VAR}` in its strings replaced by the variable's value, and the
 * references to unset (or empty) variables, each with the path of the string that holds it. Only the
 * names are reported: a value is never echoed, since it may be a secret.
 */
export function substituteEnv(value: unknown, env: NodeJS.ProcessEnv, path: string[] = []): { value: unknown; missing: MissingVariable[] } {
  const missing: MissingVariable[] = [];
  const walk = (v: unknown, at: string[]): unknown => {
    if (typeof v === 'string') {
      // A form this file does not expand (${VAR:-default}, ${ VAR }, a stray ${) would otherwise be taken
      // literally, as a secret or a URL: refused, naming the text (never a value: none was read).
      const odd = v.replace(REF, '').match(/\$\{[^}]*\}?/);
      if (odd) missing.push({ path: at.join('.') || '(root)', variable: odd[0], unsupported: true });
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
