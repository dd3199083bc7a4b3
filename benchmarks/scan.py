"""Corpus scanning speed and memory: ``railguard scan`` with the bank spec on synthetic chat logs.

Prints MB/s with 1 and 2 worker processes and with Ray Data in local mode, the peak memory
(RSS) of the scan's processes at two input sizes (memory should not grow with the input),
and the in-process ``guard.validate`` rate on the same records for comparison.

    python benchmarks/scan.py                # 200 MB, as the issue asks (several minutes)
    python benchmarks/scan.py --mb 20 --no-ray
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "bank-support.yaml"

OPENERS = ["Hi, ", "Hello, ", "Good morning. ", "", "Quick question: ", "Thanks for the help earlier. "]
BODIES = [
    "I want to check why my last card payment at the supermarket was declined even though I have funds.",
    "Can you explain the fees on my current account statement for March? There are three charges I do not recognise.",
    "My card number is {card} and it expires 09/27, please cancel it as I think it was skimmed.",
    "Please update my contact e-mail to {email} and send the confirmation there, I no longer use the old one.",
    "I moved house last month; how do I change the address on my account and order a new debit card?",
    "Could you call me back on {phone} this afternoon about the mortgage renewal paperwork?",
    "What is the daily limit for contactless payments and can I raise it for one day while travelling?",
    "Transfer 250 pounds from savings to my current account and tell me the new balance afterwards please.",
    "My IBAN is {iban}; a colleague abroad wants to send me money, what else do they need from me?",
    "How long does a standing order take to show up, and can I change the date it goes out each month?",
]
CARDS = ["4111 1111 1111 1111", "5500 0000 0000 0004", "3400 0000 0000 009"]
EMAILS = ["alex.morgan@example.com", "j.smith@example.org", "priya.k@example.net"]
PHONES = ["+1 206-555-0143", "+44 20 7946 0958", "(415) 555-0132"]
IBANS = ["GB82 WEST 1234 5698 7654 32", "DE89 3704 0044 0532 0130 00"]


def make_corpus(path: Path, megabytes: float, seed: int = 7) -> int:
    rng = random.Random(seed)
    target = int(megabytes * 1e6)
    written = n = 0
    with open(path, "w", encoding="utf-8") as f:
        while written < target:
            turns = []
            for _ in range(rng.randint(2, 6)):
                body = rng.choice(BODIES).format(card=rng.choice(CARDS), email=rng.choice(EMAILS),
                                                 phone=rng.choice(PHONES), iban=rng.choice(IBANS))
                turns.append(rng.choice(OPENERS) + body)
            line = json.dumps({"conversation_id": f"c{n:08d}", "channel": rng.choice(["chat", "email"]),
                               "text": " ".join(turns)}) + "\n"
            f.write(line)
            written += len(line.encode())
            n += 1
    return n


# Runs a command and reports the largest RSS among it and its descendants (each scan gets a fresh
# wrapper, so one run's peak never carries into the next).
_PEAK = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(r.returncode)")


def run_scan(corpus: Path, out: Path, *extra: str) -> tuple[float, float, dict]:
    """Wall seconds, peak RSS (MB) of the largest of the scan's processes, and its report."""
    cmd = [sys.executable, "-c", _PEAK, sys.executable, "-m", "railguard", "scan", str(SPEC), str(corpus),
           "--out", str(out), "--quiet", "--json", *extra]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.perf_counter() - t0
    if proc.returncode not in (0, 2):
        raise SystemExit(f"scan failed ({proc.returncode}): {proc.stderr[-2000:]}")
    peak = int(proc.stderr.strip().splitlines()[-1]) / 1024
    return seconds, peak, json.loads(proc.stdout)


def in_process_rate(corpus: Path, limit_mb: float = 5.0) -> float:
    sys.path.insert(0, str(ROOT))
    from railguard import Guard

    guard = Guard.from_file(SPEC)
    texts, size = [], 0
    with open(corpus, encoding="utf-8") as f:
        for line in f:
            text = json.loads(line)["text"]
            texts.append(text)
            size += len(text.encode())
            if size > limit_mb * 1e6:
                break
    guard.validate(texts[0])
    t0 = time.perf_counter()
    for text in texts:
        guard.validate(text)
    return size / 1e6 / (time.perf_counter() - t0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=200.0, help="corpus size in MB (default 200)")
    ap.add_argument("--no-ray", action="store_true", help="skip the Ray Data run")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="railguard-scan-bench-") as tmp:
        tmp_path = Path(tmp)
        small, big = tmp_path / "small.jsonl", tmp_path / "chats.jsonl"
        n_small = make_corpus(small, args.mb / 4)
        n = make_corpus(big, args.mb)
        size = big.stat().st_size / 1e6
        print(f"corpus: {n} conversations, {size:.1f} MB (and {n_small} in {small.stat().st_size / 1e6:.1f} MB "
              f"for the memory comparison); spec {SPEC.name}; {os.cpu_count()} cores")
        print(f"in-process guard.validate: {in_process_rate(big):.2f} MB/s")
        rows = []
        for label, extra in (("--workers 1", ["--workers", "1"]), ("--workers 2", ["--workers", "2"])):
            seconds, peak, report = run_scan(big, tmp_path / f"out{len(rows)}", *extra)
            rows.append((label, size / seconds, peak, report))
            print(f"{label:>12}: {size / seconds:6.2f} MB/s  ({seconds:.1f} s wall), peak RSS {peak:.0f} MB, "
                  f"changed {report['total']['changed']}, entity types {report['total']['entity_types']}")
        seconds_small, peak_small, _ = run_scan(small, tmp_path / "out-small", "--workers", "2")
        print(f"memory: peak RSS {peak_small:.0f} MB at {small.stat().st_size / 1e6:.0f} MB of input, "
              f"{rows[1][2]:.0f} MB at {size:.0f} MB (--workers 2)")
        print(f"speed-up 1 -> 2 workers: {rows[1][1] / rows[0][1]:.2f}x (goal >= 1.8x)")
        same = (tmp_path / "out0" / big.name).read_bytes() == (tmp_path / "out1" / big.name).read_bytes()
        print(f"--workers 2 output equals --workers 1 byte for byte: {same}")
        if not args.no_ray:
            seconds, peak, report = run_scan(big, tmp_path / "out-ray", "--ray", "--workers", "2")
            print(f"{'--ray (local)':>12}: {size / seconds:6.2f} MB/s  ({seconds:.1f} s wall, including Ray's "
                  f"start-up), {size / seconds / rows[1][1]:.2f}x of --workers 2 (goal >= 0.75x)")


if __name__ == "__main__":
    main()
