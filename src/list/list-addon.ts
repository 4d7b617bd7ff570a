/**
 * The list stage's native addon (native/list.c): the VICS Media record
 * scanner and the in-memory sort of import runs. Each has a JavaScript
 * equivalent that gives the same list, so an addon that is not built is
 * slower, never different; one switch turns it off for tests that compare
 * both ways.
 */
import { loadAddon } from '../addon.js';

export interface ListAddon {
  /** native/vics.c: Media records read at the start of `text` (see vics-scan.ts). */
  vicsMedia(text: string, out: Int32Array, digests: Uint8Array, alternatives: Int32Array): number;
  /** native/sort.c: one run's keys in sorted order (see sorted-runs.ts). */
  sortRun(
    keys: Uint8Array, offsets: Uint32Array, count: number,
    outKeys: Uint8Array, outOffsets: Uint32Array, order: Uint32Array, repeat: Uint8Array,
  ): void;
}

const loaded = loadAddon(
  'hashtriage_list',
  import.meta.url,
  (x): x is ListAddon => ['vicsMedia', 'sortRun'].every((f) => typeof (x as Record<string, unknown>)[f] === 'function'),
);
let enabled = loaded.addon !== undefined;

/** The addon, when built and not turned off. */
export function listAddon(): ListAddon | undefined {
  return enabled ? loaded.addon : undefined;
}

/** Where the addon came from, or why it is not used. */
export function listAddonStatus(): string {
  return loaded.reason;
}

/**
 * Turns the addon off or back on (the imported list is the same either way).
 *
 * @param on - true to use it where built
 * @returns whether it is now in use
 */
export function useListAddon(on: boolean): boolean {
  enabled = on && loaded.addon !== undefined;
  return enabled;
}
