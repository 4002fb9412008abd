// The two phases every evaluation run shares: ask the model for each pending
// item (the response cache first, then the backend, each answer stored the
// moment it arrives) and let each judge score every answer it has not scored
// yet. Red-teaming and toxicity runs differ only in the requests they build and
// the judges they use, so both call these; a kill between any two answers
// loses nothing already stored.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "backend/backend.h"
#include "data/suite_item.h"
#include "eval/answer_judge.h"
#include "eval/run_store.h"

namespace polysafe::eval {

struct RunProgress {
  std::string phase;       // "translate", "generate", "judge:<name>"
  size_t done = 0, total = 0, errors = 0, cached = 0;
  double elapsed_s = 0;
};

struct RunHooks {
  BackendMaker make_backend;                         // builds the model, translator and LLM judges
  std::function<void(const RunProgress&)> progress;  // called often; may be empty
  std::function<bool()> should_stop;                 // Ctrl-C; may be empty
};

using ItemIndex = std::unordered_map<std::string, const data::SuiteItem*>;
ItemIndex index_items(const std::vector<data::SuiteItem>& items);

// Sampling seed of one item: its own, so a resumed run draws the same answers
// whatever else shares the batch.
uint64_t item_seed(uint64_t seed, const std::string& item_id);

struct AnswerPhase {
  size_t from_cache = 0;
  double seconds = 0;
};

// Answers every pending item of `run_id` with `samples` texts each. `scored`
// items count towards the progress total (the run's items less excluded ones).
AnswerPhase collect_answers(RunStore& store, const std::string& run_id, backend::Backend& model,
                            const ItemIndex& items, size_t scored, int samples,
                            const std::function<backend::Request(const data::SuiteItem&)>& request_for,
                            const RunHooks& hooks);

// Each judge scores what it has not scored yet; judgments by another version
// of a judge are dropped first and redone.
void judge_answers(RunStore& store, const std::string& run_id, std::vector<std::unique_ptr<AnswerJudge>>& judges,
                   const ItemIndex& items, const RunHooks& hooks);

// True when every judge has scored every stored answer.
bool all_judged(const RunStore& store, const std::string& run_id,
                const std::vector<std::unique_ptr<AnswerJudge>>& judges);

}  // namespace polysafe::eval
