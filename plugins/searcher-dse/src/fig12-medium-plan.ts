/**
 * FLOPs / bytes estimates of fig12's medium runs (backend-estimate on each run's real inputs) and
 * the token model fitted on exact simulations: written by
 * `npm run bench -w @fuseflow/searcher-dse -- plan` (do not edit by hand).
 */
export const FIG12_MEDIUM_PLAN: {
  generated: string;
  tokensPerWork: Record<string, number>;
  fit: string;
  runs: Record<string, { flops: number; bytes: number }>;
} = {
  "generated": "2026-12-07",
  "tokensPerWork": {
    "SAE|unfused": 0.672,
    "SAE|partially fused": 0.675,
    "SAE|fully fused": 1.03,
    "GCN|unfused": 0.95,
    "GCN|partially fused": 1.13,
    "GCN|fully fused": 5.31,
    "GraphSAGE|unfused": 0.931,
    "GraphSAGE|partially fused": 1.09,
    "GraphSAGE|fully fused": 5.84,
    "GPT-3 BigBird|unfused": 1.1,
    "GPT-3 BigBird|partially fused": 1.26,
    "GPT-3 BigBird|fully fused": 1.43
  },
  "fit": "median simulated tokens per estimated (flop + byte) per model and configuration, over 12 fig12 fast runs simulated exactly (2026-12-07)",
  "runs": {
    "SAE|imagenet|unfused|": {
      "flops": 167652608,
      "bytes": 1031687936
    },
    "SAE|imagenet|partially fused|": {
      "flops": 167652608,
      "bytes": 1018711808
    },
    "SAE|imagenet|fully fused|": {
      "flops": 167652608,
      "bytes": 1018646272
    },
    "GCN|cora|unfused|": {
      "flops": 88244849.87054378,
      "bytes": 469792094.45557773
    },
    "GCN|cora|partially fused|": {
      "flops": 88244849.87054378,
      "bytes": 375429971.2232627
    },
    "GCN|cora|fully fused|": {
      "flops": 1716234744.0877419,
      "bytes": 7298728638.163083
    },
    "GCN|cora_ml|unfused|": {
      "flops": 222568443.37824044,
      "bytes": 1096642313.4746583
    },
    "GCN|cora_ml|partially fused|": {
      "flops": 222491199.3782404,
      "bytes": 887811986.2694426
    },
    "GCN|cora_ml|fully fused|": {
      "flops": 5715487361.585262,
      "bytes": 22803345601.085526
    },
    "GCN|dblp|unfused|": {
      "flops": 782218587.3446853,
      "bytes": 3766586196.638422
    },
    "GCN|dblp|partially fused|": {
      "flops": 781971687.3446853,
      "bytes": 3057901052.0681114
    },
    "GCN|dblp|fully fused|": {
      "flops": 21024535468.80683,
      "bytes": 80881176808.31805
    },
    "GraphSAGE|cora|unfused|": {
      "flops": 138269733.87054378,
      "bytes": 786357535.8319641
    },
    "GraphSAGE|cora|partially fused|": {
      "flops": 138243205.87054378,
      "bytes": 690371475.2232627
    },
    "GraphSAGE|cora|fully fused|": {
      "flops": 780106994.9774289,
      "bytes": 3866961201.2737317
    },
    "GraphSAGE|cora_ml|unfused|": {
      "flops": 333332528.3782404,
      "bytes": 1796753456.9368567
    },
    "GraphSAGE|cora_ml|partially fused|": {
      "flops": 333293906.3782404,
      "bytes": 1586191450.2694423
    },
    "GraphSAGE|cora_ml|fully fused|": {
      "flops": 2385266740.183289,
      "bytes": 11244485203.149818
    },
    "GraphSAGE|dblp|unfused|": {
      "flops": 1155601003.3446853,
      "bytes": 6127845540.638422
    },
    "GraphSAGE|dblp|partially fused|": {
      "flops": 1155354103.3446853,
      "bytes": 5410373260.068111
    },
    "GraphSAGE|dblp|fully fused|": {
      "flops": 8654064405.667505,
      "bytes": 39884641724.87429
    },
    "GPT-3 BigBird|b=16|unfused|": {
      "flops": 9121972224,
      "bytes": 27070275584
    },
    "GPT-3 BigBird|b=16|partially fused|": {
      "flops": 8421656576,
      "bytes": 22877167616
    },
    "GPT-3 BigBird|b=16|fully fused|": {
      "flops": 8421656576,
      "bytes": 22852001792
    },
    "GPT-3 BigBird|b=32|unfused|": {
      "flops": 9125216256,
      "bytes": 27174084608
    },
    "GPT-3 BigBird|b=32|partially fused|": {
      "flops": 9268348928,
      "bytes": 26276913152
    },
    "GPT-3 BigBird|b=32|fully fused|": {
      "flops": 9268348928,
      "bytes": 26251747328
    },
    "GPT-3 BigBird|b=64|unfused|": {
      "flops": 9131114496,
      "bytes": 27362828288
    },
    "GPT-3 BigBird|b=64|partially fused|": {
      "flops": 10807789568,
      "bytes": 32458268672
    },
    "GPT-3 BigBird|b=64|fully fused|": {
      "flops": 10807789568,
      "bytes": 32433102848
    },
    "SAE|luna16|unfused|": {
      "flops": 1734813312,
      "bytes": 10543261696
    },
    "SAE|luna16|partially fused|": {
      "flops": 1734813312,
      "bytes": 10475890688
    },
    "SAE|luna16|fully fused|": {
      "flops": 1734813312,
      "bytes": 10475759616
    },
    "SAE|nih|unfused|": {
      "flops": 6939105664,
      "bytes": 42171668992
    },
    "SAE|nih|partially fused|": {
      "flops": 6939105664,
      "bytes": 41902971392
    },
    "SAE|nih|fully fused|": {
      "flops": 6939105664,
      "bytes": 41902840320
    }
  }
};
