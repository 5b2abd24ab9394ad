/* Upload with progress for forms marked data-progress="<id of a <progress>>" (statement import).
   The form is sent as it would be (same fields, CSRF token, cookies) but by XMLHttpRequest, so
   the bytes sent can be shown; the server's answer page then replaces this one, as a normal
   submit would. Without script the form posts normally. An external file: the CSP forbids
   inline script. */
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-progress]");
  Array.prototype.forEach.call(forms, function (form) {
    var bar = document.getElementById(form.getAttribute("data-progress"));
    var status = document.getElementById(form.getAttribute("data-progress") + "-status");
    if (!bar || !window.FormData) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var request = new XMLHttpRequest();
      var button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      bar.hidden = false;
      bar.value = 0;
      request.upload.addEventListener("progress", function (progress) {
        if (!progress.lengthComputable) { return; }
        var percent = Math.round(progress.loaded * 100 / progress.total);
        bar.value = percent;
        if (status) { status.textContent = "Uploading: " + percent + " %"; }
      });
      request.upload.addEventListener("load", function () {
        bar.value = 100;
        if (status) { status.textContent = "Uploaded. Reading the statement and proposing matches…"; }
      });
      request.addEventListener("load", function () {
        if (request.responseURL) { window.history.replaceState(null, "", request.responseURL); }
        document.open();
        document.write(request.responseText);
        document.close();
      });
      request.addEventListener("error", function () {
        if (button) { button.disabled = false; }
        if (status) { status.textContent = "The upload failed (connection lost). Nothing was imported; try again."; }
      });
      request.open(form.method.toUpperCase(), form.action);
      request.send(new FormData(form));
    });
  });
}());
