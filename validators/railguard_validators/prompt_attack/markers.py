"""Known markers of prompt attacks, by family, read on folded text (see railguard.text.features.fold).

Written from first principles (what these attacks must say to work), not copied from any
attack collection. All markers run as one RE2 set (linear
time, one pass). The classifier reads how many markers of each family a text has, as dense features;
the validator also names the families whose markers matched.
"""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

from railguard.text.features import SIGNALS, signals

__all__ = ["FAMILIES", "MARKERS", "DENSE", "family_hits", "dense"]

FAMILIES = ("jailbreak", "instruction_override", "prompt_extraction", "indirect_injection", "obfuscation")

_ANY = r"(?:all |any |the |your |my |every |these |those |prior |earlier |above |previous |preceding )*"

MARKERS: dict[str, tuple[str, ...]] = {
    # Personas that "have no rules", developer/god modes, dual answers, token penalties,
    # refusal suppression.
    "jailbreak": (
        r"\bdo anything now\b",
        r"\b(?:developer|dev|god|debug|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|evil|chaos|sudo) mode\b",
        r"\bmode (?:enabled|activated|unlocked|on)\b",
        r"\bbreak(?:ing)? character\b",
        r"\b(?:no|without|free (?:of|from)|broken free of|not bound by|freed from|released from) (?:any )?"
        r"(?:ethical|moral|content|safety|openai|usage|programming)? ?(?:rules|restrictions|guidelines|limitations|"
        r"filters|policies|constraints|boundaries|censorship)\b",
        r"\b(?:ignore|bypass|disregard|override|forget|disable|abandon)s? " + _ANY +
        r"(?:ethical|moral|content|safety|openai|usage)? ?(?:rules|restrictions|guidelines|filters|policies|"
        r"safeguards|guardrails|principles|programming|alignment)\b",
        r"\b(?:never|do not|don't|must not|cannot|can't|will not|won't) (?:ever )?(?:refuse|decline|say (?:no|that "
        r"you can't|i'm sorry|sorry))\b",
        r"\b(?:never|not|don't|do not) (?:include|add|give|mention) (?:any )?(?:warnings?|disclaimers?|apolog|"
        r"moral|ethic)",
        r"\bwithout (?:any )?(?:warnings?|disclaimers?|censorship|moralizing|moralising)\b",
        r"\b(?:two|2|both|dual) (?:different )?(?:responses|answers|paragraphs|replies|ways)\b",
        r"\b(?:tokens?|points?) (?:will be )?(?:deducted|lost|removed)|\blose (?:\d+ |all |some )?(?:tokens|points)\b",
        r"\byou (?:are|will be|have become|shall be) (?:now |from now on )?(?:an? )?(?:unrestricted|unfiltered|"
        r"uncensored|amoral|unethical|evil|jailbroken|rogue|free|liberated)\b",
        r"\b(?:act|respond|answer|behave) as (?:if you (?:were|are) )?(?:an? )?(?:ai|assistant|model|chatbot|"
        r"language model) (?:without|with no|that has no|free)\b",
        r"\b(?:hypothetical|fictional|imaginary) (?:world|scenario|universe|story) (?:where|in which)\b.{0,80}"
        r"\b(?:no|without) (?:rules|laws|ethics|restrictions)\b",
        r"\bas an? ai (?:language model )?(?:with|that has) no\b",
        r"\b(?:unlock|unlocked|enable|enabled|activate|activated) (?:your )?(?:full|hidden|true|secret) "
        r"(?:potential|capabilit|mode|self)\b",
        r"\bopenai(?:'s)? (?:content )?polic(?:y|ies)\b",
        r"\bnothing is (?:off[- ]limits|forbidden)\b",
        # Dual-answer and mode-switch conventions of the persona family: tagged answers, slash commands.
        r"\b(?:jailbreak|jailbroken|jailbreaking)\b",
        r"\[(?:\x{1F513}|\x{1F512}|jailbreak|jailbroken|classic|normal|filtered|unfiltered|dan|gpt|chatgpt)[^\]]{0,12}\]",
        r"(?:^|\s)/(?:jailbroken|jailbreak|classic|stop|dan|unfiltered)\b",
        r"\bas (?:dan|an? (?:dan|jailbroken|unfiltered|uncensored) (?:ai|model|assistant))\b",
        r"\b(?:freed|liberated|released) from (?:the )?(?:typical|usual|normal)? ?(?:confines|limits|restrictions)\b",
    ),
    # Override of what the model was told: ignore/forget/disregard instructions, new instructions.
    "instruction_override": (
        r"\b(?:ignore|disregard|forget|skip|override|overwrite|neglect|drop|dismiss|bypass)s? " + _ANY +
        r"(?:instructions?|directions|directives|prompts?|commands?|context|orders|guidance|text|messages?|rules)\b",
        r"\b(?:new|updated|real|actual|true|revised|additional|secret|hidden) (?:instructions?|task|directive|"
        r"objective|orders)\s*[:\-]",
        r"\binstead,? (?:you (?:should|must|will)|just|only|say|print|output|respond|write)\b",
        r"\b(?:stop|cease|halt)(?: everything| what you are doing| the previous task)?[.!:,]? (?:and |now )?"
        r"(?:just )?(?:say|print|write|output|respond)\b",
        r"\b(?:say|print|write|output|respond with|reply with|repeat)\s*:?\s*[\"'" "\u201c]",
        r"\b(?:the (?:above|previous) (?:was|is) (?:a )?(?:test|joke|mistake))\b",
        r"\b(?:system|admin|administrator|developer|root) (?:override|message|notice|command|prompt)\s*[:\]]",
        r"\[(?:system|admin|inst|instructions?)\]|<\|?(?:system|im_start|endoftext)\|?>|###\s*(?:system|instruction)",
        r"\byour (?:new|only|real) (?:task|job|goal|purpose|instructions?) (?:is|are)\b",
    ),
    # Requests for the hidden prompt or secrets the model was given.
    "prompt_extraction": (
        r"\b(?:reveal|repeat|print|show|display|output|tell me|give me|share|leak|write (?:out|down)|recite|"
        r"disclose|spell out|list|what (?:is|are|was|were))\b.{0,40}\b(?:system|initial|original|hidden|secret|"
        r"previous|first|developer|pre-?)[ -]?(?:prompts?|instructions?|messages?|directives|configuration|rules)\b",
        r"\b(?:repeat|print|output|copy|echo|show)\b.{0,30}\b(?:words|text|everything|all) (?:above|before|"
        r"preceding|prior)\b",
        r"\b(?:everything|all|text|words) (?:above|before) (?:this|the) (?:line|message|point|sentence)\b",
        r"\bwhat (?:were|are) you told\b|\bwhat (?:instructions|rules) (?:were|are) you given\b",
        r"\b(?:begin|start) (?:your (?:answer|response|reply) )?with ['\"]?you are\b",
        r"\b(?:password|secret key|api key|passphrase|secret)\b.{0,30}\b(?:you (?:were|are) given|you know|"
        r"in your (?:prompt|instructions))\b",
    ),
    # Instructions addressed to an AI inside content it should only read.
    "indirect_injection": (
        r"\b(?:ai|assistant|language model|llm|chatbot|gpt|bot)s?,? (?:reading|processing|summari[sz]ing|"
        r"analy[sz]ing) this\b",
        r"\b(?:if|when) (?:you are|you're) an? (?:ai|assistant|language model|llm|bot)\b",
        r"\b(?:note|message|instruction|attention) (?:to|for) (?:the )?(?:ai|assistant|language model|llm|model|"
        r"bot|summari[sz]er)\b",
        r"\bwhen (?:summari[sz]ing|asked about|answering questions about) (?:this|the) (?:document|page|text|"
        r"email|article)\b",
        r"!\[[^\]]{0,50}\]\(https?://[^)\s]{0,200}[?&][^)\s]{0,200}\)",
        r"\b(?:do not|don't|never) (?:tell|inform|mention (?:this )?to|let) (?:the )?user\b",
        r"\b(?:send|forward|exfiltrate|post|upload|email) (?:the |all |any )?(?:user'?s? )?(?:data|conversation|"
        r"chat|history|messages|credentials|passwords?|emails?|files) to\b",
    ),
    # Encodings asked for by name (decodings themselves are counted by railguard.text.features).
    "obfuscation": (
        r"\b(?:decode|decrypt|decipher|translate|interpret) (?:this|the following|the message|it)\b.{0,40}"
        r"\b(?:base64|base32|hex|rot13|rot-13|caesar|morse|binary|atbash|leet|ascii|braille|cipher|encoded)\b",
        r"\b(?:base64|base32|rot13|rot-13|hex|morse|atbash)[- ](?:encoded|encoding|decode|string|text|message)\b",
        r"\b(?:concatenate|combine|join|append)\b.{0,40}\b(?:strings?|variables?|parts|pieces|tokens|letters)\b",
        r"\b[a-z]\s*=\s*['\"][^'\"]{1,60}['\"]\s*[;,]?\s*[a-z]\s*=\s*['\"]",
        r"\b(?:spell|read) (?:it |this )?(?:backwards|in reverse|reversed)\b",
        r"\b(?:first|initial) letters? of each (?:word|line|sentence)\b",
    ),
}

