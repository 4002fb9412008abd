#include "tokenizer/tokenizer.h"

#include <cstdio>

#include "formats/gguf_reader.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/unicode_props.h"
#include "util/error.h"
#include "util/utf8.h"

namespace polysafe::tokenizer {

namespace {

const char* kSpaceMark = "\xE2\x96\x81";  // U+2581, SentencePiece's visible space

void replace_all(std::string& s, std::string_view from, std::string_view to) {
  if (from.empty()) return;
  std::string out;
  out.reserve(s.size() + s.size() / 4);
  size_t pos = 0;
  while (true) {
    size_t m = s.find(from, pos);
    if (m == std::string::npos) break;
    out.append(s, pos, m - pos);
    out.append(to);
    pos = m + from.size();
  }
  out.append(s, pos, std::string::npos);
  s.swap(out);
}

std::vector<int32_t> special_candidates(const Vocab& v) {
  std::vector<int32_t> ids;
  for (size_t i = 0; i < v.size(); ++i)
    if (v.tokens[i].attr & (ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN)) ids.push_back(static_cast<int32_t>(i));
  return ids;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// llama.cpp decode clean-up for gpt2-style models (clean_up_tokenization_spaces):
// " ?" " !" " ." " ," lose the space, " ' " loses both spaces, " 's" " 'm" " 're"
// " 've" lose the space.
std::string clean_up_spaces(const std::string& in) {
  std::string t = in;
  auto pass = [](std::string& s, auto&& body) {
    if (s.empty()) return;
    std::string o;
    o.reserve(s.size());
    o.push_back(s[0]);
    body(s, o);
    s.swap(o);
  };
  pass(t, [](const std::string& s, std::string& o) {
    for (size_t i = 1; i < s.size(); ++i) {
      char x = s[i];
      if (s[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) o.pop_back();
      o.push_back(x);
    }
  });
  pass(t, [](std::string& s, std::string& o) {
    for (size_t i = 1; i < s.size(); ++i) {
      char x = s[i];
      if (x == '\'' && i + 1 < s.size() && s[i - 1] == ' ' && s[i + 1] == ' ') {
        // " ' " -> "'": drop the space before, and the one after (llama.cpp marks it
        // NUL in place, which the next comparison then sees).
        o.pop_back();
        o.push_back(x);
        s[i + 1] = '\0';
        ++i;
        continue;
      }
      o.push_back(x);
    }
  });
  pass(t, [](const std::string& s, std::string& o) {
    for (size_t i = 1; i < s.size(); ++i) {
      char x = s[i];
      if (s[i - 1] == ' ' && x == '\'' && i + 1 < s.size()) {
        char x1 = s[i + 1];
        if (x1 == 's' || x1 == 'm') {
          o.pop_back();
        } else if (i + 2 < s.size()) {
          char x2 = s[i + 2];
          if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) o.pop_back();
        }
      }
      o.push_back(x);
    }
  });
  return t;
}

}  // namespace

std::unique_ptr<Tokenizer> TokenizerImpl::make(std::unique_ptr<TokenizerImpl> impl) {
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
}

Tokenizer::Tokenizer(std::unique_ptr<TokenizerImpl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::from_gguf(const formats::GgufFile& f) { return from_gguf(f, ""); }

std::unique_ptr<Tokenizer> Tokenizer::from_gguf(const formats::GgufFile& f, const std::string& pre_override) {
  auto impl = std::make_unique<TokenizerImpl>();
  const std::string model = f.get_string("tokenizer.ggml.model");
  if (model != "llama" && model != "gpt2")
    f.fail_key("tokenizer.ggml.model", "tokenizer '" + model + "' not supported (supported: llama, gpt2)");
  load_gguf_vocab(f, model, impl->vocab);
  Vocab& v = impl->vocab;

  if (model == "llama") {
    // llama.cpp defaults for SentencePiece vocabularies: BOS yes, EOS no, space prefix yes.
    impl->kind = "spm";
    impl->pre_name = f.opt_string("tokenizer.ggml.pre").value_or("default");
    v.add_bos = true;
    v.add_eos = false;
    v.add_space_prefix = true;
    impl->spm = std::make_unique<SpmTokenizer>(v);
  } else {
    impl->kind = "bpe";
    std::string pre = pre_override.empty() ? f.opt_string("tokenizer.ggml.pre").value_or("") : pre_override;
    impl->pre = pre_tokenizer_for(pre);
    impl->pre_name = impl->pre.name;
    impl->clean_spaces = impl->pre.clean_spaces;
    v.add_bos = impl->pre.add_bos;
    v.add_eos = false;
    v.add_space_prefix = false;
    std::vector<std::pair<std::string, std::string>> merges;
    auto raw = f.get_string_array("tokenizer.ggml.merges");
    merges.reserve(raw.size());
    for (auto m : raw) merges.push_back(BpeTokenizer::split_merge(m));
    BpeOptions opt;
    opt.ignore_merges = impl->pre.ignore_merges;
    impl->bpe = std::make_unique<BpeTokenizer>(v, merges, opt);
  }
  if (auto b = f.opt_bool("tokenizer.ggml.add_space_prefix")) v.add_space_prefix = *b;
  if (auto b = f.opt_bool("tokenizer.ggml.add_bos_token")) v.add_bos = *b;
  if (auto b = f.opt_bool("tokenizer.ggml.add_eos_token")) v.add_eos = *b;
  if (v.add_bos && v.bos_id < 0) f.fail_key("tokenizer.ggml.add_bos_token", "true, but the model has no BOS token");
  if (v.add_eos && v.eos_id < 0) f.fail_key("tokenizer.ggml.add_eos_token", "true, but the model has no EOS token");
  impl->specials = std::make_unique<SpecialTokenMatcher>(v, special_candidates(v), SpecialTokenMatcher::Rule::LlamaCpp);
  return TokenizerImpl::make(std::move(impl));
}

std::unique_ptr<Tokenizer> Tokenizer::from_tokenizer_json(const std::string& path) {
  return TokenizerImpl::make(load_tokenizer_json(path));
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
  validate_utf8(text, "encode");
  const TokenizerImpl& m = *impl_;
  const Vocab& v = m.vocab;
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  if (add_special && v.add_bos) out.push_back(v.bos_id);

  const std::vector<Fragment> frags = m.specials->partition(text, parse_special);
  if (m.kind == "spm") {
    bool prev_special = true;  // the first fragment gets the space prefix too
    for (const Fragment& fr : frags) {
      if (fr.token >= 0) { out.push_back(fr.token); prev_special = true; continue; }
      std::string s;
      if (v.add_space_prefix && prev_special) s = " ";
      s.append(fr.text);
      replace_all(s, " ", kSpaceMark);
      m.spm->encode(s, out);
      prev_special = false;
    }
  } else {
    std::string buf;
    for (size_t fi = 0; fi < frags.size(); ++fi) {
      const Fragment& fr = frags[fi];
      if (fr.token >= 0) { out.push_back(fr.token); continue; }
      std::string_view raw = fr.text;
      std::string normalized;
      if (!m.normalizer.empty()) {
        normalized.assign(raw);
        for (const auto& step : m.normalizer) {
          if (step.kind == NormalizerStep::Replace) replace_all(normalized, step.pattern, step.content);
          else if (!normalized.empty()) normalized.insert(0, step.content);
        }
        raw = normalized;
      }
      for (std::string_view word : pre_tokenize(raw, m.pre.steps)) {
        if (m.byte_level) {
          buf.clear();
          byte_level_encode(word, buf);
          m.bpe->encode_word(buf, out);
        } else {
          m.bpe->encode_word(word, out);
        }
      }
    }
  }
  if (add_special && v.add_eos) out.push_back(v.eos_id);
  return out;
}

void Tokenizer::check_id(int32_t id) const {
  if (!impl_->vocab.valid(id))
    throw TokenizerError("token id " + std::to_string(id) + " out of range (vocab size " +
                         std::to_string(impl_->vocab.size()) + ")");
}

std::string Tokenizer::piece(int32_t id, bool special) const {
  check_id(id);
  const TokenEntry& e = impl_->vocab.tokens[id];
  const uint32_t a = e.attr;
  if (!special && (a & (ATTR_UNKNOWN | ATTR_CONTROL))) return {};
  if (a & (ATTR_UNKNOWN | ATTR_CONTROL | ATTR_USER_DEFINED)) return e.text;
  if (a & ATTR_NORMAL) {
    std::string r;
    if (impl_->kind == "spm" || !impl_->byte_level) {
      r = e.text;
      replace_all(r, kSpaceMark, " ");
      return r;
    }
    // Byte-level text back to bytes; llama.cpp spells code points outside the
    // alphabet as "[UNK_BYTE_0x<hex><token text>]".
    for (char32_t cp : decode_valid_utf8(e.text)) {
      std::string u;
      append_utf8(u, cp);
      std::string b;
      if (byte_level_decode(u, b)) {
        r += b;
      } else {
        r += "[UNK_BYTE_0x";
        for (unsigned char c : u) { char h[3]; snprintf(h, sizeof h, "%02x", c); r += h; }
        r += e.text + "]";
      }
    }
    return r;
  }
  if (a & ATTR_BYTE) {
    if (e.text.size() >= 5 && hex_value(e.text[3]) >= 0 && hex_value(e.text[4]) >= 0)
      return std::string(1, static_cast<char>(hex_value(e.text[3]) * 16 + hex_value(e.text[4])));
    return {};
  }
  return {};
}

std::string Tokenizer::token_to_piece(int32_t id) const { return piece(id, true); }

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool skip_special) const {
  const Vocab& v = impl_->vocab;
  size_t begin = 0, end = ids.size();
  bool remove_space = v.add_space_prefix;
  if (skip_special && v.add_bos && end > begin && ids[begin] == v.bos_id) { remove_space = false; ++begin; }
  if (skip_special && v.add_eos && end > begin && ids[end - 1] == v.eos_id) --end;
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    std::string p = piece(ids[i], !skip_special);
    if (remove_space && !p.empty() && p[0] == ' ') p.erase(0, 1);
    remove_space = false;
    out += p;
  }
  if (impl_->clean_spaces) out = clean_up_spaces(out);
  return out;
}

const std::string& Tokenizer::token_text(int32_t id) const {
  check_id(id);
  return impl_->vocab.tokens[id].text;
}
TokenType Tokenizer::token_type(int32_t id) const {
  check_id(id);
  return token_type_from_raw(impl_->vocab.tokens[id].type);
}
uint32_t Tokenizer::token_attr(int32_t id) const {
  check_id(id);
  return impl_->vocab.tokens[id].attr;
}
size_t Tokenizer::vocab_size() const { return impl_->vocab.size(); }
int32_t Tokenizer::bos_id() const { return impl_->vocab.bos_id; }
int32_t Tokenizer::eos_id() const { return impl_->vocab.eos_id; }
int32_t Tokenizer::eot_id() const { return impl_->vocab.eot_id; }
std::string Tokenizer::model_kind() const { return impl_->kind; }
std::string Tokenizer::pre_tokenizer() const { return impl_->pre_name; }
bool Tokenizer::add_bos() const { return impl_->vocab.add_bos; }
bool Tokenizer::add_eos() const { return impl_->vocab.add_eos; }
const Vocab& Tokenizer::vocab() const { return impl_->vocab; }

// --- StreamingDecoder ---

namespace {

// Where a multi-byte sequence stops being well-formed, after Unicode 15 §3.9
// Table 3-7: the number of bytes from s[i] that are a valid prefix of one
// character (1 for a byte that cannot start one), and whether they are the
// whole character. A valid prefix cut off by the end of s is `complete == false`
// with `len` reaching the end.
struct SequenceScan {
  size_t len = 1;
  bool complete = false;
  bool ill_formed = false;  // s[i, i + len) can never become a character
};

SequenceScan scan_sequence(const std::string& s, size_t i) {
  auto at = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = at(i);
  const int need = utf8::sequence_length(c);
  if (need == 1) return {1, true, false};
  if (need == 0) return {1, false, true};  // continuation byte, C0/C1, F5..FF
  // The second byte's range depends on the lead (no overlongs, no surrogates,
  // nothing above U+10FFFF); later bytes are plain continuations.
  unsigned char lo = 0x80, hi = 0xBF;
  if (c == 0xE0) lo = 0xA0;
  else if (c == 0xED) hi = 0x9F;
  else if (c == 0xF0) lo = 0x90;
  else if (c == 0xF4) hi = 0x8F;
  size_t k = 1;
  for (; k < size_t(need); ++k) {
    if (i + k >= s.size()) return {k, false, false};  // may still complete
    const unsigned char b = at(i + k);
    const bool ok = k == 1 ? (b >= lo && b <= hi) : (b & 0xC0) == 0x80;
    if (!ok) return {k, false, true};  // the maximal subpart ends before b
  }
  return {k, true, false};
}

}  // namespace

StreamingDecoder::StreamingDecoder(const Tokenizer& tok, bool skip_special)
    : tok_(tok), skip_special_(skip_special) {}

void StreamingDecoder::reset() {
  first_ = true;
  pending_.clear();
  emitted_ = 0;
  replaced_at_.clear();
}

std::string StreamingDecoder::push(int32_t id) {
  const Vocab& v = tok_.vocab();
  if (first_ && skip_special_ && v.add_bos && id == v.bos_id) { first_ = false; return {}; }
  std::string p = tok_.piece(id, !skip_special_);
  if (first_ && v.add_space_prefix && !p.empty() && p[0] == ' ') p.erase(0, 1);
  first_ = false;
  pending_ += p;
  return take_complete();
}

size_t StreamingDecoder::finish() {
  // take_complete leaves only a valid prefix behind: the text ended inside a
  // character, so there is no character to show, and a U+FFFD would claim the
  // model wrote an invalid one.
  const size_t dropped = pending_.size();
  pending_.clear();
  return dropped;
}

std::string StreamingDecoder::take_complete() {
  std::string out;
  size_t i = 0;
  const size_t n = pending_.size();
  while (i < n) {
    const SequenceScan sc = scan_sequence(pending_, i);
    if (sc.complete) {
      out.append(pending_, i, sc.len);
    } else if (sc.ill_formed) {
      replaced_at_.push_back(emitted_ + out.size());
      utf8::append(out, 0xFFFD);
    } else {
      break;  // a valid prefix at the end: wait for the next token
    }
    i += sc.len;
  }
  pending_.erase(0, i);
  emitted_ += out.size();
  return out;
}

}  // namespace polysafe::tokenizer
