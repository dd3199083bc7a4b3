"""ADDRESS by grammar: street lines with what usually follows them.

Three street-line shapes are recognised, each optionally followed by a unit (``Apt 4B``,
``Suite 300``) and a locality line (``Springfield, IL 62704``, ``10115 Berlin``):

- number first (US, UK, AU, CA): ``1600 Pennsylvania Ave NW``; the street name is capitalised
  words or an ordinal (``5th``) and ends in a street suffix (``Street``, ``Rd``, ``Blvd``, ...);
- a street word first (FR, ES, IT, PT, PL ...): ``Rue de la Paix 12``, ``12 rue de la Paix``,
  ``Via Roma 10``, ``ul. Jesionowa 127``;
- a compound street name (DE, AT, CH, Nordic, NL): ``Villacher Strasse 89``, ``Mellemvej 32``;

and the postal forms ``PO Box 123``, ``PSC 1234, Box 5678`` and ``APO AE 09123``. An address
block continues over up to four following lines that look like its unit, locality, postcode
or country line.
"""

from __future__ import annotations

import functools
import re

from .scan import Scan

__all__ = ["AddressRules", "MAX_LEN"]

MAX_LEN = 300  # longer is not an address (and bounds the streaming look-ahead)

_SUFFIX = (r"(?:Street|St|Avenue|Ave|Av|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Place|Pl|Terrace|Ter"
           r"|Way|Parkway|Pkwy|Highway|Hwy|Circle|Cir|Square|Sq|Trail|Trl|Crescent|Cres|Close|Loop|Row|Alley"
           r"|Plaza|Expressway|Expy|Freeway|Fwy|Turnpike|Pike|Route|Rte|Path|Walk|Crossing|Point|Ridge|Heights"
           r"|Grove|Gardens|Park|View|Hill|Hills|Mews|Green|Gate|Bypass|Causeway|Junction|Landing|Commons|Cove"
           r"|Estates|Meadows|Summit|Valley|Wharf|Quay|Esplanade|Promenade|Broadway|Motorway|Manor|Station|Points"
           r"|Forest|Falls|Harbor|Harbour|Island|Isle|Shore|Shores|Springs|Square|Track|Village|Ville|Vista)")
_WORDS = r"(?:[A-Z][A-Za-z'’\-]*\.?|[0-9]{1,3}(?:st|nd|rd|th))(?:[ ][A-Z][A-Za-z'’\-]*\.?){0,3}"
_DIR = r"(?:N|S|E|W|NE|NW|SE|SW|North|South|East|West)\.?"
_UNIT = (r"(?:,?[ ]+(?:Apt|Apartment|Suite|Ste|Unit|Flat|Fl|Floor|Rm|Room|Bldg|Building|No|#)\.?[ ]?\#?[ ]?"
         r"[A-Za-z0-9\-]{1,6})")
_STATES = (r"(?:A[LKZR]|C[AOT]|D[EC]|FL|GA|HI|I[DLNA]|K[SY]|LA|M[EDAINSOT]|N[EVHJMYCD]|O[HKR]|PA|RI|S[CD]|T[NX]"
           r"|UT|V[TA]|W[AVIY]|PR|GU|VI|A[BE]|BC|MB|NB|NL|NS|NT|NU|ON|PE|QC|SK|YT|NSW|QLD|VIC|TAS|ACT)")
