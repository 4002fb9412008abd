#include "tokenizer/tokenizer_json.h"

#include <nlohmann/json.hpp>

#include "util/error.h"
#include "util/mapped_file.h"

namespace polysafe::tokenizer {

namespace {

using json = nlohmann::json;

[[noreturn]] void fail(const std::string& path, const std::string& field, const std::string& msg) {
  throw TokenizerError(path + ": " + field + ": " + msg);
}

std::string type_of(const json& j) { return j.is_object() && j.contains("type") && j["type"].is_string() ? j["type"].get<std::string>() : ""; }

// Token ids index the vocabulary, which is sized to the largest id: reject
// non-integers (a float id is UB to convert), negatives, and ids so far beyond
// the entries present that one id would allocate a huge vocabulary of gaps.
constexpr size_t kMaxIdGap = 65536;
int64_t token_id(const std::string& path, const std::string& field, const json& j, size_t limit) {
  if (!j.is_number_integer()) fail(path, field, "expected an integer token id, got " + std::string(j.type_name()));
  if (j.is_number_unsigned() ? j.get<uint64_t>() >= limit : (j.get<int64_t>() < 0 || static_cast<uint64_t>(j.get<int64_t>()) >= limit))
    fail(path, field, "token id " + j.dump() + " out of range [0, " + std::to_string(limit) + ")");
  return j.get<int64_t>();
}

bool is_byte_token(const std::string& t) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); };
  return t.size() == 6 && t.compare(0, 3, "<0x") == 0 && hex(t[3]) && hex(t[4]) && t[5] == '>';
}

void add_normalizer(const std::string& path, const json& n, std::vector<NormalizerStep>& out) {
  if (n.is_null()) return;
  const std::string t = type_of(n);
  if (t == "Sequence") {
    for (const auto& x : n.at("normalizers")) add_normalizer(path, x, out);
  } else if (t == "Replace") {
    const json& p = n.at("pattern");
    if (!p.contains("String")) fail(path, "normalizer.Replace.pattern", "only String patterns are supported");
    out.push_back({NormalizerStep::Replace, p["String"].get<std::string>(), n.at("content").get<std::string>()});
  } else if (t == "Prepend") {
    out.push_back({NormalizerStep::Prepend, "", n.at("prepend").get<std::string>()});
  } else {
    fail(path, "normalizer", "type '" + t + "' not supported (supported: Sequence, Replace, Prepend)");
  }
}

void add_pre_tokenizer(const std::string& path, const json& p, TokenizerImpl& m, std::string& desc) {
  if (p.is_null()) return;
  const std::string t = type_of(p);
  auto note = [&](const std::string& s) { desc += desc.empty() ? s : "+" + s; };
  if (t == "Sequence") {
    for (const auto& x : p.at("pretokenizers")) add_pre_tokenizer(path, x, m, desc);
  } else if (t == "ByteLevel") {
    m.byte_level = true;
    if (p.value("add_prefix_space", false))
      fail(path, "pre_tokenizer.ByteLevel.add_prefix_space", "true is not supported");
    if (p.value("use_regex", true)) m.pre.steps.push_back(SplitStep::Gpt2);
    note("byte_level");
  } else if (t == "Digits") {
    m.pre.steps.push_back(p.value("individual_digits", false) ? SplitStep::IsolateNumbers : SplitStep::NumberRuns);
    note("digits");
  } else if (t == "Split") {
    const json& pat = p.at("pattern");
    SplitStep step;
    if (!pat.contains("Regex") || !split_step_for_regex(pat["Regex"].get<std::string>(), &step))
      fail(path, "pre_tokenizer.Split.pattern", "only the GPT-2, Llama 3 and Qwen 2 regexes are supported");
    if (p.value("behavior", "") != "Isolated" || p.value("invert", false))
      fail(path, "pre_tokenizer.Split.behavior", "only Isolated (not inverted) is supported");
    m.pre.steps.push_back(step);
    note("split");
  } else {
    fail(path, "pre_tokenizer", "type '" + t + "' not supported (supported: Sequence, ByteLevel, Digits, Split)");
  }
}

}  // namespace

