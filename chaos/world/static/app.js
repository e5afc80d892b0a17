// The shop's JavaScript: pages that render from the JSON API, and progressive enhancements.
// Hooks are data-* attributes, so that the page still works when ids and classes change.
"use strict";

function el(tag, text) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  return node;
}

async function getJSON(url, options) {
  const response = await fetch(url, options);
  const body = await response.json();
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

function showError(target, error) {
  target.replaceChildren(el("li", `Could not load: ${error.message}`));
}

async function renderShop(list) {
  const value = (name) => document.querySelector(`[data-filter="${name}"]`).value;
  const query = new URLSearchParams({ category: value("category"), sort: value("sort") });
  try {
    const products = await getJSON(`/api/products?${query}`);
    list.replaceChildren(...products.map((p, i) => {
      const item = el("li");
      const link = el("a", p.name);
      link.href = `/product/${p.slug}`;
      item.append(`${i + 1}. `, link, ` — ${p.price} — rating ${p.rating}`);
      return item;
    }));
  } catch (error) { showError(list, error); }
}

async function renderDeals(list) {
  try {
    const deals = await getJSON("/api/deals");
    list.replaceChildren(...deals.map((d) =>
      el("li", `${d.name}: ${d.percent}% off with code ${d.code}`)));
  } catch (error) { showError(list, error); }
}

async function fillStock(span) {
  try {
    const data = await getJSON(`/api/stock/${span.dataset.stock}`);
    span.textContent = `Stock: ${data.stock} left`;
  } catch (error) { span.textContent = `Stock: unavailable (${error.message})`; }
}

function wishlistButton(box) {
  const button = el("button", "Add to wishlist");
  button.type = "button";
  const status = el("p");
  status.setAttribute("role", "status");
  button.addEventListener("click", async () => {
    const csrf = document.querySelector('meta[name="csrf"]');
    try {
      const data = await getJSON("/api/wishlist", {
        method: "POST",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf ? csrf.content : "" },
        body: JSON.stringify({ product: box.dataset.wishlist }),
      });
      status.textContent = data.message;
    } catch (error) { status.textContent = `Wishlist: ${error.message}`; }
  });
  box.replaceChildren(button, status);
}

function enhanceNewsletter(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const status = document.querySelector('[data-status="newsletter"]');
    try {
      const data = await getJSON("/api/newsletter", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email: new FormData(form).get("email") }),
      });
      status.textContent = data.message;
    } catch (error) { status.textContent = error.message; }
  });
}

document.addEventListener("DOMContentLoaded", () => {
  for (const list of document.querySelectorAll('[data-app="shop"]')) {
    renderShop(list);
    for (const select of document.querySelectorAll("[data-filter]")) {
      select.addEventListener("change", () => renderShop(list));
    }
  }
  document.querySelectorAll('[data-app="deals"]').forEach(renderDeals);
  document.querySelectorAll("[data-stock]").forEach(fillStock);
  document.querySelectorAll("[data-wishlist]").forEach(wishlistButton);
  document.querySelectorAll('[data-enhance="newsletter"]').forEach(enhanceNewsletter);
});
