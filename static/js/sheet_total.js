// A score sheet's running total as the scores are typed (the server adds up again when the sheet is saved).
(() => {
  const total = document.getElementById("sheet-total-value");
  const sheet = document.getElementById("score-sheet");
  if (!total || !sheet) return;
  // As evaluation.sheet_forms.parse_half_points reads a score: full-width digits and point (from a Chinese IME) read
  // as ASCII, at most one decimal, a whole or half point; anything it would refuse counts 0 here, and so does a
  // score above its criterion's maximum (data-max): the server refuses it, so it is not part of any total.
  const SCORE = /^\+?(\d*)(?:\.(\d+))?$/;
  const halfPoints = (text) => {
    const typed = (text || "").replace(/[\uff01-\uff5e]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).trim();
    const match = SCORE.exec(typed);
    const fraction = match ? (match[2] || "").replace(/0+$/, "") : "";
    if (!match || !(match[1] || match[2]) || fraction.length > 1) return 0;
    const tenths = Number(match[1] || 0) * 10 + Number(fraction || 0);
    return tenths % 5 === 0 ? tenths / 5 : 0;
  };
  const inputs = [...sheet.querySelectorAll("input")].filter((input) => /^c\d+$/.test(input.name));
  const inRange = (input) => {
    const half = halfPoints(input.value);
    const max = Number(input.dataset.max);
    return Number.isFinite(max) && half > 2 * max ? 0 : half;
  };
  const update = () => {
    const half = inputs.reduce((sum, input) => sum + inRange(input), 0);
    total.textContent = String(half / 2);
  };
  inputs.forEach((input) => input.addEventListener("input", update));
  update();
})();
