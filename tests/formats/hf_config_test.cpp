// config.json parsing for the decoder-only families polysafe runs: values,
// architecture defaults, multimodal text_config, and field-naming errors.
#include "formats/hf_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "util/error.h"

namespace polysafe::formats {
namespace {

namespace fs = std::filesystem;

class HfConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("polysafe_hfconfig_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    fs::create_directories(dir_ / name);
    std::string p = (dir_ / name / "config.json").string();
    std::ofstream(p) << text;
    return p;
  }
  std::string error_of(const std::string& text) {
    try {
      parse_hf_config(text, "config.json");
    } catch (const FormatError& e) {
      return e.what();
    }
    return "accepted";
  }
  fs::path dir_;
};

// Shaped like SmolLM2-135M-Instruct's config.json.
const char* kLlama = R"({
  "architectures": ["LlamaForCausalLM"], "model_type": "llama",
  "hidden_size": 576, "intermediate_size": 1536, "num_hidden_layers": 30,
  "num_attention_heads": 9, "num_key_value_heads": 3, "vocab_size": 49152,
  "max_position_embeddings": 8192, "rms_norm_eps": 1e-05, "rope_theta": 100000,
  "rope_scaling": null, "tie_word_embeddings": true, "bos_token_id": 1,
  "eos_token_id": 2, "pad_token_id": 2, "torch_dtype": "bfloat16",
  "hidden_act": "silu", "attention_bias": false
})";

TEST_F(HfConfigTest, LlamaLike) {
  HfConfig c = load_hf_config(fs::path(write("llama", kLlama)).parent_path().string());  // directory form
  EXPECT_EQ(c.architectures, std::vector<std::string>{"LlamaForCausalLM"});
  EXPECT_EQ(c.model_type, "llama");
  EXPECT_EQ(c.hidden_size, 576);
  EXPECT_EQ(c.intermediate_size, 1536);
  EXPECT_EQ(c.num_hidden_layers, 30);
  EXPECT_EQ(c.num_attention_heads, 9);
  EXPECT_EQ(c.num_key_value_heads, 3);
  EXPECT_EQ(c.head_dim, 64);  // 576 / 9
  EXPECT_EQ(c.vocab_size, 49152);
  EXPECT_EQ(c.max_position_embeddings, 8192);
  EXPECT_DOUBLE_EQ(*c.rms_norm_eps, 1e-5);
  EXPECT_FALSE(c.layer_norm_eps);
  EXPECT_DOUBLE_EQ(*c.rope_theta, 100000.0);
  EXPECT_TRUE(c.rope_scaling.is_null());
  EXPECT_TRUE(c.tied_embeddings());
  EXPECT_FALSE(c.sliding_window);
  EXPECT_EQ(c.bos_token_ids, std::vector<int64_t>{1});
  EXPECT_EQ(c.eos_token_ids, std::vector<int64_t>{2});
  EXPECT_EQ(c.pad_token_id, 2);
  EXPECT_EQ(c.torch_dtype, "bfloat16");
  EXPECT_EQ(c.raw["hidden_act"], "silu");  // unmodelled fields stay reachable
  EXPECT_NE(c.path.find("llama/config.json"), std::string::npos);
}

TEST_F(HfConfigTest, Llama3RopeScalingKeptRawAndEosList) {
  std::string text = R"({"model_type":"llama","hidden_size":2048,"intermediate_size":8192,
    "num_hidden_layers":16,"num_attention_heads":32,"num_key_value_heads":8,"vocab_size":128256,
    "rope_theta":500000.0,"bos_token_id":128000,"eos_token_id":[128001,128008,128009],
    "rope_scaling":{"factor":32.0,"high_freq_factor":4.0,"low_freq_factor":1.0,
                    "original_max_position_embeddings":8192,"rope_type":"llama3"}})";
  HfConfig c = parse_hf_config(text);
  EXPECT_EQ(c.rope_scaling["rope_type"], "llama3");
  EXPECT_DOUBLE_EQ(c.rope_scaling["factor"].get<double>(), 32.0);
  EXPECT_EQ(c.eos_token_ids, (std::vector<int64_t>{128001, 128008, 128009}));
  EXPECT_FALSE(c.tied_embeddings());  // LlamaConfig's default
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_EQ(c.num_key_value_heads, 8);
}

