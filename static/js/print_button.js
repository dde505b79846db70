// A page's Print button (#print-page): shown only with this script, which it needs (the CSP refuses inline handlers).
const printButton = document.getElementById("print-page");
if (printButton) {
  printButton.hidden = false;
  printButton.addEventListener("click", () => window.print());
}
