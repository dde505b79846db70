// Leaving a long form with changes not saved asks first (a phone's back gesture, a tapped link, a closed tab lost a
// half-written proposal without a word). Opt-in: mark the <form> with `data-warn-unsaved` and include this file
// (`<script src="{{ url_for('static', filename='js/warn_unsaved.js') }}" defer></script>`; CSP: no inline script).
// `data-warn-unsaved="changed"` says the page already holds input not saved (a refused form shown again), so leaving
// asks even before anything is typed. Sending the form itself does not ask; any other way off the page does.
// What counts as a change: the fields' values differ from those at load, empty ones left out, so that an empty row
// added ("Add a row") is no change but a row removed, or anything typed, is. The browser shows its own words.
(() => {
  const forms = [...document.querySelectorAll("form[data-warn-unsaved]")];
  if (!forms.length) return;
  const state = (form) => JSON.stringify([...new FormData(form)]
    .filter(([name, value]) => name !== "csrf_token" && (typeof value !== "string" || value.trim() !== ""))
    .map(([name, value]) => [name, typeof value === "string" ? value : `${value.name}:${value.size}`]));
  const initial = new Map(forms.map((form) => [form, state(form)]));
  let sending = null;  // the marked form being sent: leaving for its answer is what the user asked for
  const unsaved = (form) => form !== sending && (form.dataset.warnUnsaved === "changed" || state(form) !== initial.get(form));
  // On window, after every other submit listener: a submission a confirm() cancelled (app.js) is not one.
  window.addEventListener("submit", (event) => {
    if (!event.defaultPrevented && initial.has(event.target)) sending = event.target;
  });
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) sending = null;  // back to this page from the browser's cache: not being sent any more
  });
  window.addEventListener("beforeunload", (event) => {
    if (forms.some((form) => document.contains(form) && unsaved(form))) {
      event.preventDefault();
      event.returnValue = "";  // (older browsers ask only when this is set)
    }
  });
})();
