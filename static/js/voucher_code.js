// The resident's one-time code (templates/vouchers/my_code.html): when the code runs out, the page reloads and says
// so, with the button for a new one, instead of leaving a dead code on the screen for the provider to refuse. A
// phone that slept past the moment reloads as soon as it is looked at again.
(() => {
  const card = document.getElementById("code-card");
  if (!card || !card.dataset.expiresIn) return;
  const deadline = Date.now() + Number(card.dataset.expiresIn) * 1000;
  const check = () => { if (Date.now() >= deadline) window.location.reload(); };
  window.setTimeout(check, Number(card.dataset.expiresIn) * 1000 + 500);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) check(); });
})();
