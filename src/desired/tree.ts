/**
 * Which files the loader reads: dialwindow.yaml and the YAML under campaigns/, calendars/ and
 * policies/, at any depth, hidden entries skipped.
 *
 * The directory is usually a pull request's checkout, and a pull request can commit symbolic
 * links. A link is followed only when its target resolves inside the directory (judged against
 * the directory's real path, so `--dir` may itself be a link, as git-sync publishes it) and
 * not into a hidden entry (`.git/config` holds CI's token, `.dialwindow/` the state). Any other
 * link, and one whose target does not exist, is a DW017 finding naming the link, never the
 * target; nothing is opened, read or sized through it.
 *
 * Every folder is listed once and every file read once, however many links lead to it: a link
 * to a folder already listed (an alias, or an ancestor: a cycle) is skipped, and a file is named
 * by its plain path when it has one, else by the first link path that reaches it.
 */
import { type Dirent, lstatSync, realpathSync, statSync } from "node:fs";
import { readdir } from "node:fs/promises";
import { isAbsolute, join, relative, sep } from "node:path";
import type { DocumentKind } from "./documents.js";
import type { Code } from "./findings.js";

export interface TreeFile {
  /** What to open: a path with no link in its last component. */
  path: string;
  /** Relative to the directory, forward slashes, through links as they appear there. */
  file: string;
  kind: DocumentKind;
}

export interface TreeProblem {
  /** The folder or link, relative to the directory. */
  file: string;
  code: Extract<Code, "DW008" | "DW017">;
  message: string;
}

export interface DesiredTree {
  /** The directory's real path; undefined when it does not exist. */
  root: string | undefined;
  /** dialwindow.yaml; undefined when there is none (or it is a problem, then in `problems`). */
  config: TreeFile | undefined;
  /** Sorted by `file`. */
  files: TreeFile[];
  problems: TreeProblem[];
}

const YAML_NAME = /\.ya?ml$/i;

interface PendingLink {
  /** The link itself. */
  path: string;
  file: string;
  kind: DocumentKind;
}

export async function listDesiredTree(
  dir: string,
  configName: string,
  folders: Readonly<Record<string, DocumentKind>>,
): Promise<DesiredTree> {
  let root: string;
  try {
    root = realpathSync(dir);
  } catch {
    return { root: undefined, config: undefined, files: [], problems: [] };
  }
  const walk = new Walk(root);
  walk.top(configName, "Config");
  for (const [folder, kind] of Object.entries(folders)) walk.top(folder, kind);
  await walk.run();
  walk.files.sort((a, b) => (a.file < b.file ? -1 : 1));
  return { root, config: walk.config, files: walk.files, problems: walk.problems };
}

class Walk {
  config: TreeFile | undefined;
  readonly files: TreeFile[] = [];
  readonly problems: TreeProblem[] = [];
  /** Real paths of folders listed (or queued), the root among them: a link to one is not followed. */
  readonly #dirs = new Set<string>();
  /** Real paths of files taken. */
  readonly #real = new Set<string>();
  /** Folders to list: where, as what, and their real path. */
  readonly #folders: { path: string; file: string; real: string; kind: DocumentKind }[] = [];
  /** Links met while listing; judged once every plain entry is known, so plain names win. */
  readonly #links: PendingLink[] = [];

  constructor(readonly root: string) {
    this.#dirs.add(root);
  }

  /** A top-level entry: the config file or one of the folders. */
  top(name: string, kind: DocumentKind): void {
    const path = join(this.root, name);
    let stats: ReturnType<typeof lstatSync>;
    try {
      stats = lstatSync(path);
    } catch {
      return;
    }
    if (stats.isSymbolicLink()) this.#links.push({ path, file: name, kind });
    else if (kind === "Config") this.config = { path, file: name, kind };
    else if (stats.isDirectory()) this.#addFolder(path, name, path, kind);
  }

  async run(): Promise<void> {
    for (;;) {
      const folder = this.#folders.shift();
      if (folder !== undefined) {
        await this.#list(folder.path, folder.file, folder.real, folder.kind);
        continue;
      }
      const link = this.#links.shift();
      if (link === undefined) return;
      this.#follow(link);
    }
  }

  #addFolder(path: string, file: string, real: string, kind: DocumentKind): void {
    if (this.#dirs.has(real)) return;
    this.#dirs.add(real);
    this.#folders.push({ path, file, real, kind });
  }

