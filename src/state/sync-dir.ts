import { type FileHandle, open } from "node:fs/promises";

/**
 * Fsyncs a directory, so a file just created or renamed into it survives a power cut. Some
 * platforms (Windows) cannot open or fsync a directory; a rename is still atomic there.
 */
export async function syncDir(dir: string): Promise<void> {
  let fh: FileHandle | undefined;
  try {
    fh = await open(dir, "r");
    await fh.sync();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code !== "EISDIR" && code !== "EPERM" && code !== "EINVAL" && code !== "EACCES") throw err;
  } finally {
    await fh?.close();
  }
}
