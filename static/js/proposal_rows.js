// "Add a row" on the proposal form: a copy of the section's empty <template> row, numbered after the last row, the
// cursor in its first field. "Remove this row": the row taken off the page, the cursor in the next row's first field
// (or on "Add a row" after the last row); the last row of a section leaves an empty one. The rows keep their numbers
// (gaps and all: the server reads them in order, each once); what a screen reader hears for each remove button
// ("Remove this row: row 2 of the budget") follows the rows' places. Progressive enhancement only: without it each button sends
// the form, which comes back as typed with one more row or one fewer (nothing saved). The server refuses more rows
// than the section takes.
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
  const renumber = (rows) => {
    rows.querySelectorAll(":scope > .proposal-row").forEach((row, place) => {
      const remove = row.querySelector(".remove-row");
      remove.type = "button";  // with JavaScript it sends nothing
      remove.setAttribute("aria-label", rows.dataset.removeLabel.replace("%(row)s", String(place + 1)));
    });
  };
  const firstField = (row) => row.querySelector("input, select, textarea");
  const append = (button) => {
    const rows = document.getElementById(button.dataset.rows);
    const next = Math.max(-1, ...[...rowsOf(button)].map((row) => Number(row.dataset.index))) + 1;
    const template = document.getElementById(button.dataset.template);
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__i__", String(next)));
    renumber(rows);
    full(button);
    return rows.querySelector(`:scope > .proposal-row[data-index="${next}"]`);
  };
  const add = (button) => {
    if (!full(button)) firstField(append(button)).focus();
  };
  const remove = (row) => {
    const rows = row.parentElement;
    const addButton = document.getElementById(rows.id.replace(/-rows$/, "-add"));
    let next = row.nextElementSibling;
    while (next && !next.matches(".proposal-row")) next = next.nextElementSibling;
    if (rowsOf(addButton).length === 1) next = append(addButton);  // a section always shows a row to type into
    if (row.nextElementSibling && row.nextElementSibling.matches(".row-errors")) row.nextElementSibling.remove();
    row.remove();
    renumber(rows);
    full(addButton);
    form.dispatchEvent(new Event("input"));  // the budget's running totals (static/js/budget.js) count it out
    (next ? firstField(next) : addButton).focus();
  };
  form.querySelectorAll(".add-row").forEach((button) => {
    button.type = "button";  // with JavaScript it sends nothing
    full(button);
    renumber(document.getElementById(button.dataset.rows));
    button.addEventListener("click", () => add(button));
  });
  form.addEventListener("click", (event) => {
    const button = event.target.closest(".remove-row");
    if (!button) return;
    event.preventDefault();
    remove(button.closest(".proposal-row"));
  });
})();
