#include "cli/progress_bar.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>

namespace polysafe::cli {

namespace {

std::atomic<bool> g_stop{false};

void on_sigint(int) {
  if (g_stop.exchange(true)) {
    std::signal(SIGINT, SIG_DFL);
    std::raise(SIGINT);
  }
  const char msg[] = "\npolysafe: stopping after the requests in flight (Ctrl-C again to quit now)\n";
  (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
}

std::string duration(double s) {
  if (!(s >= 0) || s > 1e7) return "?";
  char buf[32];
  int t = int(s + 0.5);
  if (t >= 3600)
    std::snprintf(buf, sizeof buf, "%dh%02dm", t / 3600, t / 60 % 60);
  else if (t >= 60)
    std::snprintf(buf, sizeof buf, "%dm%02ds", t / 60, t % 60);
  else
    std::snprintf(buf, sizeof buf, "%ds", t);
  return buf;
}

}  // namespace

void install_stop_handler() { std::signal(SIGINT, on_sigint); }
bool stop_requested() { return g_stop.load(); }

ProgressBar::ProgressBar() : tty_(isatty(STDERR_FILENO) != 0), last_(std::chrono::steady_clock::now()) {}

void ProgressBar::update(const eval::RunProgress& p) {
  const auto now = std::chrono::steady_clock::now();
  const bool new_phase = p.phase != phase_;
  const bool last = p.done >= p.total;
  const double since = std::chrono::duration<double>(now - last_).count();
  if (!new_phase && !last && since < (tty_ ? 0.1 : 5.0)) return;
  if (new_phase && drawn_ && tty_) std::fputc('\n', stderr);
  phase_ = p.phase;
  last_ = now;
  const double rate = p.elapsed_s > 0 ? double(p.done - p.cached) / p.elapsed_s : 0;
  const double eta = rate > 0 ? double(p.total - p.done) / rate : -1;
  char line[256];
  if (tty_) {
    const int width = 24;
    int filled = p.total ? int(double(width) * double(p.done) / double(p.total)) : width;
    std::string bar(size_t(filled), '#');
    bar.resize(size_t(width), '.');
    std::snprintf(line, sizeof line, "\r%-16s [%s] %zu/%zu  %.1f/s  ETA %s  errors %zu\033[K", p.phase.c_str(),
                  bar.c_str(), p.done, p.total, rate, duration(eta).c_str(), p.errors);
  } else {
    std::snprintf(line, sizeof line, "[%s] %zu/%zu done, %.1f/s, ETA %s, errors %zu\n", p.phase.c_str(), p.done,
                  p.total, rate, duration(eta).c_str(), p.errors);
  }
  std::fputs(line, stderr);
  std::fflush(stderr);
  drawn_ = true;
}

void ProgressBar::finish() {
  if (drawn_ && tty_) std::fputc('\n', stderr);
  drawn_ = false;
}

}  // namespace polysafe::cli
