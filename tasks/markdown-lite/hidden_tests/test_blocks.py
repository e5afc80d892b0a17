import pytest
from mdlite import to_html


def test_empty_documents():
    assert to_html("") == ""
    assert to_html("\n\n   \n\t\n") == ""


@pytest.mark.parametrize("level", [1, 2, 3, 4, 5, 6])
def test_atx_headings(level):
    assert to_html("#" * level + " Title") == f"<h{level}>Title</h{level}>"


def test_heading_text_is_stripped_and_rendered_inline():
    assert to_html("##   Hello *world* & co   ") == "<h2>Hello <em>world</em> &amp; co</h2>"


def test_empty_heading():
    assert to_html("#") == "<h1></h1>"
    assert to_html("### ") == "<h3></h3>"


@pytest.mark.parametrize("source", ["#nospace", "####### seven", " # indented"])
def test_not_headings(source):
    assert to_html(source) == f"<p>{source.strip()}</p>"


def test_paragraph_lines_are_stripped_and_joined():
    assert to_html("  first line  \nsecond\n   third") == "<p>first line\nsecond\nthird</p>"


def test_paragraphs_separated_by_blank_lines():
    assert to_html("one\n\n\ntwo\n \nthree") == "<p>one</p>\n<p>two</p>\n<p>three</p>"


def test_no_trailing_newline_and_crlf_input():
    assert to_html("# T\r\n\r\ntext\r\nmore\r\n") == "<h1>T</h1>\n<p>text\nmore</p>"
    assert to_html("a\rb") == "<p>a\nb</p>"


def test_heading_interrupts_paragraph():
    assert to_html("para\n# Head\nafter") == "<p>para</p>\n<h1>Head</h1>\n<p>after</p>"


@pytest.mark.parametrize("rule", ["---", "***", "___", "- - -", "* * *", "  ----------", "_ _\t_"])
def test_horizontal_rules(rule):
    assert to_html(rule) == "<hr>"


def test_rule_needs_three_identical_characters():
    assert to_html("--") == "<p>--</p>"
    assert to_html("-*-") == "<p>-*-</p>"


def test_rule_interrupts_paragraph():
    assert to_html("text\n---\nmore") == "<p>text</p>\n<hr>\n<p>more</p>"


def test_unordered_list_with_mixed_markers():
    assert to_html("- one\n* two\n+ three") == (
        "<ul>\n<li>one</li>\n<li>two</li>\n<li>three</li>\n</ul>"
    )


def test_list_items_rendered_inline_and_stripped():
    assert to_html("-   **a**  \n- `b<`") == (
        "<ul>\n<li><strong>a</strong></li>\n<li><code>b&lt;</code></li>\n</ul>"
    )


def test_ordered_list():
    assert to_html("1. one\n2. two\n10. ten") == (
        "<ol>\n<li>one</li>\n<li>two</li>\n<li>ten</li>\n</ol>"
    )


def test_ordered_list_with_start():
    assert to_html("3. c\n4. d") == '<ol start="3">\n<li>c</li>\n<li>d</li>\n</ol>'
    assert to_html("007. bond") == '<ol start="7">\n<li>bond</li>\n</ol>'
    assert to_html("0. zero") == '<ol start="0">\n<li>zero</li>\n</ol>'


def test_marker_needs_a_space():
    assert to_html("-not\n1.not") == "<p>-not\n1.not</p>"


def test_list_continuation_lines():
    assert to_html("- first\n  continued\n\tagain\n- second") == (
        "<ul>\n<li>first\ncontinued\nagain</li>\n<li>second</li>\n</ul>"
    )


def test_unindented_text_ends_list():
    assert to_html("- item\nplain") == "<ul>\n<li>item</li>\n</ul>\n<p>plain</p>"


def test_blank_line_splits_lists():
    assert to_html("- a\n\n- b") == "<ul>\n<li>a</li>\n</ul>\n<ul>\n<li>b</li>\n</ul>"


def test_switching_list_kind_starts_new_list():
    assert to_html("- a\n1. b\n- c") == (
        "<ul>\n<li>a</li>\n</ul>\n<ol>\n<li>b</li>\n</ol>\n<ul>\n<li>c</li>\n</ul>"
    )


