// Rendering answers: Markdown through marked, sanitized by DOMPurify (both vendored by
// scripts/setup from npm), then charts, tables and code blocks made usable at chat size.
"use strict";

window.OARender = (function () {
  const ready = Boolean(window.marked && window.DOMPurify);
  if (ready) {
    // The page's own heading is h1: an answer's "# Title" becomes h2, "## Part" h3, and so on.
    window.marked.use({
      gfm: true,
      walkTokens(token) {
        if (token.type === "heading") token.depth = Math.min(6, token.depth + 1);
      },
    });
    window.DOMPurify.addHook("afterSanitizeAttributes", (node) => {
      if (node.tagName === "A" && node.getAttribute("href")) {
        node.setAttribute("target", "_blank");
        node.setAttribute("rel", "noopener noreferrer");
      }
    });
  }

  function escapeText(text) {
    const div = document.createElement("div");
    div.textContent = text;
    return div.innerHTML.replace(/\n/g, "<br>");
  }

  // Images kept beside the text in the history come back as `kept:N` (hub/history.py).
  function restoreImages(text, images) {
    if (!images || !images.length) return text;
    return text.replace(/\(kept:(\d+)\)/g, (whole, n) => (images[Number(n)] ? "(" + images[Number(n)] + ")" : whole));
  }

  function copyButton(pre) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "ghost small copy";
    button.textContent = "Copy";
    button.setAttribute("aria-label", "Copy this code");
    button.addEventListener("click", async () => {
      const text = pre.innerText;
      try {
        await navigator.clipboard.writeText(text);
      } catch (err) {
        // Older browsers / insecure origins: select it so Ctrl+C works.
        const range = document.createRange();
        range.selectNodeContents(pre);
        const selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        document.execCommand("copy");
      }
      button.textContent = "Copied";
      setTimeout(() => (button.textContent = "Copy"), 1500);
    });
    return button;
  }

  // Wrap `el` in a box that scrolls sideways on a narrow screen (focusable so keys scroll it).
  function scroller(el, className, label) {
    const box = document.createElement("div");
    box.className = className;
    box.tabIndex = 0;
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", label);
    el.replaceWith(box);
    box.appendChild(el);
    return box;
  }

  function markdown(text, images) {
    const block = document.createElement("div");
    block.className = "markdown";
    const source = restoreImages(String(text || ""), images);
    if (!ready) {
      block.innerHTML = escapeText(source);
      return block;
    }
    block.innerHTML = window.DOMPurify.sanitize(window.marked.parse(source));
    block.querySelectorAll("img").forEach((img) => {
      img.classList.add("report");
      img.loading = "lazy";
      if (!img.getAttribute("alt")) img.setAttribute("alt", "chart");
    });
    block.querySelectorAll("table").forEach((table) => scroller(table, "table-wrap", "Table"));
    block.querySelectorAll("pre").forEach((pre) => {
      const box = scroller(pre, "code-wrap", "Code");
      box.appendChild(copyButton(pre));
    });
    return block;
  }

  const DATE_IDS = /(^|_)(time|when|date|day|schedule)(_|$)/i;

  // A clarification as a small form, one field per question; the answers object is what the
  // flow's resume form takes ({answers: {<question id>: <text>}}).
  function questionForm(questions, onSubmit) {
    const form = document.createElement("form");
    form.className = "questions";
    questions.forEach((q, index) => {
      const field = document.createElement("fieldset");
      const legend = document.createElement("legend");
      legend.textContent = q.question;
      field.appendChild(legend);
      const inputId = "q-" + Math.random().toString(36).slice(2) + "-" + index;
      if (q.choices && q.choices.length) {
        q.choices.forEach((choice, n) => {
          const label = document.createElement("label");
          const input = document.createElement("input");
          input.type = "radio";
          input.name = q.id;
          input.value = choice;
          input.required = true;
          if (n === 0) input.checked = true;
          label.appendChild(input);
          label.appendChild(document.createTextNode(" " + choice));
          field.appendChild(label);
        });
      } else {
        const label = document.createElement("label");
        label.className = "visually-hidden";
        label.htmlFor = inputId;
        label.textContent = q.question;
        const input = document.createElement("input");
        input.type = "text";
        input.id = inputId;
        input.name = q.id;
        input.required = true;
        input.autocomplete = "off";
        field.appendChild(label);
        field.appendChild(input);
        if (DATE_IDS.test(q.id)) {
          // Words ("tomorrow at 6pm") or a picked date and time; the picker fills the text box.
          input.placeholder = "e.g. tomorrow at 18:00";
          const pickLabel = document.createElement("label");
          pickLabel.className = "pick";
          pickLabel.textContent = "or pick ";
          const picker = document.createElement("input");
          picker.type = "datetime-local";
          picker.addEventListener("change", () => {
            if (picker.value) input.value = picker.value.replace("T", " ");
          });
          pickLabel.appendChild(picker);
          field.appendChild(pickLabel);
        }
      }
      form.appendChild(field);
    });
    const button = document.createElement("button");
    button.type = "submit";
    button.textContent = "Answer";
    form.appendChild(button);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const answers = {};
      for (const [key, value] of new FormData(form).entries()) answers[key] = String(value).trim();
      if (onSubmit(answers)) form.querySelectorAll("input, button").forEach((el) => (el.disabled = true));
    });
    return form;
  }

  // The lead-in of a clarification without the list of questions the form shows anyway.
  function withoutQuestionList(content, questions) {
    const asked = new Set(questions.map((q) => "- " + q.question.trim()));
    return String(content || "")
      .split("\n")
      .filter((line) => !asked.has(line.trim()))
      .join("\n")
      .trim();
  }

  return { ready, markdown, questionForm, withoutQuestionList };
})();