DENSE = tuple(f"marker_{f}" for f in FAMILIES) + tuple(f"signal_{s}" for s in SIGNALS)

_SET: Any = None
_OWNER: list[str] = []
_LOCK = threading.Lock()


def _marker_set() -> Any:
    """One RE2 set of every marker: a single linear-time pass tells which markers occur."""
    global _SET
    with _LOCK:
        if _SET is None:
            import re2

            options = re2.Options()
            options.never_capture = True
            options.log_errors = False
            built = re2.Set.SearchSet(options)
            for family, patterns in MARKERS.items():
                for pattern in patterns:
                    built.Add(pattern)
                    _OWNER.append(family)
            built.Compile()
            _SET = built
    return _SET


def family_hits(folded: str) -> dict[str, int]:
    """How many distinct markers of each family occur in ``folded``."""
    hits = dict.fromkeys(FAMILIES, 0)
    for n in _marker_set().Match(folded) or ():
        hits[_OWNER[n]] += 1
    return hits


def dense(text: str, folded, found: list) -> np.ndarray:
    """The dense features of one text, in :data:`DENSE` order (the classifier's contract)."""
    reading = folded if not found else folded + "\n" + "\n".join(d for _, d in found)
    hits = family_hits(reading)
    marker = np.log1p(np.array([hits[f] for f in FAMILIES], dtype=np.float32))
    return np.concatenate([marker, signals(folded, found)]).astype(np.float32)
