/**
 * Picks the photographs for the second image set from directories such as
 * Debian's wallpaper packages, one file per picture.
 *
 * Wallpaper packages ship one picture several times: in several sizes
 * (Plasma's `contents/images/1920x1080.jpg`, often the same bytes under many
 * names), in light and dark renderings (`images_dark/`, GNOME's `-l`/`-d`),
 * and as a small `screenshot`. Counting those as different images would
 * turn near-copies into "false matches", so each picture is kept once.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import sharp from 'sharp';

/** File name extensions read as photographs. */
const EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp']);
/** Pictures smaller than this on their short side are icons or placeholders, not photographs. */
const MIN_SIDE = 256;

/** A picture chosen for the evaluation. */
export interface PhotoFile {
  /** Absolute path of the file used. */
  path: string;
  /** Short name for the report (the picture's key). */
  id: string;
}

/**
 * The key that groups the files of one picture: a Plasma package directory
 * for files under `contents/images*`, the name without a `-l`/`-d` suffix
 * for GNOME's light/dark pairs or a `_WxH` size suffix, else the path
 * without its extension.
 *
 * @param path - an image file's path
 * @returns the picture's key
 */
export function pictureKey(path: string): string {
  const parts = path.split('/');
  const contents = parts.lastIndexOf('contents');
  if (contents > 0 && /^images(_dark)?$/.test(parts[contents + 1] ?? '')) return parts.slice(0, contents).join('/');
  const stem = join(dirname(path), basename(path, extname(path)));
  // Light/dark pairs ("-l", "-d") and size variants ("_3840x2160") are one picture.
  return stem.replace(/-[ld]$/, '').replace(/[_-]\d{3,5}x\d{3,5}$/, '');
}

/**
 * Lists one file per picture under the given directories (recursively,
 * following symbolic links to files, as wallpaper packages use them).
 * Within a picture the largest file by bytes is kept; identical bytes
 * reached under different pictures are kept once; pictures whose short side
 * is under 256 px or that sharp cannot read are left out.
 *
 * @param dirs - directories to search
 * @returns pictures sorted by key, so runs are repeatable
 */
export async function collectPhotos(dirs: readonly string[]): Promise<PhotoFile[]> {
  const best = new Map<string, { path: string; size: number }>();
  for (const dir of dirs) {
    for (const path of await listFiles(dir)) {
      if (!EXTENSIONS.has(extname(path).toLowerCase())) continue;
      if (basename(path).startsWith('screenshot')) continue;
      const size = (await stat(path)).size;
      const key = pictureKey(path);
      const seen = best.get(key);
      if (seen === undefined || size > seen.size) best.set(key, { path, size });
    }
  }
  const digests = new Set<string>();
  const out: PhotoFile[] = [];
  for (const key of [...best.keys()].sort()) {
    const { path } = best.get(key)!;
    const bytes = await readFile(path);
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digests.has(digest)) continue;
    digests.add(digest);
    try {
      const meta = await sharp(bytes).metadata();
      if (Math.min(meta.width ?? 0, meta.height ?? 0) < MIN_SIDE) continue;
    } catch {
      continue;
    }
    out.push({ path, id: shortName(key) });
  }
  return out;
}

/** The last two path components of a key: enough to recognise the picture. */
function shortName(key: string): string {
  return key.split('/').filter(Boolean).slice(-2).join('/');
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(path)));
    else if (entry.isFile()) out.push(path);
    else if (entry.isSymbolicLink()) {
      // Plasma's size variants are symlinks to one file; follow to files only, never to directories (no loops).
      const target = await stat(path).catch(() => undefined);
      if (target?.isFile()) out.push(path);
    }
  }
  return out;
}
