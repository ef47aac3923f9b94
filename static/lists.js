/* List actions without inline script: the chosen action is posted with the ticked rows, or with alle=1 when the
   user chose every row the filter matches. The server then resolves the ids from the same filter itself; the
   token it gave when the user chose them makes sure they are still the very same rows. */
(function () {
  "use strict";

  // "{n} {deelnemer|deelnemers}" -> "1 deelnemer" / "2 deelnemers" (admin_views.filters.counted does the same).
  function counted(text, n) {
    return text
      .replace(/\{([^{}|]+)\|([^{}|]+)\}/g, function (_all, one, many) { return n === 1 ? one : many; })
      .replace(/\{n\}/g, n.toLocaleString("nl-NL"));
  }

  var data = document.getElementById("list-action-data");
  var form = document.getElementById("list-action-form");
  if (!data || !form) {
    return;
  }
  var total = parseInt(data.getAttribute("data-count"), 10) || 0;
  var confirmations = JSON.parse(data.getAttribute("data-confirmations") || "{}");
  var allInput = document.getElementById("list-action-all");
  var tokenInput = document.getElementById("list-action-token");
  var bar = document.getElementById("select-all-bar");

  function boxes() {
    return Array.prototype.slice.call(document.querySelectorAll("input.action-checkbox"));
  }

  function ticked() {
    return boxes().filter(function (box) { return box.checked; });
  }

  function show(id, visible) {
    var el = document.getElementById(id);
    if (el) {
      el.classList.toggle("d-none", !visible);
    }
  }

  // Each "Selecteer alle" question gets a number; unticking a row (or "Selectie wissen") moves it on, so an
  // answer that arrives after that is ignored instead of choosing every row again.
  var question = 0;

  function setAll(on) {
    allInput.value = on ? "1" : "0";
    if (!on) {
      tokenInput.value = "";
      question += 1;
    }
    show("select-all-page", !on);
    show("select-all-matching", !on);
    show("select-all-chosen", on);
    show("select-all-clear", on);
  }

  function refresh() {
    var all = boxes();
    var pageTicked = all.length > 0 && ticked().length === all.length;
    if (!pageTicked) {
      setAll(false);
    }
    if (bar) {
      bar.classList.toggle("d-none", !pageTicked);
    }
    var toggle = document.querySelector("input.action-rowtoggle");
    if (toggle) {
      toggle.checked = pageTicked;
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.classList.contains("action-rowtoggle")) {
      boxes().forEach(function (box) { box.checked = target.checked; });
    }
    if (target.classList.contains("action-rowtoggle") || target.classList.contains("action-checkbox")) {
      refresh();
    }
  });

  var matching = document.getElementById("select-all-matching");
  if (matching) {
    matching.addEventListener("click", function () {
      var asked = ++question;
      matching.disabled = true;
      window.fetch(data.getAttribute("data-selection-url"), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          return response.json();
        })
        .then(function (answer) {
          var all = boxes();
          if (asked !== question || all.length === 0 || ticked().length !== all.length) {
            return; // the user changed the choice while the answer was on its way
          }
          total = answer.count;
          tokenInput.value = answer.token;
          document.getElementById("select-all-chosen").textContent = counted(data.getAttribute("data-chosen"), total);
          setAll(true);
          document.getElementById("select-all-clear").focus(); // the button that had the focus is hidden now
        })
        .catch(function () {
          if (asked === question) {
            window.alert(data.getAttribute("data-selection-failed"));
          }
        })
        .then(function () {
          matching.disabled = false;
        });
    });
  }
  var clear = document.getElementById("select-all-clear");
  if (clear) {
    clear.addEventListener("click", function () {
      boxes().forEach(function (box) { box.checked = false; });
      setAll(false);
      refresh();
      var toggle = document.querySelector("input.action-rowtoggle");
      if (toggle) {
        toggle.focus(); // the bar with the focused button is hidden now
      }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll("a.list-action"), function (link) {
    link.addEventListener("click", function (event) {
      event.preventDefault();
      var name = link.getAttribute("data-action");
      var all = allInput.value === "1";
      var chosen = ticked();
      if (!all && chosen.length === 0) {
        window.alert(data.getAttribute("data-none-selected"));
        return;
      }
      var n = all ? total : chosen.length;
      var message = confirmations[name];
      if (message && !window.confirm(counted(message, n))) {
        return;
      }
      document.getElementById("list-action-name").value = name;
      Array.prototype.forEach.call(form.querySelectorAll("input[name=rowid]"), function (old) { old.remove(); });
      if (!all) {
        chosen.forEach(function (box) {
          var copy = document.createElement("input");
          copy.type = "hidden";
          copy.name = "rowid";
          copy.value = box.value;
          form.appendChild(copy);
        });
      }
      form.submit();
    });
  });
}());
