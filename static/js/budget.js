// Running totals and cap usage while a proposal's budget is typed (the server checks again on submit).
(() => {
  const form = document.getElementById("proposal-form");
  if (!form) return;
  // As core.numbers.parse_whole and core.money.parse_yuan read what is typed (anything they refuse counts 0 here):
  // full-width forms from a Chinese IME read as ASCII, each kind of space as an ASCII space, digits grouped in threes
  // by commas or by spaces (the same separator throughout); an amount also takes a ¥ and 元 and at most two decimals.
  const typed = (text) => (text || "").replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/\uffe5/g, "¥").replace(/[ \u00a0\u2007\u2009\u202f\u3000]/g, " ").trim();
  const GROUPED = String.raw`[1-9]\d{0,2}(?<sep>[, ])\d{3}(?:\k<sep>\d{3})*`;
  const WHOLE = new RegExp(`^\\+?(${GROUPED}|\\d+)$`);
  const AMOUNT = new RegExp(`^\\+?(${GROUPED}|\\d*)(?:\\.(\\d{0,2}))?$`);
  const digits = (grouped) => grouped.replace(/[, ]/g, "");
  const toWhole = (text) => {
    const match = WHOLE.exec(typed(text));
    return match ? Number(digits(match[1])) : 0;
  };
  const toFen = (text) => {
    const match = AMOUNT.exec(typed(text).replace(/^¥/, "").replace(/元$/, "").trim());
    if (!match || !(match[1] || match[3])) return 0;
    const fen = Number(digits(match[1]) || 0) * 100 + Number(((match[3] || "") + "00").slice(0, 2));
    return fen > 1e15 ? 0 : fen;  // core.money.MAX_FEN
  };
  const show = (fen) => "¥" + (fen / 100).toLocaleString("zh-CN", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  const pct = (part, total) => (total > 0 ? ((100 * part) / total).toFixed(1) : "0.0") + "%";
  const update = () => {
    let sum = 0, personnel = 0, management = 0;
    form.querySelectorAll(".budget-line").forEach((row) => {
      const qty = toWhole(row.querySelector(".budget-quantity").value);
      const total = qty * toFen(row.querySelector(".budget-price").value);
      const category = row.querySelector(".budget-category").value;
      row.querySelector(".budget-total").textContent = total ? show(total) : "";
      sum += total;
      if (category === "personnel") personnel += total;
      if (category === "management_fee") management += total;
    });
    const usage = document.getElementById("budget-usage");
    const max = Number(form.dataset.max);
    document.getElementById("budget-sum").textContent = show(sum);
    usage.textContent = `${usage.dataset.labelMax.replace("%(pct)s", pct(sum, max))} · ` +
      `${usage.dataset.labelPersonnel} ${pct(personnel, sum)}` +
      ` (≤ ${form.dataset.personnelCap}%) · ${usage.dataset.labelManagement} ${pct(management, sum)} (≤ ${form.dataset.managementCap}%)`;
    usage.classList.toggle("text-danger", sum > max || 100 * personnel > form.dataset.personnelCap * sum ||
      100 * management > form.dataset.managementCap * sum);
  };
  form.addEventListener("input", update);
  update();
})();
