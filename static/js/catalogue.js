// Catalogue: on a wide screen the filter panel is a sidebar, always open
// (the CSS shows it; this opens the <details> for browsers that cannot).
(function () {
  var wide = window.matchMedia('(min-width: 60rem)');
  function sync() {
    var panel = document.getElementById('filter-panel');
    if (panel && wide.matches) {
      panel.open = true;
    }
  }
  document.addEventListener('DOMContentLoaded', sync);
  wide.addEventListener('change', sync);
})();
