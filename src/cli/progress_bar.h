// Progress of a long run on the terminal: a redrawn bar with done/total, rate,
// ETA and errors when stderr is a terminal, plain log lines every few seconds
// otherwise (CI logs, pipes). Also the Ctrl-C flag: the first Ctrl-C asks the
// run to stop cleanly, a second one exits at once.
#pragma once

#include <chrono>
#include <string>

#include "eval/redteam_run.h"

namespace polysafe::cli {

class ProgressBar {
 public:
  ProgressBar();
  void update(const eval::RunProgress& p);
  void finish();  // ends the bar's line

 private:
  bool tty_;
  std::string phase_;
  std::chrono::steady_clock::time_point last_;
  bool drawn_ = false;
};

// Installs the SIGINT handler; stop_requested() turns true after the first Ctrl-C.
void install_stop_handler();
bool stop_requested();

}  // namespace polysafe::cli
