// Course player: the lesson page's heartbeat (htmx, every 30 s) adds reading
// time on the server. Skip it while the page is hidden (another tab, a
// minimised window), so only time with the lesson in view counts.
document.addEventListener('htmx:confirm', function (evt) {
  if (document.hidden && evt.target && evt.target.id === 'player-heartbeat') {
    evt.preventDefault();
  }
});
