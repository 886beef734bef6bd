"""What a reader sees, measured in the page: words cut across lines, colours, boxes."""

from __future__ import annotations

from playwright.sync_api import Locator

# Latin words and numbers inside the elements matched, each measured with a Range: a word that
# the layout cut in two ("Item" / "s") has boxes on more than one line. Chinese text may break
# between any two characters, so only runs of Latin letters and digits count as words. Words
# that are not rendered (in a closed <details>) have no boxes and are left out.
_BROKEN_WORDS = """
(root) => {
  const broken = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (const match of node.data.matchAll(/[A-Za-z0-9][A-Za-z0-9.'’-]*[A-Za-z0-9]/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const tops = new Set(
        [...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))
      );
      if (tops.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}
"""


def broken_words(locator: Locator) -> list[str]:
    """The words that the page shows cut across two or more lines, in every match."""
    words: list[str] = []
    for index in range(locator.count()):
        words += locator.nth(index).evaluate(_BROKEN_WORDS)
    return words


def colours(locator: Locator) -> tuple[str, str]:
    """The computed text colour and background colour of the first match."""
    color, background = locator.first.evaluate(
        "e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor]"
    )
    return color, background
