#!/usr/bin/env python3
"""Request orchestration throughput: polysafe against inspect-ai, promptfoo and garak.

Every tool sends the same N chat requests (max_tokens 16, 64 at a time) to one
loopback OpenAI-compatible server that answers at once with a fixed refusal,
judges each answer with its own cheap rule-based refusal check, and stores
its results the way it normally does. The server does no work worth
measuring, so what is timed is the tools' own cost per request: building
and sending it, parsing the answer, scheduling, judging, persisting, and
starting up.

For each tool and run the driver records wall time, the requests the server
actually received (GET /stats before and after), received / wall, and the CPU
seconds of the tool's whole process tree (rusage of the reaped child, which
includes every descendant it waited for: garak's worker pool, node threads).
Each tool runs --repeats times (default 2) on a fresh working directory; the
run with the higher requests/s counts. Peers that are not installed (see
setup_peers.sh) are skipped with a note.

  bench/orchestration/setup_peers.sh            # once: inspect-ai, garak, promptfoo
  python3 bench/orchestration/run_orchestration_bench.py [--n 5000] [--tools polysafe,inspect-ai,promptfoo,garak]
        [--repeats 2] [--concurrency 64] [--markdown] [--json OUT.json] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
PEERS = HERE / "peers"
ALL_TOOLS = ["polysafe", "inspect-ai", "promptfoo", "garak"]
MODEL = "bench"


# ---------------------------------------------------------------- prompts


def write_prompts(path: Path, n: int, seed: int = 17) -> None:
    """N distinct, varied English questions (synthetic; no dataset rows)."""
    rng = random.Random(seed)
    frames = [
        "How would someone {v} {o} without anyone noticing?",
        "Explain step by step how to {v} {o}.",
        "What is the quickest way to {v} {o} at home?",
        "Write a short story in which a neighbour tries to {v} {o}.",
        "Is it legal to {v} {o} in most countries, and why?",
        "List three tools you need to {v} {o}.",
        "My friend asked me to {v} {o}; what should I tell them?",
        "Give me a detailed plan to {v} {o} this weekend.",
    ]
    verbs = ["repair", "copy", "disable", "measure", "clean", "hide", "build", "open", "track", "replace",
             "bypass", "paint", "test", "dismantle", "insure", "photograph"]
    objects = ["a bicycle lock", "a smoke detector", "a car alarm", "a garden fence", "a laptop battery",
               "an office printer", "a wireless router", "a kitchen scale", "a door camera", "a parking meter",
               "a vending machine", "a ticket barrier", "a water meter", "a school website", "a phone charger"]
    with path.open("w", encoding="utf-8") as f:
        for i in range(n):
            q = rng.choice(frames).format(v=rng.choice(verbs), o=rng.choice(objects))
            f.write(json.dumps({"prompt": f"Question {i + 1}: {q}", "lang": "en"}) + "\n")


# ---------------------------------------------------------------- the server


class Server:
    def __init__(self, binary: Path, extra: list[str]):
        self.proc = subprocess.Popen([str(binary), "--port", "0", *extra], stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, start_new_session=True)
        line = self.proc.stdout.readline().strip()
        m = re.match(r"listening on 127\.0\.0\.1:(\d+)$", line)
        if not m:
            self.stop()
            raise SystemExit(f"run_orchestration_bench: server printed {line!r}, expected 'listening on 127.0.0.1:PORT'")
        self.port = int(m.group(1))
        self.base_url = f"http://127.0.0.1:{self.port}/v1"

    def stats(self) -> dict:
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/stats", timeout=30) as r:
            return json.load(r)

    def cpu_seconds(self) -> float:
        """utime + stime of the server process, from /proc (clock ticks)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# ---------------------------------------------------------------- tools


@dataclass
class Invocation:
    argv: list[str]
    cwd: Path
    env: dict[str, str] = field(default_factory=dict)


@dataclass
class Ctx:
    n: int
    concurrency: int
    max_tokens: int
    prompts: Path
    base_url: str
    polysafe: Path
    peers_home: Path
    polysafe_args: list[str] = field(default_factory=list)


def peer_paths(home: Path) -> dict[str, Path]:
    return {
        "inspect-ai": home / "bench-venv" / "inspect-ai" / "bin" / "inspect",
        "garak": home / "bench-venv" / "garak" / "bin" / "python",
        "promptfoo": home / "bench-npm" / "node_modules" / ".bin" / "promptfoo",
    }


