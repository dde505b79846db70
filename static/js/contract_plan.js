// The contract drawing-up form's milestone and tranche rows: add and remove rows, keep each tranche's choice of
// milestone in step with the milestones (their numbers and titles), and show each tranche's amount and the shares'
// total. Progressive enhancement only: without it the page shows the typed rows and two empty ones, and a row is
// removed by clearing it. The server reads and checks everything again.
(() => {
  const form = document.getElementById("contract-draft");
  if (!form) return;
  const labels = document.getElementById("plan-labels").dataset;
  const milestoneRows = document.getElementById("milestone-rows");
  const trancheRows = document.getElementById("tranche-rows");
  const amountFen = Number(form.dataset.amountFen) || 0;
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, name) => values[name]);
  const halfWidth = (text) => (text || "").replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  const share = (text) => {
    const match = /^\s*(\d{1,3})\s*%?\s*$/.exec(halfWidth(text));
    return match ? Number(match[1]) : null;
  };
  const money = (fen) => "¥" + (fen / 100).toLocaleString("zh-CN", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  const milestones = () => [...milestoneRows.querySelectorAll(".milestone-row")];
  const tranches = () => [...trancheRows.querySelectorAll(".tranche-row")];

  // A row's inputs, labels, reasons and legend follow its place: milestone-2-title becomes milestone-1-title.
  const renumber = (rows, kind, legend) => rows.forEach((row, i) => {
    const rename = (value) => value.replace(new RegExp(`${kind}-(\\d+|__i__)`, "g"), `${kind}-${i}`);
    for (const element of [row, ...row.querySelectorAll("[id], [name], [for], [aria-describedby]")]) {
      for (const attribute of ["id", "name", "for", "aria-describedby"]) {
        if (element.hasAttribute(attribute)) element.setAttribute(attribute, rename(element.getAttribute(attribute)));
      }
    }
    row.querySelector("legend").textContent = fill(legend, {n: i + 1});
  });

  // Each tranche's list of milestones, as they now are; `moved` maps a milestone's old number to its new one.
  const syncChoices = (moved = null) => {
    const names = milestones().map((row, i) => {
      const title = row.querySelector(".milestone-title").value.trim();
      return title ? fill(labels.milestoneTitled, {n: i + 1, title}) : fill(labels.milestone, {n: i + 1});
    });
    for (const select of trancheRows.querySelectorAll(".tranche-milestone")) {
      let chosen = select.value;
      if (moved && /^\d+$/.test(chosen)) chosen = moved.has(chosen) ? moved.get(chosen) : "";
      const final = select.querySelector("option:last-child");
      select.querySelectorAll("option").forEach((option) => {
        if (option.value !== "" && option !== final) option.remove();
      });
      names.forEach((name, i) => final.before(new Option(name, String(i))));
      select.value = chosen;
    }
  };

  const total = () => {
    let sum = 0;
    for (const row of tranches()) {
      const value = share(row.querySelector(".tranche-percent").value);
      row.querySelector(".tranche-amount").textContent =
        value ? fill(labels.amount, {amount: money(Math.floor((amountFen * value) / 100))}) : "";
      sum += value || 0;
    }
    const line = document.getElementById("tranche-total");
    line.textContent = fill(line.dataset.text, {n: sum});
    line.classList.toggle("text-danger", sum !== 100);
  };

  const add = (button) => {
    const rows = document.getElementById(button.dataset.rows);
    const template = document.getElementById(button.dataset.template);
    const i = rows.querySelectorAll(".plan-row").length;
    rows.insertAdjacentHTML("beforeend", template.innerHTML.replaceAll("__i__", String(i)).replaceAll("__n__", String(i + 1)));
    const row = rows.lastElementChild;
    row.querySelector(".remove-row").hidden = false;
    syncChoices();
    total();
    row.querySelector("input").focus();
  };

  const remove = (row) => {
    const isMilestone = row.classList.contains("milestone-row");
    const moved = new Map();
    if (isMilestone) {
      const gone = milestones().indexOf(row);
      milestones().forEach((_, i) => { if (i !== gone) moved.set(String(i), String(i < gone ? i : i - 1)); });
    }
    const list = row.parentElement;
    row.remove();
    if (isMilestone) {
      renumber(milestones(), "milestone", labels.milestoneLegend);
      syncChoices(moved);
    } else {
      renumber(tranches(), "tranche", labels.trancheLegend);
    }
    total();
    list.closest("fieldset").querySelector(".add-row").focus();
  };

  form.querySelectorAll(".add-row, .plan-row .remove-row").forEach((button) => { button.hidden = false; });
  form.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (button?.classList.contains("add-row")) add(button);
    else if (button?.classList.contains("remove-row")) remove(button.closest(".plan-row"));
  });
  form.addEventListener("input", (event) => {
    if (event.target.classList.contains("milestone-title")) syncChoices();
    if (event.target.classList.contains("tranche-percent")) total();
  });
  total();
})();
