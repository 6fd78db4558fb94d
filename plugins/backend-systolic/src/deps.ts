// Single import point for the kernel and IR so the rest of the package stays decoupled.
export { FuseFlowError, BACKEND } from '@fuseflow/kernel';
export type { Backend, CliCommandSpec, CliIo, FuseFlowPlugin, HardwareDesignSpace, IrModule, Report, RunContext } from '@fuseflow/kernel';
export type { ModelGraph, ModelOp, ModelModule } from '@fuseflow/ir';
