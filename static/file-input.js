// Dutch file pickers: the browser's own button says "Choose File"; show a Bootstrap custom-file control instead.
document.querySelectorAll('input[type=file]:not(.custom-file-input)').forEach(function (input) {
  var wrapper = document.createElement('div');
  wrapper.className = 'custom-file';
  input.parentNode.insertBefore(wrapper, input);
  wrapper.appendChild(input);
  input.classList.remove('form-control-file', 'form-control');
  input.classList.add('custom-file-input');
  if (!input.id) { input.id = 'file-' + Math.random().toString(36).slice(2); }
  var label = document.createElement('label');
  label.className = 'custom-file-label';
  label.setAttribute('for', input.id);
  label.setAttribute('data-browse', 'Bladeren');
  label.textContent = 'Kies een bestand';
  wrapper.appendChild(label);
  input.addEventListener('change', function () {
    label.textContent = input.files.length ? input.files[0].name : 'Kies een bestand';
  });
});
