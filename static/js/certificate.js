// Printable certificate: the "Print" button is hidden until this script
// runs (without JavaScript the page says to use the browser's print
// command), then opens the browser's print dialog.
(function () {
  var button = document.getElementById('print-certificate');
  if (!button) {
    return;
  }
  button.hidden = false;
  button.addEventListener('click', function () {
    window.print();
  });
})();
