// The draft of a review or a pairwise judgment saves itself as the reviewer works. A save that
// fails (no network, a proxy's 502, a restarting server) must never read as saved: the status line
// says so, and the save is tried again, with growing pauses, until it lands. While anything is
// unsaved the browser asks before leaving, and what is pending goes out as the page is hidden
// (a keepalive request outlives the page), so a score picked just before closing the tab is kept.
// Without this script the page still works: "Save draft" posts the form.
(() => {
  const form = document.querySelector("form[data-draft-url]");
  const status = document.getElementById("save-status");
  if (!form || !status) return;
  const url = form.dataset.draftUrl;
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]")?.value ?? "";
  // The catalogue (/i18n/js/) defines gettext; without it the words stay in English.
  const gettext = window.gettext ?? ((text) => text);

  const DEBOUNCE_MS = 800;
  const FIRST_RETRY_MS = 1000;
  const LAST_RETRY_MS = 30000;

  // Every change gets a number; a save acknowledges the number it carried.
  let changes = 0;
  let saved = 0;
  let failures = 0;
  let debounce = null;
  let retry = null;
  let inFlight = false;
  let leaving = false;

  const unsaved = () => changes > saved;

  const showFailure = () => {
    status.classList.add("is-unsaved");
    status.dataset.state = "retrying";
    status.textContent = gettext("Not saved, retrying…");
  };

  // The server answers with the status line itself ("Draft saved 10:02:03" or why not). Anything
  // else (the sign-in page after a session expired, a proxy's page) is not an answer.
  const statusLine = async (answer) => {
    if (answer.redirected) return null;
    const holder = document.createElement("div");
    holder.innerHTML = await answer.text();
    return holder.querySelector("#save-status[data-state]");
  };
  const show = (line) => {
    status.classList.remove("is-unsaved");
    status.dataset.state = line.dataset.state;
    status.replaceChildren(...line.childNodes);
  };

  const body = () => new FormData(form);
  const headers = { "X-CSRFToken": csrf, "X-Requested-With": "fetch" };

  const scheduleRetry = () => {
    failures += 1;
    const pause = Math.min(FIRST_RETRY_MS * 2 ** (failures - 1), LAST_RETRY_MS);
    clearTimeout(retry);
    retry = setTimeout(save, pause);
  };

  async function save() {
    clearTimeout(debounce);
    clearTimeout(retry);
    debounce = retry = null;
    if (leaving || !unsaved()) return;
    if (inFlight) return; // the answer to the request out now starts the next one
    inFlight = true;
    const carried = changes;
    let answer = null;
    let line = null;
    try {
      answer = await fetch(url, {
        method: "POST",
        body: body(),
        headers,
        credentials: "same-origin",
      });
      if (answer.ok || answer.status === 422) line = await statusLine(answer);
    } catch {
      line = null; // no answer, or it broke off half-read: a failure like any other
    }
    inFlight = false;
    if (leaving) return;
    if (line && line.dataset.state === "saved") {
      failures = 0;
      saved = Math.max(saved, carried);
      show(line);
      if (unsaved()) debounce = setTimeout(save, DEBOUNCE_MS);
    } else if (line && answer.status === 422) {
      // Refused as it stands (a text over its limit ...): saying it again cannot help; the
      // reviewer's next change is tried afresh, and leaving the page still warns.
      failures = 0;
      show(line);
      if (changes > carried) debounce = setTimeout(save, DEBOUNCE_MS);
    } else {
      showFailure();
      scheduleRetry();
    }
  }

  form.addEventListener("input", () => {
    changes += 1;
    // While failing, the pending retry carries the newest state; the pause is kept.
    if (retry) return;
    clearTimeout(debounce);
    debounce = setTimeout(save, DEBOUNCE_MS);
  });

  // The browser is back online: no need to wait out the pause.
  window.addEventListener("online", () => {
    if (retry) save();
  });

  // A submit (or "Save draft") carries everything on the page, so it takes over from autosave.
  form.addEventListener("submit", () => {
    leaving = true;
    clearTimeout(debounce);
    clearTimeout(retry);
  });

  window.addEventListener("beforeunload", (event) => {
    if (leaving || !unsaved()) return;
    event.preventDefault();
    event.returnValue = "";
  });

  // The page is going away (a closed tab, another address, or a back-forward cache entry):
  // send what is pending in a request the browser finishes after the page is gone.
  window.addEventListener("pagehide", () => {
    if (leaving || !unsaved()) return;
    clearTimeout(debounce);
    clearTimeout(retry);
    try {
      fetch(url, { method: "POST", body: body(), headers, credentials: "same-origin", keepalive: true });
    } catch {
      // Over the browser's keepalive size limit: nothing more can be done as the page closes.
    }
  });
  // Back from the back-forward cache, the page is live again with whatever it still holds.
  window.addEventListener("pageshow", (event) => {
    if (event.persisted && unsaved()) save();
  });

  form.dataset.autosaveReady = "true";
})();
