// The trainer's page: ask once before signing (it locks the form), and warn before leaving unsaved entries.
(function () {
  var form = document.getElementById('review-form');
  if (!form) { return; }
  var dirty = false;
  form.addEventListener('input', function () { dirty = true; });
  form.addEventListener('change', function () { dirty = true; });
  form.addEventListener('submit', function (event) {
    var button = event.submitter;
    var question = button && button.getAttribute('data-confirm-sign');
    if (question && !window.confirm(question)) { event.preventDefault(); return; }
    dirty = false;
  });
  window.addEventListener('beforeunload', function (event) {
    if (dirty) { event.preventDefault(); event.returnValue = ''; }
  });
})();