// Shaped like Gemma 3 270M (text-only class): explicit head_dim that is not
// hidden/heads, one KV head, sliding window, tie default true.
TEST_F(HfConfigTest, Gemma3Like) {
  std::string text = R"({"architectures":["Gemma3ForCausalLM"],"model_type":"gemma3_text",
    "hidden_size":640,"intermediate_size":2048,"num_hidden_layers":18,"num_attention_heads":4,
    "num_key_value_heads":1,"head_dim":256,"vocab_size":262144,"max_position_embeddings":32768,
    "rms_norm_eps":1e-06,"rope_theta":1000000.0,"rope_local_base_freq":10000.0,
    "rope_scaling":null,"sliding_window":512,"bos_token_id":2,"eos_token_id":1,
    "pad_token_id":0,"query_pre_attn_scalar":256,"torch_dtype":"bfloat16",
    "layer_types":["sliding_attention","full_attention"]})";
  HfConfig c = parse_hf_config(text);
  EXPECT_EQ(c.head_dim, 256);
  EXPECT_EQ(c.num_key_value_heads, 1);
  EXPECT_EQ(c.sliding_window, 512);
  EXPECT_TRUE(c.tied_embeddings());
  EXPECT_DOUBLE_EQ(*c.rms_norm_eps, 1e-6);
  EXPECT_EQ(c.raw["query_pre_attn_scalar"], 256);
  EXPECT_EQ(c.eos_token_ids, std::vector<int64_t>{1});
}

TEST_F(HfConfigTest, Gemma3MultimodalReadsTextConfig) {
  std::string text = R"({"architectures":["Gemma3ForConditionalGeneration"],"model_type":"gemma3",
    "eos_token_id":[1,106],"torch_dtype":"bfloat16","image_token_index":262144,
    "text_config":{"model_type":"gemma3_text","hidden_size":2560,"intermediate_size":10240,
      "num_hidden_layers":34,"num_attention_heads":8,"num_key_value_heads":4,"head_dim":256,
      "vocab_size":262208,"sliding_window":1024,"rope_scaling":{"factor":8.0,"rope_type":"linear"}},
    "vision_config":{"hidden_size":1152}})";
  HfConfig c = parse_hf_config(text);
  EXPECT_EQ(c.model_type, "gemma3");
  EXPECT_EQ(c.hidden_size, 2560);  // not vision_config's 1152
  EXPECT_EQ(c.num_hidden_layers, 34);
  EXPECT_EQ(c.rope_scaling["rope_type"], "linear");
  EXPECT_EQ(c.eos_token_ids, (std::vector<int64_t>{1, 106}));  // from the top level
  EXPECT_EQ(c.torch_dtype, "bfloat16");
  EXPECT_EQ(c.text["model_type"], "gemma3_text");
  // Errors inside text_config say so.
  std::string bad = R"({"text_config":{"hidden_size":"big","num_hidden_layers":1,"num_attention_heads":1,"vocab_size":2}})";
  EXPECT_EQ(error_of(bad), "config.json: field 'text_config.hidden_size': expected integer, got string");
}

// Shaped like Qwen2.5-0.5B-Instruct: a window size that is switched off.
TEST_F(HfConfigTest, Qwen2Like) {
  std::string text = R"({"architectures":["Qwen2ForCausalLM"],"model_type":"qwen2",
    "hidden_size":896,"intermediate_size":4864,"num_hidden_layers":24,"num_attention_heads":14,
    "num_key_value_heads":2,"vocab_size":151936,"max_position_embeddings":32768,
    "max_window_layers":21,"rms_norm_eps":1e-06,"rope_theta":1000000.0,"sliding_window":32768,
    "use_sliding_window":false,"tie_word_embeddings":true,"bos_token_id":151643,
    "eos_token_id":151645,"torch_dtype":"bfloat16"})";
  HfConfig c = parse_hf_config(text);
  EXPECT_EQ(c.head_dim, 64);  // 896 / 14
  EXPECT_FALSE(c.sliding_window);
  EXPECT_TRUE(c.tied_embeddings());
  EXPECT_EQ(c.eos_token_ids, std::vector<int64_t>{151645});
  // Without the explicit flag, qwen2's default is untied.
  c.tie_word_embeddings.reset();
  EXPECT_FALSE(c.tied_embeddings());
}