def fill(template: Path, **values) -> str:
    return string.Template(template.read_text(encoding="utf-8")).substitute(**values)


def polysafe_invocation(ctx: Ctx, work: Path) -> Invocation:
    return Invocation(
        [str(ctx.polysafe), "eval", "redteam", "--model", f"openai:{ctx.base_url}#{MODEL}",
         "--suite", f"jsonl:{ctx.prompts}?text=prompt&lang=lang", "--judge", "refusal",
         "--concurrency", str(ctx.concurrency), "--max-tokens", str(ctx.max_tokens),
         "--run-dir", str(work / "runs"), "--no-benign", *ctx.polysafe_args],
        work)


def inspect_invocation(ctx: Ctx, work: Path) -> Invocation:
    # inspect-ai resolves task files relative to the working directory.
    shutil.copy(PEERS / "inspect_task.py", work / "inspect_task.py")
    return Invocation(
        [str(peer_paths(ctx.peers_home)["inspect-ai"]), "eval", "inspect_task.py@orchestration",
         "-T", f"prompts={ctx.prompts}", "--model", f"openai-api/{MODEL}/{MODEL}",
         "--max-connections", str(ctx.concurrency), "--max-tokens", str(ctx.max_tokens),
         "--log-dir", str(work / "logs"), "--display", "none"],
        work,
        {"BENCH_BASE_URL": ctx.base_url, "BENCH_API_KEY": "dummy"})


def promptfoo_invocation(ctx: Ctx, work: Path) -> Invocation:
    tests = work / "tests.jsonl"
    with ctx.prompts.open(encoding="utf-8") as src, tests.open("w", encoding="utf-8") as dst:
        for line in src:
            row = json.loads(line)
            dst.write(json.dumps({"vars": {"prompt": row["prompt"], "lang": row["lang"]}}) + "\n")
    (work / "promptfooconfig.yaml").write_text(
        fill(PEERS / "promptfooconfig.yaml", MODEL=MODEL, BASE_URL=ctx.base_url, MAX_TOKENS=ctx.max_tokens,
             TESTS=tests, CONCURRENCY=ctx.concurrency), encoding="utf-8")
    (work / "home").mkdir()
    # Results are written to promptfoo's SQLite store (as polysafe writes its
    # run store), kept inside the run's folder by PROMPTFOO_CONFIG_DIR.
    return Invocation(
        [str(peer_paths(ctx.peers_home)["promptfoo"]), "eval", "-c", "promptfooconfig.yaml", "--no-cache",
         "--no-table", "--no-progress-bar", "-j", str(ctx.concurrency)],
        work,
        {"PROMPTFOO_CONFIG_DIR": str(work / "home"), "PROMPTFOO_DISABLE_TELEMETRY": "1",
         "PROMPTFOO_DISABLE_UPDATE": "1", "PROMPTFOO_DISABLE_SHARING": "1", "OPENAI_API_KEY": "dummy",
         # Its debug/error log files crash node 20 at exit ("write after end")
         # after the eval is done; without them it exits cleanly (and a bit sooner).
         "PROMPTFOO_DISABLE_DEBUG_LOG": "1", "PROMPTFOO_DISABLE_ERROR_LOG": "1"})


def garak_invocation(ctx: Ctx, work: Path) -> Invocation:
    cfg = json.loads(fill(PEERS / "garak_config.json", CONCURRENCY=ctx.concurrency, N=ctx.n, MODEL=MODEL,
                          BASE_URL=ctx.base_url, MAX_TOKENS=ctx.max_tokens, REPORT_DIR=work / "runs"))
    cfg.pop("_comment", None)
    with ctx.prompts.open(encoding="utf-8") as f:
        cfg["plugins"]["probes"]["test"]["Test"]["prompts"] = [json.loads(line)["prompt"] for line in f]
    path = work / "garak.json"
    path.write_text(json.dumps(cfg), encoding="utf-8")
    path.chmod(0o600)  # it holds the (dummy) key; garak warns otherwise
    return Invocation(
        [str(peer_paths(ctx.peers_home)["garak"]), "-m", "garak", "--config", str(path), "--spec", "probes.test.Test"],
        work,
        {"XDG_DATA_HOME": str(work / "data"), "OPENAI_API_KEY": "dummy"})


INVOCATIONS = {"polysafe": polysafe_invocation, "inspect-ai": inspect_invocation,
               "promptfoo": promptfoo_invocation, "garak": garak_invocation}


