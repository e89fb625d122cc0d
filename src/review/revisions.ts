/**
 * The desired state at a git revision, for `diff`: which revision to compare against by
 * default, the files that changed, and the folder as it was at a commit, copied out of git into
 * a scratch directory so the ordinary loader and validator read it exactly as they read a
 * work tree. Reads only: nothing here changes the repository, its index or its work tree.
 */
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { dirname, relative, resolve, sep } from "node:path";
import { DEFAULT_STATE_DIR_NAME } from "../state/state-dir.js";
import { UsageError } from "../util/errors.js";
import { git, gitBytes, gitMaybe } from "../util/git.js";

export interface RepoLocation {
  /** The checkout's top level. */
  root: string;
  /** The desired-state folder relative to `root`, "" or ending in "/". */
  prefix: string;
}

/** Where `dir` sits in its git checkout; a UsageError outside git. */
export async function locateRepo(dir: string): Promise<RepoLocation> {
  // One git run: the top level on the first line, the prefix (maybe empty) on the second.
  const [top, prefix] = (
    await gitMaybe(["rev-parse", "--show-toplevel", "--show-prefix"], { cwd: dir })
  )?.split("\n") ?? [undefined, undefined];
  if (top === undefined || prefix === undefined) {
    throw new UsageError(
      `${dir} is not inside a git repository: diff compares two revisions of the desired state. Run it in your schedules repository's checkout, or pass --dir.`,
    );
  }
  return { root: top.trim(), prefix: prefix.trim() };
}

/** The full commit id of `rev`; a UsageError naming the flag when there is no such commit. */
export async function resolveRevision(loc: RepoLocation, rev: string, flag: string): Promise<string> {
  // A revision is a name, never an option: "--output=..." must not reach git as one.
  const sha = rev.startsWith("-")
    ? undefined
    : await gitMaybe(["rev-parse", "--verify", "--quiet", `${rev}^{commit}`], { cwd: loc.root });
  if (sha === undefined || sha.trim() === "") {
    throw new UsageError(
      `${flag} ${JSON.stringify(rev)} is not a commit in ${loc.root}. Give a branch, tag or commit id (e.g. ${flag} origin/main); in CI, fetch it first (actions/checkout with fetch-depth: 0).`,
    );
  }
  return sha.trim();
}

/** Whether HEAD is a commit (false in a repository just made by git init). */
export async function hasCommit(loc: RepoLocation): Promise<boolean> {
  const head = await gitMaybe(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], { cwd: loc.root });
  return head !== undefined && head.trim() !== "";
}

/** Uncommitted changes to the desired state (the state directory aside)? */
export async function isDirty(loc: RepoLocation): Promise<boolean> {
  const status = await git(
    ["status", "--porcelain", "-z", "--untracked-files=all", "--", `:/${loc.prefix}`],
    {
      cwd: loc.root,
    },
  );
  return status
    .split("\0")
    .some((entry) => entry.length > 3 && !entry.slice(3).split("/").includes(DEFAULT_STATE_DIR_NAME));
}

/**
 * `--base` when none is given: HEAD when the work tree has uncommitted changes (what am I
 * about to commit?), else the merge base with the upstream branch (what does my branch
 * change?), else with origin's default branch.
 */
export async function defaultBase(loc: RepoLocation): Promise<{ rev: string; why: string }> {
  if (!(await hasCommit(loc))) {
    throw new UsageError(
      `${loc.root} is a git repository with no commit yet: there is no earlier revision to compare with. Commit the desired state first, or pass --base.`,
    );
  }
  if (await isDirty(loc)) return { rev: "HEAD", why: "HEAD; the work tree has uncommitted changes" };
  for (const upstream of ["@{upstream}", "origin/HEAD"]) {
    const base = await gitMaybe(["merge-base", "HEAD", upstream], { cwd: loc.root });
    if (base !== undefined && base.trim() !== "") {
      const name =
        (await gitMaybe(["rev-parse", "--abbrev-ref", upstream], { cwd: loc.root }))?.trim() ?? upstream;
      return { rev: base.trim(), why: `the merge base with ${name}` };
    }
  }
  throw new UsageError(
    "cannot tell what to compare with: the work tree is clean and the branch has no upstream (and there is no origin/HEAD). Pass --base, e.g. --base main or --base origin/main.",
  );
}

