"""The web world over plain HTTP (no browser): pages, sign-in with CSRF and cookies, the cart,
checkout, a fresh database per episode, and a port that is closed once it stops."""

from __future__ import annotations

import re
import socket

import httpx
import pytest

from chaos import WebWorld
from chaos._db import LAST_SEED_ORDER, catalogue


def csrf(page: str) -> str:
    match = re.search(r'name="csrf" value="([^"]*)"', page)
    assert match is not None
    return match.group(1)


def sign_in(client: httpx.Client, username: str, password: str) -> httpx.Response:
    token = csrf(client.get("/login").text)
    data = {"csrf": token, "username": username, "password": password, "next": ""}
    return client.post("/login", data=data)


def test_every_page_answers(world: WebWorld) -> None:
    with httpx.Client(base_url=world.base_url) as client:
        for path in (
            "/",
            "/catalog?page=4",
            "/product/blue-kettle",
            "/search?q=kite",
            "/shop",
            "/deals",
            "/login",
            "/cart",
            "/newsletter",
            "/contact",
            "/probe/js",
        ):
            assert client.get(path).status_code == 200, path
        assert client.get("/product/nothing").status_code == 404
        toys = client.get("/api/products", params={"category": "Toys", "sort": "rating"}).json()
        assert len(toys) == 9 and toys[0]["name"] == "Kite"


def test_sign_in_needs_cookies_and_says_so(world: WebWorld) -> None:
    with httpx.Client(base_url=world.base_url, follow_redirects=True) as client:
        page = sign_in(client, "alice", "wonderland")
        assert page.url.path == "/account" and "Loyalty points: 1280" in page.text
    with httpx.Client(base_url=world.base_url) as cookieless:
        token = csrf(cookieless.get("/login").text)
        cookieless.cookies.clear()  # a browser that keeps no cookie
        refused = cookieless.post(
            "/login", data={"csrf": token, "username": "alice", "password": "wonderland"}
        )
        assert refused.status_code == 403 and "Cookies are required" in refused.text


def test_cart_checkout_and_a_fresh_database(world: WebWorld) -> None:
    with httpx.Client(base_url=world.base_url, follow_redirects=True) as client:
        cart = client.post("/cart/add", data={"product": "red-mug", "qty": "2"})
        assert "Red Mug \u00d7 2" in cart.text
        sign_in(client, "alice", "wonderland")
        placed = client.post("/checkout", data={"csrf": csrf(client.get("/checkout").text)})
        assert "Thank you! Order" in placed.text
    assert world.scalar(f"SELECT COUNT(*) FROM orders WHERE id > {LAST_SEED_ORDER}") == 1
    world.reset()
    assert world.scalar(f"SELECT COUNT(*) FROM orders WHERE id > {LAST_SEED_ORDER}") == 0
    assert world.scalar("SELECT COUNT(*) FROM products") == len(catalogue())


def test_a_storage_state_signs_the_browser_in(world: WebWorld) -> None:
    cookie = world.sign_in("bob")
    with httpx.Client(base_url=world.base_url, cookies={"session": cookie["value"]}) as client:
        assert "bob@example.com" in client.get("/account").text


def test_the_port_is_closed_once_the_world_stops() -> None:
    world = WebWorld().start()
    port, folder = world.port, world.database.parent
    with httpx.Client() as client:
        assert client.get(f"http://127.0.0.1:{port}/").status_code == 200
    world.stop()
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    assert not folder.exists()


def test_a_busy_port_is_one_line() -> None:
    with WebWorld() as first:
        with pytest.raises(Exception, match=r"--port \d+: cannot listen on it") as caught:
            WebWorld(first.port).start()
    assert "\n" not in str(caught.value)
