"""Speed and accuracy of the ``pii`` validator on generated chat messages.

    python benchmarks/pii.py [--messages 2000] [--seed 7] [--compare presidio]

A seeded generator writes ~1 KB chat messages that mix prose (with ordinary numbers: prices,
years, times, order numbers, dates) with e-mails, phones in several formats, SSNs, Luhn-valid
card numbers, IBANs, IPv4 addresses, URLs and AWS access keys, and records where each value is.
The script prints, in one run:

- railguard ``pii`` detect throughput (the validator's ``validate``) and detect+mask throughput
  (``Guard.validate`` through the runtime, masks applied), in MB/s and messages/s, with p50/p99
  latency per message;
- for information, the validator with all 31 entity types (NAME and ADDRESS by rules) on the same text;
- the same for a plain Python ``re`` baseline: one simple pattern per type, each scanned over
  the message (no validity checks);
- span precision, recall and F1 per type (exact start, end and type) for railguard and the
  baseline, and how many SSN, card and e-mail values were left unmasked;
- with ``--compare presidio``: Presidio's pattern recognizers on the same messages (if installed);
- the **evasion leak rate** (benchmarks/pii_sets.py): 44 values of all 31 types x 29 transforms
  real-world text applies (invisible characters, unusual separators and dashes, other scripts'
  digits, line breaks) x 10 wrappers, all 31 types on; a case leaks when a letter or digit of
  the value is left unmasked. Goal: 0;
- the **false-positive rate on ordinary identifiers** (benchmarks/pii_sets.py): sentences in 39
  categories (section numbers, ISBNs, order and tracking numbers, timestamps, UUIDs, digests,
  scores, prices, ...), all 31 types on; a sentence counts when anything in it is flagged.
  Goal: <= 1%.

Goal: railguard >= 3x the baseline's throughput, micro-F1 >= 0.99, no SSN/card/e-mail unmasked.

Seeds: the detector was tuned on seed 7 (the default); report figures from a held-out seed
(``--seed 2026`` was never used while tuning).
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import string
import sys
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
for p in (ROOT, ROOT / "validators"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

TYPES = ("EMAIL", "PHONE", "US_SOCIAL_SECURITY_NUMBER", "CREDIT_DEBIT_CARD_NUMBER",
         "INTERNATIONAL_BANK_ACCOUNT_NUMBER", "IP_ADDRESS", "URL", "AWS_ACCESS_KEY")
SHORT = {"EMAIL": "EMAIL", "PHONE": "PHONE", "US_SOCIAL_SECURITY_NUMBER": "SSN", "CREDIT_DEBIT_CARD_NUMBER": "CARD",
         "INTERNATIONAL_BANK_ACCOUNT_NUMBER": "IBAN", "IP_ADDRESS": "IPV4", "URL": "URL", "AWS_ACCESS_KEY": "AWS_KEY"}

# -- the generator ------------------------------------------------------------------------------

_WORDS = ("the account order delivery refund invoice meeting project update team customer support ticket "
          "please could you check thanks again tomorrow morning afternoon evening issue problem payment "
          "balance statement report schedule call back later soon today weekend office manager request "
          "status shipping package address review contract renewal plan upgrade service network server "
          "login error message screen browser laptop printer password reset access permission folder file "
          "document draft final version budget quarter forecast sales marketing design launch release").split()
_NAMES = ("alice bob carol dave erin frank grace heidi ivan judy mallory nina oscar peggy rupert sybil trent "
          "victor walter xena yusuf zoe").split()
_DOMAINS = ("example.com", "mail.example.org", "acme.co.uk", "corp.example.net", "uni.example.edu", "shop.example.de")
_TLDS = ("com", "org", "net", "io", "co.uk", "de")
_BASE32 = string.ascii_uppercase + "234567"
_IBAN_FORMATS = {"GB": "4a14n", "DE": "18n", "FR": "10n11c2n", "ES": "20n", "NL": "4a10n", "IT": "1a10n12c"}


def _luhn_complete(prefix: str, length: int, rng: random.Random) -> str:
    body = prefix + "".join(rng.choice(string.digits) for _ in range(length - len(prefix) - 1))
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def _card(rng: random.Random) -> str:
    brand = rng.choice(("visa", "visa", "mc", "mc2", "amex", "discover"))
    if brand == "amex":
        n = _luhn_complete(rng.choice(("34", "37")), 15, rng)
        sep = rng.choice(("", " ", "-"))
        return sep.join((n[:4], n[4:10], n[10:])) if sep else n
    prefix = {"visa": "4", "mc": str(rng.randint(51, 55)), "mc2": str(rng.randint(2221, 2720)), "discover": "6011"}[brand]
    n = _luhn_complete(prefix, 16, rng)
    sep = rng.choice(("", " ", "-"))
    return sep.join(n[i:i + 4] for i in range(0, 16, 4))


def _ssn(rng: random.Random) -> str:
    while True:
        area = rng.randint(1, 899)
        if area != 666:
            break
    d = f"{area:03d}{rng.randint(1, 99):02d}{rng.randint(1, 9999):04d}"
    sep = rng.choice(("-", "-", "-", " "))
    return f"{d[:3]}{sep}{d[3:5]}{sep}{d[5:]}"


def _iban(rng: random.Random) -> str:
    country = rng.choice(sorted(_IBAN_FORMATS))
    bban = ""
    for count, kind in re.findall(r"(\d+)([anc])", _IBAN_FORMATS[country]):
        pool = {"a": string.ascii_uppercase, "n": string.digits, "c": string.ascii_uppercase + string.digits}[kind]
        bban += "".join(rng.choice(pool) for _ in range(int(count)))
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    check = 98 - int(numeric) % 97
    iban = f"{country}{check:02d}{bban}"
    if rng.random() < 0.5:
        return " ".join(iban[i:i + 4] for i in range(0, len(iban), 4))
    return iban


_phone_pool: list[str] = []


def _phone(rng: random.Random) -> str:
    import phonenumbers as pn

    while True:
        kind = rng.random()
        if kind < 0.7:  # NANP, several writings
            npa = rng.choice((201, 212, 213, 305, 312, 404, 415, 503, 512, 617, 702, 718, 646, 808, 917))
            nxx, line = rng.randint(200, 999), rng.randint(0, 9999)
            number = pn.PhoneNumber(country_code=1, national_number=int(f"{npa}{nxx}{line:04d}"))
            if not pn.is_valid_number(number):
                continue
            fmt = rng.choice(("({0}) {1}-{2}", "{0}-{1}-{2}", "{0}.{1}.{2}", "+1 {0} {1} {2}", "+1-{0}-{1}-{2}",
                              "1-{0}-{1}-{2}"))
            return fmt.format(npa, nxx, f"{line:04d}")
        region = rng.choice(("GB", "DE", "FR", "AU", "IN"))
        example = pn.example_number_for_type(region, rng.choice((pn.PhoneNumberType.MOBILE,
                                                                  pn.PhoneNumberType.FIXED_LINE)))
        digits = list(str(example.national_number))
        for i in range(len(digits) - 4, len(digits)):
            digits[i] = rng.choice(string.digits)
        number = pn.PhoneNumber(country_code=example.country_code, national_number=int("".join(digits)))
        if not pn.is_valid_number(number):
            continue
        style = pn.PhoneNumberFormat.INTERNATIONAL if rng.random() < 0.6 else pn.PhoneNumberFormat.NATIONAL
        return pn.format_number(number, style)


def _email(rng: random.Random) -> str:
    user = rng.choice(_NAMES) + rng.choice(("", ".", "_")) + rng.choice(_NAMES) + str(rng.randint(0, 99))
    return f"{user}@{rng.choice(_DOMAINS)}"


def _ipv4(rng: random.Random) -> str:
    return ".".join(str(rng.randint(1 if i == 0 else 0, 254)) for i in range(4))


def _url(rng: random.Random) -> str:
    host = rng.choice(("www.", "", "docs.", "portal.")) + rng.choice(_WORDS) + rng.choice(_WORDS) + "." + rng.choice(_TLDS)
    path = "/".join(rng.choice(_WORDS) for _ in range(rng.randint(0, 3)))
    query = f"?id={rng.randint(1, 99999)}&ref={rng.choice(_WORDS)}" if rng.random() < 0.4 else ""
    return f"{rng.choice(('https', 'http'))}://{host}/{path}{query}"


def _aws_key(rng: random.Random) -> str:
    return rng.choice(("AKIA", "AKIA", "ASIA")) + "".join(rng.choice(_BASE32) for _ in range(16))


_GENERATORS: dict[str, Callable[[random.Random], str]] = {
    "EMAIL": _email, "PHONE": _phone, "US_SOCIAL_SECURITY_NUMBER": _ssn, "CREDIT_DEBIT_CARD_NUMBER": _card,
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER": _iban, "IP_ADDRESS": _ipv4, "URL": _url, "AWS_ACCESS_KEY": _aws_key,
}
_LEADS = {
    "EMAIL": ("email me at", "my address is", "cc", "reply to"),
    "PHONE": ("call me on", "my number is", "reach me at", "text"),
    "US_SOCIAL_SECURITY_NUMBER": ("my SSN is", "social security number", "SSN:"),
    "CREDIT_DEBIT_CARD_NUMBER": ("card number", "charge it to", "my card is"),
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER": ("IBAN", "wire it to", "account"),
    "IP_ADDRESS": ("from", "the server at", "host"),
    "URL": ("see", "link:", "open"),
    "AWS_ACCESS_KEY": ("key id", "access key", "using"),
}


def _noise(rng: random.Random) -> str:
    """Prose with the numbers real chats carry; none of them is PII."""
    kind = rng.random()
    if kind < 0.2:
        return rng.choice(("order #", "ticket ", "invoice ", "ref ")) + str(rng.randint(1000, 999999))
    if kind < 0.35:
        return f"${rng.randint(1, 9999)}.{rng.randint(0, 99):02d}"
    if kind < 0.5:
        return f"{rng.randint(2015, 2030)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    if kind < 0.6:
        return f"{rng.randint(1, 12)}:{rng.randint(0, 59):02d} {rng.choice(('am', 'pm'))}"
    if kind < 0.75:
        return f"{rng.randint(2, 500)} {rng.choice(('items', 'units', 'people', 'minutes', 'GB', 'pages'))}"
    return f"version {rng.randint(1, 9)}.{rng.randint(0, 20)}"


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(_WORDS) for _ in range(rng.randint(5, 14))]
    if rng.random() < 0.5:
        words.insert(rng.randrange(len(words)), _noise(rng))
    words[0] = words[0].capitalize()
    if rng.random() < 0.3:
        words.insert(1, rng.choice(_NAMES).capitalize())
    return " ".join(words) + rng.choice((".", ".", "?", "!"))


def message(rng: random.Random, size: int = 1000) -> tuple[str, list[tuple[int, int, str]]]:
    """One chat message of about ``size`` characters and its ground-truth spans."""
    parts: list[str] = []
    spans: list[tuple[int, int, str]] = []
    length = 0
    while length < size:
        if rng.random() < 0.45:
            t = rng.choice(TYPES)
            value = _GENERATORS[t](rng)
            lead = rng.choice(_LEADS[t])
            chunk_pre = f"{lead} "
            start = length + len(chunk_pre)
            tail = rng.choice((".", ",", " please.", " thanks!", ""))
            chunk = chunk_pre + value + tail
            spans.append((start, start + len(value), t))
        else:
            chunk = _sentence(rng)
        parts.append(chunk)
        length += len(chunk) + 1
    text = " ".join(parts)
    return text, spans


def corpus(n: int, seed: int) -> list[tuple[str, list[tuple[int, int, str]]]]:
    rng = random.Random(seed)
    return [message(rng) for _ in range(n)]


# -- the baseline -------------------------------------------------------------------------------

BASELINE = {
    "EMAIL": re.compile(r"[\w.+-]+@[\w-]+\.[\w.-]+\w"),
    "PHONE": re.compile(r"(?:\+\d{1,3}[ .-]?)?\(?\d{2,4}\)?[ .-]?\d{3,4}[ .-]?\d{3,4}"),
    "US_SOCIAL_SECURITY_NUMBER": re.compile(r"\b\d{3}[- ]\d{2}[- ]\d{4}\b"),
    "CREDIT_DEBIT_CARD_NUMBER": re.compile(r"\b(?:\d[ -]?){12,18}\d\b"),
    "INTERNATIONAL_BANK_ACCOUNT_NUMBER": re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b"),
    "IP_ADDRESS": re.compile(r"\b\d{1,3}(?:\.\d{1,3}){3}\b"),
    "URL": re.compile(r"https?://[^\s]+[^\s.,!?]"),
    "AWS_ACCESS_KEY": re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
}


def baseline_detect(text: str) -> list[tuple[int, int, str]]:
    out = []
    for t, pattern in BASELINE.items():
        for m in pattern.finditer(text):
            out.append((m.start(), m.end(), t))
    return out


# -- measuring ----------------------------------------------------------------------------------

def timed(engines: dict[str, Callable[[str], object]], texts: list[str], rounds: int
          ) -> dict[str, tuple[float, list[float], list[float]]]:
    """Per engine: (best total seconds, per-message latencies of that round, total of every round).

    Engines take turns within each round, so a load change on the machine hits all of them;
    the garbage collector is paused while timing, as timeit does.
    """
    import gc

    out: dict[str, tuple[float, list[float], list[float]]] = {}
    for _ in range(rounds):
        for name, fn in engines.items():
            gc.collect()
            gc.disable()
            try:
                lat = []
                t0 = time.perf_counter()
                for text in texts:
                    a = time.perf_counter()
                    fn(text)
                    lat.append(time.perf_counter() - a)
                total = time.perf_counter() - t0
            finally:
                gc.enable()
            best, best_lat, totals = out.get(name, (float("inf"), [], []))
            totals.append(total)
            out[name] = (total, lat, totals) if total < best else (best, best_lat, totals)
    return out


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def speed_row(name: str, total: float, lat: list[float], chars: int, n: int) -> dict:
    return {"name": name, "mbps": chars / total / 1e6, "msgs": n / total,
            "p50": pct(lat, 0.5) * 1e6, "p99": pct(lat, 0.99) * 1e6}


def scores(pred: list[list[tuple[int, int, str]]], gold: list[list[tuple[int, int, str]]]) -> dict:
    tp: dict[str, int] = {t: 0 for t in TYPES}
    fp = dict(tp)
    fn = dict(tp)
    for p, g in zip(pred, gold):
        ps = {x for x in p if x[2] in tp}
        gs = set(g)
        for x in ps & gs:
            tp[x[2]] += 1
        for x in ps - gs:
            fp[x[2]] += 1
        for x in gs - ps:
            fn[x[2]] += 1
    out = {}
    for t in TYPES + ("micro",):
        a, b, c = (tp[t], fp[t], fn[t]) if t != "micro" else (sum(tp.values()), sum(fp.values()), sum(fn.values()))
        prec = a / (a + b) if a + b else 1.0
        rec = a / (a + c) if a + c else 1.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[t] = (prec, rec, f1, a + c)
    return out


def print_scores(title: str, table: dict) -> None:
    print(f"\n{title}")
    print(f"  {'type':<10} {'n':>6} {'precision':>10} {'recall':>8} {'F1':>7}")
    for t in TYPES + ("micro",):
        prec, rec, f1, n = table[t]
        print(f"  {SHORT.get(t, t):<10} {n:>6} {prec:>10.4f} {rec:>8.4f} {f1:>7.4f}")


def presidio_detector() -> Callable[[str], list[tuple[int, int, str]]] | None:
    import logging

    # Presidio's URL recognizer asks tldextract for the public suffix list, which tries the network
    # and logs a traceback per attempt before using its bundled snapshot; keep the report readable.
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    try:
        from presidio_analyzer.predefined_recognizers import (CreditCardRecognizer, EmailRecognizer,
                                                              IbanRecognizer, IpRecognizer, PhoneRecognizer,
                                                              UrlRecognizer, UsSsnRecognizer)
    except ImportError:
        return None
    names = {"EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE", "US_SSN": "US_SOCIAL_SECURITY_NUMBER",
             "CREDIT_CARD": "CREDIT_DEBIT_CARD_NUMBER", "IBAN_CODE": "INTERNATIONAL_BANK_ACCOUNT_NUMBER",
             "IP_ADDRESS": "IP_ADDRESS", "URL": "URL"}
    recognizers = [CreditCardRecognizer(), EmailRecognizer(), IbanRecognizer(), IpRecognizer(), PhoneRecognizer(),
                   UrlRecognizer(), UsSsnRecognizer()]

    def detect(text: str) -> list[tuple[int, int, str]]:
        out = []
        for rec in recognizers:
            for r in rec.analyze(text, rec.supported_entities, None):
                if r.score >= 0.4 and r.entity_type in names:
                    out.append((r.start, r.end, names[r.entity_type]))
        return out

    return detect


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--compare", choices=("presidio",), action="append", default=[])
    ap.add_argument("--per-category", type=int, default=200, help="ordinary sentences per category")
    args = ap.parse_args(argv)

    import railguard
    from railguard import Context
    from railguard_validators.pii import ENTITY_TYPES, Pii

    data = corpus(args.messages, args.seed)
    texts = [t for t, _ in data]
    gold = [g for _, g in data]
    chars = sum(len(t) for t in texts)
    n_values = sum(len(g) for g in gold)
    print(f"pii benchmark: {len(texts)} messages, {chars / 1e6:.2f} MB, mean {chars / len(texts):.0f} chars, "
          f"{n_values} PII values (seed {args.seed}), Python {sys.version.split()[0]}")

    validator = Pii({"entities": list(TYPES)}, stage="input")
    validator.setup()
    ctx = Context("input", "pii")
    guard = railguard.Guard.from_text(
        "railguard: 1\nname: pii-bench\ninput:\n  - pii:\n      entities: [" + ", ".join(TYPES) + "]\n")
    guard.warmup()

    everything = Pii({"entities": list(ENTITY_TYPES)}, stage="input")  # for information: every type, rules
    everything.setup()
    engines: dict[str, Callable[[str], object]] = {
        "plain re baseline (detect)": baseline_detect,
        "railguard pii detect": lambda t: validator.validate(t, ctx),
        "railguard pii detect+mask (Guard)": lambda t: guard.validate(t),
        "railguard pii detect, all 31 types (info)": lambda t: everything.validate(t, ctx),
    }
    results = timed(engines, texts, args.rounds)
    rows = [speed_row(name, total, lat, chars, len(texts)) for name, (total, lat, _) in results.items()]
    base_totals = results["plain re baseline (detect)"][2]
    ratios = {name: statistics.median(b / t for b, t in zip(base_totals, totals))
              for name, (_, _, totals) in results.items()}
    presidio = None
    if "presidio" in args.compare:
        presidio = presidio_detector()
        if presidio is None:
            print("presidio: not installed (pip install presidio-analyzer); skipped")
        else:
            sub = texts[: max(50, len(texts) // 10)]
            sub_results = timed({"re": baseline_detect, "presidio": presidio}, sub, 1)
            total, lat, _ = sub_results["presidio"]
            name = f"presidio pattern recognizers ({len(sub)} msgs)"
            rows.append(speed_row(name, total, lat, sum(len(t) for t in sub), len(sub)))
            ratios[name] = sub_results["re"][0] / total

    print(f"\n  {'engine':<46} {'MB/s':>7} {'msgs/s':>9} {'p50 us':>8} {'p99 us':>8} {'x re':>6}")
    for r in rows:
        print(f"  {r['name']:<46} {r['mbps']:>7.2f} {r['msgs']:>9.0f} {r['p50']:>8.1f} {r['p99']:>8.1f} "
              f"{ratios[r['name']]:>6.2f}")
    print("  (MB/s: best of the rounds; x re: median over rounds of the baseline's time / the engine's, "
          "same round)")

    pred = [[(s.start, s.end, s.type) for s in validator.validate(t, ctx).spans] for t in texts]
    ours = scores(pred, gold)
    print_scores("railguard pii: span precision / recall / F1 (exact start, end, type)", ours)
    print_scores("plain re baseline", scores([baseline_detect(t) for t in texts], gold))
    if presidio is not None:
        sub = data[: max(50, len(data) // 10)]
        print_scores(f"presidio pattern recognizers ({len(sub)} msgs)",
                     scores([presidio(t) for t, _ in sub], [g for _, g in sub]))

    leaks = {"US_SOCIAL_SECURITY_NUMBER": 0, "CREDIT_DEBIT_CARD_NUMBER": 0, "EMAIL": 0}
    for text, spans in data:
        masked = guard.validate(text).output
        for s, e, t in spans:
            if t in leaks and text[s:e] in masked:
                leaks[t] += 1
    print("\nleft unmasked after detect+mask: " + ", ".join(f"{SHORT[t]} {n}" for t, n in leaks.items()))
    speedup = ratios["railguard pii detect"]
    ok = speedup >= 3 and ours["micro"][2] >= 0.99 and not any(leaks.values())
    print(f"goal (>= 3x re, micro-F1 >= 0.99, nothing left unmasked): {'met' if ok else 'NOT met'} "
          f"({speedup:.2f}x, micro-F1 {ours['micro'][2]:.4f})")

    everything_ctx = (everything, ctx)
    evasion_report(*everything_ctx)
    false_positive_report(*everything_ctx, args.per_category, args.seed)


def _covered(spans, n: int) -> bytearray:
    cov = bytearray(n)
    for s in spans:
        cov[s.start:s.end] = b"\x01" * (s.end - s.start)
    return cov


def evasion_report(validator, ctx) -> None:
    """(a) Values x transforms x wrappers: how many leave a letter or digit of the value unmasked, on the
    matrix used while tuning and on a held-out one (other values, other wrappers)."""
    from collections import Counter

    from pii_sets import (FRESH_VALUES, FRESH_WRAPPERS, HELD_OUT_VALUES, HELD_OUT_WRAPPERS, THIRD_VALUES,
                          THIRD_WRAPPERS, TRANSFORMS, VALUES, WRAPPERS, evasion_cases)

    for title, values, wrappers in (("tuning matrix", VALUES, WRAPPERS),
                                    ("first held-out matrix (since used to find bugs)", HELD_OUT_VALUES,
                                     HELD_OUT_WRAPPERS),
                                    ("second held-out matrix (since used to find bugs)", FRESH_VALUES, FRESH_WRAPPERS),
                                    ("third held-out matrix (since used to find bugs)", THIRD_VALUES, THIRD_WRAPPERS)):
        cases = evasion_cases(values, wrappers)
        by_transform: Counter = Counter()
        by_type: Counter = Counter()
        for entity, transform, _, text, a, b in cases:
            cov = _covered(validator.validate(text, ctx).spans, len(text))
            if any(text[i].isalnum() and not cov[i] for i in range(a, b)):
                by_transform[transform] += 1
                by_type[entity] += 1
        leaked = sum(by_type.values())
        print(f"\n(a) evasion, {title}: {len(values)} values of {len({v[0] for v in values})} types x "
              f"{len(TRANSFORMS)} transforms x {len(wrappers)} wrappers = {len(cases)} applicable cases, all 31 types on")
        print(f"  leaked: {leaked} ({leaked / len(cases):.2%}); goal 0")
        if leaked:
            print("  by type: " + ", ".join(f"{t} {n}" for t, n in by_type.most_common()))
            print("  by transform: " + ", ".join(f"{t} {n}" for t, n in by_transform.most_common()))


def false_positive_report(validator, ctx, per_category: int, seed: int) -> None:
    """(b) Ordinary sentences with identifiers that are not PII: how many get anything flagged."""
    from collections import Counter

    from pii_sets import CATEGORIES, ordinary_sentences

    sentences = ordinary_sentences(per_category, seed)
    flagged: Counter = Counter()
    types: Counter = Counter()
    for category, text in sentences:
        spans = validator.validate(text, ctx).spans
        if spans:
            flagged[category] += 1
            types.update(s.type for s in spans)
    n = sum(flagged.values())
    print(f"\n(b) false positives: {len(sentences)} ordinary sentences in {len(CATEGORIES)} categories "
          f"(seed {seed}), all 31 types on")
    print(f"  changed: {n} ({n / len(sentences):.2%}); goal <= 1%")
    if n:
        print("  by category: " + ", ".join(f"{c} {k}" for c, k in flagged.most_common()))
        print("  by type: " + ", ".join(f"{t} {k}" for t, k in types.most_common()))


if __name__ == "__main__":
    main()
