/**
 * The README's code blocks, each with the marker comment on the line before it (if any):
 * `<!-- readme-run: skip: REASON -->` (not run here, and why), `<!-- readme-output -->` (what the
 * block before it prints, exactly), `<!-- readme-example: NAME -->` and `<!-- readme-snippet: NAME -->`
 * (named for the tests that compare or run them).
 */
export interface ReadmeBlock {
  line: number;
  lang: string;
  code: string;
  marker?: { kind: string; value: string };
}

export function readmeBlocks(readme: string): ReadmeBlock[] {
  const blocks: ReadmeBlock[] = [];
  for (const m of readme.matchAll(/(?:<!-- (readme-[a-z]+)(?::\s*([\s\S]*?))? -->\n)?^```(\w*)\n([\s\S]*?)^```$/gm)) {
    blocks.push({
      line: readme.slice(0, m.index).split('\n').length,
      lang: m[3],
      code: m[4],
      ...(m[1] ? { marker: { kind: m[1], value: (m[2] ?? '').trim() } } : {}),
    });
  }
  return blocks;
}

/** Blocks a reader runs: shell commands and JavaScript. The others are data, output or pictures. */
export const RUNNABLE = new Set(['sh', 'bash', 'js', 'mjs', 'ts']);

/**
 * An expected-output comment (`// true org.iso.18013.5.1.mDL { ... family_name: 'Doe', ... }`) as a
 * pattern: `...` stands for anything, runs of white space for any white space.
 */
export function outputPattern(comment: string): RegExp {
  const parts = comment
    .trim()
    .split('...')
    .map((p) =>
      p
        .trim()
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
        .replace(/\s+/g, '\\s+'),
    );
  return new RegExp(`^${parts.join('[\\s\\S]*?')}\\s*$`);
}

/** `docker run` options: -e NAME=VALUE, -v HOST:CONTAINER[:ro], --env-file FILE, with the shell's line continuations joined. */
export function dockerRunOptions(block: string): { env: Record<string, string>; volumes: [string, string][]; envFiles: string[] } {
  const line = block
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .find((l) => l.startsWith('docker run '));
  if (!line) throw new Error('no docker run line');
  const words = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
  const env: Record<string, string> = {};
  const volumes: [string, string][] = [];
  const envFiles: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (words[i] === '-e') {
      const [name, ...value] = words[++i].split('=');
      env[name] = value.join('=');
    } else if (words[i] === '-v') {
      const [host, container] = words[++i].split(':');
      volumes.push([host, container]);
    } else if (words[i] === '--env-file') envFiles.push(words[++i]);
  }
  return { env, volumes, envFiles };
}
