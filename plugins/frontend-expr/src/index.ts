export { ExprFrontend, buildProgramModule, isGeneratorSpec, parseOrder, type ExprFrontendOptions } from './frontend';
export { simulateCommand, simulateManifest, parseAssignments } from './simulate-command';
export { optionsSchema } from './plugin';
import plugin from './plugin';
export default plugin;
