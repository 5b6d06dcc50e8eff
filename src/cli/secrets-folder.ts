/**
 * How `kakunin keys` writes the files compose.yaml mounts as secrets. Compose (without Swarm) bind-mounts
 * a `file:` secret as it is on the host: same owner, same mode. The image runs as `node` (uid 1000), so
 * a key file of mode 0600 owned by anyone else (uid 501 on a Mac, root in CI) cannot be read in the
 * container. The folder is what keeps other users of the host out: it is made 0700, and the files in
 * it are 0644, readable in the container whatever uid owns them. A folder that already lets others in
 * is left as it is (it may be the project itself) and its files stay 0600, with a line saying what to do.
 */
import { chmodSync, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';

/** Mode of the secrets folder: only its owner may list or enter it. */
export const SECRETS_FOLDER_MODE = 0o700;

/**
 * Makes `dir` (0700 when it is made here) and says which mode the files compose mounts must have: 0644
 * in a folder only its owner can enter, else 0600 and a line explaining why the container may not read them.
 */
export function secretsFolder(dir: string, out: (line: string) => void): { mountedFileMode: number } {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: SECRETS_FOLDER_MODE });
    // mkdir's mode passes through the umask; set it exactly.
    chmodSync(dir, SECRETS_FOLDER_MODE);
  }
  if (process.platform === 'win32' || (statSync(dir).mode & 0o077) === 0) return { mountedFileMode: 0o644 };
  out(
    `note     ${dir} is open to other users (mode ${(statSync(dir).mode & 0o777).toString(8)}), so its keys are written 0600; ` +
      `the image runs as uid 1000 and reads compose secrets with their host owner and mode: ` +
      `chmod 700 ${dir} && chmod 644 ${dir}/*.pem (see README, "Running in production")`,
  );
  return { mountedFileMode: 0o600 };
}

/** Writes a file compose mounts as a secret, with the mode secretsFolder chose (exactly: not left to the umask). */
export function writeMountedSecret(file: string, content: string, mode: number): void {
  writeFileSync(file, content, { mode });
  chmodSync(file, mode);
}
