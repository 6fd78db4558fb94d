/**
 * The tortilla `ComalGraph` schema (package `tortilla`, proto3), our own text. Every message,
 * field and enum value that tortilla defines carries tortilla's number (stanford-ppl/tortilla
 * a6966576, `proto/{comal,tortilla,ops,stream}.proto`): field numbers are the wire contract, so a
 * graph from sam-translate decodes here and ours decodes with tortilla's files.
 *
 * Nested messages of tortilla (RefStream.StreamID, Broadcast.CrdBundle, Joiner.Payload, ...) are
 * written once at top level; that changes names, not bytes.
 *
 * FuseFlow extensions use numbers >= 1000 (fields prefixed `ff_`, ALUOp values from 1000), which
 * tortilla does not use, so tortilla's decoders and Comal skip them as unknown fields. The table is
 * in the plugin README (Interop).
 */
export const COMAL_PROTO = `
syntax = "proto3";
package tortilla;

message StreamID { uint64 id = 1; }
message CrdStream { StreamID id = 1; string name = 2; }
message RefStream { StreamID id = 1; string name = 2; }
message ValStream { StreamID id = 1; string name = 2; }
message RepSigStream { StreamID id = 1; string name = 2; }

message Generator { string label = 1; string tensor = 2; RefStream output_ref = 3; }

message Payload { oneof stream { RefStream ref_stream = 1; ValStream val_stream = 2; } }
message JoinBundle { CrdStream crd = 1; Payload in_ref = 2; }
message Joiner {
  enum Type { INTERSECT = 0; UNION = 1; }
  enum RefType { REF = 0; VAL = 1; }
  Type join_type = 1;
  repeated JoinBundle input_pairs = 2;
  string index = 3;
  string label = 4;
  repeated Payload output_refs = 5;
  CrdStream output_crd = 6;
}

message FiberLookup {
  RefStream input_ref = 2; RefStream output_ref = 3; CrdStream output_crd = 4;
  string index = 5; string tensor = 6; uint64 mode = 7; string format = 8;
  bool src = 9; bool root = 10; string label = 11;
}

message FiberWrite {
  bool ref = 1; CrdStream input_crd = 2; string index = 3; string tensor = 4;
  // tortilla keeps mode and sizes as decimal strings
  string mode_val = 5; string format = 6; string segsize = 7; string crdsize = 8; string size = 9;
  bool sink = 10; string label = 11;
  // output storage level this writer fills (tortilla: implied by the writers' order)
  optional uint64 ff_level = 1000;
}

message ValWrite {
  ValStream input_val = 1; string label = 2; string crdsize = 3; string segsize = 4;
  string tensor = 5; bool sink = 6;
}

message Repeat {
  oneof input_ref { RefStream in_ref = 1; ValStream in_val = 2; }
  oneof output_ref { RefStream out_ref = 3; ValStream out_val = 4; }
  // rep_ref/rep_val: the raw stream whose shape is repeated (Comal builds the RepeatSigGen);
  // ff_rep_sig: an explicit repeat-signal stream from a RepeatSig op
  oneof input_rep_sig { RefStream rep_ref = 5; ValStream rep_val = 6; RepSigStream ff_rep_sig = 1000; }
  string label = 7; string index = 8; bool root = 9; string tensor = 10;
}

message RepeatSig { CrdStream input_crd = 1; RepSigStream output_rep_sig = 2; string label = 3; string index = 4; }

message ALUVals { repeated ValStream inputs = 1; ValStream output = 2; }
message ALUCrds { repeated CrdStream inputs = 1; CrdStream output = 2; }
message ALUStage { repeated uint64 inputs = 1; uint64 output = 2; ALU.ALUOp op = 3; }
message TileSpec { repeated string a = 1; repeated string b = 2; repeated string out = 3; }
message ALU {
  enum ALUOp {
    ADD = 0; SUB = 1; MUL = 2; DIV = 3; EXP = 4; SIN = 5; COS = 6; MAX = 7;
    SCALARADD = 8; SCALARMUL = 9; SCALARDIV = 10; RSQRT = 11; SIGMOID = 12; ELEMMUL = 13;
    MIN = 1000; NEG = 1001; SQRT = 1002; LOG = 1003; TANH = 1004; ABS = 1005; SQUARE = 1006;
    SCALARRSUB = 1007; SCALARRDIV = 1008;
  }
  oneof conn { ALUVals vals = 1; ALUCrds crds = 2; }
  repeated ALUStage stages = 3;
  uint64 output_val = 4;
  string label = 5;
  uint64 stream_shape = 6;
  bool blocked = 7;
  double scalar = 8;
  bool ff_matmul = 1000;
  string ff_empty = 1001;
  TileSpec ff_tile = 1002;
}

message Reduce {
  enum Type { ADD = 0; MAX = 1; ADDSUM = 2; }
  ValStream input_val = 1; ValStream output_val = 2; string label = 3;
  uint64 stream_shape = 4; bool blocked = 5; Type reduce_type = 6;
  // block mode: the reduce folds each tile over the variables of a missing from out first
  // (a row max / row sum of a blocked softmax); b is empty. Absent = tiles combined whole.
  TileSpec ff_tile = 1000;
}

message GenRef { CrdStream input_crd = 1; RefStream output_ref = 2; string label = 3; }

message SparseAccumulator {
  CrdStream input_inner_crd = 1; CrdStream output_inner_crd = 2; repeated CrdStream input_outer_crds = 3;
  ValStream input_val = 4; ValStream output_val = 5; uint64 order = 6; string inner_crd = 7;
  repeated string outer_crds = 8; string label = 9; repeated CrdStream output_outer_crds = 10;
  uint64 stream_shape = 11; bool blocked = 12;
  bool ff_max = 1000;
}

message CoordHold {
  CrdStream input_inner_crd = 1; CrdStream input_outer_crd = 2;
  CrdStream output_inner_crd = 3; CrdStream output_outer_crd = 4;
  string inner_crd = 5; string outer_crd = 6; string label = 7;
}

message Locate {
  CrdStream input_crd = 1; RefStream input_ref = 2; RefStream output_ref1 = 3; RefStream output_ref2 = 4;
  CrdStream output_crd = 5; string label = 6;
  // parent ref of the dense level located into, when it is not under the root
  RefStream ff_input_base = 1000; string ff_tensor = 1001; optional uint64 ff_level = 1002;
}

message CoordDrop {
  CrdStream input_inner_crd = 1; CrdStream input_outer_crd = 2;
  CrdStream output_inner_crd = 3; CrdStream output_outer_crd = 4;
  string inner_crd = 5; string outer_crd = 6; string label = 7;
}

message CoordMask {
  CrdStream input_inner_crd = 1; CrdStream input_outer_crd = 2; RefStream input_ref = 3;
  CrdStream output_inner_crd = 4; CrdStream output_outer_crd = 5; RefStream output_ref = 6;
}

message ArrayVals {
  string tensor = 1; RefStream input_ref = 2; ValStream output_val = 3; string label = 4;
  uint64 stream_shape = 5; bool blocked = 6;
}

message Intrinsic {
  string name = 1; ValStream input_val = 2; repeated CrdStream inputs = 3;
  ValStream output_val = 4; repeated CrdStream outputs = 5;
}

message Concat {
  repeated CrdStream in_crds = 1; uint64 axis = 3; uint64 rank = 4; repeated CrdStream out_crds = 5;
  string label = 7; uint64 dim_len = 8; repeated RefStream in_refs = 9; repeated ValStream in_vals = 10;
  repeated RefStream out_refs = 11; ValStream out_val = 12;
}

// one input copied (Broadcast) or scattered (Fork) to several outputs
message CrdBundle { CrdStream input = 1; repeated CrdStream outputs = 2; }
message RefBundle { RefStream input = 1; repeated RefStream outputs = 2; }
message ValBundle { ValStream input = 1; repeated ValStream outputs = 2; }
message RepSigBundle { RepSigStream input = 1; repeated RepSigStream outputs = 2; }
message Broadcast {
  string label = 1;
  oneof conn { CrdBundle crd = 2; RefBundle ref = 3; ValBundle val = 4; RepSigBundle repsig = 5; }
}
message Fork {
  string label = 1;
  oneof conn { CrdBundle crd = 2; RefBundle ref = 3; ValBundle val = 4; RepSigBundle repsig = 5; }
  string ff_index = 1000;
}

// several inputs gathered into one output (Join); output first, as in tortilla
message CrdGather { CrdStream output = 1; repeated CrdStream inputs = 2; }
message RefGather { RefStream output = 1; repeated RefStream inputs = 2; }
message ValGather { ValStream output = 1; repeated ValStream inputs = 2; }
message RepSigGather { RepSigStream output = 1; repeated RepSigStream inputs = 2; }
message Join {
  string label = 1;
  oneof conn { CrdGather crd = 2; RefGather ref = 3; ValGather val = 4; RepSigGather repsig = 5; }
  string ff_index = 1000;
  // levels below the forked index in this stream (round-robin gather); absent = Comal's Gather
  optional uint64 ff_level = 1001;
}

message Operation {
  string name = 1;
  uint64 id = 2;
  reserved 3 to 10;
  oneof op {
    Generator root = 11; Joiner joiner = 12; FiberLookup fiber_lookup = 13; FiberWrite fiber_write = 14;
    Repeat repeat = 15; RepeatSig repeatsig = 16; ALU alu = 17; Reduce reduce = 18; CoordHold coord_hold = 19;
    CoordMask coord_mask = 20; CoordDrop coord_drop = 21; ArrayVals array = 22; SparseAccumulator spacc = 23;
    ValWrite val_write = 24; Intrinsic func = 25; Broadcast broadcast = 26; Fork fork = 27; Join join = 28;
    GenRef gen_ref = 29; Locate locate = 30; Concat concat = 31;
  }
}

message ProgramGraph { string name = 1; repeated Operation operators = 2; reserved 3 to 10; }
message ComalGraph { string name = 1; uint64 channel_size = 2; ProgramGraph graph = 3; }
`;
