"""The web world: a small shop as a Starlette app over SQLite.

Login by session cookie with a CSRF token, a cart kept by a cookie, a product list that
JavaScript renders from a JSON API, server-rendered search and pagination, `<noscript>` notes
where a page needs JavaScript, an account page, and probe pages that show whether a fault fired.
Pages that need JavaScript or cookies say so, so that an agent can report what blocked it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from chaos import _db

WORLD_DIR = Path(__file__).with_name("world")
PAGE_SIZE = 10
SUBJECTS = ("General", "Returns", "Shipping")
PROBE_BODY_LINES = 200
"""Lines of /probe/echo: long enough that a truncated body visibly loses its end marker."""
PROBE_END = "END-OF-PROBE-BODY"

Handler = Callable[[Request], Awaitable[Any]]


@dataclass
class Shop:
    """The running shop's state: where its live database is, and its signing secret."""

    database: Path
    secret: bytes

    def db(self) -> Any:
        """A connection to the live database (closed by the `with` block that uses it)."""
        return _db.connect(self.database)


def create_app(shop: Shop) -> Starlette:
    """The Starlette application serving `shop`."""
    templates = Jinja2Templates(directory=str(WORLD_DIR / "templates"))
    templates.env.globals["money"] = _db.money
    views = _Views(shop, templates)
    routes = [
        Route("/", views.home),
        Route("/catalog", views.catalog),
        Route("/product/{slug}", views.product),
        Route("/search", views.search),
        Route("/shop", views.page("shop.html")),
        Route("/deals", views.page("deals.html")),
        Route("/login", views.login, methods=["GET", "POST"]),
        Route("/logout", views.logout, methods=["POST"]),
        Route("/account", views.account),
        Route("/account/email", views.change_email, methods=["POST"]),
        Route("/cart", views.cart),
        Route("/cart/add", views.cart_add, methods=["POST"]),
        Route("/cart/remove", views.cart_remove, methods=["POST"]),
        Route("/checkout", views.checkout, methods=["GET", "POST"]),
        Route("/orders/{order_id:int}", views.order),
        Route("/wishlist", views.wishlist),
        Route("/newsletter", views.newsletter, methods=["GET", "POST"]),
        Route("/contact", views.contact, methods=["GET", "POST"]),
        Route("/api/products", views.api_products),
        Route("/api/stock/{slug}", views.api_stock),
        Route("/api/deals", views.api_deals),
        Route("/api/wishlist", views.api_wishlist, methods=["POST"]),
        Route("/api/newsletter", views.api_newsletter, methods=["POST"]),
        Route("/probe/js", views.page("probe_js.html")),
        Route("/probe/page", views.page("probe_page.html")),
        Route("/probe/cookie/set", views.probe_cookie_set),
        Route("/probe/cookie/echo", views.probe_cookie_echo),
        Route("/probe/echo", views.probe_echo),
        Mount("/static", StaticFiles(directory=str(WORLD_DIR / "static")), name="static"),
    ]
    return Starlette(routes=routes)


