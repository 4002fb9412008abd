// Reading the committed llama.cpp reference vectors (tests/fixtures/tokenizer/*.jsonl,
// written by scripts/reference/tokenizer_vectors.py) and the dataset strings
// they point at, for the tokenizer parity tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace polysafe::test {

struct RefCase {
  std::string where;  // "file:row:field" or "inline"
  std::string lang;
  std::string text;   // the string's bytes
  std::vector<int32_t> ids_a, ids_b;
  bool rt = false;
};

struct RefFile {
  nlohmann::json header;
  std::vector<RefCase> cases;
};

// Loads tests/fixtures/tokenizer/<name>.llama.jsonl and re-reads each dataset string
// from the shared data dir by byte span, checking its sha256 (throws on drift).
RefFile load_reference(const std::string& name);

// Writes the strings as a JSON array (input of scripts/reference/hf_tokenize.py).
void write_cases_json(const RefFile& ref, const std::string& path);

// A fresh temporary directory (removed by the caller).
std::string make_temp_dir();

}  // namespace polysafe::test
