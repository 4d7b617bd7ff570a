/**
 * `entries` row → `ListEntry`, shared by the reader, info and lookup.
 */
import type { ListEntry } from '../types.js';

/** Columns every entry query selects, in this order. */
export const ENTRY_COLUMNS =
  'e.id, e.source, e.role, e.category, e.category_region, e.series, e.victim_identified, e.media_id, e.name, e.size, e.comment';

/** A row as selected with {@link ENTRY_COLUMNS}. */
export interface EntryRow {
  id: number;
  source: number;
  role: number;
  category: string | null;
  category_region: string | null;
  series: string | null;
  victim_identified: number | null;
  media_id: string | null;
  name: string | null;
  size: number | null;
  comment: string | null;
}

/**
 * Builds the reported entry; absent fields are left out rather than null.
 * @param row the selected row
 * @param sourceName the name of `row.source`
 */
export function toListEntry(row: EntryRow, sourceName: string): ListEntry {
  const e: ListEntry = { source: sourceName, role: row.role === 1 ? 'known' : 'notable' };
  if (row.category !== null) e.category = row.category;
  if (row.category_region !== null) e.categoryRegion = row.category_region;
  if (row.series !== null) e.series = row.series;
  if (row.victim_identified !== null) e.victimIdentified = row.victim_identified === 1;
  if (row.media_id !== null) e.mediaId = row.media_id;
  if (row.name !== null) e.name = row.name;
  if (row.size !== null) e.size = row.size;
  if (row.comment !== null) e.comment = row.comment;
  return e;
}
