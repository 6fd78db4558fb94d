import type { CliIo } from '@fuseflow/kernel';

/** CliIo over the real process streams; stdout/stderr add the missing newline. */
export function processIo(): CliIo {
  return {
    stdout: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
    stderr: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
    cwd: process.cwd(),
    isTTY: !!process.stderr.isTTY,
  };
}

/** CliIo that records output (tests, --json capture). */
export function memoryIo(cwd: string, isTTY = false): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (t) => out.push(t.replace(/\n$/, '')), stderr: (t) => err.push(t.replace(/\n$/, '')), cwd, isTTY };
}