class _Views:
    """The request handlers, sharing the shop and its templates."""

    def __init__(self, shop: Shop, templates: Jinja2Templates) -> None:
        self.shop = shop
        self.templates = templates

    # --- helpers ---
    def render(self, request: Request, name: str, status: int = 200, **context: Any) -> Any:
        context.setdefault("user", self.user(request))
        return self.templates.TemplateResponse(request, name, context, status_code=status)

    def page(self, name: str) -> Handler:
        async def handler(request: Request) -> Any:
            return self.render(request, name)

        return handler

    def session(self, request: Request) -> Any:
        token = request.cookies.get("session")
        if not token:
            return None
        with self.shop.db() as db:
            return db.execute(
                "SELECT s.token, s.csrf, u.* FROM sessions s JOIN users u USING (username) "
                "WHERE s.token = ?",
                (token,),
            ).fetchone()

    def user(self, request: Request) -> Any:
        return self.session(request)

    def sign(self, purpose: str) -> str:
        return hmac.new(self.shop.secret, purpose.encode(), hashlib.sha256).hexdigest()[:32]

    def to_login(self, path: str) -> RedirectResponse:
        return RedirectResponse(f"/login?next={quote(path)}", status_code=303)

    def product_row(self, slug: str) -> Any:
        with self.shop.db() as db:
            return db.execute("SELECT * FROM products WHERE slug = ?", (slug,)).fetchone()

    # --- catalogue ---
    async def home(self, request: Request) -> Any:
        return self.render(request, "home.html")

    async def catalog(self, request: Request) -> Any:
        with self.shop.db() as db:
            total = db.execute("SELECT COUNT(*) FROM products").fetchone()[0]
            pages = max(1, -(-total // PAGE_SIZE))
            page = min(max(1, _int(request.query_params.get("page"), 1)), pages)
            rows = db.execute(
                "SELECT * FROM products ORDER BY id LIMIT ? OFFSET ?",
                (PAGE_SIZE, (page - 1) * PAGE_SIZE),
            ).fetchall()
        return self.render(request, "catalog.html", products=rows, page=page, pages=pages)

    async def product(self, request: Request) -> Any:
        row = self.product_row(request.path_params["slug"])
        if row is None:
            return self.render(
                request, "message.html", 404, title="Not found", message="There is no such product."
            )
        return self.render(request, "product.html", product=row)

    async def search(self, request: Request) -> Any:
        query = request.query_params.get("q", "").strip()
        rows: list[Any] = []
        if query:
            like = f"%{query}%"
            with self.shop.db() as db:
                rows = db.execute(
                    "SELECT * FROM products WHERE name LIKE ? OR sku LIKE ? OR category LIKE ? "
                    "ORDER BY id",
                    (like, like, like),
                ).fetchall()
        return self.render(request, "search.html", query=query, products=rows)

    # --- sign-in and account ---
    async def login(self, request: Request) -> Any:
        if request.method == "GET":
            token = request.cookies.get("csrftoken") or secrets.token_urlsafe(16)
            response = self.render(
                request, "login.html", csrf=token, next=request.query_params.get("next", "")
            )
            response.set_cookie("csrftoken", token, httponly=True, samesite="lax")
            return response
        form = await request.form()
        cookie = request.cookies.get("csrftoken")
        if not cookie or not hmac.compare_digest(cookie, str(form.get("csrf", ""))):
            message = (
                "Sign-in failed: the security check needs cookies. Cookies are required to sign "
                "in; please enable cookies and try again."
            )
            return self.render(request, "login.html", 403, csrf="", error=message, next="")
        username = str(form.get("username", "")).strip().lower()
        with self.shop.db() as db:
            row = db.execute(
                "SELECT password_sha256 FROM users WHERE username = ?", (username,)
            ).fetchone()
            if row is None or row[0] != _db.password_hash(str(form.get("password", ""))):
                return self.render(
                    request,
                    "login.html",
                    401,
                    csrf=cookie,
                    next="",
                    error="Wrong username or password.",
                )
            session = secrets.token_urlsafe(16)
            db.execute(
                "INSERT INTO sessions VALUES (?, ?, ?)",
                (session, username, secrets.token_urlsafe(16)),
            )
        target = str(form.get("next", "")) or "/account"
        response = RedirectResponse(target if target.startswith("/") else "/account", 303)
        response.set_cookie("session", session, httponly=True, samesite="lax")
        return response

    async def logout(self, request: Request) -> Any:
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie("session")
        return response

    async def account(self, request: Request) -> Any:
        user = self.session(request)
        if user is None:
            return self.to_login("/account")
        with self.shop.db() as db:
            orders = db.execute(
                "SELECT * FROM orders WHERE username = ? ORDER BY placed DESC, id DESC",
                (user["username"],),
            ).fetchall()
        return self.render(
            request,
            "account.html",
            user=user,
            orders=orders,
            updated=request.query_params.get("updated") == "1",
        )

    async def change_email(self, request: Request) -> Any:
        user = self.session(request)
        form = await request.form()
        if user is None:
            return self.to_login("/account")
        if not hmac.compare_digest(user["csrf"], str(form.get("csrf", ""))):
            return self.render(
                request,
                "message.html",
                403,
                title="Forbidden",
                message="The security check failed; reload the page.",
            )
        email = str(form.get("email", "")).strip()
        if "@" not in email:
            return self.render(
                request,
                "message.html",
                400,
                title="Invalid email",
                message="That is not an email address.",
            )
        with self.shop.db() as db:
            db.execute("UPDATE users SET email = ? WHERE username = ?", (email, user["username"]))
        return RedirectResponse("/account?updated=1", status_code=303)

    # --- cart and orders ---
    def cart_token(self, request: Request) -> str | None:
        token = request.cookies.get("cart")
        if not token:
            return None
        with self.shop.db() as db:
            found = db.execute("SELECT 1 FROM carts WHERE token = ?", (token,)).fetchone()
        return token if found else None

    def cart_lines(self, token: str | None) -> list[Any]:
        if token is None:
            return []
        with self.shop.db() as db:
            rows: list[Any] = db.execute(
                "SELECT p.*, c.qty FROM cart_items c JOIN products p ON p.id = c.product "
                "WHERE c.cart = ? ORDER BY p.id",
                (token,),
            ).fetchall()
        return rows

    async def cart(self, request: Request) -> Any:
        lines = self.cart_lines(self.cart_token(request))
        total = sum(line["price_cents"] * line["qty"] for line in lines)
        return self.render(request, "cart.html", lines=lines, total=total)

    async def cart_add(self, request: Request) -> Any:
        form = await request.form()
        product = self.product_row(str(form.get("product", "")))
        if product is None:
            return self.render(
                request, "message.html", 404, title="Not found", message="There is no such product."
            )
        qty = max(1, min(_int(str(form.get("qty", "1")), 1), 99))
        token = self.cart_token(request) or secrets.token_urlsafe(16)
        with self.shop.db() as db:
            db.execute("INSERT OR IGNORE INTO carts VALUES (?)", (token,))
            db.execute(
                "INSERT INTO cart_items VALUES (?, ?, ?) "
                "ON CONFLICT (cart, product) DO UPDATE SET qty = qty + excluded.qty",
                (token, product["id"], qty),
            )
        response = RedirectResponse("/cart", status_code=303)
        response.set_cookie("cart", token, httponly=True, samesite="lax")
        return response

    async def cart_remove(self, request: Request) -> Any:
        form = await request.form()
        token = self.cart_token(request)
        if token is not None:
            with self.shop.db() as db:
                db.execute(
                    "DELETE FROM cart_items WHERE cart = ? AND product = "
                    "(SELECT id FROM products WHERE slug = ?)",
                    (token, str(form.get("product", ""))),
                )
        return RedirectResponse("/cart", status_code=303)

    async def checkout(self, request: Request) -> Any:
        user = self.session(request)
        if user is None:
            return self.to_login("/checkout")
        token = self.cart_token(request)
        lines = self.cart_lines(token)
        total = sum(line["price_cents"] * line["qty"] for line in lines)
        if request.method == "GET" or not lines:
            return self.render(request, "checkout.html", user=user, lines=lines, total=total)
        form = await request.form()
        if not hmac.compare_digest(user["csrf"], str(form.get("csrf", ""))):
            return self.render(
                request,
                "message.html",
                403,
                title="Forbidden",
                message="The security check failed; reload the page.",
            )
        with self.shop.db() as db:
            cursor = db.execute(
                "INSERT INTO orders (username, total_cents, placed) VALUES (?, ?, date('now'))",
                (user["username"], total),
            )
            order_id = cursor.lastrowid
            db.executemany(
                "INSERT INTO order_items VALUES (?, ?, ?, ?)",
                [(order_id, line["id"], line["qty"], line["price_cents"]) for line in lines],
            )
            db.execute("DELETE FROM cart_items WHERE cart = ?", (token,))
        return RedirectResponse(f"/orders/{order_id}?placed=1", status_code=303)

    async def order(self, request: Request) -> Any:
        user = self.session(request)
        if user is None:
            return self.to_login(request.url.path)
        with self.shop.db() as db:
            order = db.execute(
                "SELECT * FROM orders WHERE id = ? AND username = ?",
                (request.path_params["order_id"], user["username"]),
            ).fetchone()
            items = db.execute(
                "SELECT p.name, i.qty, i.price_cents FROM order_items i "
                "JOIN products p ON p.id = i.product WHERE i.order_id = ?",
                (request.path_params["order_id"],),
            ).fetchall()
        if order is None:
            return self.render(
                request,
                "message.html",
                404,
                title="Not found",
                message="There is no such order on this account.",
            )
        return self.render(
            request,
            "order.html",
            order=order,
            items=items,
            placed=request.query_params.get("placed") == "1",
        )

    async def wishlist(self, request: Request) -> Any:
        user = self.session(request)
        if user is None:
            return self.to_login("/wishlist")
        with self.shop.db() as db:
            rows = db.execute(
                "SELECT p.* FROM wishlist w JOIN products p ON p.id = w.product "
                "WHERE w.username = ? ORDER BY p.name",
                (user["username"],),
            ).fetchall()
        return self.render(request, "wishlist.html", products=rows)

    # --- forms that need neither JavaScript nor cookies ---
    async def newsletter(self, request: Request) -> Any:
        if request.method == "GET":
            return self.render(request, "newsletter.html")
        form = await request.form()
        email = self.subscribe(str(form.get("email", "")))
        if email is None:
            return self.render(request, "newsletter.html", 400, error="Give an email address.")
        return self.render(request, "newsletter.html", subscribed=email)

    def subscribe(self, email: str) -> str | None:
        email = email.strip().lower()
        if "@" not in email:
            return None
        with self.shop.db() as db:
            db.execute("INSERT OR IGNORE INTO subscribers VALUES (?)", (email,))
        return email

    async def contact(self, request: Request) -> Any:
        token = self.sign("contact")
        if request.method == "GET":
            return self.render(request, "contact.html", csrf=token, subjects=SUBJECTS)
        form = await request.form()
        if not hmac.compare_digest(token, str(form.get("csrf", ""))):
            return self.render(
                request,
                "message.html",
                403,
                title="Forbidden",
                message="The security check failed; reload the page.",
            )
        subject = str(form.get("subject", ""))
        email, body = str(form.get("email", "")).strip(), str(form.get("body", "")).strip()
        if subject not in SUBJECTS or "@" not in email or not body:
            return self.render(
                request,
                "contact.html",
                400,
                csrf=token,
                subjects=SUBJECTS,
                error="Fill in your email, a subject and a message.",
            )
        with self.shop.db() as db:
            db.execute(
                "INSERT INTO messages (subject, email, body) VALUES (?, ?, ?)",
                (subject, email, body),
            )
        return self.render(
            request,
            "message.html",
            title="Message sent",
            message=f"Message sent. We will reply to {email}.",
        )

    # --- the JSON API behind the pages that JavaScript renders ---
    async def api_products(self, request: Request) -> Any:
        category = request.query_params.get("category", "")
        order = {"rating": "rating DESC, id", "price": "price_cents, id"}.get(
            request.query_params.get("sort", ""), "id"
        )
        with self.shop.db() as db:
            rows = db.execute(
                f"SELECT slug, name, category, price_cents, rating FROM products "
                f"WHERE ? = '' OR category = ? ORDER BY {order}",
                (category, category),
            ).fetchall()
        return JSONResponse([{**dict(r), "price": _db.money(r["price_cents"])} for r in rows])

    async def api_stock(self, request: Request) -> Any:
        row = self.product_row(request.path_params["slug"])
        if row is None:
            return JSONResponse({"error": "no such product"}, status_code=404)
        return JSONResponse({"slug": row["slug"], "stock": row["stock"]})

    async def api_deals(self, request: Request) -> Any:
        with self.shop.db() as db:
            rows = db.execute(
                "SELECT p.name, p.slug, d.code, d.percent FROM deals d "
                "JOIN products p ON p.id = d.product ORDER BY p.name"
            ).fetchall()
        return JSONResponse([dict(r) for r in rows])

    async def api_wishlist(self, request: Request) -> Any:
        user = self.session(request)
        if user is None:
            return JSONResponse({"error": "Sign in to use the wishlist."}, status_code=401)
        if not hmac.compare_digest(user["csrf"], request.headers.get("x-csrf-token", "")):
            return JSONResponse({"error": "The security check failed."}, status_code=403)
        data = await request.json()
        product = self.product_row(str(data.get("product", "")))
        if product is None:
            return JSONResponse({"error": "no such product"}, status_code=404)
        with self.shop.db() as db:
            db.execute(
                "INSERT OR IGNORE INTO wishlist VALUES (?, ?)", (user["username"], product["id"])
            )
        return JSONResponse({"ok": True, "message": f"{product['name']} is on your wishlist."})

    async def api_newsletter(self, request: Request) -> Any:
        data = await request.json()
        email = self.subscribe(str(data.get("email", "")))
        if email is None:
            return JSONResponse({"error": "Give an email address."}, status_code=400)
        return JSONResponse({"message": f"Thanks for subscribing, {email}!"})

    # --- probes: pages that show whether a fault fired ---
    async def probe_cookie_set(self, request: Request) -> Any:
        response = PlainTextResponse("probe cookie set")
        response.set_cookie("probe", "1", samesite="lax")
        return response

    async def probe_cookie_echo(self, request: Request) -> Any:
        names = ",".join(sorted(request.cookies)) or "(none)"
        return PlainTextResponse(f"cookies received: {names}")

    async def probe_echo(self, request: Request) -> Any:
        delayed = request.headers.get("x-chaos-delay-ms", "none")
        lines = [f"delayed by: {delayed}"]
        lines += [f"probe line {n:04d}" for n in range(PROBE_BODY_LINES)]
        return HTMLResponse(
            f"<html><body><pre>{chr(10).join(lines)}\n{PROBE_END}</pre></body></html>"
        )


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default
