"""Project guidelines: Markdown written by a lead, shown to every reviewer of the project.

Guidelines are written by people, but they are shown inside the application's own pages, so
they must never carry markup of their own. Raw HTML in the text is escaped (the Markdown
parser's HTML passes are turned off, so ``<script>`` shows as text), and the rendered result
goes through nh3 with a short allow-list as a second line of defence: links keep only http,
https and mailto targets, and nothing may carry style, event handlers or classes.
"""

from __future__ import annotations

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

ALLOWED_TAGS = {
    "a",
    "blockquote",
    "br",
    "code",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https", "mailto"}


def _parser() -> markdown_lib.Markdown:
    parser = markdown_lib.Markdown(extensions=["tables", "sane_lists"], output_format="html")
    # Without these passes raw HTML blocks and inline tags are treated as text and escaped.
    parser.preprocessors.deregister("html_block")
    parser.inlinePatterns.deregister("html")
    return parser


def guidelines_render(*, text: str) -> SafeString:
    """The guidelines as HTML that is safe to put on a page."""
    if not text.strip():
        return mark_safe("")
    html = _parser().convert(text)
    cleaned = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return mark_safe(cleaned)  # noqa: S308 - cleaned by nh3 against the allow-list above
