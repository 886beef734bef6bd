"""Fill msgstr entries of the zh_Hans catalogue from a Python dict of translations.

Usage: python locale/fill.py TRANSLATIONS.py  (a file defining ZH = {msgid: msgstr}).
Developers add their strings' translations this way after `make messages`; entries already
translated are left alone unless the dict gives a different text.
"""

import runpy
import sys
from pathlib import Path

import polib

catalogue = Path(__file__).parent / "zh_Hans" / "LC_MESSAGES" / "django.po"
translations = runpy.run_path(sys.argv[1])["ZH"]
po = polib.pofile(str(catalogue))
po.metadata_is_fuzzy = False
po.metadata["Project-Id-Version"] = "Rapport"
po.metadata["Language"] = "zh_Hans"
po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
filled = 0
for entry in po:
    text = translations.get(entry.msgid)
    if text is None:
        continue
    if entry.msgid_plural:
        entry.msgstr_plural = {0: text}
    else:
        entry.msgstr = text
    if "fuzzy" in entry.flags:
        entry.flags.remove("fuzzy")
    filled += 1
po.save()
missing = [
    e.msgid for e in po if not (e.msgstr or any(e.msgstr_plural.values())) or "fuzzy" in e.flags
]
for _msgid in missing:
    pass
