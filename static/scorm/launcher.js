// SCORM launcher (content origin, issue 16). It creates the run-time API
// the SCO looks for in its parent window (window.API for SCORM 1.2,
// window.API_1484_11 for 2004) with scorm-again, then loads the SCO in the
// frame below. The API never calls the network: every commit goes to the
// player page on the app's origin by postMessage, with this attempt's
// launch token; the player page posts it to the app. docs/scorm.md.
(function () {
  'use strict';
  var body = document.body;
  var version = body.getAttribute('data-version');
  var appOrigin = body.getAttribute('data-app-origin');
  var token = body.getAttribute('data-token');
  var scoURL = body.getAttribute('data-sco');
  var frame = document.getElementById('sco');
  var host = window.parent;
  if (!host || host === window) {
    return;
  }
  function post(msg) {
    msg.token = token;
    // SECURITY: only the app's origin may receive the learner's data.
    host.postMessage(msg, appOrigin);
  }
  var httpService = {
    processHttpRequest: function (url, params, immediate) {
      post({ type: 'takumi-scorm-commit', cmi: params, terminate: !!immediate });
      return { result: 'true', errorCode: 0 };
    },
    updateSettings: function () {}
  };
  var settings = {
    lmsCommitUrl: appOrigin + '/learn/scorm/commit',
    httpService: httpService,
    autocommit: true,
    autocommitSeconds: 15,
    dataCommitFormat: 'json',
    sendFullCommit: true,
    logLevel: 5
  };
  var api = version === '1.2' ? new window.Scorm12API(settings) : new window.Scorm2004API(settings);
  if (version === '1.2') {
    window.API = api;
  } else {
    window.API_1484_11 = api;
  }
  var started = false;
  window.addEventListener('message', function (ev) {
    // SECURITY: only the player page that framed this launcher starts it.
    if (started || ev.origin !== appOrigin || ev.source !== host) {
      return;
    }
    var d = ev.data;
    if (!d || d.type !== 'takumi-scorm-init') {
      return;
    }
    started = true;
    if (d.init) {
      api.loadFromJSON(d.init);
    }
    frame.src = scoURL;
  });
  // A learner who closes the page mid-SCO: send what the API holds.
  window.addEventListener('pagehide', function () {
    if (started && api.isInitialized && api.isInitialized()) {
      post({ type: 'takumi-scorm-commit', cmi: api.renderCommitCMI(false), terminate: false, unload: true });
    }
  });
  post({ type: 'takumi-scorm-ready' });
})();
