// Running totals and cap usage while a proposal's budget is typed (the server checks again on submit).
(() => {
  const form = document.getElementById("proposal-form");
  if (!form) return;
  // As core.money.parse_yuan reads an amount (anything it refuses counts 0 here): full-width forms from a Chinese
  // IME read as ASCII, an optional ¥ and 元, thousands commas only between groups of three, at most two decimals.
  const toFen = (text) => {
    const raw = (text || "").replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
      .replace(/\uffe5/g, "¥").trim().replace(/^¥/, "").replace(/元$/, "").trim();
    const match = /^\+?([1-9]\d{0,2}(?:,\d{3})+|\d*)(?:\.(\d{0,2}))?$/.exec(raw);
    if (!match || !(match[1] || match[2])) return 0;
    const fen = Number(match[1].replace(/,/g, "") || 0) * 100 + Number(((match[2] || "") + "00").slice(0, 2));
    return fen > 1e15 ? 0 : fen;  // core.money.MAX_FEN
  };
  const show = (fen) => "¥" + (fen / 100).toLocaleString("zh-CN", {minimumFractionDigits: 2, maximumFractionDigits: 2});
  const pct = (part, total) => (total > 0 ? ((100 * part) / total).toFixed(1) : "0.0") + "%";
  const update = () => {
    let sum = 0, personnel = 0, management = 0;
    form.querySelectorAll(".budget-line").forEach((row) => {
      const qty = parseInt(row.querySelector(".budget-quantity").value, 10) || 0;
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
