// Image files from folders and command-line arguments. Folders are walked recursively in
// sorted order, following symlinked files and directories as torchvision's ImageFolder
// does (os.walk(followlinks=True)); a directory whose real path was already walked is not
// walked again, so a symlink cycle ends. Hidden entries (names starting with '.') are not
// walked. Only extensions the bundled sharp decodes are kept; everything else the walk
// meets is returned as skipped, with the reason, for the caller to report.
import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, join, relative } from 'node:path';

/**
 * What sharp (libvips) in node_modules reads: JPEG, PNG, WebP, GIF, TIFF and AVIF. Not BMP
 * (libvips reads it only through ImageMagick, which sharp's build leaves out) and not
 * HEIC/HEIF (its libheif decodes AV1 only, not the HEVC of phone photos); see
 * test/data/files.test.ts, which decodes a file of each.
 */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif']);

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

/** An entry a walk did not take, and why. */
export interface Skipped {
  path: string;
  reason: string;
}

export interface WalkResult {
  /** Image files, in walk order. */
  files: string[];
  skipped: Skipped[];
}

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

type Kind = 'dir' | 'file' | 'other';

/** What `p` is, following a symlink; a Skipped reason when it cannot be followed. */
async function kindOf(p: string, e: { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean }): Promise<Kind | string> {
  if (!e.isSymbolicLink()) return e.isDirectory() ? 'dir' : e.isFile() ? 'file' : 'other';
  try {
    const st = await stat(p);
    return st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'broken symlink' : code === 'ELOOP' ? 'symlink loop' : `cannot follow symlink (${code})`;
  }
}

/** A directory entry, symlinks followed. */
export interface Entry {
  name: string;
  path: string;
  kind: 'dir' | 'file';
}

/**
 * The entries of `dir` in sorted order, symlinks followed, hidden ones left out. Entries
 * that are neither files nor directories (broken symlinks, sockets) go to `skipped`.
 */
export async function listEntries(dir: string, skipped: Skipped[]): Promise<Entry[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => byName(a.name, b.name));
  const out: Entry[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    const kind = await kindOf(path, e);
    if (kind === 'dir' || kind === 'file') out.push({ name: e.name, path, kind });
    else skipped.push({ path, reason: kind === 'other' ? 'not a regular file' : kind });
  }
  return out;
}

async function walk(dir: string, out: WalkResult, seen: Set<string>): Promise<void> {
  let entries;
  try {
    const real = await realpath(dir);
    if (seen.has(real)) {
      out.skipped.push({ path: dir, reason: `symlink to a directory already walked (${real})` });
      return;
    }
    seen.add(real);
    entries = await listEntries(dir, out.skipped);
  } catch (err) {
    out.skipped.push({ path: dir, reason: `cannot read directory (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
    return;
  }
  for (const e of entries) {
    if (e.kind === 'dir') await walk(e.path, out, seen);
    else if (isImageFile(e.name)) out.files.push(e.path);
    else out.skipped.push({ path: e.path, reason: `not an image format sharp decodes here (${extname(e.name).toLowerCase() || 'no extension'})` });
  }
}

/** The image files under `dir` (see the header comment), and what was skipped. */
export async function walkImageFiles(dir: string): Promise<WalkResult> {
  const out: WalkResult = { files: [], skipped: [] };
  await walk(dir, out, new Set());
  return out;
}

/**
 * One line for skipped entries: `skipped N files: a (reason), b (reason), and K more`,
 * paths relative to `base` (as walked without it), at most `max` named.
 */
export function skippedSummary(skipped: readonly Skipped[], base?: string, max = 5): string {
  const named = skipped.slice(0, max).map((s) => `${(base !== undefined && relative(base, s.path)) || s.path} (${s.reason})`);
  const more = skipped.length > max ? `, and ${skipped.length - max} more` : '';
  return `skipped ${skipped.length} file${skipped.length === 1 ? '' : 's'}: ${named.join(', ')}${more}`;
}

/**
 * Expand paths: a file (or a symlink to one) is kept whatever its extension (the decoder
 * will judge it), a directory contributes its image files. A path that does not exist, or
 * a directory without image files, is an error.
 */
export async function expandImagePaths(paths: readonly string[]): Promise<WalkResult> {
  const out: WalkResult = { files: [], skipped: [] };
  for (const p of paths) {
    let st;
    try {
      st = await stat(p);
    } catch {
      throw new Error(`${p}: no such file or directory`);
    }
    if (!st.isDirectory()) {
      out.files.push(p);
      continue;
    }
    const r = await walkImageFiles(p);
    if (r.files.length === 0) {
      const why = r.skipped.length ? `; ${skippedSummary(r.skipped, p)}` : '';
      throw new Error(`${p}: no image files (${[...IMAGE_EXTENSIONS].join(', ')})${why}`);
    }
    out.files.push(...r.files);
    out.skipped.push(...r.skipped);
  }
  return out;
}
