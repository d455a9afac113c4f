// A small, safe markdown renderer for answers: everything is HTML-escaped first, then a
// limited syntax is turned into tags (headings, emphasis, code, lists, tables, links, images).
// Links and images only accept http(s), same-origin paths and inline raster images.
"use strict";

(function (global) {
  function escapeHtml(text) {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }

  function safeUrl(url, image) {
    const u = url.trim();
    if (/^https?:\/\//i.test(u) || /^\/(?!\/)/.test(u)) return u;
    if (image && /^data:image\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=]+$/.test(u)) return u;
    return null;
  }

  function inline(text) {
    // Code spans first, so their content is left alone.
    const codes = [];
    text = text.replace(/`([^`]+)`/g, (_, code) => {
      codes.push(code);
      return "\u0000" + (codes.length - 1) + "\u0000";
    });
    text = text.replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, (m, alt, url) => {
      const safe = safeUrl(url.replace(/&amp;/g, "&"), true);
      return safe ? `<img alt="${alt}" src="${escapeHtml(safe)}" class="report">` : m;
    });
    text = text.replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, (m, label, url) => {
      const safe = safeUrl(url.replace(/&amp;/g, "&"), false);
      return safe ? `<a href="${escapeHtml(safe)}" target="_blank" rel="noopener noreferrer">${label}</a>` : m;
    });
    text = text.replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
    text = text.replace(/(^|[^*])\*([^*\s][^*]*)\*/g, "$1<em>$2</em>");
    text = text.replace(/(^|\W)_([^_\s][^_]*)_(?=\W|$)/g, "$1<em>$2</em>");
    return text.replace(/\u0000(\d+)\u0000/g, (_, i) => `<code>${codes[Number(i)]}</code>`);
  }

  function isTableRow(line) {
    return /^\s*\|.*\|\s*$/.test(line);
  }

  function cells(line) {
    return line.trim().replace(/^\||\|$/g, "").split("|").map((c) => c.trim());
  }

  function render(markdown) {
    const lines = escapeHtml(String(markdown || "")).split(/\r?\n/);
    const out = [];
    let i = 0;
    while (i < lines.length) {
      const line = lines[i];
      if (/^```/.test(line)) {
        const body = [];
        i += 1;
        while (i < lines.length && !/^```/.test(lines[i])) body.push(lines[i++]);
        i += 1;
        out.push(`<pre><code>${body.join("\n")}</code></pre>`);
        continue;
      }
      const heading = /^(#{1,4})\s+(.*)$/.exec(line);
      if (heading) {
        const level = heading[1].length + 1; // the page owns <h1>
        out.push(`<h${level}>${inline(heading[2])}</h${level}>`);
        i += 1;
        continue;
      }
      if (isTableRow(line) && i + 1 < lines.length && /^\s*\|?\s*:?-{3,}/.test(lines[i + 1])) {
        const head = cells(line).map((c) => `<th>${inline(c)}</th>`).join("");
        const rows = [];
        i += 2;
        while (i < lines.length && isTableRow(lines[i])) {
          rows.push("<tr>" + cells(lines[i++]).map((c) => `<td>${inline(c)}</td>`).join("") + "</tr>");
        }
        out.push(`<table><thead><tr>${head}</tr></thead><tbody>${rows.join("")}</tbody></table>`);
        continue;
      }
      const bullet = /^\s*([-*]|\d+\.)\s+/;
      if (bullet.test(line)) {
        const ordered = /^\s*\d+\./.test(line);
        const items = [];
        while (i < lines.length && bullet.test(lines[i])) {
          items.push(`<li>${inline(lines[i].replace(bullet, ""))}</li>`);
          i += 1;
        }
        const tag = ordered ? "ol" : "ul";
        out.push(`<${tag}>${items.join("")}</${tag}>`);
        continue;
      }
      if (!line.trim()) {
        i += 1;
        continue;
      }
      const para = [inline(line)];
      i += 1;
      while (i < lines.length && lines[i].trim() && !/^(#{1,4}\s|```|\s*([-*]|\d+\.)\s)/.test(lines[i])
             && !isTableRow(lines[i])) {
        para.push(inline(lines[i]));
        i += 1;
      }
      out.push(`<p>${para.join("<br>")}</p>`);
    }
    return out.join("\n");
  }

  global.renderMarkdown = render;
})(window);
