import { tf, tfReady } from '../src/tf';
import { shiftConv } from '../src/evaluator';
(async () => {
  await tfReady();
  const x = tf.randomNormal([16, 14, 14, 8]) as tf.Tensor4D;
  const w = tf.variable(tf.randomNormal([3, 3, 8, 16])) as tf.Variable<tf.Rank.R4>;
  const opt = tf.train.adam(0.01);
  for (let i = 0; i < 3; i++) {
    let t0 = process.cpuUsage(); let w0 = Date.now();
    tf.tidy(() => opt.minimize(() => tf.sum(tf.relu((process.env.NATIVE ? tf.conv2d(x, w, 1, "same") : shiftConv(x, w, 1)))) as tf.Scalar, false, [w]));
    console.log('shift step cpu ms', process.cpuUsage(t0).user / 1000, 'wall', Date.now() - w0);
    t0 = process.cpuUsage(); w0 = Date.now();
    
    console.log('bn cpu ms', process.cpuUsage(t0).user / 1000, 'wall', Date.now() - w0);
  }
})();