std::unique_ptr<TokenizerImpl> load_tokenizer_json(const std::string& path) {
  json j;
  try {
    j = json::parse(read_text_file(path));
  } catch (const json::exception& e) {
    throw TokenizerError(path + ": not valid JSON: " + e.what());
  }
  auto m = std::make_unique<TokenizerImpl>();
  m->hf = true;
  m->kind = "bpe";
  m->byte_level = false;
  try {
    const json& model = j.at("model");
    if (type_of(model) != "BPE") fail(path, "model.type", "'" + type_of(model) + "' not supported (supported: BPE)");
    if (!model.value("dropout", json()).is_null()) fail(path, "model.dropout", "BPE dropout is not supported");
    for (const char* k : {"continuing_subword_prefix", "end_of_word_suffix"}) {
      if (model.contains(k) && !model[k].is_null() && !model[k].get<std::string>().empty())
        fail(path, std::string("model.") + k, "not supported");
    }

    // Vocabulary: model.vocab plus added tokens, by id.
    Vocab& v = m->vocab;
    const json added = j.value("added_tokens", json::array());
    const size_t id_limit = std::min<size_t>(model.at("vocab").size() + added.size() + kMaxIdGap, INT32_MAX);
    size_t n = 0;
    for (auto it = model.at("vocab").begin(); it != model.at("vocab").end(); ++it)
      n = std::max<size_t>(n, token_id(path, "model.vocab['" + it.key() + "']", it.value(), id_limit) + 1);
    for (const auto& a : added) n = std::max<size_t>(n, token_id(path, "added_tokens[].id", a.at("id"), id_limit) + 1);
    v.tokens.resize(n);
    std::vector<char> filled(n, 0);
    const bool byte_fallback = model.value("byte_fallback", false);
    for (auto it = model.at("vocab").begin(); it != model.at("vocab").end(); ++it) {
      int64_t id = it.value().get<int64_t>();
      auto& e = v.tokens[id];
      e.text = it.key();
      e.type = byte_fallback && is_byte_token(e.text) ? 6 : 1;
      e.attr = attr_from_type(e.type);
      filled[id] = 1;
    }
    for (const auto& a : added) {
      int64_t id = a.at("id").get<int64_t>();
      auto& e = v.tokens[id];
      e.text = a.at("content").get<std::string>();
      const bool special = a.value("special", false);
      e.type = special ? 3 : 4;
      e.attr = attr_from_type(e.type);
      if (a.value("lstrip", false)) e.attr |= ATTR_LSTRIP;
      if (a.value("rstrip", false)) e.attr |= ATTR_RSTRIP;
      if (a.value("single_word", false)) fail(path, "added_tokens[" + std::to_string(id) + "].single_word", "not supported");
      filled[id] = 1;
    }
    for (size_t i = 0; i < n; ++i) {
      if (!filled[i]) { v.tokens[i].text = "[EMPTY_" + std::to_string(i) + "]"; v.tokens[i].type = 5; v.tokens[i].attr = ATTR_UNUSED; }
    }
    v.finish();
    if (model.contains("unk_token") && model["unk_token"].is_string()) v.unk_id = v.find(model["unk_token"].get<std::string>());

    std::vector<std::pair<std::string, std::string>> merges;
    for (const auto& mj : model.value("merges", json::array())) {
      if (mj.is_string()) {
        merges.push_back(BpeTokenizer::split_merge(mj.get<std::string>()));
      } else if (mj.is_array() && mj.size() == 2) {
        merges.emplace_back(mj[0].get<std::string>(), mj[1].get<std::string>());
      } else {
        fail(path, "model.merges", "entries must be \"a b\" strings or [a, b] pairs");
      }
    }

    add_normalizer(path, j.value("normalizer", json()), m->normalizer);
    std::string desc;
    add_pre_tokenizer(path, j.value("pre_tokenizer", json()), *m, desc);
    m->pre.name = desc.empty() ? "none" : desc;
    m->pre_name = "tokenizer.json:" + m->pre.name;

    // BOS/EOS from a TemplateProcessing post-processor ("single": [SpecialToken, Sequence, ...]).
    const json post = j.value("post_processor", json());
    std::vector<json> procs;
    if (type_of(post) == "Sequence") for (const auto& x : post.at("processors")) procs.push_back(x);
    else if (!post.is_null()) procs.push_back(post);
    for (const auto& pp : procs) {
      const std::string pt = type_of(pp);
      if (pt == "ByteLevel") continue;
      if (pt != "TemplateProcessing") fail(path, "post_processor", "type '" + pt + "' not supported");
      bool seen_seq = false;
      for (const auto& piece : pp.at("single")) {
        if (piece.contains("Sequence")) { seen_seq = true; continue; }
        const std::string name = piece.at("SpecialToken").at("id").get<std::string>();
        const json& st = pp.at("special_tokens").at(name);
        int32_t id = static_cast<int32_t>(token_id(path, "post_processor.special_tokens['" + name + "'].ids[0]", st.at("ids").at(0), n));
        if (!seen_seq) { v.bos_id = id; v.add_bos = true; } else { v.eos_id = id; v.add_eos = true; }
      }
    }
    auto first_of = [&](std::initializer_list<const char*> names) {
      for (const char* s : names) { int32_t id = v.find(s); if (id >= 0) return id; }
      return int32_t{-1};
    };
    if (v.bos_id < 0) v.bos_id = first_of({"<bos>", "<s>", "<|begin_of_text|>"});
    if (v.eos_id < 0) v.eos_id = first_of({"<eos>", "</s>", "<|end_of_text|>", "<|endoftext|>"});
    apply_llama_attr_fixups(v);
    // Added tokens marked special in the file stay exactly those: undo llama.cpp's
    // text-based promotion for HF semantics.
    for (const auto& a : added) {
      auto& e = v.tokens[a.at("id").get<int64_t>()];
      e.attr = attr_from_type(e.type) | (e.attr & (ATTR_LSTRIP | ATTR_RSTRIP));
    }

    BpeOptions opt;
    opt.hf_semantics = true;
    opt.byte_fallback = byte_fallback;
    opt.fuse_unk = model.value("fuse_unk", false);
    opt.ignore_merges = model.value("ignore_merges", false);
    m->bpe = std::make_unique<BpeTokenizer>(v, merges, opt);

    std::vector<int32_t> ids;
    for (const auto& a : added) ids.push_back(a.at("id").get<int32_t>());
    m->specials = std::make_unique<SpecialTokenMatcher>(v, ids, SpecialTokenMatcher::Rule::LeftmostLongest);
  } catch (const json::exception& e) {
    throw TokenizerError(path + ": unexpected structure: " + e.what());
  }
  return m;
}

}  // namespace polysafe::tokenizer
