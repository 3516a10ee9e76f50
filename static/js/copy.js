// Copy buttons: a button with data-copy-target="<input id>" is hidden until
// this script runs (without JavaScript the hint says to select and copy the
// field), then copies the field's value and says so in the status next to
// it (data-copied). If the Clipboard API is refused, the field's text is
// selected so the person can copy it with the keyboard.
(function () {
  var buttons = document.querySelectorAll('button[data-copy-target]');
  Array.prototype.forEach.call(buttons, function (button) {
    var field = document.getElementById(button.getAttribute('data-copy-target'));
    if (!field) {
      return;
    }
    var status = button.parentNode.querySelector('.copy-status');
    button.hidden = false;
    button.addEventListener('click', function () {
      var done = function () {
        if (status) {
          status.textContent = button.getAttribute('data-copied');
        }
      };
      var fallback = function () {
        field.focus();
        field.select();
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(done, fallback);
      } else {
        fallback();
      }
    });
  });
})();
