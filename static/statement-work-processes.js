// Stap 4.2: a kerntaak's box checks or clears its werkprocessen and shows whether some or all are chosen.
document.querySelectorAll('fieldset.core-task').forEach(function (fs) {
  var toggle = fs.querySelector('.core-task-toggle');
  var boxes = fs.querySelectorAll('input[name^="wp-"]');
  if (!toggle) { return; }
  function sync() {
    var n = 0;
    boxes.forEach(function (b) { if (b.checked) { n++; } });
    toggle.checked = n === boxes.length;
    toggle.indeterminate = n > 0 && n < boxes.length;
  }
  toggle.addEventListener('change', function () { boxes.forEach(function (b) { b.checked = toggle.checked; }); });
  boxes.forEach(function (b) { b.addEventListener('change', sync); });
  sync();
});
