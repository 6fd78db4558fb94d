import { tf, tfReady } from '../src/tf';
function convShift(x: tf.Tensor4D, w: tf.Tensor4D): tf.Tensor4D {
  const [n, h, wd, cin] = x.shape; const k = w.shape[0]; const cout = w.shape[3]; const p = k >> 1;
  const xp = tf.pad(x, [[0,0],[p,p],[p,p],[0,0]]);
  let acc: tf.Tensor2D | undefined;
  for (let dy = 0; dy < k; dy++) for (let dx = 0; dx < k; dx++) {
    const s = tf.reshape(tf.slice(xp, [0, dy, dx, 0], [n, h, wd, cin]), [n*h*wd, cin]) as tf.Tensor2D;
    const wk = tf.reshape(tf.slice(w, [dy, dx, 0, 0], [1, 1, cin, cout]), [cin, cout]) as tf.Tensor2D;
    const t = tf.matMul(s, wk); acc = acc ? tf.add(acc, t) : t;
  }
  return tf.reshape(acc!, [n, h, wd, cout]);
}
(async () => {
  await tfReady();
  const x = tf.randomNormal([32, 28, 28, 16]) as tf.Tensor4D;
  const w = tf.variable(tf.randomNormal([3, 3, 16, 16])) as tf.Variable<tf.Rank.R4>;
  let t0 = Date.now();
  const a = tf.conv2d(x, w, 1, 'same'); const b = convShift(x, w);
  console.log('fwd', Date.now() - t0, 'maxdiff', tf.max(tf.abs(tf.sub(a,b))).dataSync()[0]);
  t0 = Date.now();
  const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(convShift(a as tf.Tensor4D, b as tf.Tensor4D)))([x, w]);
  g[1].dataSync(); console.log('bwd shift', Date.now() - t0);
  t0 = Date.now();
  const g2 = tf.grads((a: tf.Tensor) => tf.sum(tf.maxPool(a as tf.Tensor4D, 3, 1, 'same')))([x]); g2[0].dataSync(); console.log('maxpool bwd', Date.now() - t0);
  t0 = Date.now();
  const g3 = tf.grads((a: tf.Tensor) => tf.sum(tf.avgPool(a as tf.Tensor4D, 2, 2, 'valid')))([x]); g3[0].dataSync(); console.log('avgpool bwd', Date.now() - t0);
  t0 = Date.now();
  const wd = tf.variable(tf.randomNormal([3, 3, 16, 1]));
  const g4 = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.depthwiseConv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')))([x, wd]); g4[1].dataSync(); console.log('dw bwd', Date.now() - t0);
})();