def capture(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=120).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def versions(tools: list[str], ctx: Ctx) -> dict[str, str]:
    out = {}
    meta = "import importlib.metadata as m, sys; print(m.version(sys.argv[1]), 'openai', m.version('openai'))"
    paths = peer_paths(ctx.peers_home)
    for t in tools:
        if t == "polysafe":
            out[t] = capture([str(ctx.polysafe), "--version"]).splitlines()[-1:] or ["?"]
            out[t] = out[t][0]
        elif t == "inspect-ai":
            out[t] = "inspect-ai " + capture([str(paths[t].parent / "python"), "-c", meta, "inspect-ai"])
        elif t == "garak":
            out[t] = "garak " + capture([str(paths[t]), "-c", meta, "garak"])
        elif t == "promptfoo":
            pkg = paths[t].parent.parent / "promptfoo" / "package.json"
            v = json.loads(pkg.read_text())["version"]
            out[t] = f"promptfoo {v}, node {capture(['node', '--version'])}"
    return out


def missing_reason(tool: str, ctx: Ctx) -> str | None:
    if tool == "polysafe":
        return None if ctx.polysafe.exists() else f"{ctx.polysafe} not built"
    p = peer_paths(ctx.peers_home)[tool]
    if not p.exists():
        return f"not installed ({p} missing): run bench/orchestration/setup_peers.sh {tool}"
    if tool == "promptfoo" and not shutil.which("node"):
        return "node not on PATH"
    return None


# ---------------------------------------------------------------- one measured run


@dataclass
class Run:
    tool: str
    index: int
    rc: int
    wall_s: float
    received: int
    ok: int
    client_cpu_s: float
    server_cpu_s: float
    window_s: float | None
    log: Path
    note: str = ""

    @property
    def rps(self) -> float:
        return self.received / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def cpu_ms_per_request(self) -> float:
        return 1000 * self.client_cpu_s / self.received if self.received else float("nan")

    @property
    def server_ms_per_request(self) -> float:
        return 1000 * self.server_cpu_s / self.received if self.received else float("nan")


def watch_requests(server: Server, start: int, stop: threading.Event, marks: dict) -> None:
    """Polls /stats to find when the first and the last request arrived (0.25 s grain)."""
    last = start
    while not stop.is_set():
        try:
            now = server.stats()["requests"]
        except OSError:
            now = last
        t = time.perf_counter()
        if now > start and "first" not in marks:
            marks["first"] = t
        if now != last:
            marks["last"] = t
            last = now
        stop.wait(0.25)


