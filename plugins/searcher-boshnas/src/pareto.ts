// One Pareto definition for the project (the fusion pass prunes with the same one).
export { dominates, paretoFront, type ParetoAxis } from '@fuseflow/ir';
