"""Time and peak memory to load (or refuse) hostile specs at 100 KB, 1 MB and 10 MB.

    python benchmarks/spec_loading.py [--sizes 100000 1000000 10000000]

Each case runs in a fresh process (so peak RSS is the case's own) and prints the seconds to the
spec's verdict, the peak RSS in MB and the first words of the verdict. Issue 9 measured, before
the bounded loader: a 10 MB block-list spec 113 s and 3.2 GB, a 1 MB flow list 16 s, a 100 KB
alias bomb 2.9 GB RSS with a 1 GB error message.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAD = "railguard: 1\nname: bench\ninput:\n  - length: {max: 10}\n"

CHILD = r"""
import json, resource, sys, time
sys.path[:0] = [sys.argv[2], sys.argv[2] + "/validators"]
from railguard import SpecError, load_spec
from railguard.plugins import Registry
registry = Registry.load()
path = sys.argv[1]
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
try:
    load_spec(path, registry=registry)
    verdict = "loaded"
except SpecError as exc:
    verdict = f"SpecError ({len(str(exc))} chars): " + exc.issues[0].message[:60]
except BaseException as exc:
    verdict = f"ESCAPED {type(exc).__name__}"
seconds = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": seconds, "rss_mb": peak / 1024, "grew_mb": (peak - before) / 1024,
                  "verdict": verdict}))
"""


def block_list(size: int) -> str:
    line = "  - length: {max: 10}\n"
    return HEAD + "output:\n" + line * max(1, (size - len(HEAD) - 8) // len(line))


def flow_list(size: int) -> str:
    return HEAD + "description: [" + "1," * max(1, (size - len(HEAD) - 20) // 2) + "1]\n"


def big_strings(size: int) -> str:
    n = max(1, (size - len(HEAD)) // 100_000)
    return HEAD + "description:\n" + ("  - " + "s" * 99_990 + "\n") * n


def deep_flow(size: int) -> str:
    half = max(1, (size - len(HEAD) - 20) // 2)
    return HEAD + "description: " + "[" * half + "]" * half + "\n"


def rail_elements(size: int) -> str:
    item = '    <length max="10"/>\n'
    return ('<rail version="1" name="bench">\n  <input>\n' + item * max(1, (size - 60) // len(item)) +
            "  </input>\n</rail>\n")


def alias_bomb(size: int) -> str:
    lines = ["  a0: &a0 [" + ", ".join(['"' + "x" * 100 + '"'] * 10) + "]"]
    lines += [f"  a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 12)]
    return HEAD + "description:\n" + "\n".join(lines) + "\n"


CASES = [("yaml block list", block_list, ".yaml"), ("yaml flow list", flow_list, ".yaml"),
         ("yaml 100 KB strings", big_strings, ".yaml"), ("yaml deep flow nesting", deep_flow, ".yaml"),
         ("rail elements", rail_elements, ".rail")]


def run(path: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(path), str(ROOT)], capture_output=True, text=True,
                         timeout=600)
    if out.returncode != 0:
        return {"seconds": float("nan"), "rss_mb": float("nan"), "grew_mb": float("nan"),
                "verdict": "child failed: " + out.stderr.strip().splitlines()[-1][:80]}
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000, 10_000_000])
    parser.add_argument("--out", type=Path, default=Path("/tmp/railguard-spec-bench"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"{'case':<24} {'size':>10} {'seconds':>8} {'peak MB':>8} {'grew MB':>8}  verdict")
    rows = [(name, build, suffix, size) for name, build, suffix in CASES for size in args.sizes]
    rows.append(("yaml alias bomb", alias_bomb, ".yaml", 0))
    for name, build, suffix, size in rows:
        text = build(size)
        path = args.out / f"{name.replace(' ', '_')}_{size}{suffix}"
        path.write_text(text, encoding="utf-8")
        r = run(path)
        print(f"{name:<24} {len(text.encode()):>10,} {r['seconds']:>8.2f} {r['rss_mb']:>8.0f} {r['grew_mb']:>8.0f}  "
              f"{r['verdict']}")
        path.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
