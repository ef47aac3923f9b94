// Stap 2, praktijkopleider: the fields for a new trainer show only while "Nieuwe praktijkopleider" is chosen.
(function () {
  var box = document.getElementById('new-trainer');
  var choice = document.getElementById('trainer-new');
  if (!box || !choice) { return; }
  function sync() { box.style.display = choice.checked ? '' : 'none'; }
  document.querySelectorAll('input[name=trainer]').forEach(function (r) { r.addEventListener('change', sync); });
  sync();
})();