export type FileStatus = "added" | "modified" | "deleted" | "renamed";

export interface FileChange {
  /** Relative to the desired-state folder, forward slashes. */
  file: string;
  status: FileStatus;
  /** For renames: the old path. */
  from?: string;
}

/** Files of the desired state the loader reads: dialwindow.yaml and YAML under its three folders. */
export function isDesiredStateFile(file: string): boolean {
  return (
    file === "dialwindow.yaml" || /^(campaigns|calendars|policies)\/(.+\/)?[^/.][^/]*\.ya?ml$/i.test(file)
  );
}

/** What changed in the desired state from `base` to `head` (a commit, or the work tree when undefined). */
export async function changedFiles(
  loc: RepoLocation,
  base: string,
  head: string | undefined,
): Promise<FileChange[]> {
  const scope = ["--", `:/${loc.prefix}`];
  const diff = await git(
    ["diff", "--name-status", "-z", "-M", "--no-color", base, ...(head ? [head] : []), ...scope],
    {
      cwd: loc.root,
    },
  );
  const out: FileChange[] = [];
  const parts = diff.split("\0");
  const local = (path: string) => path.slice(loc.prefix.length);
  for (let i = 0; i < parts.length - 1; ) {
    const code = parts[i++] as string;
    if (code.startsWith("R")) {
      const from = local(parts[i++] as string);
      out.push({ file: local(parts[i++] as string), status: "renamed", from });
    } else {
      const status: FileStatus = code.startsWith("A")
        ? "added"
        : code.startsWith("D")
          ? "deleted"
          : "modified";
      out.push({ file: local(parts[i++] as string), status });
    }
  }
  if (!head) {
    const untracked = await git(["ls-files", "-z", "--others", "--exclude-standard", ...scope], {
      cwd: loc.root,
    });
    for (const path of untracked.split("\0")) if (path) out.push({ file: local(path), status: "added" });
  }
  return out
    .filter((f) => isDesiredStateFile(f.file) || (f.from !== undefined && isDesiredStateFile(f.from)))
    .sort((a, b) => (a.file < b.file ? -1 : 1));
}

/**
 * Writes the desired-state folder as committed at `rev` into `into` (an empty scratch
 * directory). Symbolic links are recreated as links, so the loader judges them exactly as it
 * judges a work tree's (a link out of the folder is a finding, never followed).
 */
export async function materializeRevision(loc: RepoLocation, rev: string, into: string): Promise<number> {
  const listing = await git(
    ["ls-tree", "-r", "-z", "--full-tree", rev, "--", ...(loc.prefix ? [loc.prefix] : [])],
    {
      cwd: loc.root,
    },
  );
  const entries: { mode: string; sha: string; path: string }[] = [];
  for (const line of listing.split("\0")) {
    const m = /^(\d{6}) (\w+) ([0-9a-f]+)\t(.+)$/s.exec(line);
    if (m?.[2] !== "blob") continue; // submodules and empty lines
    const path = (m[4] as string).slice(loc.prefix.length);
    if (path.split("/").includes(DEFAULT_STATE_DIR_NAME)) continue;
    entries.push({ mode: m[1] as string, sha: m[3] as string, path });
  }
  if (entries.length === 0) return 0;
  const blobs = await gitBytes(["cat-file", "--batch"], {
    cwd: loc.root,
    input: `${entries.map((e) => e.sha).join("\n")}\n`,
  });
  const root = resolve(into);
  let offset = 0;
  for (const entry of entries) {
    const header = blobs.indexOf(0x0a, offset);
    const size = Number(blobs.subarray(offset, header).toString("latin1").split(" ")[2]);
    const content = blobs.subarray(header + 1, header + 1 + size);
    offset = header + 1 + size + 1;
    const target = resolve(root, entry.path);
    if (relative(root, target).startsWith(`..${sep}`) || target === root) continue; // git never stores such paths
    await mkdir(dirname(target), { recursive: true });
    if (entry.mode === "120000") await symlink(content.toString("utf8"), target);
    else await writeFile(target, content);
  }
  return entries.length;
}
