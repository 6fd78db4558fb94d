// Single import point for the kernel and IR so the rest of the package stays decoupled.
export { FuseFlowError, BACKEND, definePlugin } from '@fuseflow/kernel/plugin-api';
export type { Backend, CliCommandSpec, CliIo, FuseFlowPlugin, IrModule, Report, RunContext } from '@fuseflow/kernel/plugin-api';
export type { HardwareDesignSpace, ModelGraph, ModelOp, ModelModule } from '@fuseflow/ir';
