import * as tf from '@tensorflow/tfjs';

let ready: Promise<void> | undefined;

/**
 * Selects tfjs's pure-JS CPU backend (tfjs-node cannot be installed here) and enables prod mode,
 * which also silences the "install tfjs-node" banner the CPU backend prints on first use.
 */
export function tfReady(): Promise<void> {
  if (!ready) {
    ready = (async () => {
      tf.enableProdMode();
      await tf.setBackend('cpu');
      await tf.ready();
    })();
  }
  return ready;
}

export { tf };