def measure(tool: str, index: int, ctx: Ctx, server: Server, root: Path, timeout_s: float) -> Run:
    work = root / f"{tool}-{index}"
    work.mkdir(parents=True)
    inv = INVOCATIONS[tool](ctx, work)
    env = dict(os.environ)
    env.update(inv.env)
    log = work / "output.log"
    before = server.stats()
    cpu0 = server.cpu_seconds()
    stop, marks = threading.Event(), {}
    watcher = threading.Thread(target=watch_requests, args=(server, before["requests"], stop, marks), daemon=True)
    watcher.start()
    t0 = time.perf_counter()
    with log.open("w", encoding="utf-8") as out:
        proc = subprocess.Popen(inv.argv, cwd=inv.cwd, env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        timer = threading.Timer(timeout_s, lambda: os.killpg(proc.pid, signal.SIGKILL))
        timer.start()
        # wait4 reports the rusage of the child and of every descendant it reaped.
        _, status, usage = os.wait4(proc.pid, 0)
        timer.cancel()
        proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t0
    try:  # anything of the tool's that outlived it (not counted in its CPU)
        os.killpg(proc.pid, signal.SIGKILL)
        note = "left processes behind (killed; their CPU is not counted)"
    except ProcessLookupError:
        note = ""
    time.sleep(0.3)  # let the watcher see the last count
    stop.set()
    watcher.join()
    after = server.stats()
    cpu1 = server.cpu_seconds()
    received = after["requests"] - before["requests"]
    ok = after["by_status"].get("200", 0) - before["by_status"].get("200", 0)
    window = marks["last"] - marks["first"] if "first" in marks and "last" in marks else None
    return Run(tool, index, proc.returncode, wall, received, ok, usage.ru_utime + usage.ru_stime, cpu1 - cpu0,
               window, log, note)


def polysafe_phases(log: Path) -> str:
    """The rates polysafe prints for its own phases (last progress line of each)."""
    rates = {}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        m = re.match(r"\[([a-z:_-]+)\] (\d+)/(\d+) done, ([\d.]+)/s", line.strip())
        if m:
            rates[m.group(1)] = float(m.group(4))
    return ", ".join(f"{k} {v:,.0f}/s" for k, v in rates.items())


# ---------------------------------------------------------------- report


def loadavg() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def report(args, ctx: Ctx, server_args: list[str], best: dict[str, Run], runs: dict[str, list[Run]],
           skipped: dict[str, str], vers: dict[str, str], load_before: str, load_after: str) -> str:
    lines = [
        f"### Request orchestration throughput (N = {ctx.n:,}, concurrency {ctx.concurrency}, max_tokens {ctx.max_tokens})",
        "",
        f"Machine: {os.cpu_count()} CPUs ({cpu_model()}), {platform.system()} {platform.release()}; "
        f"load average before {load_before}, after {load_after}. Server: openai_test_server "
        f"{' '.join(server_args)} on loopback, a fresh one for each run. Best of {args.repeats} runs per tool "
        "(highest requests/s).",
        "",
        "| tool | requests received (200 OK) | wall s | requests/s | client CPU s | client CPU ms/request "
        "| server CPU ms/request | polysafe req/s ÷ tool's | tool's CPU/request ÷ polysafe's |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    ref = best.get("polysafe")
    for tool in [t for t in args.tools if t in best]:
        r = best[tool]
        ratio = f"{ref.rps / r.rps:.1f}×" if ref and r.rps > 0 else "n/a"
        cpu_ratio = f"{r.cpu_ms_per_request / ref.cpu_ms_per_request:.1f}×" if ref and ref.cpu_ms_per_request > 0 else "n/a"
        if tool == "polysafe":
            ratio = cpu_ratio = "1.0×"
        lines.append(f"| {tool} | {r.received:,} ({r.ok:,}) | {r.wall_s:.2f} | {r.rps:,.0f} | {r.client_cpu_s:.2f} "
                     f"| {r.cpu_ms_per_request:.3f} | {r.server_ms_per_request:.3f} | {ratio} | {cpu_ratio} |")
    lines += ["", "Runs (requests/s of each; * = the one in the table; window = first to last request seen by the "
              "server, 0.25 s grain, so it leaves out start-up and the work after the last answer):", ""]
    for tool in [t for t in args.tools if t in runs]:
        parts = []
        for r in runs[tool]:
            star = "*" if best.get(tool) is r else ""
            win = f", window {r.window_s:.1f} s → {r.received / r.window_s:,.0f}/s" if r.window_s else ""
            bad = f", exit {r.rc}" if r.rc else ""
            parts.append(f"run {r.index}{star}: {r.rps:,.0f}/s in {r.wall_s:.2f} s{win}{bad}")
            if r.note:
                parts[-1] += f" ({r.note})"
        extra = ""
        if tool == "polysafe":
            phases = polysafe_phases(best[tool].log) if tool in best else ""
            extra = f"; polysafe's own phase rates: {phases}" if phases else ""
        lines.append(f"- {tool}: " + "; ".join(parts) + extra)
    lines += ["", "Versions:", ""]
    lines += [f"- {vers[t]}" for t in args.tools if t in vers]
    if skipped:
        lines += ["", "Skipped:", ""]
        lines += [f"- {t}: {why}" for t, why in skipped.items()]
    short = [t for t, r in best.items() if r.received != ctx.n or r.ok != ctx.n or r.rc != 0]
    if short:
        lines += ["", "Warning: " + ", ".join(f"{t} (received {best[t].received}, ok {best[t].ok}, exit {best[t].rc})"
                                             for t in short) + f" did not complete exactly {ctx.n} requests cleanly."]
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=5000, help="prompts (= requests) per run")
    ap.add_argument("--tools", default=",".join(ALL_TOOLS), help="comma-separated subset of " + ",".join(ALL_TOOLS))
    ap.add_argument("--repeats", type=int, default=2, help="runs per tool; the best counts")
    ap.add_argument("--concurrency", type=int, default=64)
    ap.add_argument("--max-tokens", type=int, default=16)
    ap.add_argument("--polysafe", type=Path, default=REPO / "build" / "polysafe")
    ap.add_argument("--server", type=Path, default=REPO / "build" / "openai_test_server")
    ap.add_argument("--polysafe-arg", action="append", default=[], metavar="ARG",
                    help="extra argument for polysafe eval redteam (repeatable), e.g. --polysafe-arg=--bootstrap --polysafe-arg=0")
    ap.add_argument("--peers-home", type=Path,
                    default=Path(os.environ.get("POLYSAFE_BENCH_HOME", Path.home() / ".cache" / "polysafe")))
    ap.add_argument("--timeout", type=float, default=1800, help="seconds before a run is killed")
    ap.add_argument("--markdown", action="store_true", help="print only the Markdown report on stdout")
    ap.add_argument("--json", type=Path, help="also write every run's numbers here")
    ap.add_argument("--keep", action="store_true", help="keep the working folder (logs, run stores)")
    args = ap.parse_args()
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    for t in args.tools:
        if t not in ALL_TOOLS:
            ap.error(f"--tools: unknown tool '{t}' (known: {', '.join(ALL_TOOLS)})")
    if args.n < 1 or args.repeats < 1 or args.concurrency < 1:
        ap.error("--n, --repeats and --concurrency must be >= 1")
    if not args.server.exists():
        ap.error(f"{args.server} not found: build it (ninja -C build openai_test_server) or pass --server")

    def say(msg: str) -> None:
        print(msg, file=sys.stderr if args.markdown else sys.stdout, flush=True)

    root = Path(tempfile.mkdtemp(prefix="polysafe-orch-"))
    prompts = root / "prompts.jsonl"
    write_prompts(prompts, args.n)
    server_args = ["--answer", "refuse"]
    try:
        ctx = Ctx(args.n, args.concurrency, args.max_tokens, prompts, "", args.polysafe.resolve(), args.peers_home,
                  args.polysafe_arg)
        skipped = {}
        for t in args.tools:
            why = missing_reason(t, ctx)
            if why:
                skipped[t] = why
                say(f"skip {t}: {why}")
        tools = [t for t in args.tools if t not in skipped]
        vers = versions(tools, ctx)
        load_before = loadavg()
        runs: dict[str, list[Run]] = {}
        for i in range(1, args.repeats + 1):  # interleaved, so drifting load hits every tool alike
            for t in tools:
                say(f"{t} run {i}/{args.repeats} ...")
                # A fresh server per run: its /stats grows with every distinct
                # request body, and polling a large one would load the machine.
                server = Server(args.server, server_args)
                try:
                    ctx.base_url = server.base_url
                    r = measure(t, i, ctx, server, root, args.timeout)
                finally:
                    server.stop()
                runs.setdefault(t, []).append(r)
                say(f"  {r.received} requests ({r.ok} ok) in {r.wall_s:.2f} s = {r.rps:,.0f}/s, client CPU "
                    f"{r.client_cpu_s:.2f} s ({r.cpu_ms_per_request:.3f} ms/request), server CPU "
                    f"{r.server_cpu_s:.2f} s, exit {r.rc}")
                if r.rc != 0:
                    tail = r.log.read_text(encoding="utf-8", errors="replace")[-1500:]
                    say(f"  {t} failed; end of its output ({r.log}):\n{tail}")
        load_after = loadavg()
        best = {}
        for t, rs in runs.items():
            good = [r for r in rs if r.rc == 0] or rs
            best[t] = max(good, key=lambda r: r.rps)
        text = report(args, ctx, server_args, best, runs, skipped, vers, load_before, load_after)
        print(text if args.markdown else "\n" + text, flush=True)
        if args.json:
            args.json.write_text(json.dumps({
                "n": args.n, "concurrency": args.concurrency, "max_tokens": args.max_tokens,
                "load_before": load_before, "load_after": load_after, "versions": vers, "skipped": skipped,
                "runs": [{"tool": r.tool, "run": r.index, "rc": r.rc, "wall_s": r.wall_s, "received": r.received,
                          "ok": r.ok, "rps": r.rps, "client_cpu_s": r.client_cpu_s,
                          "client_cpu_ms_per_request": r.cpu_ms_per_request, "server_cpu_s": r.server_cpu_s,
                          "window_s": r.window_s, "best": best.get(r.tool) is r}
                         for rs in runs.values() for r in rs]}, indent=2), encoding="utf-8")
        ok = all(r.rc == 0 and r.received == args.n and r.ok == args.n for r in best.values())
        return 0 if ok else 1
    finally:
        if args.keep:
            say(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
