// Engine-internal view of a Model: the transformer and the helpers that the
// generator and scorer share (batching with padding, thread scoping). Includes
// libtorch; never include it outside src/engine/.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <ATen/ATen.h>

#include "engine/model.h"
#include "engine/transformer.h"
#include "formats/gguf_reader.h"
#include "tokenizer/tokenizer.h"

namespace polysafe::engine {

struct Model::Impl {
  std::string path;
  std::unique_ptr<formats::GgufFile> gguf;        // keeps the tokenizer's storage alive
  std::unique_ptr<tokenizer::Tokenizer> tok;
  std::unique_ptr<Transformer> net;
  DType dtype = DType::F32;
  int threads = 1;
  std::string chat_template;
  std::vector<int32_t> stop_tokens;
};

// Sets libtorch's intra-op thread count to the model's for the scope of a call:
// the count lives with the Model, not in process state a caller must manage.
class ThreadScope {
 public:
  explicit ThreadScope(int n);
};

// Sequences packed into [B, L] token and validity tensors; offset[b] is the slot
// of sequence b's first token (non-zero for left padding).
struct PackedBatch {
  at::Tensor tokens, valid;
  std::vector<int64_t> offset, length;
  int64_t max_len = 0;
};
PackedBatch pack(const std::vector<std::vector<int32_t>>& seqs, Padding padding, int64_t vocab, int32_t pad_id);

}  // namespace polysafe::engine
