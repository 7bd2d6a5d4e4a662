"""rlc bench: what the PyTorch comparisons (bench_torch_dqn.py, bench_torch_ppo_pixels.py) share.

Importing this module first holds PyTorch's side to one thread (its intra-op pool is set by
one_thread(); the BLAS and OpenMP pools under it read the variables below before torch is
imported) and stops with a clear message when numpy or torch cannot be imported. Then: the rlc
package from a build tree (import_rlc), the config keys the PyTorch sides read (read_config),
`rlc train` on one thread timed in wall-clock and CPU seconds (rlc_train), the machine line
(machine_line) and the A B A B rounds with their table (ab_rounds).
"""
import os
import statistics
import subprocess
import sys
import tempfile
import time

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, ".."))
PROG = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "bench"

try:
    import numpy  # noqa: F401  (checked here; the scripts import it themselves)
    import torch
except ImportError as _e:
    sys.exit(f"{PROG}: cannot import numpy and torch ({_e}). Run it with a Python that has both: "
             "Debian's /usr/bin/python3 with python3-torch (`scripts/install-deps.sh --dev`).")


def one_thread(seed):
    """PyTorch on one thread (intra-op and inter-op pools), seeded."""
    torch.set_num_threads(1)
    if torch.get_num_interop_threads() != 1:
        torch.set_num_interop_threads(1)
    torch.manual_seed(seed)


def import_rlc(build):
    """The rlc package: python/ of this tree, with BUILD/librlc.so unless RLC_LIBRARY names one.
    Exits with a message saying what to build or set when it cannot be imported."""
    sys.path.insert(0, os.path.join(ROOT, "python"))
    lib = os.path.join(build, "librlc.so")
    if "RLC_LIBRARY" not in os.environ and os.path.exists(lib):
        os.environ["RLC_LIBRARY"] = lib
    try:
        import rlc
    except ImportError as e:
        sys.exit(f"{PROG}: cannot import the rlc package ({e}). Build the library "
                 f"(`cmake --build {build} --target librlc`), or set RLC_LIBRARY to a librlc.so, "
                 "or install rlc (`cmake --install`).")
    return rlc


def read_config(path):
    """The keys the PyTorch sides need, read from the rlc config (`key: value` lines, one level of
    sections: "section.key"; an inline mapping's value is kept as its text)."""
    keys = {}
    section = ""
    with open(path) as f:
        for line in f:
            text = line.split("#", 1)[0].rstrip()
            if not text.strip():
                continue
            if not text.startswith(" ") and text.endswith(":"):
                section = text[:-1]
                continue
            if ":" in text:
                k, v = text.strip().split(":", 1)
                keys[(section + "." + k) if text.startswith(" ") else k] = v.strip().strip('"')
    return keys


def rlc_train(build, config, seed, overrides):
    """`rlc train CONFIG --seed SEED --set K=V ...` on one thread (RLC_CPUS=1,
    OPENBLAS_NUM_THREADS=1), in a temporary run directory. Returns (wall seconds, CPU seconds of
    the process, metrics.csv's rows as dicts, the checkpoint's metadata)."""
    from rlc.training import _checkpoint_metadata
    if not os.access(os.path.join(build, "rlc"), os.X_OK):
        sys.exit(f"{PROG}: no {os.path.join(build, 'rlc')}: build it (`cmake --build {build} --target rlc`) "
                 "or name the build directory with --build")
    env = dict(os.environ, RLC_CPUS="1", OPENBLAS_NUM_THREADS="1")
    with tempfile.TemporaryDirectory(prefix="rlc-bench-") as tmp:
        run = os.path.join(tmp, "run")
        cmd = [os.path.join(build, "rlc"), "train", config, "--quiet", "--run-dir", run, "--seed", str(seed)]
        for k, v in overrides.items():
            cmd += ["--set", f"{k}={v}"]
        r0 = os.times()
        t0 = time.perf_counter()
        done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if done.returncode != 0:
            sys.exit(f"{PROG}: {' '.join(cmd)} failed (exit status {done.returncode}):\n{done.stderr[-2000:]}")
        wall = time.perf_counter() - t0
        r1 = os.times()
        with open(os.path.join(run, "metrics.csv")) as f:
            lines = f.read().split()
        names = lines[0].split(",")
        rows = [dict(zip(names, line.split(","))) for line in lines[1:]]
        meta = _checkpoint_metadata(run)
    cpu = (r1.children_user - r0.children_user) + (r1.children_system - r0.children_system)
    return wall, cpu, rows, meta


def _cpuinfo(key):
    """The value of /proc/cpuinfo's first `key` line, or "?"."""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                name, _, value = line.partition(":")
                if name.strip() == key:
                    return value.strip()
    except OSError:
        pass
    return "?"


def machine_line(kernel):
    """"CPU: <model> (family F model M); AVX2 yes, AVX-512F no; OpenBLAS kernel K", as
    bench/machine.h prints it for the C benches."""
    flags = _cpuinfo("flags").split()
    yes = {True: "yes", False: "no"}
    return (f"CPU: {_cpuinfo('model name')} (family {_cpuinfo('cpu family')} model {_cpuinfo('model')}); "
            f"AVX2 {yes['avx2' in flags]}, AVX-512F {yes['avx512f' in flags]}; OpenBLAS kernel {kernel}")


def load_average():
    return "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def ab_rounds(rounds, steps, run_rlc, run_torch):
    """R rounds, rlc then PyTorch in each, so each ratio compares figures taken under the same
    load. run_rlc(seed) and run_torch(seed) return (wall seconds, CPU seconds) for `steps`
    environment steps. Prints a row per round and the medians; returns the rounds' figures."""
    print("| round | load (1 min) | rlc steps/s (wall, CPU) | PyTorch steps/s (wall, CPU) "
          "| rlc / PyTorch (wall, CPU) |")
    print("|---|---|---|---|---|")
    res = []
    for k in range(rounds):
        load = os.getloadavg()[0]
        rw, rc = run_rlc(k + 1)
        tw, tc = run_torch(k + 1)
        res.append((rw, rc, tw, tc))
        print(f"| {k + 1} | {load:.1f} | {steps / rw:,.0f}, {steps / rc:,.0f} | {steps / tw:,.0f}, {steps / tc:,.0f} | "
              f"{tw / rw:.2f}x, {tc / rc:.2f}x |", flush=True)
    med = [statistics.median(r[i] for r in res) for i in range(4)]
    print(f"| median | | {steps / med[0]:,.0f}, {steps / med[1]:,.0f} | {steps / med[2]:,.0f}, {steps / med[3]:,.0f} | "
          f"{statistics.median(r[2] / r[0] for r in res):.2f}x, {statistics.median(r[3] / r[1] for r in res):.2f}x |")
    return res
