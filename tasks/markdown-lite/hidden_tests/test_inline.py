import pytest
from mdlite import escape_html, render_inline


def test_escape_html_replaces_the_four_characters():
    assert escape_html('a & b < c > d "e"') == "a &amp; b &lt; c &gt; d &quot;e&quot;"


def test_escape_html_leaves_other_characters_and_escapes_once():
    assert escape_html("it's &amp; fine") == "it's &amp;amp; fine"
    assert escape_html("") == ""
    assert escape_html("plain text\nnext") == "plain text\nnext"


def test_plain_text_is_escaped():
    assert render_inline('x < y && "z" > 0') == "x &lt; y &amp;&amp; &quot;z&quot; &gt; 0"


def test_emphasis_and_strong():
    assert render_inline("*em*") == "<em>em</em>"
    assert render_inline("**strong**") == "<strong>strong</strong>"
    assert render_inline("a *b* c **d** e") == "a <em>b</em> c <strong>d</strong> e"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("**bold *it* bold**", "<strong>bold <em>it</em> bold</strong>"),
        ("*it **bold** it*", "<em>it <strong>bold</strong> it</em>"),
        ("*multi word emphasis*", "<em>multi word emphasis</em>"),
        ("a*b*c", "a<em>b</em>c"),
    ],
)
def test_nested_and_intraword_emphasis(source, expected):
    assert render_inline(source) == expected


@pytest.mark.parametrize(
    "source",
    ["2 * 3 * 4", "**unclosed", "*unclosed", "a * b", "trailing *", "* leading space*", "_x_"],
)
def test_unpaired_or_invalid_delimiters_are_literal(source):
    assert render_inline(source) == source


def test_emphasis_can_span_lines():
    assert render_inline("*one\ntwo*") == "<em>one\ntwo</em>"


def test_code_span_is_literal_and_escaped():
    assert render_inline("use `a < b && *c*` here") == (
        "use <code>a &lt; b &amp;&amp; *c*</code> here"
    )
    assert render_inline("`[x](y)`") == "<code>[x](y)</code>"
    assert render_inline("`a\\*b`") == "<code>a\\*b</code>"


def test_unmatched_backtick_is_literal():
    assert render_inline("a ` b") == "a ` b"


def test_code_span_inside_emphasis():
    assert render_inline("**see `x`**") == "<strong>see <code>x</code></strong>"


def test_asterisk_inside_code_span_does_not_close_emphasis():
    assert render_inline("*a `*` b*") == "<em>a <code>*</code> b</em>"


def test_link():
    assert render_inline("[home](http://example.com/)") == (
        '<a href="http://example.com/">home</a>'
    )


def test_link_url_is_stripped_and_escaped():
    assert render_inline('[q]( /s?a=1&b="2" )') == '<a href="/s?a=1&amp;b=&quot;2&quot;">q</a>'


def test_link_text_is_rendered_inline():
    assert render_inline("see [**bold** `c`](u) now") == (
        'see <a href="u"><strong>bold</strong> <code>c</code></a> now'
    )


def test_link_inside_emphasis():
    assert render_inline("*go [there](x)*") == '<em>go <a href="x">there</a></em>'


@pytest.mark.parametrize("source", ["[not a link]", "[a] (b)", "[a](b", "[a", "a ] b ( c )"])
def test_incomplete_links_are_literal(source):
    assert render_inline(source) == source


def test_bracket_before_real_link_stays_literal():
    assert render_inline("[x [y](z)") == '<a href="z">x [y</a>'
    assert render_inline("[x] [y](z)") == '[x] <a href="z">y</a>'


def test_backslash_escapes():
    assert render_inline("\\*not em\\*") == "*not em*"
    assert render_inline("\\\\") == "\\"
    assert render_inline("\\[a\\](b)") == "[a](b)"
    assert render_inline("\\`x\\`") == "`x`"
    assert render_inline("1\\. \\# \\- \\+ \\! \\_ \\( \\)") == "1. # - + ! _ ( )"


def test_escaped_greater_than_is_still_html_escaped():
    assert render_inline("\\>") == "&gt;"


def test_other_backslashes_are_literal():
    assert render_inline("C:\\path\\to") == "C:\\path\\to"
    assert render_inline("end\\") == "end\\"


def test_escaped_bracket_inside_link_text():
    assert render_inline("[a\\]b](u)") == '<a href="u">a]b</a>'


def test_empty_string():
    assert render_inline("") == ""
