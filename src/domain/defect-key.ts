// Defects have a UUID and a human key DEF-<number>; the API accepts either.

const KEY = /^DEF-([1-9][0-9]{0,9})$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function formatDefectKey(number: number): string {
  return `DEF-${number}`;
}

export type DefectRef = { id: string } | { number: number };

/** Parses "DEF-12" or a UUID; anything else is null (the caller answers 404). */
export function parseDefectRef(idOrKey: string): DefectRef | null {
  const key = KEY.exec(idOrKey);
  if (key) {
    const number = Number(key[1]);
    return number <= 2_147_483_647 ? { number } : null;
  }
  return UUID.test(idOrKey) ? { id: idOrKey.toLowerCase() } : null;
}

export function isUuid(value: string): boolean {
  return UUID.test(value);
}
