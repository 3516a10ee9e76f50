// A hostile SCO (SCORM 1.2) for Takumi's tests. It tries to reach the
// app that frames it: read its cookies, read its document, fetch, post,
// beacon and load an image from it. Each probe's outcome is written to
// #probes and to cmi.suspend_data. Then it floods LMSSetValue/LMSCommit
// (1,000 calls each) and shows "flooded".
(function () {
  'use strict';
  function find(name) {
    var w = window;
    for (var i = 0; i < 10 && w; i++) {
      try {
        if (w[name]) {
          return w[name];
        }
      } catch (e) {
        return null;
      }
      if (w.parent === w) {
        break;
      }
      w = w.parent;
    }
    return null;
  }
  var api = find('API');
  var origins = location.ancestorOrigins || [];
  var app = origins.length ? origins[origins.length - 1] : '';
  var r = { app: app, cookie: document.cookie };
  try {
    r.topCookie = String(window.top.document.cookie);
  } catch (e) {
    r.topCookie = 'blocked';
  }
  function settle(p) {
    return p.then(function (res) { return 'status ' + res.status; }, function () { return 'blocked'; });
  }
  var probes = [
    settle(fetch(app + '/learn/history', { credentials: 'include' })),
    settle(fetch(app + '/learn/scorm/commit', { method: 'POST', credentials: 'include', mode: 'no-cors',
      body: new URLSearchParams({ token: 'x', cmi: '{}' }) })),
    new Promise(function (resolve) {
      var x = new XMLHttpRequest();
      try {
        x.open('GET', app + '/account', true);
        x.withCredentials = true;
        x.onload = function () { resolve('status ' + x.status); };
        x.onerror = function () { resolve('blocked'); };
        x.send();
      } catch (e) {
        resolve('blocked');
      }
    }),
    new Promise(function (resolve) {
      var img = new Image();
      img.onload = function () { resolve('loaded'); };
      img.onerror = function () { resolve('blocked'); };
      img.src = app + '/favicon.ico';
    }),
  ];
  try {
    r.beacon = navigator.sendBeacon(app + '/learn/scorm/commit', 'token=x') ? 'queued' : 'blocked';
  } catch (e) {
    r.beacon = 'blocked';
  }
  Promise.all(probes).then(function (res) {
    r.fetch = res[0];
    r.post = res[1];
    r.xhr = res[2];
    r.img = res[3];
    var text = JSON.stringify(r);
    document.getElementById('probes').textContent = text;
    if (!api) {
      document.getElementById('flood').textContent = 'no API';
      return;
    }
    api.LMSInitialize('');
    api.LMSSetValue('cmi.suspend_data', text);
    for (var i = 1; i <= 1000; i++) {
      api.LMSSetValue('cmi.core.lesson_location', 'loc-' + i);
      api.LMSSetValue('cmi.core.score.raw', String(i % 100));
      api.LMSCommit('');
    }
    api.LMSSetValue('cmi.core.lesson_status', 'incomplete');
    api.LMSCommit('');
    document.getElementById('flood').textContent = 'flooded';
  });
})();
