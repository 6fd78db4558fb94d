import { HBM_PARAMS } from '../timing';

/**
 * Per-node view of the 8-channel HBM model: requests of 64 bytes spread round-robin over the
 * channels, each channel pays its start-up time on first use and then one request per II; a
 * node waits for all acks of a batch. Channels are private to the node (no cross-node
 * contention) so the model stays schedule-independent and both engines agree exactly.
 */
export class HbmPort {
  private free = new Float64Array(HBM_PARAMS.channels);
  private used = new Uint8Array(HBM_PARAMS.channels);
  private rot = 0;
  requests = 0;
  /** Issues reads/writes of `words` 4-byte words at time t; returns when the last ack arrives. */
  access(t: number, words: number): number {
    const n = Math.ceil((words * 4) / HBM_PARAMS.bytesPerRequest);
    let ready = t;
    for (let r = 0; r < n; r++) {
      const ch = this.rot;
      this.rot = (this.rot + 1) % HBM_PARAMS.channels;
      let start = t > this.free[ch] ? t : this.free[ch];
      if (!this.used[ch]) {
        start += HBM_PARAMS.startup;
        this.used[ch] = 1;
      }
      this.free[ch] = start + HBM_PARAMS.ii;
      const done = start + HBM_PARAMS.latency;
      if (done > ready) ready = done;
    }
    this.requests += n;
    return ready;
  }
}
