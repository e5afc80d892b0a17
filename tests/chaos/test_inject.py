"""The page and route rewriting of the web faults, on literal HTML and paths."""

from __future__ import annotations

from chaos._faults import CookiesBlocked, JsOff, Latency, Popup
from chaos._inject import POPUP_HTML, Injector, _after_body_tag, rename_ids


def test_ids_classes_and_label_targets_are_renamed_together() -> None:
    html = '<label for="qty">Q</label><input id="qty" class="a b"><p data-stock="x">'
    assert rename_ids(html, "z9") == (
        '<label for="qty-z9">Q</label><input id="qty-z9" class="a-z9 b-z9"><p data-stock="x">'
    )


def test_the_popup_goes_right_after_the_body_tag() -> None:
    page = _after_body_tag('<html><body class="x"><h1>Hi</h1></body></html>', POPUP_HTML)
    assert page.index('role="dialog"') > page.index("<body") and page.index(
        'role="dialog"'
    ) < page.index("<h1>")


def test_network_faults_apply_to_their_routes_only() -> None:
    injector = Injector(Latency(routes=["/api/*"]), "s")
    assert injector._applies("/api/products", "fetch")
    assert not injector._applies("/catalog", "document")
    page_fault = Injector(Popup(), "s")
    assert page_fault._applies("/catalog", "document") and not page_fault._applies(
        "/static/app.js", "script"
    )


def test_context_options_and_cookies() -> None:
    js_off = Injector(JsOff(), "s")
    assert js_off.context_options() == {"java_script_enabled": False} and js_off.fired == 1
    assert not Injector(CookiesBlocked(), "s").keeps_cookies and Injector(None, "s").keeps_cookies
