// Where scripts/run-tests.mjs puts the folder that holds every temporary file of a test run.
//
// A run makes ~19,000 files and folders (repositories, state directories, an npm install; ~110 MB
// at its peak), and git syncs the packs it writes. On a RAM-backed filesystem (tmpfs) none of it
// touches a disk: side by side on the 2-core CI machine, a run with its folder in /dev/shm spent
// ~9 CPU-s less in the kernel and ended ~10 % sooner (90 and 91 s against 102 and 99 s). So the
// folder goes in /dev/shm when it is a tmpfs we can write with room to spare, and in the
// system's temporary folder otherwise (a container's /dev/shm is often 64 MB). A TMPDIR given by
// whoever runs the tests is always honoured.
import { accessSync, constants, statfsSync } from "node:fs";
import { tmpdir } from "node:os";

const SHM = "/dev/shm";
const TMPFS_MAGIC = 0x01021994;
/** Free space /dev/shm must have: ten times a run's peak. */
export const MIN_FREE_BYTES = 1024 ** 3;

/**
 * The folder to make the run's folder in. `probe` answers for /dev/shm: its statfs, and whether
 * we may write there (a test passes its own; by default the real one is asked).
 */
export function runRootParent(env = process.env, probe = probeShm) {
  if (env.TMPDIR) return tmpdir();
  const shm = probe();
  if (shm && shm.type === TMPFS_MAGIC && shm.writable && shm.bavail * shm.bsize >= MIN_FREE_BYTES) return SHM;
  return tmpdir();
}

/** /dev/shm's statfs and writability, or undefined where there is none. */
export function probeShm() {
  try {
    const { type, bavail, bsize } = statfsSync(SHM);
    let writable = true;
    try {
      accessSync(SHM, constants.W_OK);
    } catch {
      writable = false;
    }
    return { type, bavail, bsize, writable };
  } catch {
    return undefined;
  }
}
