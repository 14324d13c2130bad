"""Whatever text a tool writes into a report comes back unchanged: escaping is the parser's job."""

from __future__ import annotations

import tempfile
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from hypothesis import given, settings
from hypothesis import strategies as st

from practitest_async.junit import iter_results

# Characters XML 1.0 can carry (no other control characters, no lone surrogates).
xml_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
    | st.sampled_from("\t\n"),
    max_size=30,
)
words = xml_text.filter(lambda s: s.strip() != "" and s == s.strip())


@settings(max_examples=200, deadline=None)
@given(classname=xml_text.map(str.strip), name=words, message=xml_text, text=xml_text)
def test_names_and_failure_text_survive_escaping(
    classname: str, name: str, message: str, text: str
) -> None:
    entities = {"\n": "&#10;", "\t": "&#9;"}  # attribute values would fold them into spaces
    case = (
        f"<testcase classname={quoteattr(classname, entities)} name={quoteattr(name, entities)}>"
        f"<failure message={quoteattr(message, entities)}>{escape(text)}</failure></testcase>"
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "r.xml"
        path.write_text(f"<testsuite>{case}</testsuite>", encoding="utf-8")
        [result] = iter_results(path)

    assert result.name == (f"{classname}.{name}" if classname and classname != name else name)
    if not message and not text.strip():
        assert result.output is None  # a bare <failure/>: the status says all there is
        return
    assert result.output is not None
    assert result.output.startswith(f"[failure] {message}".rstrip())
    if text.strip():
        assert text.lstrip("\n").rstrip() in result.output