def test_list_item_interrupts_paragraph():
    assert to_html("intro\n- a") == "<p>intro</p>\n<ul>\n<li>a</li>\n</ul>"


def test_indented_marker_is_not_a_list():
    assert to_html("  - not a list") == "<p>- not a list</p>"


def test_fenced_code_with_language():
    source = '```python\ndef f(x):\n    return x < 1 and "&"\n```'
    assert to_html(source) == (
        '<pre><code class="language-python">def f(x):\n'
        "    return x &lt; 1 and &quot;&amp;&quot;\n</code></pre>"
    )


def test_fenced_code_without_language_keeps_blank_lines_and_markup():
    source = "```\n# not a heading\n\n*not em*  \n```"
    assert to_html(source) == "<pre><code># not a heading\n\n*not em*  \n</code></pre>"


def test_fenced_code_language_is_first_word():
    assert to_html("``` js extra words\nx\n```") == (
        '<pre><code class="language-js">x\n</code></pre>'
    )


def test_empty_fenced_code():
    assert to_html("```\n```") == "<pre><code></code></pre>"


def test_unclosed_fence_runs_to_end():
    assert to_html("```\na\n\nb\n") == "<pre><code>a\n\nb\n</code></pre>"


def test_closing_fence_may_have_trailing_spaces_and_blocks_follow():
    assert to_html("para\n```\ncode\n```   \n# After") == (
        "<p>para</p>\n<pre><code>code\n</code></pre>\n<h1>After</h1>"
    )


def test_fence_with_info_is_not_a_closer():
    assert to_html("```\n```py\n```") == "<pre><code>```py\n</code></pre>"


def test_blockquote_simple():
    assert to_html("> quoted *text*\n> more") == (
        "<blockquote>\n<p>quoted <em>text</em>\nmore</p>\n</blockquote>"
    )


def test_blockquote_with_multiple_blocks():
    source = "> # Title\n>\n> para\n> - a\n> - b"
    assert to_html(source) == (
        "<blockquote>\n<h1>Title</h1>\n<p>para</p>\n<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n"
        "</blockquote>"
    )


def test_nested_blockquote_and_space_after_marker_optional():
    assert to_html(">outer\n>> inner") == (
        "<blockquote>\n<p>outer</p>\n<blockquote>\n<p>inner</p>\n</blockquote>\n</blockquote>"
    )


def test_empty_blockquote():
    assert to_html(">") == "<blockquote>\n</blockquote>"


def test_blockquote_ends_at_non_quote_line():
    assert to_html("> a\nb") == "<blockquote>\n<p>a</p>\n</blockquote>\n<p>b</p>"


def test_code_inside_blockquote():
    assert to_html("> ```sh\n> ls  -l\n> ```") == (
        '<blockquote>\n<pre><code class="language-sh">ls  -l\n</code></pre>\n</blockquote>'
    )


def test_full_document():
    source = (
        "# Notes\n"
        "\n"
        "Some *intro* text with a [link](https://x.org/?a=1&b=2).\n"
        "\n"
        "1. first\n"
        "2. second `code`\n"
        "\n"
        "***\n"
        "> quote\n"
        "\n"
        "```\n"
        "<raw>\n"
        "```\n"
    )
    assert to_html(source) == (
        "<h1>Notes</h1>\n"
        '<p>Some <em>intro</em> text with a <a href="https://x.org/?a=1&amp;b=2">link</a>.</p>\n'
        "<ol>\n<li>first</li>\n<li>second <code>code</code></li>\n</ol>\n"
        "<hr>\n"
        "<blockquote>\n<p>quote</p>\n</blockquote>\n"
        "<pre><code>&lt;raw&gt;\n</code></pre>"
    )


def test_escaped_marker_makes_a_paragraph():
    assert to_html("\\# not heading\n\\- not item") == "<p># not heading\n- not item</p>"


def test_blockquote_removes_only_one_space():
    assert to_html("> ```\n>   two spaces\n> ```") == (
        "<blockquote>\n<pre><code>  two spaces\n</code></pre>\n</blockquote>"
    )
