// Forms speak Dutch only: the server checks every field and says in Dutch what to fix, so the browser's own
// validation bubbles ("Please fill out this field.") are switched off on every form, Flask-Admin's included.
// Our templates carry `novalidate` themselves; this covers the forms Flask-Admin renders.
document.querySelectorAll("form").forEach(function (form) {
  form.noValidate = true;
});
