// polysafe: one binary, many subcommands. Maps library errors to a one-line
// message on stderr and exit code 1; wrong usage to exit code 2.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>

#include "cli/command.h"
#include "util/error.h"

using namespace polysafe::cli;

namespace {

// Whether the command line may run the local engine: the engine commands, and
// evaluations whose model, judge or translator is local (or unknown before
// parsing: the default model and run configs).
bool runs_local_engine(int argc, char** argv) {
  if (argc < 2) return false;
  const std::string cmd = argv[1];
  if (cmd == "generate" || cmd == "score" || cmd == "perplexity" || cmd == "datastore") return true;
  if (cmd != "eval") return false;
  bool model_given = false;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.find("local:") != std::string::npos || a == "--config" || a.rfind("--config=", 0) == 0) return true;
    if (a == "--model" || a.rfind("--model=", 0) == 0) model_given = true;
  }
  return !model_given;
}

}  // namespace

int main(int argc, char** argv) {
  // Only for commands that run the local engine: the restart costs a second
  // start-up (~0.7 s of loading libtorch), which HTTP-only runs do not need.
  // libgomp spins ~300k iterations at every barrier before sleeping. On a
  // machine whose cores are also busy with other work, that spinning starves
  // the threads doing the work: a 16-prompt evaluation took 127 s instead of
  // 17 s next to a compiler. Sleeping at once (OMP_WAIT_POLICY=PASSIVE) costs
  // a wake-up per parallel region: decoding one sequence ran at 20 tokens/s
  // instead of 32. A short spin (10k iterations, some microseconds) keeps most
  // of the speed: back-to-back products find their threads awake, idle ones
  // sleep. libgomp reads the variables when it loads, before main, so set it
  // and start again; a user's own OMP_WAIT_POLICY or GOMP_SPINCOUNT is left alone.
  if (!std::getenv("OMP_WAIT_POLICY") && !std::getenv("GOMP_SPINCOUNT") && runs_local_engine(argc, argv)) {
    setenv("GOMP_SPINCOUNT", "10000", 1);
    execv("/proc/self/exe", argv);  // only returns on failure: carry on as we are
  }
  CLI::App app{"polysafe — measure and repair the safety of language models in every language"};
  app.name("polysafe");
  app.set_version_flag("--version", std::string("polysafe ") + POLYSAFE_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  std::vector<std::pair<CLI::App*, std::function<int()>>> commands;
  auto add = [&](std::function<int()> (*setup)(CLI::App&)) {
    size_t before = app.get_subcommands({}).size();
    auto run = setup(app);
    auto subs = app.get_subcommands({});
    if (subs.size() > before) commands.emplace_back(subs.back(), std::move(run));
  };
  add(setup_models);
  add(setup_inspect);
  add(setup_tokenize);
  add(setup_detokenize);
  add(setup_chat_template);
  add(setup_download);
  add(setup_generate);
  add(setup_score);
  add(setup_embed);
  add(setup_perplexity);
  add(setup_convert);
  add(setup_langid);
  add(setup_judge);
  add(setup_scorer);
  add(setup_eval);
  add(setup_runs);
  add(setup_datastore);
  add(setup_report);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }

  try {
    for (auto& [sub, run] : commands)
      if (sub->parsed()) return run();
    std::cerr << "polysafe: no command given (see polysafe --help)\n";
    return kExitUsage;
  } catch (const polysafe::UsageError& e) {
    std::cerr << "polysafe: " << e.what() << "\n";
    return kExitUsage;
  } catch (const polysafe::Error& e) {
    std::cerr << "polysafe: error: " << e.what() << "\n";
    return kExitFailure;
  } catch (const std::bad_alloc&) {
    std::cerr << "polysafe: error: out of memory\n";
    return kExitFailure;
  } catch (const std::exception& e) {
    std::cerr << "polysafe: internal error: " << e.what() << "\n";
    return kExitFailure;
  }
}
