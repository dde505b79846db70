// The resident's one-time code (templates/vouchers/my_code.html). While the page is on the screen it asks the server
// every few seconds where the code stands (vouchers.my_code_status: the state and the seconds left, nothing else);
// as soon as the provider has used it, or it has run out or can no longer be used, the page reloads once, and the
// server's page says what the code paid for and what is left (or that it expired), with the button for a new one.
// So a used or dead code does not stay on the screen for the provider to refuse. When the code runs out the page
// reloads too, even if the server could not be reached. Nothing is asked while the page is hidden (a phone asleep,
// another app); it asks again, or reloads if the code has run out meanwhile, as soon as it is looked at again.
// Without this script, reloading the page by hand shows the same.
(() => {
  const card = document.getElementById("code-card");
  if (!card || !card.dataset.expiresIn) return;
  const EVERY_MS = 3000;
  const deadline = Date.now() + Number(card.dataset.expiresIn) * 1000;
  let timer = null;
  let failures = 0;
  let done = false;
  let asking = false; // one question at a time (a look back at the page while one is on its way asks no other)

  const settle = () => {
    if (done) return;
    done = true;
    window.clearTimeout(timer);
    window.location.reload();
  };
  const schedule = () => {
    window.clearTimeout(timer);
    if (done || document.hidden) return;
    // After failures (no network in a lift), ask less often: 3, 6, 12, then every 24 seconds.
    timer = window.setTimeout(ask, EVERY_MS * 2 ** Math.min(failures, 3));
  };
  async function ask() {
    if (done || document.hidden || asking) return;
    if (Date.now() >= deadline) return settle();
    if (card.dataset.statusUrl) {
      asking = true;
      try {
        const answer = await fetch(card.dataset.statusUrl, {
          headers: { Accept: "application/json" }, credentials: "same-origin", cache: "no-store",
        });
        // Sent to the log-in page (logged out meanwhile), or the code is not this account's: the page says why.
        if (answer.redirected || answer.status === 404) return settle();
        if (!answer.ok) throw new Error(String(answer.status));
        const status = await answer.json();
        failures = 0;
        if (status.state !== "live") return settle();
      } catch (_error) {
        failures += 1;
      } finally {
        asking = false;
      }
    }
    schedule();
  }

  // The time left, said in words each second ("还剩 4 分 32 秒"), from the same deadline as the reload.
  const countdown = document.getElementById("code-countdown");
  if (countdown && countdown.dataset.template) {
    const tick = () => {
      const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
      countdown.textContent = countdown.dataset.template
        .replace("%(minutes)s", String(Math.floor(left / 60))).replace("%(seconds)s", String(left % 60));
    };
    tick();
    countdown.hidden = false;
    window.setInterval(tick, 1000);
  }

  window.setTimeout(() => { if (Date.now() >= deadline) settle(); }, Number(card.dataset.expiresIn) * 1000 + 500);
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) window.clearTimeout(timer);
    else ask();
  });
  schedule();
})();
