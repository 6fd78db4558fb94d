import { FuseFlowError } from '@fuseflow/kernel';

/** An invalid or unsupported model (code FF_INPUT_INVALID); `node` names the op or value concerned. */
export class ModelGraphError extends FuseFlowError {
  readonly node?: string;
  constructor(message: string, node?: string, suggestion?: string) {
    super('FF_INPUT_INVALID', message, suggestion !== undefined ? { suggestion } : {});
    this.name = 'ModelGraphError';
    this.node = node;
  }
}
