// Image files from command-line arguments: files as given, directories walked recursively
// (sorted, hidden entries skipped), keeping only image extensions sharp decodes.
import { readdir, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';

export const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif', '.heic', '.heif', '.bmp']);

export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extname(name).toLowerCase());
}

async function walk(dir: string, out: string[]): Promise<void> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) await walk(p, out);
    else if (e.isFile() && isImageFile(e.name)) out.push(p);
  }
}

/**
 * Expand paths: a file is kept whatever its extension (the decoder will judge it), a
 * directory contributes its image files. A path that does not exist is an error.
 */
export async function expandImagePaths(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = await stat(p);
    } catch {
      throw new Error(`${p}: no such file or directory`);
    }
    if (st.isDirectory()) {
      const before = out.length;
      await walk(p, out);
      if (out.length === before) throw new Error(`${p}: no image files (${[...IMAGE_EXTENSIONS].join(', ')})`);
    } else out.push(p);
  }
  return out;
}
