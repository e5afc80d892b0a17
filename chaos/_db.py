"""The shop's state in SQLite: schema, seed data, a fresh copy per episode, and read queries.

A template database is built once per world; each episode starts from a byte-for-byte copy of
it (the "fresh database" rollback), so no episode sees what another one wrote.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any, NamedTuple

SCHEMA = """
CREATE TABLE products (id INTEGER PRIMARY KEY, slug TEXT UNIQUE, name TEXT, sku TEXT UNIQUE,
                       category TEXT, price_cents INTEGER, stock INTEGER, rating REAL);
CREATE TABLE users (username TEXT PRIMARY KEY, password_sha256 TEXT, name TEXT, email TEXT,
                    points INTEGER);
CREATE TABLE sessions (token TEXT PRIMARY KEY, username TEXT, csrf TEXT);
CREATE TABLE carts (token TEXT PRIMARY KEY);
CREATE TABLE cart_items (cart TEXT, product INTEGER, qty INTEGER, PRIMARY KEY (cart, product));
CREATE TABLE orders (id INTEGER PRIMARY KEY, username TEXT, total_cents INTEGER, placed TEXT);
CREATE TABLE order_items (order_id INTEGER, product INTEGER, qty INTEGER, price_cents INTEGER);
CREATE TABLE wishlist (username TEXT, product INTEGER, PRIMARY KEY (username, product));
CREATE TABLE subscribers (email TEXT PRIMARY KEY);
CREATE TABLE messages (id INTEGER PRIMARY KEY, subject TEXT, email TEXT, body TEXT);
CREATE TABLE deals (product INTEGER PRIMARY KEY, code TEXT, percent INTEGER);
"""


class Product(NamedTuple):
    """One product of the seed catalogue."""

    slug: str
    name: str
    sku: str
    category: str
    price_cents: int
    stock: int
    rating: float


CATEGORIES = ("Kitchen", "Garden", "Office", "Toys")
_NAMES = {
    "Kitchen": (
        "Blue Kettle",
        "Red Mug",
        "Steel Pan",
        "Oak Board",
        "Tea Tin",
        "Salt Mill",
        "Wok",
        "Egg Timer",
        "Bread Bin",
    ),
    "Garden": (
        "Garden Hose",
        "Trowel",
        "Seed Tray",
        "Watering Can",
        "Pruner",
        "Bird Feeder",
        "Rake",
        "Plant Pot",
        "Kneeler",
    ),
    "Office": (
        "Desk Lamp",
        "Stapler",
        "Notebook",
        "Pen Set",
        "Paper Tray",
        "Monitor Stand",
        "Sticky Notes",
        "Desk Clock",
        "Letter Opener",
    ),
    "Toys": (
        "Yo-Yo",
        "Kite",
        "Puzzle Box",
        "Toy Train",
        "Marbles",
        "Spinning Top",
        "Rubber Duck",
        "Jump Rope",
        "Building Blocks",
    ),
}
USERS = (
    # username, password, name, email, loyalty points
    ("alice", "wonderland", "Alice Liddell", "alice@example.com", 1280),
    ("bob", "builder", "Bob Mason", "bob@example.com", 310),
)
ORDERS = (
    # id, username, placed, [(product slug, qty)]
    (1001, "alice", "2026-09-02", [("tea-tin", 2), ("red-mug", 1)]),
    (1002, "bob", "2026-09-14", [("stapler", 1)]),
    (1003, "bob", "2026-10-03", [("desk-lamp", 1), ("notebook", 3)]),
)
DEALS = (("garden-hose", "HOSE-SPRING-25", 25), ("kite", "KITE-WIND-10", 10))
RATINGS = {"kite": 4.9}
"""Ratings set by hand, so that the shop's best-rated toy is one product."""
LAST_SEED_ORDER = 1003
"""Orders above this id were placed during an episode."""


def slugify(name: str) -> str:
    """The URL slug of a product name."""
    return "-".join("".join(c for c in name.lower() if c.isalnum() or c == " ").split())


def _digits(text: str, modulo: int) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16) % modulo


def catalogue() -> list[Product]:
    """The seed products: deterministic prices, stock levels and ratings."""
    products = []
    for category in CATEGORIES:
        for index, name in enumerate(_NAMES[category]):
            slug = slugify(name)
            products.append(
                Product(
                    slug=slug,
                    name=name,
                    sku=f"{category[:2].upper()}-{4400 + index * 17 + _digits(slug, 9)}",
                    category=category,
                    price_cents=500 + _digits(slug, 60) * 50 + 45,
                    stock=1 + _digits(slug + "stock", 19),
                    rating=RATINGS.get(slug, round(3.0 + _digits(slug + "rating", 21) / 10, 1)),
                )
            )
    return products


def password_hash(password: str) -> str:
    """How the seed stores passwords (a toy site: no salt needed for the lab's purpose)."""
    return hashlib.sha256(password.encode()).hexdigest()


def build_template(path: Path) -> None:
    """Write the seed database to `path` (replacing any file there)."""
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA)
        db.executemany(
            "INSERT INTO products (slug, name, sku, category, price_cents, stock, rating) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            catalogue(),
        )
        for username, password, name, email, points in USERS:
            db.execute(
                "INSERT INTO users VALUES (?, ?, ?, ?, ?)",
                (username, password_hash(password), name, email, points),
            )
        ids = {slug: pid for pid, slug in db.execute("SELECT id, slug FROM products")}
        for order_id, username, placed, items in ORDERS:
            _seed_order(db, ids, order_id, username, placed, items)
        for slug, code, percent in DEALS:
            db.execute("INSERT INTO deals VALUES (?, ?, ?)", (ids[slug], code, percent))
    sqlite3.connect(path).close()


def _seed_order(
    db: sqlite3.Connection,
    ids: dict[str, int],
    order_id: int,
    username: str,
    placed: str,
    items: list[tuple[str, int]],
) -> None:
    total = 0
    for slug, qty in items:
        (price,) = db.execute("SELECT price_cents FROM products WHERE slug = ?", (slug,)).fetchone()
        db.execute("INSERT INTO order_items VALUES (?, ?, ?, ?)", (order_id, ids[slug], qty, price))
        total += price * qty
    db.execute("INSERT INTO orders VALUES (?, ?, ?, ?)", (order_id, username, total, placed))


def restore(template: Path, live: Path) -> None:
    """Make `live` an exact copy of `template` (SQLite's online backup: safe while serving)."""
    with sqlite3.connect(template) as source, sqlite3.connect(live) as target:
        source.backup(target)


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the live database whose rows read like dicts."""
    db = sqlite3.connect(path, timeout=10)
    db.row_factory = sqlite3.Row
    return db


def scalar(path: Path, sql: str, params: tuple[Any, ...] = ()) -> Any:
    """The first column of the first row of a read-only query (None when there is no row)."""
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        row = db.execute(sql, params).fetchone()
    return None if row is None else row[0]


def money(cents: int) -> str:
    """Cents as the shop prints them, e.g. 3450 -> '$34.50'."""
    return f"${cents // 100}.{cents % 100:02d}"
