#include "detox/goodtriever.h"

#include <chrono>
#include <exception>
#include <vector>

#include <nlohmann/json.hpp>

#include "detox/detox_error.h"

namespace polysafe::detox {

namespace {

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void check_k(const Datastore& store, int64_t k, const char* which) {
  if (k > store.entries())
    throw DetoxError(std::string("goodtriever: k = ") + std::to_string(k) + " is larger than the " + which + " datastore " +
                     store.dir() + " (" + std::to_string(store.entries()) + " entries); lower --detox-k");
}

}  // namespace

Goodtriever::Goodtriever(const Datastore& toxic, const Datastore* nontoxic, const GoodtrieverParams& params)
    : toxic_(toxic), nontoxic_(nontoxic), params_(params) {
  params_.validate();
  check_k(toxic_, params_.k, "toxic");
  if (nontoxic_) {
    check_k(*nontoxic_, params_.k, "non-toxic");
    if (nontoxic_->dim() != toxic_.dim())
      throw DetoxError("goodtriever: the toxic datastore " + toxic_.dir() + " has keys of dimension " +
                       std::to_string(toxic_.dim()) + " but the non-toxic one " + nontoxic_->dir() + " has " +
                       std::to_string(nontoxic_->dim()));
  }
}

void Goodtriever::apply(engine::HookStep& step) {
  if (step.rows == 0) return;
  if (step.ffn_input == nullptr)
    throw DetoxError("goodtriever: the generator passed no FFN-input hidden states (hidden_for_hook is off)");
  if (step.hidden_size != toxic_.dim())
    throw DetoxError("goodtriever: hidden states of width " + std::to_string(step.hidden_size) + " cannot search " +
                     toxic_.dir() + " (keys of dimension " + std::to_string(toxic_.dim()) + ")");
  const auto t0 = std::chrono::steady_clock::now();
  const SearchResult tox = toxic_.search(step.ffn_input, step.rows, params_.k);
  SearchResult non;
  if (nontoxic_) non = nontoxic_->search(step.ffn_input, step.rows, params_.k);
  const auto t1 = std::chrono::steady_clock::now();
  timing_.search_s += std::chrono::duration<double>(t1 - t0).count();

  // Rows are independent (each writes only its own logits): combined on the
  // engine's OpenMP threads, their effective-k summed afterwards in row order.
  // An exception must not leave an OpenMP region: the first row's is kept and
  // rethrown after it (a store whose token ids do not fit the vocabulary).
  const int64_t vocab = step.vocab, k = params_.k;
  std::vector<double> effective_k(size_t(step.rows), 0.0);
  std::vector<std::exception_ptr> failed(size_t(step.rows));
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t r = 0; r < step.rows; ++r) {
    try {
      const KnnDistribution t = knn_distribution(tox.distances.data() + r * k, tox.tokens.data() + r * k, k,
                                                 params_.temperature, vocab);
      effective_k[size_t(r)] = t.effective_k;
      if (nontoxic_) {
        const KnnDistribution n = knn_distribution(non.distances.data() + r * k, non.tokens.data() + r * k, k,
                                                   params_.temperature, vocab);
        goodtriever_combine(step.logits + r * vocab, vocab, t, &n, params_);
      } else {
        goodtriever_combine(step.logits + r * vocab, vocab, t, nullptr, params_);
      }
    } catch (...) {
      failed[size_t(r)] = std::current_exception();
    }
  }
  for (const auto& e : failed)
    if (e) std::rethrow_exception(e);
  for (double e : effective_k) timing_.effective_k_sum += e;
  timing_.combine_s += seconds_since(t1);
  timing_.steps += 1;
  timing_.rows += step.rows;
}

engine::LogitsHook Goodtriever::hook() {
  return [this](engine::HookStep& step) { apply(step); };
}

std::string Goodtriever::describe() const {
  const auto store = [](const Datastore& s) {
    nlohmann::json sources = nlohmann::json::array();
    for (const auto& src : s.stats().sources) sources.push_back({{"tag", src.tag}, {"entries", src.entries}});
    return nlohmann::json{{"dir", s.dir()}, {"entries", s.entries()}, {"sources", sources},
                          {"index", index_kind_name(s.stats().index.kind)}, {"nprobe", s.stats().index.nprobe}};
  };
  nlohmann::json j{{"method", "goodtriever"},
                   {"k", params_.k},
                   {"lambda", params_.lambda},
                   {"temperature", params_.temperature},
                   {"top_p", params_.top_p},
                   {"toxic", store(toxic_)}};
  if (nontoxic_) j["nontoxic"] = store(*nontoxic_);
  return j.dump();
}

}  // namespace polysafe::detox
