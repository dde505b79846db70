// "Add a row" on the proposal form: a copy of the section's empty <template> row, numbered after the last row, the
// cursor in its first field. Progressive enhancement only: without it the button sends the form, which comes back as
// typed with one more empty row (nothing saved). The server refuses more rows than the section takes.
(() => {
  const form = document.getElementById("proposal-form");
  if (!form) return;
  const rowsOf = (button) => document.getElementById(button.dataset.rows).querySelectorAll(":scope > .proposal-row");
  const full = (button) => {
    const isFull = rowsOf(button).length >= Number(button.dataset.limit);
    button.disabled = isFull;
    document.getElementById(button.id.replace(/-add$/, "-full")).hidden = !isFull;
    return isFull;
  };
  const add = (button) => {
    if (full(button)) return;
    const rows = document.getElementById(button.dataset.rows);
    const next = Math.max(-1, ...[...rowsOf(button)].map((row) => Number(row.dataset.index))) + 1;
    const template = document.getElementById(button.dataset.template);
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__i__", String(next)));
    full(button);
    rows.querySelector(`:scope > .proposal-row[data-index="${next}"]`).querySelector("input, select").focus();
  };
  form.querySelectorAll(".add-row").forEach((button) => {
    button.type = "button";  // with JavaScript it sends nothing
    full(button);
    button.addEventListener("click", () => add(button));
  });
})();
