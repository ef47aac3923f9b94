// Begeleidingsdocument samenstellen: choosing a kwalificatie refreshes the form; a kerntaak's box follows its
// werkprocessen and the gedrag box is only available with its werkproces.
(function () {
  var form = document.getElementById('compose-form');
  document.querySelectorAll('.js-hide').forEach(function (el) { el.style.display = 'none'; });
  form.querySelectorAll('.js-refresh').forEach(function (select) {
    select.addEventListener('change', function () {
      var block = select.closest('.guidance-block');
      var button = block.querySelector('button[value=refresh]');
      if (form.requestSubmit) { form.requestSubmit(button); } else { button.click(); }
    });
  });
  function sync(row) {
    var wp = row.querySelector('.js-wp'), gedrag = row.querySelector('.js-gedrag');
    if (!gedrag || gedrag.dataset.none) { return; }
    gedrag.disabled = !wp.checked;
    if (!wp.checked) { gedrag.checked = false; }
  }
  form.querySelectorAll('.work-process').forEach(function (row) {
    var gedrag = row.querySelector('.js-gedrag');
    if (gedrag && gedrag.disabled) { gedrag.dataset.none = '1'; }
    sync(row);
    row.querySelector('.js-wp').addEventListener('change', function () { sync(row); });
  });
  form.querySelectorAll('.core-task').forEach(function (task) {
    var all = task.querySelector('.js-task');
    var wps = task.querySelectorAll('.js-wp');
    function update() {
      var n = Array.prototype.filter.call(wps, function (w) { return w.checked; }).length;
      all.checked = n === wps.length; all.indeterminate = n > 0 && n < wps.length;
    }
    update();
    wps.forEach(function (w) { w.addEventListener('change', update); });
    all.addEventListener('change', function () {
      wps.forEach(function (w) { w.checked = all.checked; sync(w.closest('.work-process')); });
    });
  });
})();