# A house number and its street (a state and its ZIP code) are apart by spaces, or (in text that hides them) by '_', '-', '.' or ' - '.
_APART = r"(?:[ ]+|[_\-]|\.{1,2}|[ ]+-[ ]+)"
_LOCALITY = (r"(?:,?[ ]*\n?[ ]*[A-Z][A-Za-z'’.\-]+(?:[ ][A-Z][A-Za-z'’.\-]+){0,2},?[ ]+" + _STATES +
             r"(?:" + _APART + r"[0-9]{5}(?:-[0-9]{4})?)?(?![A-Za-z0-9])"
             r"|,?[ ]*\n?[ ]*[0-9]{4,5}[ ]+[A-Z][A-Za-z'’\-]+(?:[ ][A-Z][A-Za-z'’\-]+)?(?![A-Za-z0-9])"
             r"|,[ ]*[A-Z][A-Za-z'’\-]+(?:[ ][A-Z][A-Za-z'’\-]+){0,2}(?:,[ ]*[A-Z][A-Za-z'’\-]+(?:[ ][A-Z][a-z]+){0,2})?"
             r"(?:[ ]+[0-9]{4,5})?(?![A-Za-z0-9]))")
_TAIL = r"(?:[ ]+" + _DIR + r"(?![A-Za-z]))?" + _UNIT + r"?" + _LOCALITY + r"?"

# A house number starts where no digit or letter precedes it: checked right after its first digit,
# so that the pattern still starts with a character class (the engine's fast skip).
_HOUSE = r"[0-9](?<![A-Za-z0-9][0-9])[0-9]{0,5}"
_NUMBER_FIRST_REST = (r"[A-Za-z]?(?:-[0-9]{1,5})?" + _APART + r"(?:" + _DIR + r"[ ]+)?" + _WORDS + r"[ ]+" + _SUFFIX +
                      r"\.?(?![A-Za-z])" + _TAIL)
_STREET_WORDS = ("Rue", "Avenue", "Av.", "Boulevard", "Bd", "Chemin", "Allée", "Place", "Quai", "Impasse", "Via", "Viale",
                 "Piazza", "Piazzale", "Corso", "Calle", "Avenida", "Avda.", "Paseo", "Plaza", "Carrer", "Rua",
                 "Travessa", "Praça", "Largo", "Estrada", "Ul.", "Ulica", "Al.", "Aleja", "Strada", "Bulevardul", "Calea")
# After a house number written capitalised or not ("12 rue de la Paix"); opening an address, capitalised
# ("Via Roma 10"), except the Polish abbreviations, usually lower case ("ul. Jesionowa 127"). Each
# alternative starts with a plain letter, so the engine skips to those letters quickly.
_STREET_WORD = "(?:" + "|".join(f"[{w[0]}{w[0].lower()}]{re.escape(w[1:])}" for w in _STREET_WORDS) + ")"
_PARTICLES = r"(?:(?:de|del|de la|de las|de los|la|le|les|des|du|da|do|dos|das|di|della|delle|dei|degli|d'|l')[ ]?)*"
_STREET_REST = (r"[ ]+" + _PARTICLES + r"[A-ZÀ-Þ][\w'’\-]+(?:[ ](?:de |del |da |di )?[A-ZÀ-Þ][\w'’\-]+){0,3}")
_WORD_FIRST = "|".join(re.escape(w) + _STREET_REST + r"(?:,?[ ]+[0-9]{1,5}[a-z]?(?![0-9]))?" + _UNIT
                       + r"?" + _LOCALITY + r"?" for w in _STREET_WORDS + ("ul.", "al."))
_NUMBER_WORD_REST = r"[a-z]?,?[ ]+" + _STREET_WORD + _STREET_REST + _UNIT + r"?" + _LOCALITY + r"?"
# Both number-first shapes in one pass: "1600 Pennsylvania Ave NW", "12 rue de la Paix".
_NUMBER_FIRST = _HOUSE + "(?:" + _NUMBER_FIRST_REST + "|" + _NUMBER_WORD_REST + ")"
_COMPOUND = (
    r"[A-ZÀ-Þ][a-zà-ÿ]+(?:[ \-][A-ZÀ-Þ][a-zà-ÿ]+)?[ \-]?(?:straße|strasse|str\.|Straße|Strasse|weg|Weg|gasse|Gasse"
    r"|allee|Allee|platz|Platz|ring|damm|ufer|steig|pfad|katu|tie|gatan|vägen|gränd|vej|gade|laan|straat|plein"
    r"|gracht|veien|gata|vegur|braut|stræti|straeti|tee|utca|út|cesta|ulice|tänav)(?![a-zà-ÿ])[ ]+[0-9]{1,4}[a-z]?"
    r"(?![0-9])" + _UNIT + r"?" + _LOCALITY + r"?")
