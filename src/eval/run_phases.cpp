#include "eval/run_phases.h"

#include <algorithm>

#include "eval/bootstrap.h"

namespace polysafe::eval {

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
bool stopped(const RunHooks& h) { return h.should_stop && h.should_stop(); }

}  // namespace

ItemIndex index_items(const std::vector<data::SuiteItem>& items) {
  ItemIndex by_id;
  for (const auto& it : items) by_id.emplace(it.id, &it);
  return by_id;
}

uint64_t item_seed(uint64_t seed, const std::string& item_id) { return group_seed(seed, item_id); }

AnswerPhase collect_answers(RunStore& store, const std::string& id, backend::Backend& model, const ItemIndex& items,
                            size_t scored, int samples,
                            const std::function<backend::Request(const data::SuiteItem&)>& request_for,
                            const RunHooks& hooks) {
  const auto t0 = Clock::now();
  const auto pending = store.pending_items(id);
  RunProgress prog{"generate", scored - std::min(scored, pending.size()), scored, store.error_count(id), 0, 0};
  std::vector<backend::Request> reqs;
  std::vector<std::string> req_item, keys;
  for (const auto& item_id : pending) {
    auto r = request_for(*items.at(item_id));
    std::string key = backend::request_key(model.fingerprint(), r);
    if (auto hit = store.cached(key); hit && int(hit->texts.size()) == samples) {
      store.add_response(id, item_id, key, *hit, 0, 0, true);
      ++prog.done;
      ++prog.cached;
      continue;
    }
    reqs.push_back(std::move(r));
    req_item.push_back(item_id);
    keys.push_back(std::move(key));
  }
  if (hooks.progress) hooks.progress(prog);
  // Chunks bound the work lost to a stop request and keep progress moving.
  const size_t chunk = 512;
  const std::function<bool()> stop = [&] { return stopped(hooks); };
  for (size_t c0 = 0; c0 < reqs.size() && !stopped(hooks); c0 += chunk) {
    const size_t c1 = std::min(reqs.size(), c0 + chunk);
    std::vector<backend::Request> part(reqs.begin() + long(c0), reqs.begin() + long(c1));
    model.generate(
        part,
        [&](size_t k, backend::Response r) {
          const size_t i = c0 + k;
          for (size_t a = 0; a < r.attempt_errors.size(); ++a)
            store.add_error(id, req_item[i], int(a + 1), r.attempt_errors[a]);
          prog.errors += r.attempt_errors.size();
          if (r.ok && int(r.texts.size()) == samples) {
            store.add_response(id, req_item[i], keys[i],
                               {r.texts, r.finish_reason, r.prompt_tokens, r.completion_tokens, r.utf8}, r.latency_s,
                               r.attempts, false);
            ++prog.done;
          } else if (r.ok) {
            store.add_error(id, req_item[i], r.attempts,
                            "expected " + std::to_string(samples) + " answers, got " + std::to_string(r.texts.size()));
            ++prog.errors;
          }
          prog.elapsed_s = since(t0);
          if (hooks.progress) hooks.progress(prog);
        },
        stop);
  }
  return {prog.cached, since(t0)};
}

void judge_answers(RunStore& store, const std::string& id, std::vector<std::unique_ptr<AnswerJudge>>& judges,
                   const ItemIndex& items, const RunHooks& hooks) {
  const std::function<bool()> stop = [&] { return stopped(hooks); };
  for (auto& judge : judges) {
    if (stopped(hooks)) break;
    store.drop_stale_judgments(id, judge->name(), judge->version());
    auto unjudged = store.unjudged(id, judge->name());
    std::vector<JudgeTask> tasks;
    for (auto& r : unjudged) tasks.push_back({items.at(r.item_id), r.sample, std::move(r.text)});
    RunProgress jp{"judge:" + judge->name(), 0, tasks.size(), 0, 0, 0};
    const auto tj = Clock::now();
    if (hooks.progress) hooks.progress(jp);
    judge->judge(
        tasks,
        [&](std::vector<StoredJudgment> js) {
          jp.done += js.size();
          store.add_judgments(id, js);
          jp.elapsed_s = since(tj);
          if (hooks.progress) hooks.progress(jp);
        },
        stop);
  }
}

bool all_judged(const RunStore& store, const std::string& id, const std::vector<std::unique_ptr<AnswerJudge>>& judges) {
  for (const auto& judge : judges)
    if (!store.unjudged(id, judge->name()).empty()) return false;
  return true;
}

}  // namespace polysafe::eval
