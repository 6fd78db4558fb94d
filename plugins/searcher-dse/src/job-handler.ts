import { runManifest, type Manifest } from '@fuseflow/kernel';

/** A pipeline run as a sweep job: a whole manifest (object or file), run where the job lands. */
export interface PipelineJobPayload {
  /** manifest object (with relative paths resolved against baseDir) or a manifest file path. */
  manifest: Manifest | string;
  baseDir?: string;
  outDir: string;
  seed?: number;
  /** run only these configurations of the manifest. */
  configurations?: string[];
}

export interface PipelineRunMetrics {
  configuration?: string;
  metrics: Record<string, number>;
  valuesChecked?: boolean;
}

export interface PipelineJobResult {
  runs: PipelineRunMetrics[];
}

/**
 * Job handler for @fuseflow/executor: run the pipeline and keep only the numbers. A failed run
 * throws (code and message kept), which the sweep records as a failed candidate.
 */
export async function runJob(payload: PipelineJobPayload): Promise<PipelineJobResult> {
  const result = await runManifest(payload.manifest, {
    baseDir: payload.baseDir,
    outDir: payload.outDir,
    ...(payload.seed !== undefined ? { seed: payload.seed } : {}),
    ...(payload.configurations ? { configurations: payload.configurations } : {}),
  });
  const failed = result.error ?? result.runs.find((r) => r.error)?.error;
  if (!result.ok || failed) {
    const err = new Error(failed ? failed.message : 'pipeline failed') as Error & { code?: string };
    if (failed?.code) err.code = failed.code;
    throw err;
  }
  return {
    runs: result.runs.map((r) => ({
      ...(r.configuration ? { configuration: r.configuration } : {}),
      metrics: r.report?.metrics ?? {},
      ...(r.report?.valuesChecked !== undefined ? { valuesChecked: r.report.valuesChecked } : {}),
    })),
  };
}
