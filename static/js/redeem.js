// The provider's redeem page (templates/vouchers/provider.html). Choosing a service puts its listed price in the
// amount, and "Scan the code" reads the resident's QR code with the camera. Without this script the page still
// works: each service's price is in its option and the code is typed.
(() => {
  const form = document.getElementById("redeem-form");
  if (!form) return;
  const code = form.querySelector("#code");
  const service = form.querySelector("#service_id");
  const amount = form.querySelector("#amount_fen");

  // The amount follows the chosen service's price unless the provider typed an amount of their own: it is filled
  // only while empty or still the previous service's price.
  const priceOf = () => (service.selectedOptions[0] && service.selectedOptions[0].dataset.price) || "";
  const fen = (text) => {
    const match = /^\s*(\d+)(?:\.(\d{0,2}))?\s*$/.exec(text || "");
    return match ? Number(match[1]) * 100 + Number(((match[2] || "") + "00").slice(0, 2)) : null;
  };
  const sameAmount = (a, b) => (fen(a) !== null && fen(a) === fen(b)) || (a || "").trim() === (b || "").trim();
  let previous = priceOf();
  service.addEventListener("change", () => {
    const price = priceOf();
    if (amount.value.trim() === "" || sameAmount(amount.value, previous)) amount.value = price;
    previous = price;
  });

  // Scanning: only where the browser can ask for a camera (a secure page in a browser that has the API).
  const scanner = document.getElementById("scanner");
  if (!scanner || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
  const scanButton = document.getElementById("scan-code");
  const stopButton = document.getElementById("scan-stop");
  const view = document.getElementById("scan-view");
  const canvas = document.getElementById("scan-canvas");
  const status = document.getElementById("scan-status");
  const messages = scanner.dataset;
  const say = (text, isError) => {
    status.textContent = text || "";
    status.classList.toggle("text-danger", Boolean(isError));
  };
  scanButton.hidden = false;

  // The resident's code in what a QR code holds: the 8 digits alone (the codes this app shows and prints), a link
  // carrying ?code=, or a text with exactly one run of 8 digits. Full-width digits read as ASCII.
  const codeIn = (text) => {
    const plain = String(text || "").replace(/[\uff10-\uff19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0));
    try {
      const fromLink = (new URL(plain).searchParams.get("code") || "").trim();
      if (/^\d{8}$/.test(fromLink)) return fromLink;
    } catch (notALink) { /* plain text */ }
    const eights = (plain.match(/\d+/g) || []).filter((run) => run.length === 8);
    return eights.length === 1 ? eights[0] : null;
  };

  const context = canvas.getContext("2d", {willReadFrequently: true});
  // The browser's own QR reader where it has one (Android, macOS), else the vendored jsQR, loaded when first needed.
  const nativeReader = async () => {
    if (!("BarcodeDetector" in window)) return null;
    try {
      if (!(await window.BarcodeDetector.getSupportedFormats()).includes("qr_code")) return null;
      const detector = new window.BarcodeDetector({formats: ["qr_code"]});
      return async () => (await detector.detect(canvas)).map((found) => found.rawValue);
    } catch (unsupported) {
      return null;
    }
  };
  const libraryReader = () => new Promise((resolve, reject) => {
    const ready = () => resolve(async () => {
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      const found = window.jsQR(image.data, image.width, image.height, {inversionAttempts: "dontInvert"});
      return found ? [found.data] : [];
    });
    if (window.jsQR) return ready();
    const script = document.createElement("script");
    script.src = messages.jsqr;
    script.onload = ready;
    script.onerror = reject;
    document.head.appendChild(script);
  });
  let read = null;

  const failure = (error) => ({
    NotAllowedError: messages.msgDenied, SecurityError: messages.msgDenied,
    NotFoundError: messages.msgNoCamera, OverconstrainedError: messages.msgNoCamera,
    NotReadableError: messages.msgBusy, AbortError: messages.msgBusy,
  })[error && error.name] || messages.msgFailed;

  let stream = null;
  let video = null;
  let running = false;
  const stop = () => {
    running = false;
    if (stream) stream.getTracks().forEach((track) => track.stop());
    stream = null;
    if (video) video.srcObject = null;
    view.hidden = true;
    scanButton.hidden = false;
  };

  const found = (value) => {
    stop();
    code.value = value;
    code.dispatchEvent(new Event("input", {bubbles: true}));
    say(messages.msgRead.replace("%(code)s", value));
    (service.value ? amount : service).focus();  // what the provider does next
  };

  // The preview follows every frame; the code is looked for about eight times a second (jsQR takes the page's
  // thread for tens of milliseconds on a phone).
  let busy = false;
  let lastRead = 0;
  const frame = async (now) => {
    if (!running) return;
    requestAnimationFrame(frame);
    if (busy || video.readyState < video.HAVE_CURRENT_DATA || !video.videoWidth) return;
    const scale = Math.min(1, 640 / video.videoWidth);  // enough for a code held up to the camera, and quick
    const width = Math.round(video.videoWidth * scale);
    const height = Math.round(video.videoHeight * scale);
    if (canvas.width !== width || canvas.height !== height) [canvas.width, canvas.height] = [width, height];
    context.drawImage(video, 0, 0, width, height);
    if (now - lastRead < 120) return;
    busy = true;
    lastRead = now;
    try {
      const texts = await read();
      const value = texts.map(codeIn).find(Boolean);
      if (value && running) found(value);
      else if (texts.length && running) say(messages.msgNoCode, true);
    } catch (unreadable) { /* the next frame */ }
    busy = false;
  };

  const start = async () => {
    say("");
    scanButton.disabled = true;
    try {
      read = read || (await nativeReader()) || (await libraryReader());
      stream = await navigator.mediaDevices.getUserMedia({audio: false, video: {facingMode: {ideal: "environment"}}});
      video = video || document.createElement("video");
      video.setAttribute("playsinline", "");  // iOS: play in the page, not full screen
      video.muted = true;
      video.srcObject = stream;
      await video.play();
    } catch (error) {
      stop();
      say(failure(error), true);
      return;
    } finally {
      scanButton.disabled = false;
    }
    running = true;
    scanButton.hidden = true;
    view.hidden = false;
    stopButton.focus();
    say(messages.msgLooking);
    requestAnimationFrame(frame);
  };

  scanButton.addEventListener("click", start);
  stopButton.addEventListener("click", () => {
    stop();
    say("");
    scanButton.focus();
  });
  // The camera light goes off when the provider leaves the page, switches app or submits.
  form.addEventListener("submit", stop);
  window.addEventListener("pagehide", stop);
  document.addEventListener("visibilitychange", () => {
    if (document.hidden && running) {
      stop();
      say("");
    }
  });
})();
