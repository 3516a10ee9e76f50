// SCORM player (app origin, issue 16). The SCO runs in a frame served by
// the content origin; its run-time API there sends each commit here by
// postMessage. This script checks where a message comes from, hands the
// launcher the data the SCO resumes from, and posts commits to the app
// with the page's CSRF token and the attempt's launch token: one request
// at a time, keeping only the newest state while one is in flight (each
// commit carries the whole state, so a flood is coalesced and nothing is
// lost). On leaving the page, what is still unsent goes by sendBeacon.
(function () {
  'use strict';
  var frame = document.getElementById('scorm-frame');
  var form = document.getElementById('scorm-commit');
  if (!frame || !form) {
    return;
  }
  var status = document.getElementById('scorm-status');
  var contentOrigin = frame.getAttribute('data-content-origin');
  var token = form.elements.token.value;
  var url = form.getAttribute('action');
  var inflight = false;
  var pending = null;

  function formData(p) {
    var fd = new FormData();
    fd.append('_csrf', form.elements._csrf.value);
    fd.append('token', token);
    fd.append('cmi', JSON.stringify(p.cmi || {}));
    fd.append('terminate', p.terminate ? '1' : '0');
    return fd;
  }

  var shown = '';
  var msgNode = null;
  var link = null;

  function show(j) {
    if (!j || !j.message) {
      return;
    }
    // The same answer again (a Commit then a Finish) leaves the status
    // and its link as they are: no re-announcement.
    var key = j.message + '\n' + (j.next_url || '');
    if (key === shown) {
      return;
    }
    shown = key;
    // The message and the link are updated in place, never replaced: a
    // person about to follow the link keeps the element under the pointer.
    if (!msgNode) {
      status.textContent = '';
      msgNode = document.createTextNode('');
      status.appendChild(msgNode);
    }
    msgNode.nodeValue = j.message;
    if (j.next_url) {
      if (!link) {
        link = document.createElement('a');
        link.id = 'scorm-next';
        status.appendChild(document.createTextNode(' '));
        status.appendChild(link);
      }
      link.href = j.next_url;
      link.textContent = j.next_label || j.next_url;
    } else if (link) {
      status.removeChild(link.previousSibling);
      status.removeChild(link);
      link = null;
    }
  }

  function send() {
    if (inflight || !pending) {
      return;
    }
    var p = pending;
    pending = null;
    inflight = true;
    fetch(url, { method: 'POST', body: formData(p), credentials: 'same-origin', headers: { Accept: 'application/json' } })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (j) {
          inflight = false;
          show(j);
          send();
        });
      })
      .catch(function () {
        inflight = false;
        if (!pending) {
          pending = p;
        }
        window.setTimeout(send, 3000);
      });
  }

  window.addEventListener('message', function (ev) {
    // SECURITY: only the launcher this page framed, on the content origin.
    if (ev.origin !== contentOrigin || ev.source !== frame.contentWindow) {
      return;
    }
    var d = ev.data;
    if (!d || d.token !== token) {
      return;
    }
    if (d.type === 'takumi-scorm-ready') {
      var init = JSON.parse(frame.getAttribute('data-init') || '{}');
      frame.contentWindow.postMessage({ type: 'takumi-scorm-init', init: init }, contentOrigin);
    } else if (d.type === 'takumi-scorm-commit') {
      pending = { cmi: d.cmi, terminate: d.terminate || (pending !== null && pending.terminate) };
      send();
    }
  });

  window.addEventListener('pagehide', function () {
    if (pending && navigator.sendBeacon) {
      navigator.sendBeacon(url, formData(pending));
      pending = null;
    }
  });

  // The frame loads only now that the listener is in place.
  frame.src = frame.getAttribute('data-src');
})();
