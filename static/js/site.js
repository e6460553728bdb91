// Progressive enhancements; every page works without this file.
(function () {
  "use strict";

  // The Chinese glyphs (fonts-cjk.css, 340 KB a weight) come after the first paint, so
  // the page never waits for them; until they arrive a tiny placeholder face holds each
  // character's place, and nothing moves when they do. Without JavaScript a <noscript>
  // link loads them at once.
  var later = document.currentScript && document.currentScript.dataset.laterStylesheet;
  if (later) {
    requestAnimationFrame(function () {
      setTimeout(function () {
        var link = document.createElement("link");
        link.rel = "stylesheet";
        link.href = later;
        document.head.appendChild(link);
      }, 0);
    });
  }

  // Open the section named in the address (#section-id) so links and the
  // language switcher land on the text, not on a closed box.
  function openFromHash() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    if (!id) return;
    var target = document.getElementById(id);
    if (target && target.tagName === "DETAILS") {
      target.open = true;
      target.scrollIntoView();
    }
  }
  window.addEventListener("hashchange", openFromHash);
  document.addEventListener("DOMContentLoaded", openFromHash);

  // Keep the open section when switching language: carry the hash along
  // (a link for guests, a form that saves the choice on the account otherwise).
  function keepHash(address) {
    var url = new URL(address, window.location.href);
    var next = url.searchParams.get("next");
    if (next) url.searchParams.set("next", next.split("#")[0] + window.location.hash);
    return url.toString();
  }
  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("a[data-keep-hash]");
    if (link && window.location.hash) link.href = keepHash(link.href);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute("data-keep-hash") && window.location.hash) {
      form.action = keepHash(form.action);
    }
  });

  // While this module's audio and PDF are being built, look every 15 seconds whether
  // the page has changed; once they are ready, show it (the open section is kept).
  var building = document.querySelector("[data-refresh-when-built]");
  if (building && window.fetch) {
    var timer = window.setInterval(function () {
      fetch(window.location.pathname, { cache: "no-cache", credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (text) {
          if (text && text.indexOf("data-refresh-when-built") === -1) {
            window.clearInterval(timer);
            window.location.reload();
          }
        })
        .catch(function () {});
    }, 15000);
  }

  // A static copy of the course (`omnicourse export site`) works offline once opened.
  var worker = document.documentElement.getAttribute("data-service-worker");
  if (worker && "serviceWorker" in navigator && window.location.protocol !== "file:") {
    navigator.serviceWorker.register(worker).catch(function () {});
  }

  // Header menus (languages; links on narrow screens): one open at a time, closed by
  // Escape (focus back on the menu's button) or by a click elsewhere.
  var menus = document.querySelectorAll("details[data-menu]");
  function closeMenus(except) {
    menus.forEach(function (menu) { if (menu !== except) menu.open = false; });
  }
  menus.forEach(function (menu) {
    menu.addEventListener("toggle", function () { if (menu.open) closeMenus(menu); });
    menu.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && menu.open) {
        menu.open = false;
        menu.querySelector("summary").focus();
      }
    });
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest || !event.target.closest("details[data-menu]")) closeMenus(null);
  });

  // A printed module has every section open.
  window.addEventListener("beforeprint", function () {
    document.querySelectorAll("details.section:not([open])").forEach(function (details) {
      details.setAttribute("data-opened-for-print", "");
      details.open = true;
    });
  });
  window.addEventListener("afterprint", function () {
    document.querySelectorAll("details[data-opened-for-print]").forEach(function (details) {
      details.removeAttribute("data-opened-for-print");
      details.open = false;
    });
  });

  // Remember which section the learner opened last, so the address can be shared (a
  // section open when the page loads, or opened for printing, leaves the address alone).
  var openedByHand = null;
  document.addEventListener("click", function (event) {
    var summary = event.target.closest && event.target.closest("summary");
    openedByHand = summary ? summary.parentElement : null;
  }, true);
  document.addEventListener("toggle", function (event) {
    var details = event.target;
    if (details !== openedByHand) return;
    openedByHand = null;
    if (details.tagName === "DETAILS" && details.open && details.id) {
      history.replaceState(null, "", "#" + details.id);
    }
  }, true);
})();
