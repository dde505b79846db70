// The contract drawing-up form's milestone and tranche rows: add and remove rows, keep each tranche's choice of
// milestone in step with the milestones (their numbers and titles), and show each tranche's amount and the shares'
// total (and the amount they share). Progressive enhancement only: without it the page shows the typed rows and two
// empty ones, and a row is removed by clearing it. The server reads and checks everything again.
// Each tranche's amount follows the contract amount field as it is typed (empty: the amount the page came with, as
// the server takes it), read as core.money.parse_yuan reads it, and split as core.money.split_by_percentages splits
// it: each share floored to the fen, the last tranche taking what is left once the shares add up to 100, so the
// preview shows the amounts the contract will store. Integer fen throughout (BigInt: no float rounding).
(() => {
  const form = document.getElementById("contract-draft");
  if (!form) return;
  const labels = document.getElementById("plan-labels").dataset;
  const milestoneRows = document.getElementById("milestone-rows");
  const trancheRows = document.getElementById("tranche-rows");
  const amountInput = form.elements.namedItem("amount");
  const MAX_FEN = 10n ** 15n;  // core.money.MAX_FEN
  const fill = (text, values) => text.replace(/%\((\w+)\)s/g, (_, name) => values[name]);
  const halfWidth = (text) => (text || "").replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
  const share = (text) => {
    const match = /^\s*(\d{1,3})\s*%?\s*$/.exec(halfWidth(text));
    return match ? Number(match[1]) : null;
  };
  const halfWidthAmount = (text) => halfWidth(text).replace(/\uffe5/g, "\u00a5");
  // An amount in yuan as parse_yuan reads it ('12,345.5', '￥１２，３４５．５', '12 345.50元'), in fen; null when it is
  // none (the server refuses it: no amounts are shown).
  const readFen = (text) => {
    const raw = halfWidthAmount(text).replace(/[ \u00a0\u2007\u2009\u202f\u3000]/g, " ").trim()
      .replace(/^\u00a5/, "").replace(/\u5143$/, "").trim();
    const match = /^(?<sign>[+-]?)(?<whole>[1-9]\d{0,2}(?<sep>[, ])\d{3}(?:\k<sep>\d{3})*|\d*)(?:\.(?<cents>\d*))?$/.exec(raw);
    if (!match || !(match.groups.whole || match.groups.cents)) return null;
    const {sign, whole, cents = ""} = match.groups;
    if (cents.length > 2) return null;
    const fen = BigInt((whole || "0").replace(/[, ]/g, "")) * 100n + BigInt(cents.padEnd(2, "0"));
    if (sign === "-" && fen !== 0n) return null;
    return fen > MAX_FEN ? null : fen;
  };
  // The contract amount now: as typed, or (the field left empty) the amount the page came with.
  const amountFen = () => {
    const typed = amountInput ? amountInput.value : "";
    return typed.trim() === "" ? BigInt(form.dataset.amountFen || "0") : readFen(typed);
  };
  const money = (fen) => {
    const yuan = (fen / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return `¥${yuan}.${(fen % 100n).toString().padStart(2, "0")}`;
  };
  // core.money.split_by_percentages: each share floored, the last taking the rest when the shares add up to 100.
  const split = (total, shares) => {
    const parts = shares.map((p) => (total * BigInt(p)) / 100n);
    if (parts.length && shares.reduce((a, b) => a + b, 0) === 100) {
      parts[parts.length - 1] = total - parts.slice(0, -1).reduce((a, b) => a + b, 0n);
    }
    return parts;
  };
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
      select.querySelectorAll("option").forEach((option) => {  // (the milestones: the advance and final stay)
        if (/^\d+$/.test(option.value)) option.remove();
      });
      names.forEach((name, i) => final.before(new Option(name, String(i))));
      select.value = chosen;
    }
  };

  const total = () => {
    const rows = tranches().map((row) => ({row, value: share(row.querySelector(".tranche-percent").value)}));
    const shared = rows.filter(({value}) => value !== null);  // (the server's tranches: the rows with a share)
    const amount = amountFen();
    const parts = amount === null ? [] : split(amount, shared.map(({value}) => value));
    for (const {row} of rows) row.querySelector(".tranche-amount").textContent = "";
    shared.forEach(({row, value}, i) => {
      if (value && parts.length) row.querySelector(".tranche-amount").textContent = fill(labels.amount, {amount: money(parts[i])});
    });
    // The sentence above the tranches names the amount they share: the one typed, as the tranches' amounts do (it
    // kept the amount the page came with while the tranches followed the one typed); none while it cannot be read.
    const base = document.getElementById("tranche-base");
    base.textContent = amount === null ? base.dataset.unread : fill(base.dataset.text, {amount: money(amount)});
    const sum = shared.reduce((a, {value}) => a + value, 0);
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
    if (event.target.classList.contains("tranche-percent") || event.target === amountInput) total();
  });
  total();
})();
