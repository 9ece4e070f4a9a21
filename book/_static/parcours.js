/* Parcours — small fixes to the book's scripts (no external resource). */
"use strict";

// sphinx-togglebutton labels its buttons in English ("Toggle hidden content"): say in French what
// the button shows. Its state stays in aria-expanded, which the toggle script keeps up to date.
function parcoursFrenchToggles() {
  document.querySelectorAll("button.toggle-button").forEach((button) => {
    const item = document.getElementById(button.dataset.target || "");
    const what =
      item && item.classList.contains("solution") ? "la solution" : "le contenu masqué";
    button.setAttribute("aria-label", `Afficher ou masquer ${what}`);
    button.setAttribute("title", `Afficher ou masquer ${what}`);
  });
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", parcoursFrenchToggles);
} else {
  parcoursFrenchToggles();
}

// The theme loads Sphinx's search tools on every page, so Sphinx no longer highlights the words
// searched for on the page a search result opens: do it here (the search page itself excepted).
function parcoursHighlightSearch() {
  if (typeof SphinxHighlight === "undefined" || document.getElementById("search-results")) return;
  if (localStorage.getItem("sphinx_highlight_terms")) SphinxHighlight.highlightSearchWords();
}

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", parcoursHighlightSearch);
} else {
  parcoursHighlightSearch();
}
