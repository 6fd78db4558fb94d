import { FRONTEND } from '@fuseflow/kernel/plugin-api';
import { lenetGraph } from './lenet';

// A stand-in frontend for kernel-level tests: emits the hand-built LeNet-5 ModelGraph.
export default {
  name: 'lenet-fixture-frontend',
  version: '0.0.0',
  apiVersion: 1,
  kind: 'frontend',
  id: 'lenet-fixture',
  register(container: { register: (t: unknown, p: unknown) => void }) {
    container.register(FRONTEND, { useValue: { id: 'lenet-fixture', load: () => ({ stage: 'model', graph: lenetGraph() }) } });
  },
};
