// Keyboard work on the review pages (scoring and pairwise). The pages work without it: every
// control is a plain form field; this adds shortcuts, turn citing and the submit confirmation.
(() => {
  const typingIn = (element) =>
    element instanceof HTMLTextAreaElement ||
    element instanceof HTMLSelectElement ||
    (element instanceof HTMLInputElement && !["radio", "checkbox"].includes(element.type));

  // The reviewer's start page: n takes the first project's next (or current) item.
  const home = document.querySelector("[data-review-home]");
  if (home) {
    document.addEventListener("keydown", (event) => {
      if (event.ctrlKey || event.metaKey || event.altKey || typingIn(event.target)) return;
      if (event.key !== "n") return;
      const action = home.querySelector("[data-next-item]");
      if (!action) return;
      event.preventDefault();
      if (action instanceof HTMLAnchorElement) action.click();
      else action.form.requestSubmit(action);
    });
    home.dataset.keysReady = "true";
    return;
  }

  const root = document.querySelector("[data-review-page]");
  if (!root) return;
  const kind = root.dataset.reviewPage;
  const form = document.getElementById("review-form");
  const dialog = document.getElementById("confirm-submit");
  const submitButton = document.getElementById("submit-review");

  const typing = typingIn;

  // Tell htmx (the draft autosave) and anyone else that a field changed.
  const changed = (field) => {
    field.dispatchEvent(new Event("input", { bubbles: true }));
    field.dispatchEvent(new Event("change", { bubbles: true }));
  };

  const pick = (radio) => {
    if (!radio || radio.disabled || radio.checked) return;
    radio.checked = true;
    changed(radio);
  };

  // Turns: one focused turn at a time, moved with [ and ], cited with e or a click.
  const turns = Array.from(document.querySelectorAll(".chat .turn"));
  // The "Rewrite this turn" toggles are one Tab stop (a roving tabindex): the one of the focused
  // turn, or the first. Otherwise a long session puts dozens of stops before the first score;
  // w opens the focused turn's toggle, and without this script every toggle is a stop.
  const toggles = Array.from(document.querySelectorAll(".chat details.rewrite > summary"));
  const rove = (summary) => toggles.forEach((t) => (t.tabIndex = t === summary ? 0 : -1));
  if (toggles.length) rove(toggles[0]);
  toggles.forEach((summary) => summary.addEventListener("focus", () => rove(summary)));
  let turnIndex = -1;
  const focusTurn = (index) => {
    if (!turns.length) return;
    turnIndex = Math.max(0, Math.min(turns.length - 1, index));
    turns.forEach((turn, i) => turn.classList.toggle("is-focused", i === turnIndex));
    turns[turnIndex].scrollIntoView({ block: "nearest" });
    const toggle = turns[turnIndex].querySelector("details.rewrite > summary");
    if (toggle) rove(toggle);
  };

  // Criteria: one focused criterion, moved with j/k or the arrows.
  const criteria = Array.from(document.querySelectorAll("fieldset.criterion"));
  let criterionIndex = -1;
  // The focused criterion holds the browser's focus too (its chosen level, or its first), so a
  // screen reader announces it and Tab and Space go on from there; moveFocus is false when the
  // reviewer put the focus inside the criterion themselves (a click, Tab into its rationale).
  const focusCriterion = (index, moveFocus = true) => {
    if (!criteria.length) return;
    criterionIndex = Math.max(0, Math.min(criteria.length - 1, index));
    criteria.forEach((c, i) => {
      c.classList.toggle("is-focused", i === criterionIndex);
      c.setAttribute("aria-current", i === criterionIndex ? "true" : "false");
    });
    const fieldset = criteria[criterionIndex];
    fieldset.scrollIntoView({ block: "nearest" });
    if (moveFocus) {
      const control =
        fieldset.querySelector("input[type=radio]:checked") ||
        fieldset.querySelector("input[type=radio]:not([disabled])");
      control?.focus({ preventScroll: true });
    }
  };
  const focused = () => (criterionIndex >= 0 ? criteria[criterionIndex] : null);

  const showEvidence = (fieldset) => {
    const input = fieldset.querySelector(".evidence-input");
    const list = fieldset.querySelector(".evidence-list");
    const numbers = input.value.split(/\s+/).filter(Boolean);
    list.textContent = numbers.length ? numbers.join(" ") : list.dataset.empty;
    const code = fieldset.dataset.code;
    turns.forEach((turn) => {
      turn.classList.toggle(
        "is-cited",
        numbers.includes(turn.dataset.turn) && focused() !== null && focused().dataset.code === code,
      );
    });
  };

  const cite = (turnNumber) => {
    const fieldset = focused();
    if (!fieldset || !form || form.querySelector("input[type=radio]")?.disabled) return;
    const input = fieldset.querySelector(".evidence-input");
    const numbers = input.value.split(/\s+/).filter(Boolean);
    const at = numbers.indexOf(turnNumber);
    if (at >= 0) numbers.splice(at, 1);
    else numbers.push(turnNumber);
    numbers.sort((a, b) => Number(a) - Number(b));
    input.value = numbers.join(" ");
    changed(input);
    showEvidence(fieldset);
  };

  if (criteria.length) {
    const firstOpen = criteria.findIndex((c) => !c.querySelector("input[type=radio]:checked"));
    focusCriterion(firstOpen >= 0 ? firstOpen : 0);
    showEvidence(focused());
    criteria.forEach((fieldset, i) => {
      fieldset.addEventListener("focusin", () => {
        if (criterionIndex !== i) {
          focusCriterion(i, false);
          showEvidence(fieldset);
        }
      });
      fieldset.addEventListener("click", () => {
        if (criterionIndex !== i) {
          focusCriterion(i, false);
          showEvidence(fieldset);
        }
      });
    });
    turns.forEach((turn, i) => {
      turn.addEventListener("click", (event) => {
        if (event.target.closest("details, form, a, button, textarea, input")) return;
        focusTurn(i);
        cite(turn.dataset.turn);
      });
    });
  }

  const confirmSubmit = () => {
    if (!form || !submitButton) return;
    if (dialog && typeof dialog.showModal === "function") {
      dialog.showModal();
      dialog.querySelector("[data-confirm=yes]").focus();
    } else {
      form.requestSubmit(submitButton);
    }
  };
  // The mouse asks as s does: a click on Submit opens the same confirmation (requestSubmit
  // from the dialog sends no click, so the answer goes through).
  if (dialog && submitButton && typeof dialog.showModal === "function") {
    submitButton.addEventListener("click", (event) => {
      event.preventDefault();
      confirmSubmit();
    });
  }
  if (dialog) {
    dialog.addEventListener("click", (event) => {
      const answer = event.target.closest("[data-confirm]");
      if (!answer) return;
      dialog.close();
      if (answer.dataset.confirm === "yes") form.requestSubmit(submitButton);
    });
  }

  const scoreKey = (key) => {
    const fieldset = focused();
    if (!fieldset) return false;
    if (key === "n") {
      pick(fieldset.querySelector("input[type=radio][value=na]"));
      return true;
    }
    const radios = Array.from(fieldset.querySelectorAll("input[type=radio]"));
    // A level whose value is the digit; binary criteria take 0 / 1 alike.
    const radio = radios.find((r) => r.value !== "na" && Number(r.value) === Number(key));
    if (radio) pick(radio);
    return true;
  };

  const openRationale = (fieldset) => {
    const details = fieldset.querySelector("details.rationale");
    if (details) details.open = true;
    fieldset.querySelector("textarea")?.focus();
  };

  const rewriteTurn = () => {
    const turn = turns[turnIndex];
    const details = turn?.querySelector("details.rewrite");
    if (!details) return;
    details.open = true;
    details.querySelector("textarea")?.focus();
  };

  // Flags: f, then the flag's number, toggles it (f 1 is the crisis flag).
  const flagBoxes = Array.from(document.querySelectorAll(".review-flags input[type=checkbox]"));
  let flagPending = false;
  const toggleFlag = (number) => {
    const box = flagBoxes[number - 1];
    if (!box || box.disabled) return;
    box.checked = !box.checked;
    changed(box);
  };

  // Principles on a pair: j / k move between them, h / l / m pick left, right, tie.
  const principleRows = Array.from(document.querySelectorAll(".pair-principles tbody tr"));
  let principleIndex = -1;
  const focusPrinciple = (index) => {
    if (!principleRows.length) return;
    principleIndex = Math.max(0, Math.min(principleRows.length - 1, index));
    principleRows.forEach((row, i) => {
      row.classList.toggle("is-focused", i === principleIndex);
      row.setAttribute("aria-current", i === principleIndex ? "true" : "false");
    });
    principleRows[principleIndex].scrollIntoView({ block: "nearest" });
  };
  const principleKeys = { h: "left", l: "right", m: "tie" };
  const pickPrinciple = (side) => {
    if (principleIndex < 0) focusPrinciple(0);
    const row = principleRows[principleIndex];
    if (row) pick(row.querySelector(`input[type=radio][value=${side}]`));
  };

  const pairKeys = { 1: "left", a: "left", 2: "right", b: "right", 3: "tie", t: "tie", 4: "both_bad", x: "both_bad" };
  const strength = (delta) => {
    const radios = Array.from(document.querySelectorAll("input[name=strength]"));
    if (!radios.length) return;
    const current = radios.findIndex((r) => r.checked);
    const next = current < 0 ? (delta > 0 ? 0 : radios.length - 1) : Math.max(0, Math.min(radios.length - 1, current + delta));
    pick(radios[next]);
  };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (event.key === "Escape" && typing(target)) {
      target.blur();
      event.preventDefault();
      return;
    }
    if (typing(target) || (dialog && dialog.open)) return;
    const key = event.key;
    let handled = true;
    if (flagPending) {
      flagPending = false;
      if (/^[1-9]$/.test(key)) {
        toggleFlag(Number(key));
        event.preventDefault();
        return;
      }
    }
    if (key === "f" && flagBoxes.length) {
      flagPending = true;
    } else if (key === "s") {
      confirmSubmit();
    } else if (kind === "pairwise") {
      if (pairKeys[key]) pick(document.querySelector(`input[name=choice][value=${pairKeys[key]}]`));
      else if (key === "-") strength(-1);
      else if (key === "+" || key === "=") strength(1);
      else if (key === "r") document.getElementById("pair-rationale")?.focus();
      else if (principleRows.length && (key === "j" || key === "ArrowDown")) focusPrinciple(principleIndex + 1);
      else if (principleRows.length && (key === "k" || key === "ArrowUp")) focusPrinciple(principleIndex - 1);
      else if (principleRows.length && principleKeys[key]) pickPrinciple(principleKeys[key]);
      else handled = false;
    } else if (key === "j" || key === "ArrowDown") {
      focusCriterion(criterionIndex + 1);
      showEvidence(focused());
    } else if (key === "k" || key === "ArrowUp") {
      focusCriterion(criterionIndex - 1);
      showEvidence(focused());
    } else if (/^[0-9]$/.test(key) || key === "n") {
      handled = scoreKey(key);
    } else if (key === "]") {
      focusTurn(turnIndex + 1);
    } else if (key === "[") {
      focusTurn(turnIndex - 1);
    } else if (key === "e") {
      if (turnIndex < 0) focusTurn(0);
      cite(turns[turnIndex].dataset.turn);
    } else if (key === "r" && focused()) {
      openRationale(focused());
    } else if (key === "c") {
      document.getElementById("review-comment")?.focus();
    } else if (key === "w") {
      rewriteTurn();
    } else {
      handled = false;
    }
    if (handled) event.preventDefault();
  });
  // Once the work is submitted, Enter goes on to the next item.
  const nextButton = document.getElementById("next-item");
  if (nextButton && !submitButton) nextButton.focus();

  // A refused submit lists its problems at the top: the list takes the focus, and each link
  // puts the focus in the field it names (a plain fragment link only scrolls).
  const summary = document.getElementById("error-summary");
  if (summary) {
    summary.querySelectorAll("a[href^='#']").forEach((link) => {
      link.addEventListener("click", (event) => {
        const target = document.getElementById(link.getAttribute("href").slice(1));
        if (!target) return;
        event.preventDefault();
        const control = target.querySelector("input:checked, input, textarea") ?? target;
        target.scrollIntoView({ block: "center" });
        control.focus({ preventScroll: true });
      });
    });
    summary.focus();
  }

  // Lets a reader (and the browser tests) know the shortcuts are live.
  root.dataset.keysReady = "true";
})();
