// Multiple-choice questions of the course book: immediate French feedback on each choice.
// Works offline; the feedback goes to a polite live region that screen readers announce.
(function () {
  "use strict";
  function answer(input) {
    var box = input.closest(".qcm");
    var out = box.querySelector(".qcm-retour");
    var ok = input.getAttribute("data-correct") === "oui";
    box.querySelectorAll(".qcm-option").forEach(function (opt) {
      opt.classList.remove("qcm-juste", "qcm-faux");
    });
    input.closest(".qcm-option").classList.add(ok ? "qcm-juste" : "qcm-faux");
    out.className = "qcm-retour " + (ok ? "qcm-retour-juste" : "qcm-retour-faux");
    var why = input.getAttribute("data-retour").replace(/^(Oui|Non)\s*:\s*/, "");
    out.textContent = (ok ? "Bonne réponse. " : "Pas tout à fait. ") + why;
  }
  function init() {
    document.querySelectorAll(".qcm").forEach(function (box) {
      box.classList.add("qcm-actif");
      box.querySelectorAll("input[type=radio]").forEach(function (input) {
        input.addEventListener("change", function () { answer(input); });
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
