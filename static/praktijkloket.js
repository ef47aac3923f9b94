// Behaviour that templates ask for with data attributes: the Content-Security-Policy allows no inline script
// or event handler, so every page loads this file and the markup only says what it needs.
(function () {
  // <form data-confirm="Vraag?"> asks before it is sent (also Flask-Admin's delete button, see templates/admin).
  document.addEventListener('submit', function (event) {
    var message = event.target.getAttribute && event.target.getAttribute('data-confirm');
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });

  // <input type="checkbox" data-select-all="selector"> checks or clears every box the selector finds.
  document.addEventListener('change', function (event) {
    var selector = event.target.getAttribute && event.target.getAttribute('data-select-all');
    if (!selector) { return; }
    document.querySelectorAll(selector).forEach(function (box) { box.checked = event.target.checked; });
  });

  document.addEventListener('click', function (event) {
    if (!event.target.closest) { return; }
    // Flask-Admin's "Met geselecteerde" actions (modelActions comes from its actions.js).
    var action = event.target.closest('[data-admin-action]');
    if (action) {
      event.preventDefault();
      if (window.modelActions) { window.modelActions.execute(action.getAttribute('data-admin-action')); }
      return;
    }
    // <a data-history-back> goes back one page, like the browser's back button.
    if (event.target.closest('[data-history-back]')) {
      event.preventDefault();
      window.history.back();
      return;
    }
    // Flask-Admin's "Toevoegen" button under a list of embedded forms (faForm comes from its form.js).
    var inline = event.target.closest('[data-inline-field]');
    if (inline) {
      event.preventDefault();
      if (window.faForm) { window.faForm.addInlineField(inline, inline.getAttribute('data-inline-field')); }
      return;
    }
    // Flask-Admin's "Filter toevoegen" items, dropdown toggles and javascript:void(0) links go nowhere: stay
    // on the page (a javascript: URL would also be blocked by the policy and reported as a violation).
    if (event.target.closest('a.filter, a[data-toggle=dropdown][href="#"], a[href^="javascript:"]')) {
      event.preventDefault();
    }
  });
})();
