/**
 * Sparse tensor storage as a fiber tree (TACO/SAM level formats). Plain data + typed arrays,
 * no per-element objects. Level l stores mode `format.modeOrder[l]`.
 */
export type LevelFormat = 'dense' | 'compressed' | 'singleton';

export interface TensorFormat {
  /** level formats, outermost first. */
  levels: LevelFormat[];
  /** modeOrder[l] = which tensor mode level l stores (identity for row-major). */
  modeOrder: number[];
  /**
   * Blocked formats (BCSR-like): levels index blocks of this shape (one entry per mode, in mode
   * order) and every stored value is a dense row-major tile of prod(blockShape) elements.
   */
  blockShape?: number[];
}

export interface LevelStorage {
  format: LevelFormat;
  /** extent of the mode at this level (in blocks for blocked formats). */
  size: number;
  /** compressed: segment array, length = (number of parent positions) + 1. */
  pos?: Int32Array;
  /** compressed and singleton: coordinates, one per position of this level. */
  crd?: Int32Array;
}

export interface SparseTensorData {
  name?: string;
  /** logical element shape, in mode order (not level order). */
  shape: number[];
  format: TensorFormat;
  levels: LevelStorage[];
  /** values, one per position of the last level (times the tile size when blocked). */
  vals: Float64Array;
}