  #addFile(path: string, file: string, real: string, kind: DocumentKind): void {
    if (this.#real.has(real)) return;
    this.#real.add(real);
    this.files.push({ path, file, kind });
  }

  /**
   * A folder that cannot be listed (no permission) is a DW008 finding naming it, never an
   * exception: validate must say what to fix, and the campaigns in it count as unreadable.
   */
  async #list(path: string, file: string, real: string, kind: DocumentKind): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(path, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return;
      this.#problem(file, "DW008", `cannot list the folder ${file}/: ${folderProblem(code, err)}`);
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : 1));
    for (const entry of entries) {
      if (entry.name.startsWith(".")) continue;
      // Plain concatenation: path.join's normalising is a third of the listing's cost at 10k files.
      const childPath = `${path}${sep}${entry.name}`;
      const childFile = `${file}/${entry.name}`;
      const childReal = `${real}${sep}${entry.name}`;
      let type: "link" | "dir" | "other" = entry.isSymbolicLink()
        ? "link"
        : entry.isDirectory()
          ? "dir"
          : "other";
      if (type === "other" && !entry.isFile()) {
        // Some file systems do not say what an entry is: ask, without following it.
        try {
          const stats = lstatSync(childPath);
          type = stats.isSymbolicLink() ? "link" : stats.isDirectory() ? "dir" : "other";
        } catch {
          continue; // gone since the listing
        }
      }
      if (type === "link") this.#links.push({ path: childPath, file: childFile, kind });
      else if (type === "dir") this.#addFolder(childPath, childFile, childReal, kind);
      else if (YAML_NAME.test(entry.name)) this.#addFile(childPath, childFile, childReal, kind);
    }
  }

  #follow(link: PendingLink): void {
    let real: string;
    try {
      real = realpathSync(link.path);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") {
        this.#problem(
          link.file,
          "DW017",
          `${link.file} is a symbolic link whose target does not exist; nothing was read through it. Fix the link to point at a file or folder inside the desired-state directory, or remove it.`,
        );
      } else if (link.kind === "Config" || YAML_NAME.test(link.file)) {
        this.#problem(link.file, "DW008", `cannot read ${link.file}: ${folderProblem(code, err)}`);
      } else {
        this.#problem(
          link.file,
          "DW008",
          `cannot list the folder ${link.file}/: ${folderProblem(code, err)}`,
        );
      }
      return;
    }
    const inside = relative(this.root, real);
    if (inside.startsWith("..") || isAbsolute(inside)) {
      this.#problem(
        link.file,
        "DW017",
        `${link.file} is a symbolic link to something outside the desired-state directory; dialwindow does not read through it (a link in a pull request could otherwise expose any file on the machine). Replace the link with the file or folder itself, or remove it.`,
      );
      return;
    }
    if (inside.split(sep).some((part) => part.startsWith("."))) {
      this.#problem(
        link.file,
        "DW017",
        `${link.file} is a symbolic link into a hidden file or folder (such as .git/ or .dialwindow/), which dialwindow never reads; nothing was read through it. Replace the link with the file or folder itself, or remove it.`,
      );
      return;
    }
    let isDir: boolean;
    try {
      isDir = statSync(real).isDirectory();
    } catch {
      return; // gone since it was resolved
    }
    if (link.kind === "Config") this.config = { path: real, file: link.file, kind: link.kind };
    else if (isDir) this.#addFolder(real, link.file, real, link.kind);
    else if (YAML_NAME.test(link.file)) this.#addFile(real, link.file, real, link.kind);
  }

  #problem(file: string, code: TreeProblem["code"], message: string): void {
    this.problems.push({ file, code, message });
  }
}

function folderProblem(code: string | undefined, err: unknown): string {
  switch (code) {
    case "ELOOP":
      return "it is a symbolic link that points back to itself (ELOOP). Replace the link with the folder it should point to, or remove it. None of the files in it were read.";
    case "EACCES":
    case "EPERM":
      return `permission denied (${code}). Give the user running dialwindow permission to read and enter it (e.g. chmod u+rx). None of the files in it were read.`;
    default:
      return `${code ?? String(err)}. Check that it is a readable folder. None of the files in it were read.`;
  }
}
