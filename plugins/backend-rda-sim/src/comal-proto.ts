/**
 * The tortilla `ComalGraph` schema, written from the field list in fuseflow-reference.md
 * sections 1.3 and 3.5 (top-level messages and the Operation oneof numbers are the documented
 * ones; per-op field numbers are ours, since the reference lists names only). ALUOp values
 * after ELEMMUL, ALU.empty, SparseAccumulator.max, Join.level and Locate.input_base/tensor/level are our extensions (ops and
 * attributes Comal lacks; Comal ignores unknown fields).
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
  repeated Payload output_refs = 3;
  CrdStream output_crd = 4;
  string index = 5;
  string label = 6;
}

message FiberLookup {
  RefStream input_ref = 1; RefStream output_ref = 2; CrdStream output_crd = 3;
  string index = 4; string tensor = 5; uint64 mode = 6; string format = 7;
  bool src = 8; bool root = 9; string label = 10;
}

message FiberWrite {
  CrdStream input_crd = 1; string index = 2; string tensor = 3; uint64 mode = 4; string format = 5;
  uint64 segsize = 6; uint64 crdsize = 7; bool sink = 8; string label = 9; uint64 size = 10;
}

message Repeat {
  oneof input { RefStream input_ref = 1; ValStream input_val = 2; }
  oneof output { RefStream output_ref = 3; ValStream output_val = 4; }
  oneof rep { CrdStream rep_ref = 5; RepSigStream rep_sig = 9; }
  string label = 6; string index = 7; string tensor = 8;
}

message RepeatSig { CrdStream input_crd = 1; RepSigStream output_rep_sig = 2; string label = 3; }

message ALU {
  enum ALUOp {
    ADD = 0; SUB = 1; MUL = 2; DIV = 3; EXP = 4; SIN = 5; COS = 6; MAX = 7;
    SCALARADD = 8; SCALARMUL = 9; SCALARDIV = 10; RSQRT = 11; SIGMOID = 12; ELEMMUL = 13;
    MIN = 14; NEG = 15; SQRT = 16; LOG = 17; TANH = 18; ABS = 19; SQUARE = 20; SCALARRSUB = 21; SCALARRDIV = 22;
  }
  message Val { repeated ValStream inputs = 1; ValStream output = 2; }
  message Stage { repeated uint64 inputs = 1; uint64 output = 2; ALUOp op = 3; }
  Val vals = 1;
  repeated Stage stages = 2;
  ValStream output_val = 3;
  string label = 4;
  repeated uint64 stream_shape = 5;
  bool blocked = 6;
  float scalar = 7;
  bool matmul = 8;
  string empty = 9;
  // block mode (FuseFlow extension): tile index variables of each operand and of the result
  repeated string tile_a = 10;
  repeated string tile_b = 11;
  repeated string tile_out = 12;
}

message Reduce {
  enum Type { ADD = 0; MAX = 1; ADDSUM = 2; }
  ValStream input_val = 1; ValStream output_val = 2; string label = 3;
  repeated uint64 stream_shape = 4; bool blocked = 5; Type reduce_type = 6;
}

message CoordHold {
  CrdStream input_inner_crd = 1; CrdStream input_outer_crd = 2;
  CrdStream output_inner_crd = 3; CrdStream output_outer_crd = 4;
  string inner_crd = 5; string outer_crd = 6; string label = 7;
}
message CoordMask { string label = 1; }
message CoordDrop {
  CrdStream input_inner_crd = 1; CrdStream input_outer_crd = 2;
  CrdStream output_inner_crd = 3; CrdStream output_outer_crd = 4;
  string inner_crd = 5; string outer_crd = 6; string label = 7;
}

message ArrayVals {
  string tensor = 1; RefStream input_ref = 2; ValStream output_val = 3; string label = 4;
  repeated uint64 stream_shape = 5; bool blocked = 6;
}

message SparseAccumulator {
  CrdStream input_inner_crd = 1; CrdStream output_inner_crd = 2; repeated CrdStream input_outer_crds = 3;
  ValStream input_val = 4; ValStream output_val = 5; uint64 order = 6; string inner_crd = 7;
  repeated string outer_crds = 8; string label = 9; repeated CrdStream output_outer_crds = 10;
  repeated uint64 stream_shape = 11; bool blocked = 12; bool max = 13;
}

message ValWrite { ValStream input_val = 1; string label = 2; uint64 crdsize = 3; uint64 segsize = 4; string tensor = 5; bool sink = 6; }

message Intrinsic { string name = 1; ValStream input_val = 2; ValStream output_val = 3; string label = 4; }

message CrdBundle { CrdStream input = 1; repeated CrdStream outputs = 2; }
message RefBundle { RefStream input = 1; repeated RefStream outputs = 2; }
message ValBundle { ValStream input = 1; repeated ValStream outputs = 2; }
message RepSigBundle { RepSigStream input = 1; repeated RepSigStream outputs = 2; }
message Broadcast {
  string label = 1;
  oneof bundle { CrdBundle crd = 2; RefBundle ref = 3; ValBundle val = 4; RepSigBundle repsig = 5; }
}
message Fork {
  string label = 1;
  oneof bundle { CrdBundle crd = 2; RefBundle ref = 3; ValBundle val = 4; RepSigBundle repsig = 5; }
  string index = 6;
}
message CrdGather { CrdStream output = 1; repeated CrdStream inputs = 2; }
message RefGather { RefStream output = 1; repeated RefStream inputs = 2; }
message ValGather { ValStream output = 1; repeated ValStream inputs = 2; }
message Join {
  string label = 1;
  oneof bundle { CrdGather crd = 2; RefGather ref = 3; ValGather val = 4; }
  string index = 5;
  int64 level = 6;
}
message GenRef { CrdStream input_crd = 1; RefStream output_ref = 2; string label = 3; }
message Locate {
  CrdStream input_crd = 1; RefStream input_ref = 2; RefStream output_ref1 = 3; RefStream output_ref2 = 4;
  CrdStream output_crd = 5; string label = 6;
  RefStream input_base = 7; string tensor = 8; int64 level = 9;
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
    GenRef gen_ref = 29; Locate locate = 30;
  }
}

message ProgramGraph { string name = 1; repeated Operation operators = 2; reserved 3 to 10; }
message ComalGraph { string name = 1; uint64 channel_size = 2; ProgramGraph graph = 3; }
`;
