// A description edit applied to a person's rich text without flattening it (pure, for any tracker's
// block format). The defect holds the description as plain text; a tracker may hold it as blocks a
// person formatted: images, tables, mentions, bold text. Writing the defect's text back wholesale would
// delete all of that. Instead the blocks whose text is unchanged stay exactly as they are (node for
// node), blocks without text (an image) stay where they are, and only plain-text blocks, which the
// text says everything about, are replaced by the edited paragraphs. A block with formatting whose text
// the edit changes or removes cannot be written back without losing that formatting: the patch is
// refused, naming it, and the connector leaves the ticket alone and warns.
//
// The alignment is by common prefix and suffix, then the formatted blocks in between found in order in
// the edited text: an edit touches one place far more often than it moves text around. Connectors check
// the result reads back as the edited text before writing it.

/** A top-level block of a tracker's description. */
export type Block<N> = {
  node: N;
  /** Its text as the connector reads it, split into paragraphs as the connector splits; [] for none (an image). */
  paragraphs: string[];
  /** Whether its text says all there is to it, so it may be rewritten from text (a plain paragraph). */
  plain: boolean;
};

export type PatchResult<N> = { nodes: N[] } | { refused: N };

/**
 * The blocks for the edited description `paragraphs`: every block kept whose paragraphs are still
 * there, blocks without text kept in place, plain blocks replaced by `render` of the paragraphs in
 * their place; `refused` names the first formatted block the edit changes or removes.
 */
export function patchBlocks<N>(blocks: readonly Block<N>[], paragraphs: readonly string[], render: (paragraphs: string[]) => N[]): PatchResult<N> {
  const at = (j: number, block: Block<N>) => block.paragraphs.every((p, k) => paragraphs[j + k] === p);

  // Common prefix: blocks whose paragraphs come first in the edited text, and blocks without text.
  let i = 0;
  let j = 0;
  while (i < blocks.length) {
    const b = blocks[i]!;
    if (b.paragraphs.length && (!at(j, b) || j + b.paragraphs.length > paragraphs.length)) break;
    j += b.paragraphs.length;
    i++;
  }
  // Common suffix, not reaching back into the prefix.
  let iEnd = blocks.length;
  let jEnd = paragraphs.length;
  while (iEnd > i) {
    const b = blocks[iEnd - 1]!;
    const n = b.paragraphs.length;
    if (n && (jEnd - n < j || !at(jEnd - n, b))) break;
    jEnd -= n;
    iEnd--;
  }

  // In between: each formatted block must still be there, in order; text between them is rewritten.
  const middle: N[] = [];
  let from = j;
  let written = false;
  const emit = (to: number) => {
    if (!written) middle.push(...render(paragraphs.slice(from, to)));
    written = true;
  };
  for (const b of blocks.slice(i, iEnd)) {
    if (!b.paragraphs.length) {
      middle.push(b.node);
      continue;
    }
    if (b.plain) {
      // The edited text of this stretch goes where its first plain block was.
      emit(nextFormatted(blocks, i, iEnd, b, paragraphs, from, jEnd) ?? jEnd);
      continue;
    }
    const found = find(paragraphs, b.paragraphs, from, jEnd);
    if (found === -1) return { refused: b.node };
    emit(found);
    middle.push(b.node);
    from = found + b.paragraphs.length;
    written = false;
  }
  emit(jEnd);
  return { nodes: [...blocks.slice(0, i).map((b) => b.node), ...middle, ...blocks.slice(iEnd).map((b) => b.node)] };
}

/** Where the next formatted block after `b` (within the stretch) starts in the edited text, if found. */
function nextFormatted<N>(blocks: readonly Block<N>[], i: number, iEnd: number, b: Block<N>, paragraphs: readonly string[], from: number, jEnd: number): number | undefined {
  const start = blocks.indexOf(b, i);
  for (const next of blocks.slice(start + 1, iEnd)) {
    if (!next.paragraphs.length || next.plain) continue;
    const found = find(paragraphs, next.paragraphs, from, jEnd);
    return found === -1 ? undefined : found;
  }
  return undefined;
}

/** The first index ≥ from where `wanted` appears in `paragraphs` ending by `end`, or -1. */
function find(paragraphs: readonly string[], wanted: readonly string[], from: number, end: number): number {
  for (let k = from; k + wanted.length <= end; k++) {
    if (wanted.every((p, n) => paragraphs[k + n] === p)) return k;
  }
  return -1;
}
