// Progressive enhancement only; every page works without JavaScript.
// A form, or the button that submits it (a form offering several decisions), may ask to confirm first.
document.addEventListener("submit", (event) => {
  const message = event.submitter?.getAttribute("data-confirm") || event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