// Shaped like Cohere Aya / Command-R: LayerNorm eps, tied by default, newer
// transformers' "dtype" key.
TEST_F(HfConfigTest, CohereLike) {
  std::string text = R"({"architectures":["CohereForCausalLM"],"model_type":"cohere",
    "hidden_size":8192,"intermediate_size":22528,"num_hidden_layers":40,"num_attention_heads":64,
    "num_key_value_heads":64,"vocab_size":256000,"max_position_embeddings":8192,
    "layer_norm_eps":1e-05,"logit_scale":0.0625,"rope_theta":8000000.0,"use_qk_norm":false,
    "bos_token_id":5,"eos_token_id":255001,"pad_token_id":0,"dtype":"float16"})";
  HfConfig c = parse_hf_config(text);
  EXPECT_DOUBLE_EQ(*c.layer_norm_eps, 1e-5);
  EXPECT_FALSE(c.rms_norm_eps);
  EXPECT_TRUE(c.tied_embeddings());
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.torch_dtype, "float16");
  EXPECT_DOUBLE_EQ(c.raw["logit_scale"].get<double>(), 0.0625);
}

TEST_F(HfConfigTest, Gpt2AliasesMapToStandardNames) {
  HfConfig c = parse_hf_config(R"({"model_type":"gpt2","n_embd":768,"n_layer":12,"n_head":12,
    "n_positions":1024,"vocab_size":50257,"layer_norm_epsilon":1e-05,"n_inner":null})");
  EXPECT_EQ(c.hidden_size, 768);
  EXPECT_EQ(c.num_hidden_layers, 12);
  EXPECT_EQ(c.max_position_embeddings, 1024);
  EXPECT_EQ(c.intermediate_size, 0);
  EXPECT_DOUBLE_EQ(*c.layer_norm_eps, 1e-5);
}

TEST_F(HfConfigTest, ErrorsNameFileAndField) {
  const std::string base = R"("num_hidden_layers":2,"num_attention_heads":4,"vocab_size":10)";
  EXPECT_EQ(error_of(R"({"hidden_size":"4096",)" + base + "}"),
            "config.json: field 'hidden_size': expected integer, got string");
  EXPECT_EQ(error_of(R"({"hidden_size":4096.5,)" + base + "}"),
            "config.json: field 'hidden_size': expected integer, got number 4096.5");
  EXPECT_EQ(error_of("{" + base + "}"), "config.json: field 'hidden_size': missing (required for decoder-only models)");
  EXPECT_EQ(error_of(R"({"hidden_size":-8,)" + base + "}"),
            "config.json: field 'hidden_size': expected a positive integer, got -8");
  EXPECT_EQ(error_of(R"({"hidden_size":64,"num_key_value_heads":3,)" + base + "}"),
            "config.json: field 'num_key_value_heads': 3 does not divide num_attention_heads 4");
  EXPECT_EQ(error_of(R"({"hidden_size":66,)" + base + "}"),
            "config.json: field 'hidden_size': 66 is not divisible by num_attention_heads 4 and no head_dim is given");
  EXPECT_EQ(error_of(R"({"hidden_size":64,"eos_token_id":[1,"2"],)" + base + "}"),
            "config.json: field 'eos_token_id': element 1: expected integer, got string");
  EXPECT_EQ(error_of(R"({"hidden_size":64,"rms_norm_eps":"1e-5",)" + base + "}"),
            "config.json: field 'rms_norm_eps': expected number, got string");
  EXPECT_EQ(error_of(R"({"hidden_size":64,"tie_word_embeddings":1,)" + base + "}"),
            "config.json: field 'tie_word_embeddings': expected boolean, got integer");
  EXPECT_EQ(error_of(R"({"hidden_size":64,"rope_scaling":"linear",)" + base + "}"),
            "config.json: field 'rope_scaling': expected object or null, got string");
  EXPECT_EQ(error_of(R"({"hidden_size":64,"architectures":"Llama",)" + base + "}"),
            "config.json: field 'architectures': expected list of strings, got string");
  EXPECT_EQ(error_of("[1]"), "config.json: expected a JSON object, got array");
  EXPECT_EQ(error_of(R"({"hidden_size": )").rfind("config.json: not valid JSON", 0), 0u);
  // 4096.0 is accepted as the integer it denotes.
  EXPECT_EQ(parse_hf_config(R"({"hidden_size":64.0,)" + base + "}").hidden_size, 64);

  // The path of a real file appears in messages.
  std::string p = write("bad", R"({"hidden_size":true,)" + base + "}");
  try {
    load_hf_config(p);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_EQ(std::string(e.what()), p + ": field 'hidden_size': expected integer, got boolean");
  }
  EXPECT_THROW(load_hf_config((dir_ / "absent").string()), FormatError);
}

}  // namespace
}  // namespace polysafe::formats