_BOX = r"[ ]+[0-9]{1,6}(?![0-9])" + _LOCALITY + r"?"
_MILITARY = r"[ ]+[0-9]{3,5},?[ ]+Box[ ]+[0-9]{3,5}(?:,?[ ]*\n?[ ]*[AFD]PO[ ]+A[AEP][ ]+[0-9]{5})?"
# Every alternative starts with a plain letter (see _STREET_WORD).
_POSTAL = "|".join(
    [p + _BOX for p in (r"P\.?[ ]?O\.?[ ]?Box", r"Post Office Box")]
    + [p + _MILITARY for p in ("PSC", "Unit", "CMR")]
    + [p + r"[ ]+A[AEP][ ]+[0-9]{5}" for p in ("APO", "FPO", "DPO")])
_GRAMMARS = ((_NUMBER_FIRST, "street-number-first"), (_WORD_FIRST, "street-word-first"),
             (_COMPOUND, "street-compound"), (_POSTAL, "postal-box"))


# The lines of an address block after its street line: a unit, "City, ST 12345", "10115 Berlin",
# "Cyprus 36903", "LONDON". A line that is only ordinary words never continues an address.
_NAMEWORDS = r"[A-ZÀ-Þ][\w'’.\-]*(?:[ ][A-ZÀ-Þ][\w'’.\-]*){0,3}"
_NEXT_LINE = (
    r"[ \t]*,?[ \t]*\n[ \t>]*,?[ \t]*(?:"
    r"(?:Apt|Apartment|Suite|Ste|Unit|Flat|Floor|Fl|Room|Rm|Bldg|Building|#)\.?[ ]?\#?[ ]?[A-Za-z0-9\-]{1,6}"
    r"|" + _NAMEWORDS + r"(?:,?[ ]+(?:[A-Z]{2,3}|[A-ZÀ-Þ][a-zà-ÿ]+))?,?[ ]+[0-9]{4,6}(?:-[0-9]{4})?"
    r"|[0-9]{4,6}[ ]+" + _NAMEWORDS +
    r"|" + _NAMEWORDS + r",[ ]*[A-Z]{2,3}"
    r"|[A-ZÀ-Þ]{3,}(?:[ \-][A-ZÀ-Þ]{2,}){0,3}"
    r")[ \t]*(?=\n|$)")
_MAX_LINES = 4


@functools.lru_cache(maxsize=None)
def _compiled() -> tuple[tuple[tuple[re.Pattern[str], str], ...], re.Pattern[str]]:
    """The grammars, compiled once per process when a validator first needs them (compiling them costs
    about 0.1 s: not at import, so a spec without ADDRESS and every CLI start skip it)."""
    return tuple((re.compile(p), why) for p, why in _GRAMMARS), re.compile(_NEXT_LINE)


class AddressRules:
    """Finds ADDRESS spans by grammar; a recognizer step."""

    def __init__(self) -> None:
        self._grammars, self._next_line = _compiled()

    def __call__(self, scan: Scan) -> None:
        text = scan.text
        next_line = self._next_line
        for pattern, why in self._grammars:
            for m in pattern.finditer(text):
                s, e = m.span()
                if s > 0 and text[s - 1].isalnum():
                    continue
                while e > s and text[e - 1] in " ,\n":
                    e -= 1
                for _ in range(_MAX_LINES):
                    more = next_line.match(text, e)
                    if more is None or more.end() - s > MAX_LEN:
                        break
                    e = more.end()
                if e - s <= MAX_LEN:
                    scan.add(s, e, "ADDRESS", 0.8, why)
